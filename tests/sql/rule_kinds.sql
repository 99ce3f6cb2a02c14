-- rule_kinds.sql: the lists of rule kinds and transforms live in one place, the C++ core
-- (core/rules/catalog.hpp, returned by nightjar.rule_kinds()); the SQL copies that must
-- exist (CHECK constraints, the comment of nightjar.transform) are compared with it here,
-- so they cannot drift. Also checks the C symbol naming rule of docs/boundary.md.
BEGIN;
SELECT plan(6);

-- check_values returns the quoted values of the CHECK constraint on `col` of `tbl`, in order.
CREATE FUNCTION pg_temp.check_values(tbl regclass, col text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(m[1] ORDER BY n)
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') WITH ORDINALITY AS x(m, n)
    WHERE c.conrelid = tbl AND c.contype = 'c'
      AND pg_get_constraintdef(c.oid) LIKE '%(' || col || ' = ANY%'
$$;
-- kinds returns one list of nightjar.rule_kinds() as text[].
CREATE FUNCTION pg_temp.kinds(list text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(v ORDER BY n) FROM jsonb_array_elements_text(nightjar.rule_kinds() -> list) WITH ORDINALITY AS x(v, n)
$$;

SELECT is(pg_temp.check_values('nightjar.validation_rule', 'kind'), pg_temp.kinds('validation'),
          'the CHECK on nightjar.validation_rule.kind lists the core''s validation kinds, in order');
SELECT is(pg_temp.check_values('nightjar.normalization_rule', 'kind'), pg_temp.kinds('normalization'),
          'the CHECK on nightjar.normalization_rule.kind lists the core''s normalisation kinds, in order');
SELECT is((SELECT array_agg(m[1] ORDER BY n)
           FROM regexp_matches(substring(obj_description('nightjar.transform(text, text, jsonb)'::regprocedure, 'pg_proc')
                                         FROM '\(([^)]*)\)'), '([a-z_]+)', 'g') WITH ORDINALITY AS x(m, n)),
          pg_temp.kinds('transforms'),
          'the comment of nightjar.transform lists the core''s transforms, in order');
SELECT is(cardinality(pg_temp.kinds('multi')), 2, 'two multi-column functions');
SELECT throws_ok($$SELECT nightjar._check_rule('{"name": "r", "kind": "nope", "field": "a"}', ARRAY['a'])$$, '22023',
                 'nightjar: unknown rule kind "nope" (known: ' || array_to_string(pg_temp.kinds('validation'), ', ') || ')',
                 'an unknown kind is refused with the core''s list');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
           WHERE p.pronamespace = 'nightjar'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
             AND p.prosrc <> 'nightjar_' || ltrim(p.proname, '_')),
          NULL::text[],
          'every C function''s symbol is nightjar_ + its SQL name without leading underscores (docs/boundary.md)');

SELECT * FROM finish();
ROLLBACK;
