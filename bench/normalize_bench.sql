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

SELECT nightjar.define_normalization_rules('bench_quality', $$[
  {"kind": "rename", "from": "name", "to": "nom"},
  {"kind": "transform", "field": "id", "function": "trim"},
  {"kind": "transform", "field": "nom", "function": "collapse_spaces"},
  {"kind": "transform", "field": "nom", "function": "unaccent"},
  {"kind": "transform", "field": "amount", "function": "parse_decimal_fr"},
  {"kind": "transform", "field": "day", "function": "parse_date_fr"},
  {"kind": "transform", "field": "email", "function": "clean_email"},
  {"kind": "transform", "field": "code", "function": "map",
   "params": {"values": {"a": "alpha", "b": "bravo", "c": "charlie", "d": "delta", "e": "echo"}, "case_insensitive": true}},
  {"kind": "transform", "field": "active", "function": "map",
   "params": {"values": {"oui": "true", "1": "true", "non": "false", "0": "false"}}},
  {"kind": "constant", "field": "country", "value": "FR"},
  {"kind": "drop", "fields": ["qty"]},
  {"kind": "record_id", "source_code": "bench_quality", "id_field": "id"}
]$$) \g /dev/null

SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent') AS have_unaccent \gset
\if :have_unaccent
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION pg_temp.bench_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT public.unaccent(t) $$;
\else
CREATE OR REPLACE FUNCTION pg_temp.bench_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT translate(t, 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ',
                       'aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY') $$;
\endif
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
WITH v AS (
    SELECT record_no, payload AS p, btrim(payload ->> 'id') AS id,
           btrim(payload ->> 'amount') AS amount,
           regexp_match(btrim(payload ->> 'day'), '^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$') AS dm,
           lower(btrim(regexp_replace(btrim(payload ->> 'email'), '^mailto:', '', 'i'))) AS email
    FROM nightjar.valid_record WHERE source_id = :bench_source_id AND batch_id = :bench_batch_id),
c AS (
    SELECT DISTINCT ON (record_id) * FROM (
        SELECT 'bench_quality_' || id AS record_id, record_no,
               (p - 'qty' - 'name') || jsonb_build_object(
                   'id', id,
                   'nom', pg_temp.bench_unaccent(btrim(regexp_replace(p ->> 'name', '\s+', ' ', 'g'))),
                   'amount', CASE WHEN amount ~ '^[-+]?[0-9]{1,3}( [0-9]{3})*(,[0-9]+)?$|^[-+]?[0-9]+(,[0-9]+)?$'
                                  THEN replace(replace(amount, ' ', ''), ',', '.')::numeric END,
                   'day', CASE WHEN dm IS NOT NULL AND dm[2]::int BETWEEN 1 AND 12 AND dm[1]::int >= 1
                                    AND dm[1]::int <= extract(day FROM make_date(dm[3]::int, dm[2]::int, 1)
                                                                       + interval '1 month - 1 day')
                               THEN to_char(make_date(dm[3]::int, dm[2]::int, dm[1]::int), 'YYYY-MM-DD') END,
                   'email', CASE WHEN email ~ '^[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'
                                 THEN email END,
                   'code', CASE lower(p ->> 'code') WHEN 'a' THEN 'alpha' WHEN 'b' THEN 'bravo' WHEN 'c' THEN 'charlie'
                                WHEN 'd' THEN 'delta' WHEN 'e' THEN 'echo' ELSE p ->> 'code' END,
                   'active', CASE p ->> 'active' WHEN 'oui' THEN 'true' WHEN '1' THEN 'true' WHEN 'non' THEN 'false'
                                  WHEN '0' THEN 'false' ELSE p ->> 'active' END,
                   'country', 'FR') AS payload
        FROM v WHERE id <> '') x
    ORDER BY record_id, record_no DESC)
INSERT INTO public.bench_sql_clean AS t (source_id, record_id, batch_id, record_no, payload)
SELECT :bench_source_id, record_id, :bench_batch_id, record_no, payload FROM c
ON CONFLICT (source_id, record_id) DO UPDATE SET batch_id = excluded.batch_id, record_no = excluded.record_no,
    payload = excluded.payload, updated_at = now() WHERE t.batch_id <= excluded.batch_id;
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
