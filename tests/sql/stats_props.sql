-- stats_props.sql: the statistics aggregates against PostgreSQL's own aggregates on
-- random data (NULLs, groups, a single row, large offsets, non-finite values), in serial
-- and parallel plans. Numbers are compared with a relative tolerance, never as text.
BEGIN;
SELECT plan(36);

CREATE FUNCTION pg_temp.close(a float8, b float8, tol float8 DEFAULT 1e-9) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT (a IS NULL AND b IS NULL)
      OR (a = b)
      OR (a IS NOT NULL AND b IS NOT NULL AND abs(a - b) <= tol * greatest(abs(a), abs(b), 1e-300))
$$;

SELECT setseed(0.42);
CREATE TEMP TABLE obs AS
SELECT g % 20 AS grp,
       CASE WHEN random() < 0.05 THEN NULL ELSE (g % 20) * 10 + random() * 100 - 30 END AS y,
       g::float8 AS x
FROM generate_series(1, 20000) g;

-- Per-group moments vs count/avg/var_samp/stddev_samp/var_pop/stddev_pop/min/max -------
CREATE TEMP TABLE cmp AS
SELECT grp, nightjar.stats_agg(y) AS s, count(y) AS n, avg(y) AS mean, var_samp(y) AS var, stddev_samp(y) AS sd,
       var_pop(y) AS vp, stddev_pop(y) AS sdp, min(y) AS mn, max(y) AS mx
FROM obs GROUP BY grp;
SELECT is((SELECT count(*) FROM cmp WHERE (s).n <> n), 0::bigint, 'n = count(y) in every group (NULLs ignored)');
SELECT is((SELECT count(*) FROM cmp WHERE NOT pg_temp.close((s).mean, mean)), 0::bigint, 'mean = avg');
SELECT is((SELECT count(*) FROM cmp WHERE NOT pg_temp.close((s).variance, var)), 0::bigint, 'variance = var_samp');
SELECT is((SELECT count(*) FROM cmp WHERE NOT pg_temp.close((s).stddev, sd)), 0::bigint, 'stddev = stddev_samp');
SELECT is((SELECT count(*) FROM cmp WHERE NOT pg_temp.close((s).variance_pop, vp)), 0::bigint, 'variance_pop = var_pop');
SELECT is((SELECT count(*) FROM cmp WHERE NOT pg_temp.close((s).stddev_pop, sdp)), 0::bigint, 'stddev_pop = stddev_pop');
SELECT is((SELECT count(*) FROM cmp WHERE (s).min <> mn OR (s).max <> mx), 0::bigint, 'min and max are exact');

-- Skewness and kurtosis vs a two-pass SQL computation of G1 and G2 ----------------------
CREATE TEMP TABLE shape AS
WITH m AS (SELECT grp, avg(y) AS mu, count(y)::float8 AS n FROM obs GROUP BY grp),
     c AS (SELECT o.grp, m.n, sum((y - mu)^2) / m.n AS m2, sum((y - mu)^3) / m.n AS m3, sum((y - mu)^4) / m.n AS m4
           FROM obs o JOIN m USING (grp) WHERE y IS NOT NULL GROUP BY o.grp, m.n)
SELECT grp, sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ^ 1.5 AS g1,
       ((n + 1) * (m4 / m2 ^ 2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)) AS g2
FROM c;
SELECT is((SELECT count(*) FROM cmp JOIN shape USING (grp) WHERE NOT pg_temp.close((s).skewness, g1, 1e-7)), 0::bigint,
          'skewness = adjusted Fisher-Pearson G1 computed in two passes');
SELECT is((SELECT count(*) FROM cmp JOIN shape USING (grp) WHERE NOT pg_temp.close((s).kurtosis, g2, 1e-7)), 0::bigint,
          'kurtosis = sample excess kurtosis G2 computed in two passes');

-- Edge cases ------------------------------------------------------------------------
SELECT is((SELECT (nightjar.stats_agg(y)).n FROM obs WHERE false), 0::bigint, 'empty input: n = 0');
SELECT ok((SELECT (s).mean IS NULL AND (s).variance IS NULL AND (s).min IS NULL FROM (SELECT nightjar.stats_agg(y) s FROM obs WHERE false) q),
          'empty input: NULL moments');
SELECT ok((SELECT (s).n = 1 AND (s).mean = 7 AND (s).variance IS NULL AND (s).variance_pop = 0 AND (s).min = 7 AND (s).max = 7
           FROM (SELECT nightjar.stats_agg(7) s) q), 'a single row: mean, min, max, population variance 0, sample variance NULL');
SELECT ok((SELECT pg_temp.close((nightjar.stats_agg(1e8 + v)).variance, var_samp(1e8 + v), 1e-6)
           FROM (SELECT (g % 7)::float8 / 10 AS v FROM generate_series(1, 10000) g) q),
          'values offset by 1e8: variance still matches var_samp');
SELECT ok((SELECT pg_temp.close((nightjar.stats_agg(1e8 + v)).variance, (nightjar.stats_agg(v)).variance, 1e-6)
           FROM (SELECT (g % 7)::float8 / 10 AS v FROM generate_series(1, 10000) g) q),
          'values offset by 1e8: variance equals that of the unshifted values');

-- Non-finite values follow the built-ins (docs/statistics.md) --------------------------
CREATE TEMP TABLE nonfinite (k text, v float8);
INSERT INTO nonfinite VALUES ('nan', 1), ('nan', 'NaN'), ('nan', 3),
                             ('inf', 1), ('inf', 'Infinity'), ('inf', 2),
                             ('both', 'Infinity'), ('both', '-Infinity'), ('both', 5);
SELECT is((SELECT count(*) FROM (SELECT k, nightjar.stats_agg(v) s, avg(v) a, stddev_samp(v) sd, min(v) mn, max(v) mx
                                 FROM nonfinite GROUP BY k) q
           WHERE (s).mean IS DISTINCT FROM a OR (s).stddev IS DISTINCT FROM sd OR (s).min IS DISTINCT FROM mn
              OR (s).max IS DISTINCT FROM mx), 0::bigint,
          'NaN and +/-Infinity: mean, stddev, min, max equal avg, stddev_samp, min, max');

-- Trend vs regr_* --------------------------------------------------------------------
CREATE TEMP TABLE tr AS
SELECT grp, nightjar.trend_agg(y, x) AS t, regr_count(y, x) AS n, regr_slope(y, x) AS slope,
       regr_intercept(y, x) AS icpt, regr_r2(y, x) AS r2, regr_sxx(y, x) AS sxx, regr_syy(y, x) AS syy,
       regr_sxy(y, x) AS sxy, regr_avgx(y, x) AS xbar
FROM obs GROUP BY grp;
SELECT is((SELECT count(*) FROM tr WHERE (t).n <> n), 0::bigint, 'trend n = regr_count');
SELECT is((SELECT count(*) FROM tr WHERE NOT pg_temp.close((t).slope, slope)), 0::bigint, 'slope = regr_slope');
SELECT is((SELECT count(*) FROM tr WHERE NOT pg_temp.close((t).intercept, icpt)), 0::bigint, 'intercept = regr_intercept');
SELECT is((SELECT count(*) FROM tr WHERE NOT pg_temp.close((t).r2, r2)), 0::bigint, 'r2 = regr_r2');
SELECT is((SELECT count(*) FROM tr
           WHERE NOT pg_temp.close((t).residual_stddev, sqrt((syy - sxy * sxy / sxx) / (n - 2)), 1e-7)
              OR NOT pg_temp.close((t).slope_stderr, sqrt((syy - sxy * sxy / sxx) / (n - 2)) / sqrt(sxx), 1e-7)
              OR NOT pg_temp.close((t).intercept_stderr,
                                   sqrt((syy - sxy * sxy / sxx) / (n - 2)) * sqrt(1.0 / n + xbar * xbar / sxx), 1e-7)),
          0::bigint, 'standard errors match the textbook formulas over regr_sxx/syy/sxy');

-- Autocorrelation vs a two-pass SQL computation with lag() ----------------------------
SELECT ok((SELECT pg_temp.close(ours, ref, 1e-9) FROM
            (SELECT nightjar.autocorr_agg(y ORDER BY x) AS ours FROM obs WHERE grp = 3) a,
            (SELECT sum((y - mu) * (prev - mu)) / (SELECT sum((y - mu) ^ 2) FROM obs, (SELECT avg(y) mu FROM obs WHERE grp = 3) m2 WHERE grp = 3) AS ref
             FROM (SELECT y, lag(y) OVER (ORDER BY x) AS prev FROM obs WHERE grp = 3 AND y IS NOT NULL) l,
                  (SELECT avg(y) mu FROM obs WHERE grp = 3) m) b),
          'autocorr_agg equals the two-pass lag-1 definition');
SELECT is((SELECT nightjar.autocorr_agg(v ORDER BY v) FROM (VALUES (1.0::float8)) t(v)), NULL, 'autocorr of one value is NULL');

-- Exact percentiles vs percentile_cont ------------------------------------------------
SELECT is((SELECT count(*) FROM (
             SELECT grp, nightjar.percentiles(y, ARRAY[0, .1, .5, .95, .99, 1]) AS ours,
                    percentile_cont(ARRAY[0, .1, .5, .95, .99, 1]) WITHIN GROUP (ORDER BY y) AS ref
             FROM obs GROUP BY grp) q
           WHERE ours <> ref), 0::bigint, 'percentiles equal percentile_cont exactly in every group');
SELECT is((SELECT nightjar.percentiles(y, ARRAY[.5, NULL, .9]) FROM obs WHERE grp = 1),
          (SELECT ARRAY[percentile_cont(.5) WITHIN GROUP (ORDER BY y), NULL, percentile_cont(.9) WITHIN GROUP (ORDER BY y)] FROM obs WHERE grp = 1),
          'a NULL fraction gives a NULL element');
SELECT is((SELECT nightjar.percentiles(y, ARRAY[.5]) FROM obs WHERE false), NULL, 'no rows: NULL');
SELECT is((SELECT nightjar.percentiles(v, ARRAY[0, .5, 1]) FROM nonfinite WHERE k = 'nan'),
          (SELECT percentile_cont(ARRAY[0, .5, 1]::float8[]) WITHIN GROUP (ORDER BY v) FROM nonfinite WHERE k = 'nan'),
          'NaN sorts last, as in percentile_cont');

-- Approximate percentiles: rank error within the documented bound ----------------------
CREATE TEMP TABLE big AS SELECT random() ^ 3 AS v FROM generate_series(1, 200000);
SELECT ok((SELECT max(abs((SELECT count(*) FROM big WHERE v <= est)::float8 / 200000 - q)) < 0.01
           FROM (SELECT unnest(nightjar.approx_percentiles(v, ARRAY[.5, .95, .99])) AS est,
                        unnest(ARRAY[.5, .95, .99]) AS q FROM big) e),
          'approx_percentiles: rank error below 1% at 0.5, 0.95, 0.99');

-- Parallel plans give the same answers ------------------------------------------------
CREATE TABLE public.nightjar_test_par AS SELECT (g % 1000)::float8 * 1.5 + g::float8 / 1e5 AS v FROM generate_series(1, 300000) g;
ANALYZE public.nightjar_test_par;
CREATE FUNCTION pg_temp.explain_json() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT nightjar.stats_agg(v) FROM public.nightjar_test_par' INTO plan;
  RETURN plan::jsonb;
END $$;
CREATE TEMP TABLE serial AS SELECT nightjar.stats_agg(v) s, nightjar.trend_agg(v, v * 2 + 1) t,
                                   nightjar.percentiles(v, ARRAY[.5, .99]) p FROM public.nightjar_test_par;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
SELECT ok(EXISTS (SELECT 1 FROM (SELECT jsonb_path_query(plan, '$.**."Partial Mode"') AS m
                                 FROM (SELECT (pg_temp.explain_json()) AS plan) e) q WHERE m = '"Partial"'),
          'the planner chooses a partial (parallel) aggregate for stats_agg');
SELECT ok((SELECT pg_temp.close((nightjar.stats_agg(v)).variance, (SELECT (s).variance FROM serial), 1e-10) FROM public.nightjar_test_par),
          'parallel stats_agg = serial stats_agg');
SELECT ok((SELECT pg_temp.close((nightjar.trend_agg(v, v * 2 + 1)).slope, (SELECT (t).slope FROM serial), 1e-10) FROM public.nightjar_test_par),
          'parallel trend_agg = serial trend_agg');
SELECT is((SELECT nightjar.percentiles(v, ARRAY[.5, .99]) FROM public.nightjar_test_par), (SELECT p FROM serial),
          'parallel percentiles = serial percentiles');
-- Parallel GROUP BY: every group's partial states (partly filled value blocks) are
-- serialized, combined and finished; compare all fields with the built-ins, and
-- percentiles (parallel) with percentile_cont (which cannot run in parallel).
CREATE TABLE public.nightjar_test_par_grp AS SELECT floor(v * 10)::bigint % 37 AS k, v FROM public.nightjar_test_par;
ANALYZE public.nightjar_test_par_grp;
CREATE FUNCTION pg_temp.explain_grp_json() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT k, nightjar.stats_agg(v), nightjar.percentiles(v, ARRAY[.5]) FROM public.nightjar_test_par_grp GROUP BY k' INTO plan;
  RETURN plan::jsonb;
END $$;
SELECT ok(EXISTS (SELECT 1 FROM (SELECT jsonb_path_query(plan, '$.**."Partial Mode"') AS m
                                 FROM (SELECT (pg_temp.explain_grp_json()) AS plan) e) q WHERE m = '"Partial"'),
          'the planner chooses a partial (parallel) GROUP BY aggregate for stats_agg and percentiles');
SELECT is((SELECT count(*) FROM (
             SELECT k, nightjar.stats_agg(v) s, count(v) n, avg(v) a, stddev_samp(v) sd, min(v) mn, max(v) mx
             FROM public.nightjar_test_par_grp GROUP BY k) q
           WHERE (s).n <> n OR NOT pg_temp.close((s).mean, a, 1e-12) OR NOT pg_temp.close((s).stddev, sd, 1e-9)
              OR (s).min <> mn OR (s).max <> mx),
          0::bigint, 'parallel GROUP BY stats_agg = count/avg/stddev_samp/min/max in every group');
SELECT is((SELECT count(*) FROM
             (SELECT k, nightjar.percentiles(v, ARRAY[.5, .95, .99]) ours FROM public.nightjar_test_par_grp GROUP BY k) a
             FULL JOIN
             (SELECT k, percentile_cont(ARRAY[.5, .95, .99]) WITHIN GROUP (ORDER BY v) ref
              FROM public.nightjar_test_par_grp GROUP BY k) b USING (k)
           WHERE ours IS DISTINCT FROM ref),
          0::bigint, 'parallel GROUP BY percentiles = percentile_cont in every group');
-- An error inside a per-row transition function (NIGHTJAR_ROW_FUNCTION) is raised with its
-- SQLSTATE and message, and the session stays usable.
SELECT throws_ok($$SELECT nightjar.percentiles(v, ARRAY[[.5], [.6]]) FROM (VALUES (1.0::float8)) t(v)$$,
                 '2202E', 'fractions must be a one-dimensional array',
                 'a PostgreSQL error in the percentiles transition function keeps its SQLSTATE');
SELECT is((SELECT (nightjar.stats_agg(x)).n FROM generate_series(1, 1000) x), 1000::bigint,
          'the backend is still usable after the transition function raised');

SELECT * FROM finish();
ROLLBACK;
