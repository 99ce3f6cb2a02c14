-- boundary.sql: every path through the C++ <-> PostgreSQL boundary gives a clean error
-- with the right SQLSTATE; the backend survives; savepoints keep working.
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE backend AS SELECT pg_backend_pid() AS pid;

SELECT throws_ok($$SELECT nightjar.boundary_selftest('invalid_argument')$$, '22023',
                 'selftest: invalid argument', 'core::InvalidArgument -> 22023');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('data_error')$$, '22000',
                 'selftest: data error', 'core::DataError -> 22000');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('bad_alloc')$$, '53200',
                 'out of memory in nightjar', 'std::bad_alloc -> 53200');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('runtime_error')$$, 'XX000',
                 'selftest: internal error', 'other std::exception -> XX000');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('unknown')$$, 'XX000',
                 'unknown C++ exception in nightjar', 'non-std exception -> XX000');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('pg_error')$$, '22P02',
                 'invalid input syntax for type integer: "not a number"',
                 'a PostgreSQL error raised under the guard keeps its SQLSTATE and message');
SELECT is(nightjar.boundary_selftest('pg_error_caught'),
          'recovered: invalid input syntax for type integer: "not a number"',
          'C++ can catch a PostgreSQL error from the guard and carry on');
SELECT is(nightjar.boundary_selftest('ok'), 'ok', 'the normal path returns');
SELECT throws_ok($$SELECT nightjar.boundary_selftest('exception_stack')$$, 'XX000',
                 'nightjar: PG_exception_stack changed across a C++ call',
                 'the tripwire: a call that leaves PG_exception_stack changed raises internal_error');
SELECT is(nightjar.boundary_selftest('batch_step_throw'), 'selftest: row 17; memory context restored',
          'BatchStep: a C++ exception leaving the row callback finds the memory context restored');
SELECT throws_ok($$SELECT nightjar.percentiles(x, ARRAY[1.5]) FROM generate_series(1, 3) x$$, '22023',
                 NULL::text, 'a real function: a fraction outside [0,1] is invalid_parameter_value');
SELECT throws_ok($$SELECT nightjar.approx_percentiles(x, ARRAY['NaN'::float8]) FROM generate_series(1, 3) x$$, '22023',
                 NULL::text, 'a NaN fraction is invalid_parameter_value in the t-digest too');

-- A statement that fails in C++ can be rolled back to a savepoint; the transaction goes on.
CREATE TEMP TABLE kept (v int);
INSERT INTO kept VALUES (1);
SAVEPOINT before_error;
\set ON_ERROR_STOP 0
SELECT nightjar.boundary_selftest('runtime_error');
\set ON_ERROR_STOP 1
ROLLBACK TO SAVEPOINT before_error;
SELECT is((SELECT count(*) FROM kept), 1::bigint, 'ROLLBACK TO SAVEPOINT after a C++ error keeps earlier work');

SELECT is(pg_backend_pid(), (SELECT pid FROM backend), 'the same backend survived every error');

SELECT * FROM finish();
ROLLBACK;
