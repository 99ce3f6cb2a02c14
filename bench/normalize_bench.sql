-- normalize_bench.sql: nightjar.normalize_batch (C++) against the same normalisation
-- written in plain SQL (jsonb operators, regexp_replace, CASE, contrib unaccent when it is
-- available, translate() otherwise), in one run.
--   psql -v rows=1000000 -f bench/normalize_bench.sql
-- Data: bench/quality_data.sql's staged batch (8 text fields, a few % bad values). Its
-- raw payloads are copied into valid_record by plain SQL, untimed (values stay text, so the
-- transforms have work to do). Rules: rename, 8 transforms (trim, collapse_spaces,
-- unaccent, parse_decimal_fr, parse_date_fr, clean_email, two maps), a constant, a drop
-- and the record id. Both sides write the same rows — upserted by (source_id, record_id),
-- the last record of a duplicated id winning — into nightjar.clean_record (ours) and a
-- table shaped like it, primary key included (SQL); the script then checks that every
-- payload is identical. Prints records/s of each and the ratio baseline time / ours.
-- Never part of a test: timings vary with the machine.
\set ON_ERROR_STOP 1
\if :{?rows}
\else
\set rows 1000000
\endif
SET client_min_messages = warning;
\ir quality_data.sql

SELECT nightjar._valid_partition(:bench_source_id, 'bench_quality') \g /dev/null
DELETE FROM nightjar.valid_record WHERE source_id = :bench_source_id AND batch_id = :bench_batch_id;
INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload)
SELECT source_id, batch_id, record_no, payload FROM nightjar.raw_record WHERE batch_id = :bench_batch_id;
ANALYZE nightjar.valid_record;
DELETE FROM nightjar.clean_record WHERE source_id = :bench_source_id;
-- The rows just deleted are an earlier run's, with the same record ids. Left dead in the
-- primary key, each of our inserts would meet its dead twin (the unique check fetches it
-- from the heap) from the second run on, while the baseline writes into a new table.
-- Vacuumed, both sides start from tables holding none of these ids, whatever ran before.
VACUUM nightjar.clean_record;

\set rules_source bench_quality
\ir quality_normalization.sql

DROP TABLE IF EXISTS public.bench_sql_clean;
CREATE TABLE public.bench_sql_clean (LIKE nightjar.clean_record INCLUDING ALL);
CHECKPOINT;

-- Ours.
SELECT clock_timestamp() AS t0 \gset
SELECT nightjar.normalize_batch(:bench_batch_id) AS ours_result \gset
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS ours_s \gset
CHECKPOINT;

-- Plain SQL: the same rules on the same rows, the same upsert.
SELECT clock_timestamp() AS t0 \gset
\ir normalize_sql.sql
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS sql_s \gset

-- Same rows on both sides?
SELECT (SELECT count(*) FROM nightjar.clean_record WHERE source_id = :bench_source_id) AS ours_rows,
       (SELECT count(*) FROM public.bench_sql_clean) AS sql_rows,
       (SELECT count(*) FROM (SELECT * FROM nightjar.clean_record WHERE source_id = :bench_source_id) o
        FULL JOIN public.bench_sql_clean s USING (record_id)
        WHERE o.payload IS DISTINCT FROM s.payload OR o.record_no IS DISTINCT FROM s.record_no) AS rows_differing,
       :'have_unaccent' AS contrib_unaccent;
SELECT :rows AS records,
       round(:ours_s::numeric, 2) AS ours_s, round(:rows / :ours_s::numeric) AS ours_records_per_s,
       round(:sql_s::numeric, 2) AS sql_s, round(:rows / :sql_s::numeric) AS sql_records_per_s,
       round(:sql_s::numeric / :ours_s::numeric, 2) AS ratio_sql_over_ours;
\echo :ours_result
DROP TABLE public.bench_sql_clean;
