-- 44_rule_catalog.sql: the rule kinds and transforms as the C++ core knows them — the one
-- list that the CHECK constraints of nightjar.validation_rule and nightjar.normalization_rule, the
-- comment of nightjar.transform and docs/rules.md are tested against
-- (tests/sql/rule_kinds.sql, tests/unit/core/rules_catalog_test.cpp).
CREATE FUNCTION nightjar.rule_kinds() RETURNS jsonb
LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nightjar_rule_kinds';
COMMENT ON FUNCTION nightjar.rule_kinds() IS
    'the validation and normalisation rule kinds, transforms and multi-column functions the C++ core accepts: '
    '{"validation": [...], "normalization": [...], "transforms": [...], "multi": [...]}';
