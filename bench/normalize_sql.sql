-- normalize_sql.sql: the plain-SQL normalisation that bench/normalize_bench.sql and
-- bench/chain_bench.sh measure nightjar.normalize_batch against: the same rules in jsonb
-- operators, regexp_replace, CASE and contrib unaccent (translate() when it is not
-- available), upserted into public.bench_sql_clean (must exist).
-- psql variables: bench_source_id, bench_batch_id, and sql_valid, the table the batch's
-- valid records are read from (default nightjar.valid_record).
\if :{?sql_valid}
\else
\set sql_valid nightjar.valid_record
\endif
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
WITH v AS (
    SELECT record_no, payload AS p, btrim(payload ->> 'id') AS id,
           btrim(payload ->> 'amount') AS amount,
           regexp_match(btrim(payload ->> 'day'), '^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$') AS dm,
           lower(btrim(regexp_replace(btrim(payload ->> 'email'), '^mailto:', '', 'i'))) AS email
    FROM :sql_valid WHERE source_id = :bench_source_id AND batch_id = :bench_batch_id),
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
