-- quality_data.sql: staged records for the validation and normalisation benchmarks.
-- psql script; include it with \ir quality_data.sql. Variables: rows (default 100000).
-- Creates source 'bench_quality' (kind sql) if missing, a new staged batch (its id is left
-- in :bench_batch_id, the source's in :bench_source_id) and :rows raw records of 8 fields:
--   id (integer text), amount (decimal text with ','), day (dd/mm/yyyy), code (A-E),
--   email, qty (JSON number), name, active (oui/non/1/0).
-- A few % are bad, each kind at its own period: missing id (1/97), malformed id (1/89),
-- duplicate id (1/83), malformed amount (1/79), negative amount (1/73), Feb 31 (1/71),
-- month 13 (1/67), unknown code (1/61), SQL in the code (1/59), bad email (1/53),
-- qty out of range (1/47), name too long (1/43).
\if :{?rows}
\else
\set rows 100000
\endif
INSERT INTO nightjar.source (name, kind) VALUES ('bench_quality', 'sql') ON CONFLICT (name) DO NOTHING;
SELECT source_id AS bench_source_id FROM nightjar.source WHERE name = 'bench_quality' \gset
INSERT INTO nightjar.batch (source_id, status) VALUES (:bench_source_id, 'staged') RETURNING batch_id AS bench_batch_id \gset
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT :bench_source_id, :bench_batch_id, i, jsonb_strip_nulls(jsonb_build_object(
    'id', CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN 'x' || i WHEN i % 83 = 0 THEN (i - 1)::text ELSE i::text END,
    'amount', CASE WHEN i % 79 = 0 THEN '12.5.3' WHEN i % 73 = 0 THEN '-5,00'
                   ELSE replace(((i::bigint * 7919) % 10000000 / 100.0)::text, '.', ',') END,
    'day', CASE WHEN i % 71 = 0 THEN '31/02/2023' WHEN i % 67 = 0 THEN '01/13/2023'
                ELSE to_char(date '2020-01-01' + (i % 1500), 'DD/MM/YYYY') END,
    'code', CASE WHEN i % 61 = 0 THEN 'Z' WHEN i % 59 = 0 THEN $$'; DROP TABLE x; --$$
                 ELSE (ARRAY['A', 'B', 'C', 'D', 'E'])[1 + i % 5] END,
    'email', CASE WHEN i % 53 = 0 THEN 'user' || i || ' at example' ELSE 'user' || i || '@example.org' END,
    'qty', CASE WHEN i % 47 = 0 THEN 5000 ELSE i % 1000 END,
    'name', CASE WHEN i % 43 = 0 THEN repeat('n', 60) ELSE 'Name ' || i END,
    'active', (ARRAY['oui', 'non', '1', '0'])[1 + i % 4]))
FROM generate_series(1, :rows) i;
UPDATE nightjar.batch SET records = :rows, finished_at = now() WHERE batch_id = :bench_batch_id;
ANALYZE nightjar.raw_record;
