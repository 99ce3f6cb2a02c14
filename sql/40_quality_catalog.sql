-- 40_quality_catalog.sql: what the validation and normalisation steps read and write.
--
--   raw_record (staged) --validate_batch--> valid_record (typed)  + quarantine (rejected)
--   valid_record       --normalize_batch--> clean_record (renamed, transformed, keyed)
--
-- Rules are data, checked when they are defined (41_validate.sql, 42_normalize.sql);
-- nothing from a rule is ever concatenated into SQL. Every table carries source_id.

-- The declared shape of a source's records: the field names rules may refer to, and
-- whether a batch with any rejected record is refused whole (all_or_nothing).
CREATE TABLE nightjar.source_schema (
    source_id      bigint PRIMARY KEY REFERENCES nightjar.source ON DELETE CASCADE,
    fields         text[] NOT NULL CHECK (cardinality(fields) > 0),
    all_or_nothing boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.source_schema IS 'the fields of a source''s records and its acceptance policy';

-- One validation rule. kind and params are checked by nightjar.define_validation_rule (C++ compiles
-- the rule: a bad regex or a parameter of the wrong type is refused there).
CREATE TABLE nightjar.validation_rule (
    rule_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id  bigint NOT NULL REFERENCES nightjar.source ON DELETE CASCADE,
    name       text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    kind       text NOT NULL CHECK (kind IN ('required', 'type', 'enum', 'range', 'length', 'regex',
                                             'unique_in_batch', 'unique_existing', 'reference',
                                             'compare', 'custom_sql')),
    field      text NOT NULL,
    params     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    severity   text NOT NULL DEFAULT 'error' CHECK (severity IN ('error', 'warning')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_id, name)
);
COMMENT ON TABLE nightjar.validation_rule IS 'declarative validation rules, evaluated in C++ by nightjar.validate_batch';

-- The records themselves -- valid_record (one partition per source), quarantine and
-- clean_record -- are bulk data outside the extension: nightjar._storage_quality() in
-- 43_quality_storage.sql creates them.

-- quarantine.rule_id is not declared a foreign key: the per-row check of one on every
-- quarantine insert cost validation about 8 % of its time. The guarantee is kept another
-- way: validate_batch locks the rules it evaluates FOR KEY SHARE, so dropping one of them
-- waits until the validation has committed, and this trigger then does what ON DELETE SET
-- NULL did, with one statement per DELETE instead of one per deleted rule.
CREATE FUNCTION nightjar._rule_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE nightjar.quarantine q SET rule_id = NULL FROM gone g WHERE q.rule_id = g.rule_id;
    RETURN NULL;
END $$;
CREATE TRIGGER rule_deleted AFTER DELETE ON nightjar.validation_rule REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION nightjar._rule_deleted();

-- Normalisation rules of a source, applied in kind order: rename, transform, constant,
-- multi, drop, then record_id. Defined as a whole by nightjar.define_normalization_rules.
CREATE TABLE nightjar.normalization_rule (
    source_id  bigint NOT NULL REFERENCES nightjar.source ON DELETE CASCADE,
    position   integer NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('rename', 'transform', 'constant', 'multi', 'drop', 'record_id')),
    params     jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    PRIMARY KEY (source_id, position)
);
COMMENT ON TABLE nightjar.normalization_rule IS 'declarative normalisation of a source''s valid records';

-- _batch_source returns the source of a batch, or raises 22023 naming the batch (the
-- validation and normalisation steps both start with it).
CREATE FUNCTION nightjar._batch_source(batch_id bigint) RETURNS nightjar.source
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_source nightjar.source;
BEGIN
    SELECT s.* INTO v_source FROM nightjar.batch b JOIN nightjar.source s ON s.source_id = b.source_id
    WHERE b.batch_id = _batch_source.batch_id;
    IF v_source.source_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: batch % does not exist', coalesce(_batch_source.batch_id::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_source;
END $$;

SELECT pg_catalog.pg_extension_config_dump('nightjar.source_schema', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.validation_rule', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.normalization_rule', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.validation_rule_rule_id_seq', '');
