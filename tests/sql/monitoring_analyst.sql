-- monitoring_analyst.sql: nightjar.mac (real, complex) and nightjar.comac — values
-- against hand computations and PostgreSQL's own arithmetic, volatility, and errors (22023).
BEGIN;
SELECT plan(20);

SELECT ok(abs(nightjar.mac('{1,2,3}', '{3,2,1}') - 100.0 / 196) < 1e-12, 'mac: (10)² / (14 · 14)');
SELECT ok(abs(nightjar.mac('{0.3,-1.2,4.5}', '{0.3,-1.2,4.5}') - 1) < 1e-12, 'mac of a vector with itself is 1');
SELECT ok(abs(nightjar.mac('{1,2,-3}', '{-2,-4,6}') - 1) < 1e-12, 'mac is blind to scaling and sign');
-- Against the same formula written in SQL over random vectors.
SELECT ok(max(abs(nightjar.mac(a, b) - (SELECT sum(x * y) ^ 2 / (sum(x * x) * sum(y * y))
                                        FROM unnest(a, b) AS u(x, y)))) < 1e-12,
          'mac equals (Σab)² / (Σa² Σb²) computed by PostgreSQL on 200 random pairs')
FROM (SELECT array_agg(random() - 0.5) AS a, array_agg(random() - 0.5) AS b
      FROM generate_series(1, 200 * 30) g GROUP BY g % 200) v;
SELECT ok(abs(nightjar.mac('{1,0}', '{0,1}', '{1,1}', '{0,0}') - 0.5) < 1e-12, 'complex mac: a = (1, i), b = (1, 1) → 0.5');
SELECT ok(abs(nightjar.mac('{1,0}', '{0,1}', '{0,-1}', '{1,0}') - 1) < 1e-12, 'complex mac: b = i·a → 1');
SELECT ok(abs(nightjar.mac('{1,0}', '{0,1}', '{1,0}', '{0,-1}')) < 1e-12, 'complex mac: a = (1, i), b = (1, −i) → 0');
SELECT is(nightjar.comac('{{1,2},{1,0}}', '{{1,1},{-1,1}}'), '{1,0.5}'::float8[], 'comac per column, hand computed');
SELECT is(nightjar.comac('{1,2}', '{1,1}'), '{1,1}'::float8[], 'comac of one mode (a one-dimensional array) is 1');
SELECT is((SELECT array_agg(provolatile::text || proisstrict::text || proparallel::text ORDER BY oid) FROM pg_proc
           WHERE oid IN ('nightjar.mac(float8[], float8[])'::regprocedure,
                         'nightjar.mac(float8[], float8[], float8[], float8[])'::regprocedure,
                         'nightjar.comac(float8[], float8[])'::regprocedure)),
          '{itrues,itrues,itrues}', 'IMMUTABLE STRICT PARALLEL SAFE');
SELECT is(nightjar.mac(NULL, '{1}'), NULL, 'STRICT: a NULL array gives NULL');

SELECT throws_ok($$SELECT nightjar.mac('{1,2}', '{1,2,3}')$$, '22023', 'nightjar: different mode shape dimensions 2 and 3', 'dimension mismatch');
SELECT throws_ok($$SELECT nightjar.mac('{}', '{}')$$, '22023', 'nightjar: mode shapes must not be empty', 'empty vectors');
SELECT throws_ok($$SELECT nightjar.mac('{0,0}', '{1,2}')$$, '22023', 'nightjar: mode shape a is all zero', 'all-zero vector');
SELECT throws_ok($$SELECT nightjar.mac('{1,NULL}', '{1,2}')$$, '22023', 'nightjar: a must not contain NULL', 'NULL element');
SELECT throws_ok($$SELECT nightjar.mac('{1,0}', '{0}', '{1,0}', '{0,1}')$$, '22023',
                 'nightjar: real and imaginary parts of a have different dimensions 2 and 1', 'complex: parts of different lengths');
SELECT throws_ok($$SELECT nightjar.mac('{0,0}', '{0,0}', '{1,0}', '{0,1}')$$, '22023', 'nightjar: mode shape a is all zero', 'complex: all-zero');
SELECT throws_ok($$SELECT nightjar.comac('{{1,2}}', '{{1,2},{1,1}}')$$, '22023',
                 'nightjar: different matrix dimensions 1x2 and 2x2', 'comac: dimension mismatch');
SELECT throws_ok($$SELECT nightjar.comac('{{1,0},{1,0}}', '{{1,1},{1,1}}')$$, '22023',
                 'nightjar: COMAC: degree of freedom 2 is zero in every mode of a', 'comac: a zero column');
SELECT throws_ok($$SELECT nightjar.comac('{{1,NULL}}', '{{1,1}}')$$, '22023', 'nightjar: a must not contain NULL', 'comac: NULL element');

SELECT * FROM finish();
ROLLBACK;
