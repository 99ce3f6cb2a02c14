-- validate_normalize.sql: the one-pass quality step (sql/45_validate_normalize.sql) against
-- the two steps on the same input. Two sources with the same rules get the same records:
-- t_vn_two is validated then normalised (validate_batch, normalize_batch), t_vn_one goes
-- through validate_normalize_batch. Each has an earlier batch (two steps) whose ids the
-- second batch partly overwrites, so the one-pass write meets existing ids (the probe of
-- clean_record) and ids repeated across chunks. The clean rows, the quarantine rows and the
-- counts must be the same; valid_record gets nothing from the one pass. Then: all_or_nothing
-- takes the two steps; the step through run_step; a trigger on the output tables makes the
-- writers fall back to SQL statements (the trigger fires for every row, results unchanged).
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(24);

CREATE SCHEMA t_vn_ref;
CREATE TABLE t_vn_ref.codes (code text PRIMARY KEY);
INSERT INTO t_vn_ref.codes VALUES ('A'), ('B'), ('C');
CREATE FUNCTION t_vn_ref.not_13(p jsonb) RETURNS boolean LANGUAGE sql AS $$
    SELECT coalesce(p ->> 'id', '') <> '13' $$;
INSERT INTO nightjar.source (name, kind) VALUES ('t_vn_two', 'sql'), ('t_vn_one', 'sql'), ('t_vn_aon', 'sql');

-- rules(source) defines the same validation and normalisation rules for `source`.
CREATE FUNCTION pg_temp.rules(p_source text, p_aon boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.define_fields(p_source, ARRAY['id', 'amount', 'day', 'code', 'email', 'name', 'note'], p_aon);
    PERFORM nightjar.define_validation_rule(p_source, 'id_required', 'required', 'id');
    PERFORM nightjar.define_validation_rule(p_source, 'id_integer', 'type', 'id', '{"type": "integer"}');
    -- No unique_in_batch rule: repeated ids reach the normalisation (the later one wins).
    PERFORM nightjar.define_validation_rule(p_source, 'amount_decimal', 'type', 'amount', '{"type": "decimal", "decimal_separator": ","}');
    PERFORM nightjar.define_validation_rule(p_source, 'amount_range', 'range', 'amount', '{"min": 0, "max": 1000}');
    PERFORM nightjar.define_validation_rule(p_source, 'day_date', 'type', 'day', '{"type": "date", "formats": ["%d/%m/%Y"]}');
    PERFORM nightjar.define_validation_rule(p_source, 'code_ref', 'reference', 'code', '{"table": "t_vn_ref.codes", "column": "code"}');
    PERFORM nightjar.define_validation_rule(p_source, 'email_regex', 'regex', 'email', '{"pattern": "^[^@ ]+@[^@ ]+$"}', 'warning');
    PERFORM nightjar.define_validation_rule(p_source, 'name_length', 'length', 'name', '{"max": 20}');
    PERFORM nightjar.define_validation_rule(p_source, 'not_13', 'custom_sql', 'id', '{"function": "t_vn_ref.not_13(jsonb)"}');
    PERFORM nightjar.define_normalization_rules(p_source, $r$[
      {"kind": "rename", "from": "name", "to": "nom"},
      {"kind": "transform", "field": "nom", "function": "collapse_spaces"},
      {"kind": "transform", "field": "nom", "function": "unaccent"},
      {"kind": "transform", "field": "amount", "function": "parse_decimal_fr"},
      {"kind": "transform", "field": "day", "function": "parse_date_fr"},
      {"kind": "transform", "field": "email", "function": "clean_email"},
      {"kind": "transform", "field": "code", "function": "map", "params": {"values": {"a": "alpha", "b": "bravo"}, "case_insensitive": true}},
      {"kind": "constant", "field": "country", "value": "FR"},
      {"kind": "drop", "fields": ["note"]},
      {"kind": "record_id", "source_code": "vn", "id_field": "id"}]$r$);
END $$;
SELECT pg_temp.rules('t_vn_two');
SELECT pg_temp.rules('t_vn_one');
SELECT pg_temp.rules('t_vn_aon', true);

-- stage(source, n, first, variant) stages a batch of n records and returns its id. Bad
-- values at their own periods; record 1500 is a JSON array, 2100 a string; ids repeat
-- across chunks (every 700th record takes the id of the record 600 before it, every
-- 1100th the id of the one 1050 after it); the earlier batch's valid ids are partly the
-- new batch's (the code that passes differs: odd records then, even and odd ones now).
CREATE FUNCTION pg_temp.stage(p_source text, n integer, variant text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_src bigint := (SELECT source_id FROM nightjar.source WHERE name = p_source);
    v_batch bigint;
BEGIN
    INSERT INTO nightjar.batch (source_id, status, records) VALUES (v_src, 'staged', n) RETURNING batch_id INTO v_batch;
    INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
    SELECT v_src, v_batch, i, CASE
        WHEN i = 1500 THEN '[1, 2]'::jsonb
        WHEN i = 2100 THEN '"just a string"'::jsonb
        ELSE jsonb_strip_nulls(jsonb_build_object(
            'id', CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN 'x' || i WHEN i % 700 = 0 THEN (i - 600)::text
                        WHEN i % 1100 = 0 THEN (i + 1050)::text ELSE i::text END,
            'amount', CASE WHEN i % 79 = 0 THEN '12.5.3' WHEN i % 73 = 0 THEN '-5,00' ELSE replace(((i * 37) % 100000 / 100.0)::text, '.', ',') END,
            'day', CASE WHEN i % 71 = 0 THEN '31/02/2023' ELSE to_char(date '2021-01-01' + i % 900, 'DD/MM/YYYY') END,
            'code', CASE WHEN variant = 'old' THEN (ARRAY['b', 'A', 'Z', 'C'])[1 + i % 4]
                         ELSE (ARRAY['A', 'A', 'C', 'Z'])[1 + i % 4] END,
            'email', CASE WHEN i % 53 = 0 THEN 'user' || i || ' at x' ELSE ' User' || i || '@Example.org ' END,
            'name', CASE WHEN i % 43 = 0 THEN repeat('n', 30) ELSE 'Éloïse  ' || variant || ' ' || i END,
            'note', 'n' || i,
            'qty', i % 10))
        END
    FROM generate_series(1, n) i;
    RETURN v_batch;
END $$;

-- An earlier batch each (two steps), then the batch under test.
CREATE TEMP TABLE b AS SELECT pg_temp.stage('t_vn_two', 400, 'old') AS two0, pg_temp.stage('t_vn_one', 400, 'old') AS one0;
SELECT nightjar.validate_batch(two0), nightjar.normalize_batch(two0), nightjar.validate_batch(one0), nightjar.normalize_batch(one0) FROM b \g /dev/null
ALTER TABLE b ADD COLUMN two1 bigint, ADD COLUMN one1 bigint;
UPDATE b SET two1 = pg_temp.stage('t_vn_two', 2500, 'new'), one1 = pg_temp.stage('t_vn_one', 2500, 'new');
CREATE TEMP TABLE r AS
SELECT nightjar.validate_batch(two1) AS v, NULL::jsonb AS n, NULL::jsonb AS one FROM b;
UPDATE r SET n = nightjar.normalize_batch((SELECT two1 FROM b));
UPDATE r SET one = nightjar.validate_normalize_batch((SELECT one1 FROM b));

-- clean(source) and quar(source) are the rows to compare, batch ids as "old"/"new".
CREATE FUNCTION pg_temp.clean(p_source text) RETURNS TABLE (record_id text, batch text, record_no bigint, payload jsonb)
LANGUAGE sql AS $$
    SELECT c.record_id, CASE WHEN c.batch_id IN (SELECT two0 FROM b UNION SELECT one0 FROM b) THEN 'old' ELSE 'new' END,
           c.record_no, c.payload
    FROM nightjar.clean_record c JOIN nightjar.source s USING (source_id) WHERE s.name = p_source $$;
CREATE FUNCTION pg_temp.quar(p_source text) RETURNS TABLE (record_no bigint, rule text, field text, value text, message text, rule_known boolean)
LANGUAGE sql AS $$
    SELECT q.record_no, q.rule, q.field, q.value, q.message,
           q.rule_id IS NOT DISTINCT FROM (SELECT r.rule_id FROM nightjar.validation_rule r WHERE r.source_id = q.source_id AND r.name = q.rule)
    FROM nightjar.quarantine q JOIN nightjar.source s USING (source_id)
    WHERE s.name = p_source AND q.batch_id IN (SELECT two1 FROM b UNION SELECT one1 FROM b) $$;

SELECT ok((SELECT one ->> 'one_pass' FROM r)::boolean, 'validate_normalize_batch ran in one pass');

SELECT cmp_ok((SELECT count(*) FROM pg_temp.clean('t_vn_two') WHERE batch = 'new'), '>', 1000::bigint,
              'the two steps wrote the new batch''s clean rows (the test has something to compare)');
SELECT ok((SELECT count(*) FROM pg_temp.clean('t_vn_two') WHERE batch = 'old') BETWEEN 1 AND 399,
          'and some of the earlier batch''s rows were overwritten, some not');
SELECT cmp_ok((SELECT (n -> 'counts' ->> 'duplicate_ids')::int FROM r), '>=', 2,
              'ids repeated across chunks reached the normalisation (the later record wins)');
SELECT set_eq($$SELECT * FROM pg_temp.clean('t_vn_one')$$, $$SELECT * FROM pg_temp.clean('t_vn_two')$$,
              'clean rows: one pass = two steps (ids, payloads, record numbers, which batch each comes from)');
SELECT is((SELECT count(*) FROM pg_temp.clean('t_vn_one')), (SELECT count(*) FROM pg_temp.clean('t_vn_two')),
          'as many clean rows');
SELECT cmp_ok((SELECT count(*) FROM pg_temp.quar('t_vn_two')), '>', 300::bigint, 'the two steps quarantined records');
SELECT bag_eq($$SELECT * FROM pg_temp.quar('t_vn_one')$$, $$SELECT * FROM pg_temp.quar('t_vn_two')$$,
              'quarantine rows: one pass = two steps (record, rule, field, value, message, rule id)');
SELECT is((SELECT count(*) FROM pg_temp.quar('t_vn_one') WHERE rule = 'record' AND record_no IN (1500, 2100)), 2::bigint,
          'records that are not objects are quarantined by the one pass too');
SELECT is((SELECT count(*) FROM nightjar.valid_record v JOIN b ON v.batch_id = b.one1), 0::bigint,
          'the one pass writes no valid_record rows');
SELECT is((SELECT one -> 'counts' -> 'validation' FROM r), (SELECT v -> 'counts' FROM r), 'per-rule counts: the same');
SELECT is((SELECT one -> 'counts' -> 'normalization' FROM r), (SELECT n -> 'counts' FROM r),
          'normalisation counts (nulled values, no_id, duplicate_ids): the same');
SELECT is((SELECT jsonb_build_array(one -> 'rows_in', one -> 'valid', one -> 'rejected', one -> 'warnings', one -> 'rows_out') FROM r),
          (SELECT jsonb_build_array(v -> 'rows_in', v -> 'rows_out', v -> 'rejected', v -> 'warnings', n -> 'rows_out') FROM r),
          'rows in, valid, rejected, warnings, clean rows out: the same');
SELECT is((SELECT one -> 'payload' FROM r),
          (SELECT jsonb_build_object('batch_id', one1, 'source', 't_vn_one', 'source_id', (SELECT source_id FROM nightjar.source WHERE name = 't_vn_one'),
                                     'valid', (SELECT v -> 'rows_out' FROM r), 'rejected', (SELECT v -> 'rejected' FROM r)) FROM b),
          'the payload passed on names the batch and its valid and rejected counts');

-- Re-run: idempotent, through SQL statements when the output tables have triggers.
CREATE TABLE t_vn_ref.fired (tbl text);
CREATE FUNCTION t_vn_ref.count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO t_vn_ref.fired VALUES (TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER t_vn_count AFTER INSERT ON nightjar.quarantine FOR EACH ROW EXECUTE FUNCTION t_vn_ref.count_row();
CREATE TRIGGER t_vn_count AFTER INSERT ON nightjar.clean_record FOR EACH ROW EXECUTE FUNCTION t_vn_ref.count_row();
UPDATE r SET one = nightjar.validate_normalize_batch((SELECT one1 FROM b));
SELECT is((SELECT count(*) FROM t_vn_ref.fired WHERE tbl = 'quarantine'), (SELECT count(*) FROM pg_temp.quar('t_vn_one')),
          'with a trigger on quarantine, every quarantine row fires it (written by a statement)');
SELECT is((SELECT count(*) FROM t_vn_ref.fired WHERE tbl = 'clean_record'),
          (SELECT count(*) FROM pg_temp.clean('t_vn_one') WHERE batch = 'new'),
          'and every clean row inserted fires the one on clean_record');
SELECT set_eq($$SELECT * FROM pg_temp.clean('t_vn_one')$$, $$SELECT * FROM pg_temp.clean('t_vn_two')$$,
              're-run: the same clean rows');
SELECT bag_eq($$SELECT * FROM pg_temp.quar('t_vn_one')$$, $$SELECT * FROM pg_temp.quar('t_vn_two')$$,
              're-run: the same quarantine rows, not doubled');
DROP TRIGGER t_vn_count ON nightjar.quarantine;
DROP TRIGGER t_vn_count ON nightjar.clean_record;

-- The COPY-path writers keep the table's constraints: a CHECK the rows break fails the step.
SAVEPOINT before_check;
ALTER TABLE nightjar.clean_record ADD CONSTRAINT t_vn_no5 CHECK (record_no <> 5) NOT VALID;  -- record 5: a new id, written directly
SELECT throws_ok($$SELECT nightjar.validate_normalize_batch((SELECT one1 FROM b))$$, '23514', NULL,
                 'a CHECK constraint of clean_record is enforced on rows written directly');
ROLLBACK TO SAVEPOINT before_check;

-- all_or_nothing needs the refusal before any clean row: the two steps, by the same function.
CREATE TEMP TABLE aon AS SELECT nightjar.validate_normalize_batch(pg_temp.stage('t_vn_aon', 300, 'x')) AS res;
SELECT is((SELECT (res ->> 'one_pass', res ->> 'refused', res ->> 'rows_out', res -> 'payload')::text FROM aon),
          '(false,true,0,null)', 'all_or_nothing with rejected records: two steps, refused, no clean rows, nothing passed on');
SELECT is((SELECT count(*) FROM nightjar.clean_record c JOIN nightjar.source s USING (source_id) WHERE s.name = 't_vn_aon'), 0::bigint,
          'and clean_record has none of its rows');

-- As a pipeline step, with the dispatcher's audit.
SELECT nightjar.define_pipeline('t_vn_pipe') \g /dev/null
SELECT nightjar.define_step('t_vn_pipe', 'quality', 'nightjar.validate_normalize_step(jsonb)', 'batch.staged',
                            emits => 'batch.normalized', match => '{"source": "t_vn_one"}') \g /dev/null
CREATE TEMP TABLE hand AS
SELECT * FROM nightjar.run_step('t_vn_pipe', 'quality', (SELECT jsonb_build_object('batch_id', one1, 'source', 't_vn_one') FROM b));
SELECT is((SELECT (status, rows_in, rows_out)::text FROM hand),
          (SELECT format('(succeeded,%s,%s)', v ->> 'rows_in', n ->> 'rows_out') FROM r),
          'run_step: one step run, raw records in, clean rows out');
SELECT is((SELECT result -> 'counts' -> 'validation' FROM hand), (SELECT v -> 'counts' FROM r),
          'its result keeps the per-rule counts');
SELECT throws_ok($$SELECT nightjar.validate_normalize_step('{"source": "t_vn_one"}')$$, '22023',
    'nightjar: validate_normalize_step needs an integer "batch_id" in the event payload, got {"source": "t_vn_one"}',
    'validate_normalize_step without batch_id');

SELECT * FROM finish();
ROLLBACK;
