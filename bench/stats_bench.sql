-- stats_bench.sql: nightjar's statistics aggregates against PostgreSQL's built-ins on
-- the same table in the same run. Prints times (best of :runs) and ratios
-- (built-in time / nightjar time: above 1 means nightjar is faster).
-- Usage: psql -v rows=10000000 -v runs=3 -f bench/stats_bench.sql
\set ON_ERROR_STOP 1
\if :{?rows} \else \set rows 10000000 \endif
\if :{?runs} \else \set runs 3 \endif
SET client_min_messages = notice;

DROP TABLE IF EXISTS public.nightjar_bench_obs;
CREATE UNLOGGED TABLE public.nightjar_bench_obs AS
SELECT (g % 1000)::int AS grp, (random() * 100 + (g % 1000))::float8 AS v
FROM generate_series(1, :rows) g;
VACUUM ANALYZE public.nightjar_bench_obs;

CREATE OR REPLACE FUNCTION pg_temp.best_ms(query text, runs int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity';
BEGIN
  FOR i IN 1..runs LOOP
    t0 := clock_timestamp();
    -- Run the query itself: wrapping it in count(*) would let the planner drop the
    -- unused aggregate outputs and time nothing.
    EXECUTE query;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  RETURN best;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.compare(label text, ours text, theirs text, runs int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE a float8 := pg_temp.best_ms(ours, runs); b float8 := pg_temp.best_ms(theirs, runs);
BEGIN
  RAISE NOTICE '% | nightjar % ms | built-in % ms | ratio built-in/nightjar = %',
    rpad(label, 44), round(a::numeric, 1), round(b::numeric, 1), round((b / a)::numeric, 2);
END $$;

SELECT FROM pg_temp.compare('stats_agg vs count/avg/stddev/min/max (whole)',
  'SELECT nightjar.stats_agg(v) FROM public.nightjar_bench_obs',
  'SELECT count(v), avg(v), stddev_samp(v), min(v), max(v) FROM public.nightjar_bench_obs', :runs);
SELECT FROM pg_temp.compare('stats_agg vs built-ins (GROUP BY 1000)',
  'SELECT grp, nightjar.stats_agg(v) FROM public.nightjar_bench_obs GROUP BY grp',
  'SELECT grp, count(v), avg(v), stddev_samp(v), min(v), max(v) FROM public.nightjar_bench_obs GROUP BY grp', :runs);
SELECT FROM pg_temp.compare('percentiles vs percentile_cont (whole)',
  'SELECT nightjar.percentiles(v, ARRAY[.5,.95,.99]) FROM public.nightjar_bench_obs',
  'SELECT percentile_cont(ARRAY[.5,.95,.99]) WITHIN GROUP (ORDER BY v) FROM public.nightjar_bench_obs', :runs);
SELECT FROM pg_temp.compare('percentiles vs percentile_cont (GROUP BY 1000)',
  'SELECT grp, nightjar.percentiles(v, ARRAY[.5,.95,.99]) FROM public.nightjar_bench_obs GROUP BY grp',
  'SELECT grp, percentile_cont(ARRAY[.5,.95,.99]) WITHIN GROUP (ORDER BY v) FROM public.nightjar_bench_obs GROUP BY grp', :runs);
SELECT FROM pg_temp.compare('approx_percentiles vs exact percentiles',
  'SELECT nightjar.approx_percentiles(v, ARRAY[.5,.95,.99]) FROM public.nightjar_bench_obs',
  'SELECT nightjar.percentiles(v, ARRAY[.5,.95,.99]) FROM public.nightjar_bench_obs', :runs);

-- Largest rank error of the t-digest: rank(estimate)/n - q at each fraction.
WITH est AS (
  SELECT unnest(nightjar.approx_percentiles(v, ARRAY[.5,.95,.99])) AS e, unnest(ARRAY[.5,.95,.99]) AS q
  FROM public.nightjar_bench_obs)
SELECT q AS fraction, e AS estimate,
       round(abs((SELECT count(*) FROM public.nightjar_bench_obs WHERE v <= e)::numeric / :rows - q::numeric), 6) AS rank_error
FROM est;

DROP TABLE public.nightjar_bench_obs;
