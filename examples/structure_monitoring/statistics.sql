-- statistics.sql: per-structure statistics and trends from nightjar's aggregates, each
-- next to PostgreSQL's built-in answer for the same quantity.
\pset footer off
\echo '-- per-structure statistics: nightjar.stats_agg vs count/avg/stddev_samp'
SELECT structure,
       (s).n, count(frequency_hz) AS "count()",
       round((s).mean::numeric, 6) AS mean, round(avg(frequency_hz)::numeric, 6) AS "avg()",
       round((s).stddev::numeric, 6) AS stddev, round(stddev_samp(frequency_hz)::numeric, 6) AS "stddev_samp()",
       round((s).skewness::numeric, 3) AS skewness, round((s).kurtosis::numeric, 3) AS kurtosis
FROM (SELECT structure, nightjar.stats_agg(frequency_hz) AS s, count(frequency_hz) AS c FROM demo.measurement GROUP BY structure) q
JOIN demo.measurement USING (structure)
GROUP BY structure, s ORDER BY structure;

\echo '-- drift per day: nightjar.trend_agg vs regr_slope (x = days since 2026-09-01)'
SELECT structure,
       round(((t).slope)::numeric, 6) AS slope_per_day, round(regr_slope(frequency_hz, d)::numeric, 6) AS "regr_slope()",
       round(((t).slope_stderr)::numeric, 7) AS slope_stderr, round(((t).r2)::numeric, 4) AS r2,
       round(regr_r2(frequency_hz, d)::numeric, 4) AS "regr_r2()"
FROM (SELECT structure, frequency_hz, extract(epoch FROM measured_at - '2026-09-01')::float8 / 86400 AS d FROM demo.measurement) m
JOIN (SELECT structure, nightjar.trend_agg(frequency_hz, extract(epoch FROM measured_at - '2026-09-01')::float8 / 86400) AS t
      FROM demo.measurement GROUP BY structure) tr USING (structure)
GROUP BY structure, t ORDER BY structure;

\echo '-- percentiles: nightjar.percentiles vs percentile_cont, t-digest estimate, lag-1 autocorrelation'
SELECT structure,
       nightjar.percentiles(frequency_hz, ARRAY[.5, .95, .99])::numeric(8,5)[] AS percentiles,
       (percentile_cont(ARRAY[.5, .95, .99]) WITHIN GROUP (ORDER BY frequency_hz))::numeric(8,5)[] AS "percentile_cont()",
       nightjar.approx_percentiles(frequency_hz, ARRAY[.5, .95, .99])::numeric(8,5)[] AS approx,
       round(nightjar.autocorr_agg(frequency_hz ORDER BY measured_at)::numeric, 4) AS autocorr_lag1
FROM demo.measurement GROUP BY structure ORDER BY structure;
