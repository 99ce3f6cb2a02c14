-- validate.sql: the validation step end to end — definition-time errors (SQLSTATE 22023
-- and their messages), hostile rule parameters and values that must never execute,
-- valid rows with typed values in the source's partition, quarantine rows, warnings,
-- partial acceptance vs all_or_nothing, idempotent re-runs, reference, unique_existing,
-- custom_sql, and validate_step run by the engine (CALL nightjar.dispatch).
-- dispatch COMMITs, so this file runs outside a transaction block (like engine_dispatch):
-- everything it creates is named t_val* and removed at the start and at the end.
SET client_min_messages = warning;
\set ON_ERROR_STOP 0
-- cleanup removes everything this file creates.
CREATE OR REPLACE PROCEDURE public.t_val_cleanup() LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.drop_pipeline('t_val_pipe');
    DELETE FROM nightjar.event WHERE payload ->> 'source' LIKE 't_val%';
    DELETE FROM nightjar.quarantine WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name LIKE 't_val%');
    DROP TABLE IF EXISTS nightjar.valid_t_val, nightjar.valid_t_val_aon, nightjar.valid_t_val_prog;
    DELETE FROM nightjar.raw_record WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name LIKE 't_val%');
    DELETE FROM nightjar.batch WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name LIKE 't_val%');
    DELETE FROM nightjar.source WHERE name LIKE 't_val%';
    DROP SCHEMA IF EXISTS t_val_ref CASCADE;
END $$;
CALL public.t_val_cleanup();

SELECT plan(79);

CREATE SCHEMA t_val_ref;
CREATE TABLE t_val_ref.codes (code text PRIMARY KEY);
INSERT INTO t_val_ref.codes VALUES ('FR'), ('DE');
-- odd_ok fails id 13, says NULL (pass) for id 14.
CREATE FUNCTION t_val_ref.odd_ok(p jsonb) RETURNS boolean LANGUAGE sql AS $$
    SELECT CASE WHEN p ->> 'id' = '14' THEN NULL ELSE coalesce(p ->> 'id', '') <> '13' END $$;
CREATE FUNCTION t_val_ref.wrong_arg(p text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION t_val_ref.wrong_ret(p jsonb) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
INSERT INTO nightjar.source (name, kind) VALUES ('t_val', 'sql'), ('t_val_aon', 'sql');
CREATE TEMP TABLE ids AS
SELECT (SELECT source_id FROM nightjar.source WHERE name = 't_val') AS src,
       (SELECT source_id FROM nightjar.source WHERE name = 't_val_aon') AS aon;

-- Definition-time errors.
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'id_req', 'required', 'id')$$, '22023',
    'nightjar: source "t_val" has no declared fields; call nightjar.define_fields(''t_val'', ARRAY[...]) first',
    'a rule before the fields: told to call define_fields');
SELECT throws_ok($$SELECT nightjar.define_fields('t_val_nope', ARRAY['a'])$$, '22023',
    'nightjar: source "t_val_nope" does not exist', 'define_fields of an unknown source names it');
SELECT throws_ok($$SELECT nightjar.define_fields('t_val', ARRAY['a', 'b', 'a'])$$, '22023',
    'nightjar: duplicate field names: a', 'duplicate field names are refused');
SELECT throws_ok($$SELECT nightjar.define_fields('t_val', ARRAY['a', ''])$$, '22023',
    'nightjar: field names must be non-empty', 'empty field names are refused');
SELECT lives_ok($$SELECT nightjar.define_fields('t_val', ARRAY['id', 'amount', 'day', 'code', 'name', 'start', 'stop'])$$,
    'define_fields');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r0', 'required', 'ghost')$$, '22023',
    'nightjar: rule r0 (required): field "ghost" is not a declared field of the source (known fields: id, amount, day, code, name, start, stop)',
    'unknown field: the message lists the known fields');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r1', 'regex', 'name', '{"pattern": "[a-z"}')$$, '22023',
    'nightjar: rule r1 (regex): invalid regular expression: missing ]: [a-z', 'a bad regex: RE2''s error');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r2', 'range', 'amount', '{"min": "0"}')$$, '22023',
    'nightjar: rule r2 (range): parameter "min" must be a number, not a string', 'a parameter of the wrong type');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r3', 'enum', 'code', '{"values": ["A"], "sql": "1=1"}')$$, '22023',
    'nightjar: rule r3 (enum): unknown parameter "sql" (known: values)', 'an unknown parameter key');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r4', 'reference', 'code', '{"table": "t_val_ref.nope", "column": "code"}')$$,
    '22023', 'nightjar: rule r4: table "t_val_ref.nope" does not exist', 'an unknown reference table');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r5', 'reference', 'code', '{"table": "t_val_ref.codes", "column": "kode"}')$$,
    '22023', 'nightjar: rule r5: column "kode" does not exist in table t_val_ref.codes', 'an unknown reference column');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r6', 'custom_sql', 'id', '{"function": "t_val_ref.wrong_arg(text)"}')$$,
    '22023', 'nightjar: rule r6: function t_val_ref.wrong_arg(text) must take (jsonb) and return boolean',
    'a custom function with the wrong argument');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r7', 'custom_sql', 'id', '{"function": "t_val_ref.wrong_ret(jsonb)"}')$$,
    '22023', 'nightjar: rule r7: function t_val_ref.wrong_ret(jsonb) must take (jsonb) and return boolean',
    'a custom function with the wrong result type');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r8', 'custom_sql', 'id', '{"function": "t_val_ref.missing(jsonb)"}')$$,
    '22023', 'nightjar: rule r8: function "t_val_ref.missing(jsonb)" does not exist', 'an unknown custom function');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r9', 'sql', 'id')$$, '22023',
    'nightjar: unknown rule kind "sql" (known: required, type, enum, range, length, regex, unique_in_batch, unique_existing, reference, compare, custom_sql)',
    'an unknown kind');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'Bad-Name', 'required', 'id')$$, '22023',
    'nightjar: rule name must match ^[a-z][a-z0-9_]{0,62}$, not ''Bad-Name''', 'a bad rule name');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r10', 'type', 'day', '{"type": "date", "formats": ["%d/%m/%y"]}')$$, '22023',
    'nightjar: rule r10 (type): date format "%d/%m/%y" has unknown directive %y (known: %Y %m %d %H %M %S %f %z %%)',
    'an unknown date directive');
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r11', 'compare', 'start', '{"op": ";", "other": "stop"}')$$, '22023',
    'nightjar: rule r11 (compare): op must be one of <, <=, =, <>, >=, >, not ";"', 'a bad compare operator');
-- Hostile parameters: a table name carrying SQL is only a name that does not exist.
SELECT throws_ok($$SELECT nightjar.define_validation_rule('t_val', 'r12', 'reference', 'code',
                   '{"table": "t_val_ref.codes; DROP TABLE t_val_ref.codes", "column": "code"}')$$,
    '22023', 'nightjar: rule r12: table "t_val_ref.codes; DROP TABLE t_val_ref.codes" does not exist',
    'a table parameter with SQL in it is refused as an unknown table');
SELECT is((SELECT count(*) FROM nightjar.validation_rule WHERE source_id = (SELECT src FROM ids)), 0::bigint, 'no refused rule was stored');

-- The rules of t_val.
SELECT nightjar.define_validation_rule('t_val', 'id_req', 'required', 'id');
SELECT nightjar.define_validation_rule('t_val', 'id_int', 'type', 'id', '{"type": "integer"}');
SELECT nightjar.define_validation_rule('t_val', 'id_uniq', 'unique_in_batch', 'id');
SELECT nightjar.define_validation_rule('t_val', 'amount_dec', 'type', 'amount', '{"type": "decimal", "decimal_separator": ","}');
SELECT nightjar.define_validation_rule('t_val', 'amount_rng', 'range', 'amount', '{"min": 0, "max": 1000}');
SELECT nightjar.define_validation_rule('t_val', 'day_date', 'type', 'day', '{"type": "date", "formats": ["%d/%m/%Y"]}');
SELECT nightjar.define_validation_rule('t_val', 'code_ref', 'reference', 'code', '{"table": "t_val_ref.codes", "column": "code"}');
SELECT nightjar.define_validation_rule('t_val', 'code_sql', 'enum', 'code', $${"values": ["FR", "DE", "'); DROP TABLE t_val_ref.codes; --"]}$$);
SELECT nightjar.define_validation_rule('t_val', 'name_re', 'regex', 'name', '{"pattern": "^[A-Z]"}', 'warning');
SELECT nightjar.define_validation_rule('t_val', 'period', 'compare', 'start', '{"op": "<=", "other": "stop"}');
SELECT nightjar.define_validation_rule('t_val', 'odd', 'custom_sql', 'id', '{"function": "t_val_ref.odd_ok(jsonb)"}');
-- The 0.1 names are aliases of define_validation_rule and drop_validation_rule.
SELECT nightjar.define_rule('t_val', 'alias_check', 'required', 'id') AS alias_id \gset
SELECT is(:alias_id::bigint, (SELECT r.rule_id FROM nightjar.validation_rule r JOIN nightjar.source s USING (source_id)
                              WHERE s.name = 't_val' AND r.name = 'alias_check'),
          'define_rule (0.1 name) is an alias of define_validation_rule');
SELECT is(nightjar.drop_rule('t_val', 'alias_check'), true, 'drop_rule (0.1 name) is an alias of drop_validation_rule');
SELECT is((SELECT count(*) FROM nightjar.validation_rule WHERE name = 'alias_check'), 0::bigint, 'which dropped the rule');
SELECT is(nightjar.define_validation_rule('t_val', 'period', 'compare', 'start', '{"op": "<=", "other": "stop"}'),
          (SELECT rule_id FROM nightjar.validation_rule WHERE name = 'period' AND source_id = (SELECT src FROM ids)),
          'define_validation_rule upserts by (source, name) and returns the same id');
SELECT throws_ok($$SELECT nightjar.define_fields('t_val', ARRAY['id', 'amount'])$$, '22023',
    'nightjar: rules use fields that would no longer be declared: code_ref (field code), code_sql (field code), day_date (field day), name_re (field name), period (field start)',
    'define_fields refuses to drop fields that rules use');

-- Batch 1.
INSERT INTO nightjar.batch (source_id, status) SELECT src, 'staged' FROM ids;
CREATE TEMP TABLE b AS SELECT max(batch_id) AS b1 FROM nightjar.batch WHERE source_id = (SELECT src FROM ids);
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT (SELECT src FROM ids), (SELECT b1 FROM b), n, p::jsonb FROM (VALUES
    (1, '{"id": "1", "amount": "12,50", "day": "29/02/2024", "code": "FR", "name": "Alice", "start": 1, "stop": 2}'),
    (2, '{"id": "2", "amount": "12.50"}'),
    (3, '{"id": " 1 ", "code": "DE"}'),
    (4, '{"amount": "1", "code": "FR"}'),
    (5, '{"id": "5", "code": "XX", "name": "bob"}'),
    (6, '{"id": "6", "name": "bob"}'),
    (7, '{"id": "7", "start": 5, "stop": 2}'),
    (8, '{"id": "13"}'),
    (9, '{"id": "14"}'),
    (10, $${"id": "10", "name": "'); DROP TABLE t_val_ref.codes; --"}$$),
    (11, '{"id": "11", "day": "30/02/2024"}'),
    (12, '{"id": "12", "amount": "1000,01"}')) v(n, p);
CREATE TEMP TABLE r1 AS SELECT nightjar.validate_batch((SELECT b1 FROM b)) AS r;

SELECT is((SELECT (r ->> 'rows_in', r ->> 'rows_out', r ->> 'rejected', r ->> 'warnings', r ->> 'refused')::text FROM r1),
          '(12,4,8,2,false)', 'rows in, out, rejected, with warnings; not refused');
SELECT is((SELECT r -> 'counts' FROM r1),
          '{"id_req": 1, "id_int": 0, "id_uniq": 1, "amount_dec": 1, "amount_rng": 1, "day_date": 1, "code_ref": 1, "code_sql": 1, "name_re": 3, "period": 1, "odd": 1}'::jsonb,
          'failures per rule');
SELECT is((SELECT r -> 'payload' FROM r1),
          jsonb_build_object('batch_id', (SELECT b1 FROM b), 'source', 't_val', 'source_id', (SELECT src FROM ids), 'valid', 4, 'rejected', 8),
          'the result carries the payload to pass on: batch, source, counts');
SELECT is((SELECT array_agg(record_no ORDER BY record_no) FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b)),
          ARRAY[1, 6, 9, 10]::bigint[], 'the valid records are kept (partial acceptance)');
SELECT is((SELECT payload FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b) AND record_no = 1),
          '{"id": 1, "amount": 12.50, "day": "2024-02-29", "code": "FR", "name": "Alice", "start": 1, "stop": 2}'::jsonb,
          'typed values: integer, decimal with '','' as a JSON number, ISO date');
SELECT is((SELECT jsonb_typeof(payload -> 'amount') || '/' || jsonb_typeof(payload -> 'id') FROM nightjar.valid_record
           WHERE batch_id = (SELECT b1 FROM b) AND record_no = 1), 'number/number', 'numbers are JSON numbers');
SELECT ok(to_regclass('nightjar.valid_t_val') IS NOT NULL
          AND (SELECT count(*) FROM nightjar.valid_t_val) = 4, 'the rows are in the source''s partition nightjar.valid_t_val');
SELECT is((SELECT warnings FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b) AND record_no = 6),
          '[{"rule": "name_re", "field": "name", "message": "does not match ^[A-Z]"}]'::jsonb,
          'a warning keeps the record and flags it');
SELECT is((SELECT warnings FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b) AND record_no = 1), NULL,
          'no warnings: NULL');
SELECT results_eq(
    $q$SELECT record_no, rule, field, value, message FROM nightjar.quarantine WHERE batch_id = (SELECT b1 FROM b) ORDER BY record_no, rule$q$,
    $q$VALUES (2::bigint, 'amount_dec', 'amount', '12.50', 'is not a decimal number'),
             (3, 'id_uniq', 'id', ' 1 ', 'is a duplicate within the batch'),
             (4, 'id_req', 'id', NULL, 'is missing'),
             (5, 'code_ref', 'code', 'XX', 'is not in t_val_ref.codes.code'),
             (5, 'code_sql', 'code', 'XX', 'is not one of the allowed values'),
             (7, 'period', 'start', '5', 'is not <= stop'),
             (8, 'odd', 'id', '13', 'fails t_val_ref.odd_ok(jsonb)'),
             (11, 'day_date', 'day', '30/02/2024', 'is not a date'),
             (12, 'amount_rng', 'amount', '1000,01', 'is greater than 1000')$q$,
    'quarantine: one row per failed error rule with record, rule, field, value and message');
SELECT ok((SELECT bool_and(q.rule_id = r.rule_id) FROM nightjar.quarantine q JOIN nightjar.validation_rule r ON r.name = q.rule AND r.source_id = q.source_id
           WHERE q.batch_id = (SELECT b1 FROM b)), 'quarantine rows carry the rule id');
SELECT ok(to_regclass('t_val_ref.codes') IS NOT NULL AND (SELECT count(*) FROM t_val_ref.codes) = 2,
          'hostile enum values and record values executed nothing');
SELECT is((SELECT payload -> 'name' FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b) AND record_no = 10),
          to_jsonb($$'); DROP TABLE t_val_ref.codes; --$$::text), 'a hostile value is stored as plain data');
SELECT is((SELECT count(*) FROM nightjar.event WHERE (payload ->> 'batch_id')::bigint = (SELECT b1 FROM b)), 0::bigint,
          'a direct call emits nothing: no event, no pipeline started');

-- Re-running replaces the earlier results.
SELECT is((SELECT nightjar.validate_batch((SELECT b1 FROM b)) -> 'counts' = r -> 'counts' FROM r1), true, 'a re-run gives the same counts');
SELECT is((SELECT count(*) FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b)), 4::bigint, 'a re-run does not double valid rows');
SELECT is((SELECT count(*) FROM nightjar.quarantine WHERE batch_id = (SELECT b1 FROM b)), 9::bigint, 'nor quarantine rows');

-- unique_existing and batch 2 with hostile values.
SELECT nightjar.define_validation_rule('t_val', 'id_new', 'unique_existing', 'id');
INSERT INTO nightjar.batch (source_id, status) SELECT src, 'staged' FROM ids;
ALTER TABLE b ADD COLUMN b2 bigint;
UPDATE b SET b2 = (SELECT max(batch_id) FROM nightjar.batch WHERE source_id = (SELECT src FROM ids));
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT (SELECT src FROM ids), (SELECT b2 FROM b), n, p FROM (VALUES
    (1, '{"id": "1"}'::jsonb),
    (2, jsonb_build_object('id', '100', 'name', 'A' || repeat('é', 500000))),
    (3, '{"id": "101", "name": "A\u0001\"''\\ \ud83d\ude00"}'),
    (4, jsonb_build_object('id', '102', 'amount', repeat('9', 1000000))),
    (5, '{"id": "103", "amount": 1e309, "extra": {"nested": [1, "x"]}}')) v(n, p);
CREATE TEMP TABLE r2 AS SELECT nightjar.validate_batch((SELECT b2 FROM b)) AS r;
SELECT is((SELECT (r ->> 'rows_in', r ->> 'rows_out', r ->> 'rejected')::text FROM r2), '(5,2,3)', 'batch 2: 2 valid, 3 rejected');
SELECT is((SELECT array_agg(rule || ':' || record_no ORDER BY record_no) FROM nightjar.quarantine WHERE batch_id = (SELECT b2 FROM b)),
          ARRAY['id_new:1', 'amount_rng:4', 'amount_rng:5'], 'unique_existing refuses an id already valid in batch 1; huge numbers are out of range');
SELECT is((SELECT octet_length(value) FROM nightjar.quarantine WHERE batch_id = (SELECT b2 FROM b) AND record_no = 4), 1000,
          'a 1 MB value is cut to 1000 bytes in quarantine');
SELECT is((SELECT length(payload ->> 'name') FROM nightjar.valid_record WHERE batch_id = (SELECT b2 FROM b) AND record_no = 2), 500001,
          'a 1 MB string passes through intact');
SELECT is((SELECT payload ->> 'name' FROM nightjar.valid_record WHERE batch_id = (SELECT b2 FROM b) AND record_no = 3),
          E'A\u0001"''\\ \U0001F600', 'control characters, quotes, backslashes and emoji pass through intact');
SELECT throws_ok($$SELECT '{"id": "\u0000"}'::jsonb$$, '22P05', NULL, 'jsonb itself refuses \u0000, so no record can carry it');
SELECT throws_ok($$SELECT '{"id": "\ud800"}'::jsonb$$, '22P02', NULL,
                 'and lone UTF-16 surrogates, so every staged string is valid UTF-8');
SELECT is((SELECT count(*) FROM nightjar.valid_record WHERE batch_id = (SELECT b1 FROM b)), 4::bigint, 'batch 1 untouched');
SELECT is((SELECT (nightjar.validate_batch((SELECT b1 FROM b)) ->> 'rows_out')), '4',
          'unique_existing ignores the batch''s own earlier rows on re-run');

-- unique_existing probes an index per chunk (1000 records): batch 3 spans three chunks and
-- repeats batch 2's valid ids 100 and 101 in its third chunk.
INSERT INTO nightjar.batch (source_id, status) SELECT src, 'staged' FROM ids;
ALTER TABLE b ADD COLUMN bchunks bigint;
UPDATE b SET bchunks = (SELECT max(batch_id) FROM nightjar.batch WHERE source_id = (SELECT src FROM ids));
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT (SELECT src FROM ids), (SELECT bchunks FROM b), g,
       jsonb_build_object('id', CASE g WHEN 2100 THEN '100' WHEN 2200 THEN ' 0101 ' WHEN 100 THEN '5100' WHEN 101 THEN '5101'
                                       ELSE g::text END)
FROM generate_series(1, 2500) g;
SELECT nightjar.validate_batch((SELECT bchunks FROM b)) IS NOT NULL;
SELECT is((SELECT count(*) FROM nightjar.quarantine WHERE batch_id = (SELECT bchunks FROM b) AND rule = 'id_new'),
          (SELECT count(*) FROM nightjar.raw_record r WHERE r.batch_id = (SELECT bchunks FROM b)
           AND EXISTS (SELECT 1 FROM nightjar.valid_record v WHERE v.source_id = r.source_id AND v.batch_id <> r.batch_id
                       AND v.payload ->> 'id' = ltrim(btrim(r.payload ->> 'id'), '0'))),
          'unique_existing refuses exactly the ids valid in other batches, in every chunk');
SELECT ok((SELECT array_agg(record_no ORDER BY record_no) FROM nightjar.quarantine
           WHERE batch_id = (SELECT bchunks FROM b) AND rule = 'id_new') @> ARRAY[2100, 2200]::bigint[],
          'including batch 2''s ids in the third chunk (" 0101 " compared as the integer 101)');
SELECT ok(EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = 'nightjar.valid_t_val'::regclass
                  AND pg_get_indexdef(i.indexrelid) LIKE '%((payload ->> ''id''::text))%'),
          'the probe''s expression index is on the source''s partition');

-- A rule cannot be dropped while a validation that evaluates it is running (it holds the
-- rules FOR KEY SHARE): a second real connection validates batch 1 and stays open. (Batch 1
-- has no quarantine row of id_new, so only that lock can make the drop wait.)
SELECT dblink_connect('t_val_lock', nightjar_test.connstr());
SELECT dblink_exec('t_val_lock', 'BEGIN');
SELECT * FROM dblink('t_val_lock', format('SELECT nightjar.validate_batch(%s) IS NOT NULL', (SELECT b1 FROM b))) AS x(ok boolean);
SET lock_timeout = '200ms';
SELECT throws_ok($$SELECT nightjar.drop_validation_rule('t_val', 'id_new')$$, '55P03', NULL,
                 'dropping a rule waits for a running validation that evaluates it');
RESET lock_timeout;
SELECT dblink_exec('t_val_lock', 'ROLLBACK');
SELECT dblink_disconnect('t_val_lock');

-- drop_validation_rule; the quarantine rows it refused keep the rule's name and lose its id.
SELECT is(nightjar.drop_validation_rule('t_val', 'id_new'), true, 'drop_validation_rule drops');
SELECT is((SELECT (rule, rule_id IS NULL)::text FROM nightjar.quarantine WHERE batch_id = (SELECT b2 FROM b) AND record_no = 1),
          '(id_new,t)', 'a dropped rule''s quarantine rows keep its name, their rule_id becomes NULL');
SELECT is((SELECT count(*) FROM nightjar.quarantine WHERE batch_id = (SELECT b2 FROM b) AND rule_id IS NOT NULL), 2::bigint,
          'the other rules'' quarantine rows keep their rule_id');
SELECT is(nightjar.drop_validation_rule('t_val', 'id_new'), false, 'and says false when there is nothing');

-- all_or_nothing.
SELECT nightjar.define_fields('t_val_aon', ARRAY['id']);
SELECT nightjar.define_validation_rule('t_val_aon', 'id_int', 'type', 'id', '{"type": "integer"}');
INSERT INTO nightjar.batch (source_id, status) SELECT aon, 'staged' FROM ids;
ALTER TABLE b ADD COLUMN b3 bigint;
UPDATE b SET b3 = (SELECT max(batch_id) FROM nightjar.batch WHERE source_id = (SELECT aon FROM ids));
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT (SELECT aon FROM ids), (SELECT b3 FROM b), n, p FROM (VALUES (1, '{"id": 1}'::jsonb), (2, '{"id": "x"}')) v(n, p);
SELECT is((SELECT (r ->> 'rows_out', r ->> 'rejected', r ->> 'refused')::text FROM (SELECT nightjar.validate_batch((SELECT b3 FROM b)) r) x),
          '(1,1,false)', 'partial acceptance by default: the good record passes');
SELECT nightjar.define_fields('t_val_aon', ARRAY['id'], all_or_nothing => true);
DELETE FROM nightjar.event WHERE topic = 'batch.validated' AND payload ->> 'source' = 't_val_aon';
CREATE TEMP TABLE r3 AS SELECT nightjar.validate_batch((SELECT b3 FROM b)) AS r;
SELECT is((SELECT (r ->> 'rows_out', r ->> 'rejected', r ->> 'refused', r ? 'payload', r -> 'payload')::text FROM r3),
          '(0,1,true,t,null)', 'all_or_nothing: refused, 0 rows out, "payload": null (nothing to pass on)');
SELECT is((SELECT count(*) FROM nightjar.valid_record WHERE batch_id = (SELECT b3 FROM b)), 0::bigint, 'no valid row is written');
SELECT is((SELECT count(*) FROM nightjar.quarantine WHERE batch_id = (SELECT b3 FROM b)), 1::bigint, 'the quarantine is still written');
SELECT is((SELECT count(*) FROM nightjar.event WHERE topic = 'batch.validated' AND payload ->> 'source' = 't_val_aon'), 0::bigint,
          'a refused batch emits nothing');

-- Errors of validate_batch / validate_step.
SELECT throws_ok($$SELECT nightjar.validate_batch(-1)$$, '22023', 'nightjar: batch -1 does not exist', 'an unknown batch');
SELECT throws_ok($$SELECT nightjar.validate_step('{"source": "t_val"}')$$, '22023',
    'nightjar: validate_step needs an integer "batch_id" in the event payload, got {"source": "t_val"}',
    'validate_step without batch_id');

-- Through the engine: a pipeline whose step is validate_step, triggered by batch.staged.
SELECT nightjar.define_pipeline('t_val_pipe');
SELECT nightjar.define_step('t_val_pipe', 'validate', 'nightjar.validate_step(jsonb)', 'batch.staged', emits => 'batch.validated');
CREATE TEMP TABLE ev AS
SELECT nightjar.emit('batch.staged', jsonb_build_object('batch_id', (SELECT b1 FROM b), 'source', 't_val', 'source_id', (SELECT src FROM ids))) AS id;
CALL nightjar.dispatch(pipeline => 't_val_pipe');
SELECT is((SELECT (sr.status, sr.attempt, sr.rows_in, sr.rows_out)::text FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 't_val_pipe'),
          '(succeeded,1,12,4)', 'the dispatcher ran validate_step and recorded rows in/out');
SELECT is((SELECT sr.result -> 'counts' ->> 'name_re' FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 't_val_pipe'), '3', 'and the per-rule counts in its result');
SELECT is((SELECT count(*) FROM nightjar.event WHERE topic = 'batch.validated' AND parent_event_id = (SELECT id FROM ev)), 1::bigint,
          'the dispatcher emitted batch.validated once, inside the step''s run');
SELECT is((SELECT payload FROM nightjar.event WHERE topic = 'batch.validated' AND parent_event_id = (SELECT id FROM ev)),
          jsonb_build_object('batch_id', (SELECT b1 FROM b), 'source', 't_val', 'source_id', (SELECT src FROM ids), 'valid', 4, 'rejected', 8),
          'with the payload validate_step returned');
SELECT is((SELECT status FROM nightjar.run_status WHERE pipeline = 't_val_pipe'), 'succeeded', 'the run succeeded');
-- By hand: run_step runs the step with the dispatcher's audit and emits nothing.
CREATE TEMP TABLE hand AS
SELECT * FROM nightjar.run_step('t_val_pipe', 'validate', jsonb_build_object('batch_id', (SELECT b1 FROM b), 'source', 't_val'));
SELECT is((SELECT (status, attempt, rows_in, rows_out)::text FROM hand), '(succeeded,1,12,4)',
          'run_step runs validate_step by hand and returns its step run');
SELECT is((SELECT count(*) FROM nightjar.event WHERE topic = 'batch.validated' AND payload ->> 'source' = 't_val'), 1::bigint,
          'run_step emits nothing (still the one batch.validated of the dispatched run)');

-- Progress: a long validation shows how far it got in pg_stat_activity.query, seen from
-- another session, and puts the statement's text back at the end. 2,500 records, a
-- custom rule of 1 ms each; the line appears after the first chunk of 1,000 is read.
CREATE FUNCTION t_val_ref.slow_ok(p jsonb) RETURNS boolean LANGUAGE sql AS $$ SELECT true FROM pg_sleep(0.001) $$;
INSERT INTO nightjar.source (name, kind) VALUES ('t_val_prog', 'sql');
SELECT nightjar.define_fields('t_val_prog', ARRAY['id']);
SELECT nightjar.define_validation_rule('t_val_prog', 'slow', 'custom_sql', 'id', '{"function": "t_val_ref.slow_ok(jsonb)"}');
INSERT INTO nightjar.batch (source_id, status, records)
SELECT source_id, 'staged', 2500 FROM nightjar.source WHERE name = 't_val_prog';
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT b.source_id, b.batch_id, i, jsonb_build_object('id', i)
FROM nightjar.batch b JOIN nightjar.source s USING (source_id), generate_series(1, 2500) i WHERE s.name = 't_val_prog';
SELECT dblink_connect('t_val_prog', nightjar_test.connstr());
CREATE TEMP TABLE prog AS
SELECT pid, (SELECT max(batch_id) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_val_prog') AS batch_id
FROM dblink('t_val_prog', 'SELECT pg_backend_pid()') AS r(pid int);
SELECT dblink_send_query('t_val_prog', format('SELECT nightjar.validate_batch(%s) ->> ''rows_out''', (SELECT batch_id FROM prog)));
SELECT is(nightjar_test.wait_activity((SELECT pid FROM prog), 'nightjar.validate_batch(%): % of 2500 records read'),
          format('nightjar.validate_batch(%s): 1000 of 2500 records read', (SELECT batch_id FROM prog)),
          'a running validation shows its progress in pg_stat_activity');
SELECT is((SELECT rows_out FROM dblink_get_result('t_val_prog') AS r(rows_out text)), '2500', 'and finishes');
SELECT count(*) FROM dblink_get_result('t_val_prog') AS r(rows_out text);
SELECT is(nightjar_test.wait_activity((SELECT pid FROM prog), 'SELECT nightjar.validate_batch(%'),
          format('SELECT nightjar.validate_batch(%s) ->> ''rows_out''', (SELECT batch_id FROM prog)),
          'then the statement''s own text is back');
SELECT dblink_disconnect('t_val_prog');

-- Typed valid payloads are written straight into jsonb's format (extension/pg/jsonb_object.cpp):
-- more keys than one JEntry stride (32), nested containers, numbers (aligned), null,
-- booleans, an empty key, long and non-ASCII keys; each must equal its reparse, byte size included.
INSERT INTO nightjar.batch (source_id, status) SELECT src, 'staged' FROM ids;
CREATE TEMP TABLE bw AS SELECT max(batch_id) AS b FROM nightjar.batch WHERE source_id = (SELECT src FROM ids);
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT (SELECT src FROM ids), (SELECT b FROM bw), n,
       (SELECT jsonb_object_agg('k' || g, CASE g % 5 WHEN 0 THEN to_jsonb(g * 1.5) WHEN 1 THEN to_jsonb('v' || g)
                                                   WHEN 2 THEN 'null'::jsonb WHEN 3 THEN to_jsonb(g % 2 = 0)
                                                   ELSE jsonb_build_object('a', jsonb_build_array(1, 'x', g * 0.25)) END)
        FROM generate_series(1, 40) g)
       || jsonb_build_object('id', ' 0' || (9000 + n) || ' ', '', 'empty key', repeat('é', 70), 12345678901234567890.5,
                             'amount', n * 7)
FROM generate_series(1, 3) n;
SELECT is((nightjar.validate_batch((SELECT b FROM bw)) ->> 'rows_out'), '3', 'three wide records valid');
SELECT is((SELECT count(*) FROM nightjar.valid_record WHERE batch_id = (SELECT b FROM bw)
           AND payload = payload::text::jsonb AND pg_column_size(payload) = pg_column_size(payload::text::jsonb)), 3::bigint,
          'each written payload equals its reparse, byte for byte in size');
SELECT is((SELECT v.payload::text FROM nightjar.valid_record v WHERE v.batch_id = (SELECT b FROM bw) AND v.record_no = 2),
          (SELECT (r.payload || '{"id": 9002}')::text FROM nightjar.raw_record r WHERE r.batch_id = (SELECT b FROM bw) AND r.record_no = 2),
          'a wide record keeps every key and value, its id typed');

SELECT * FROM finish();
CALL public.t_val_cleanup();
DROP PROCEDURE public.t_val_cleanup();
