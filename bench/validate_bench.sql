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
\set rules_source bench_quality
\ir quality_validation.sql
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
\ir validate_sql.sql
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
