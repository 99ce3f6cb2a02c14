-- validate_sql.sql: the plain-SQL validation that bench/validate_bench.sql and
-- bench/chain_bench.sh measure nightjar.validate_batch against: the same 10 rules in jsonb
-- operators, CASE, regexes and a window for uniqueness, writing typed valid records into
-- public.bench_sql_valid and one row per failed rule into public.bench_sql_quarantine
-- (both must exist). psql variables: bench_source_id, bench_batch_id, and sql_raw, the
-- table the batch's staged records are read from (default nightjar.raw_record).
\if :{?sql_raw}
\else
\set sql_raw nightjar.raw_record
\endif
WITH r AS MATERIALIZED (
    SELECT record_no, payload AS p,
           row_number() OVER (PARTITION BY CASE WHEN btrim(payload ->> 'id') ~ '^[-+]?[0-9]{1,18}$'
                                                THEN (payload ->> 'id')::bigint END ORDER BY record_no) AS id_seq
    FROM :sql_raw WHERE batch_id = :bench_batch_id),
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
