-- measurements.sql: a deterministic sample measurement series for the demo — hourly
-- first-mode frequencies of five monitored structures over 60 days, with a slow drift
-- (one structure degrades faster), daily temperature cycles and a few missing values.
DROP SCHEMA IF EXISTS demo CASCADE;
CREATE SCHEMA demo;
SELECT setseed(0.2026);
CREATE TABLE demo.measurement AS
SELECT s.structure,
       t AS measured_at,
       CASE WHEN random() < 0.02 THEN NULL
            ELSE s.f0 - s.drift * extract(epoch FROM t - '2026-09-01')::float8 / 86400
                 + 0.02 * sin(2 * pi() * extract(hour FROM t) / 24) + 0.01 * (random() - 0.5)
       END AS frequency_hz
FROM (VALUES ('viaduct_a', 2.41, 0.0001), ('viaduct_b', 3.05, 0.0001), ('bridge_c', 1.87, 0.0008),
             ('tower_d', 0.92, 0.00005), ('dam_e', 5.60, 0.0002)) AS s(structure, f0, drift),
     generate_series('2026-09-01'::timestamptz, '2026-10-30 23:00', '1 hour') AS t;
