-- validate_bench.sql: nightjar.validate_batch (C++) against the same validation written
-- in plain SQL (jsonb operators, CASE, regexes, a window for uniqueness), in one run.
--   psql -v rows=1000000 -f bench/validate_bench.sql
-- Both sides read the same staged batch and write the same rows: typed valid records
-- into a table shaped like nightjar.valid_record (primary key included) and one
-- quarantine row per failed rule into a table shaped like nightjar.quarantine (identity
-- and index included). Prints records/s of each and the ratio baseline time / ours.
-- Never part of a test: timings vary with the machine.
\set ON_ERROR_STOP 1
\if :{?rows}
\else
\set rows 1000000
\endif
SET client_min_messages = warning;
\ir quality_data.sql

SELECT nightjar.define_fields('bench_quality', ARRAY['id', 'amount', 'day', 'code', 'email', 'qty', 'name', 'active']);
DELETE FROM nightjar.validation_rule WHERE source_id = :bench_source_id;
SELECT nightjar.define_validation_rule('bench_quality', 'id_required', 'required', 'id') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'id_integer', 'type', 'id', '{"type": "integer"}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'id_unique', 'unique_in_batch', 'id') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'amount_decimal', 'type', 'amount', '{"type": "decimal", "decimal_separator": ","}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'amount_range', 'range', 'amount', '{"min": 0, "max": 100000}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'day_date', 'type', 'day', '{"type": "date", "formats": ["%d/%m/%Y"]}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'code_enum', 'enum', 'code', '{"values": ["A", "B", "C", "D", "E"]}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'email_regex', 'regex', 'email', '{"pattern": "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$"}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'qty_range', 'range', 'qty', '{"min": 0, "max": 1000}') \g /dev/null
SELECT nightjar.define_validation_rule('bench_quality', 'name_length', 'length', 'name', '{"max": 40}') \g /dev/null
-- Create the partition beforehand, so neither side pays for DDL.
SELECT nightjar._valid_partition(:bench_source_id, 'bench_quality') \g /dev/null
DROP TABLE IF EXISTS public.bench_sql_valid, public.bench_sql_quarantine;
CREATE TABLE public.bench_sql_valid (LIKE nightjar.valid_record INCLUDING ALL);  -- the parent carries the primary key
CREATE TABLE public.bench_sql_quarantine (LIKE nightjar.quarantine INCLUDING ALL);
CHECKPOINT;

-- Ours.
SELECT clock_timestamp() AS t0 \gset
SELECT nightjar.validate_batch(:bench_batch_id) AS ours_result \gset
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS ours_s \gset
CHECKPOINT;

-- Plain SQL doing the same checks and writes.
SELECT clock_timestamp() AS t0 \gset
WITH r AS MATERIALIZED (
    SELECT record_no, payload AS p,
           row_number() OVER (PARTITION BY CASE WHEN btrim(payload ->> 'id') ~ '^[-+]?[0-9]{1,18}$'
                                                THEN (payload ->> 'id')::bigint END ORDER BY record_no) AS id_seq
    FROM nightjar.raw_record WHERE batch_id = :bench_batch_id),
d AS MATERIALIZED (
    SELECT r.*, m[1]::int AS dd, m[2]::int AS mm, m[3]::int AS yy
    FROM r LEFT JOIN LATERAL regexp_match(btrim(p ->> 'day'), '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$') m ON true),
checks AS MATERIALIZED (
    SELECT d.record_no, c.*
    FROM d, LATERAL (VALUES
        ('id_required', 'id', p ->> 'id',
         CASE WHEN p ->> 'id' IS NULL THEN 'is missing' WHEN btrim(p ->> 'id') = '' THEN 'is blank' END),
        ('id_integer', 'id', p ->> 'id',
         CASE WHEN btrim(p ->> 'id') !~ '^[-+]?[0-9]{1,18}$' THEN 'is not an integer' END),
        ('id_unique', 'id', p ->> 'id',
         CASE WHEN btrim(p ->> 'id') ~ '^[-+]?[0-9]{1,18}$' AND id_seq > 1 THEN 'is a duplicate within the batch' END),
        ('amount_decimal', 'amount', p ->> 'amount',
         CASE WHEN btrim(p ->> 'amount') !~ '^[-+]?[0-9]*(,[0-9]+)?$' OR btrim(p ->> 'amount') ~ '^[-+]?$'
              THEN 'is not a decimal number' END),
        ('amount_range', 'amount', p ->> 'amount',
         CASE WHEN btrim(p ->> 'amount') ~ '^[-+]?[0-9]*(,[0-9]+)?$' AND btrim(p ->> 'amount') !~ '^[-+]?$' THEN
              CASE WHEN replace(btrim(p ->> 'amount'), ',', '.')::numeric < 0 THEN 'is less than 0'
                   WHEN replace(btrim(p ->> 'amount'), ',', '.')::numeric > 100000 THEN 'is greater than 100000' END END),
        ('day_date', 'day', p ->> 'day',
         CASE WHEN p ? 'day' AND (yy IS NULL OR yy < 1 OR mm NOT BETWEEN 1 AND 12 OR dd < 1
                   OR dd > extract(day FROM make_date(yy, mm, 1) + interval '1 month - 1 day')) THEN 'is not a date' END),
        ('code_enum', 'code', p ->> 'code',
         CASE WHEN p ->> 'code' NOT IN ('A', 'B', 'C', 'D', 'E') THEN 'is not one of the allowed values' END),
        ('email_regex', 'email', p ->> 'email',
         CASE WHEN p ->> 'email' !~ '^[^@\s]+@[^@\s]+\.[a-z]{2,}$' THEN 'does not match ^[^@\s]+@[^@\s]+\.[a-z]{2,}$' END),
        ('qty_range', 'qty', p ->> 'qty',
         CASE WHEN jsonb_typeof(p -> 'qty') = 'number' AND (p -> 'qty')::numeric < 0 THEN 'is less than 0'
              WHEN jsonb_typeof(p -> 'qty') = 'number' AND (p -> 'qty')::numeric > 1000 THEN 'is greater than 1000' END),
        ('name_length', 'name', p ->> 'name',
         CASE WHEN length(p ->> 'name') > 40 THEN 'is longer than 40 characters' END)
    ) c(rule, field, value, message)
    WHERE c.message IS NOT NULL),
q AS (
    INSERT INTO public.bench_sql_quarantine (source_id, batch_id, record_no, rule_id, rule, field, value, message)
    SELECT :bench_source_id, :bench_batch_id, c.record_no, NULL, c.rule, c.field, c.value, c.message FROM checks c)
INSERT INTO public.bench_sql_valid (source_id, batch_id, record_no, payload)
SELECT :bench_source_id, :bench_batch_id, d.record_no,
       d.p || jsonb_strip_nulls(jsonb_build_object(
           'id', btrim(d.p ->> 'id')::bigint,
           'amount', replace(btrim(d.p ->> 'amount'), ',', '.')::numeric,
           'day', CASE WHEN d.yy IS NOT NULL THEN to_char(make_date(d.yy, d.mm, d.dd), 'YYYY-MM-DD') END))
FROM d WHERE NOT EXISTS (SELECT 1 FROM checks c WHERE c.record_no = d.record_no);
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS sql_s \gset

-- Same rows on both sides?
SELECT (SELECT count(*) FROM nightjar.valid_record WHERE source_id = :bench_source_id AND batch_id = :bench_batch_id) AS ours_valid,
       (SELECT count(*) FROM public.bench_sql_valid) AS sql_valid,
       (SELECT count(*) FROM nightjar.quarantine WHERE batch_id = :bench_batch_id) AS ours_quarantine,
       (SELECT count(*) FROM public.bench_sql_quarantine) AS sql_quarantine,
       (SELECT count(*) FROM nightjar.valid_record v JOIN public.bench_sql_valid s USING (record_no)
        WHERE v.batch_id = :bench_batch_id AND v.payload <> s.payload) AS payloads_differing;
SELECT :rows AS records,
       round(:ours_s::numeric, 2) AS ours_s, round(:rows / :ours_s::numeric) AS ours_records_per_s,
       round(:sql_s::numeric, 2) AS sql_s, round(:rows / :sql_s::numeric) AS sql_records_per_s,
       round(:sql_s::numeric / :ours_s::numeric, 2) AS ratio_sql_over_ours;
\echo :ours_result
DROP TABLE public.bench_sql_valid, public.bench_sql_quarantine;
