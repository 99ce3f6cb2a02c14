-- cancel.sql: the core's cancel and progress hook (core/util/progress.hpp, bound to
-- CHECK_FOR_INTERRUPTS and pg_stat_activity by extension/pg/progress.hpp). Another
-- session runs exact percentiles of 4 million values in a loop inside the core
-- (nightjar.boundary_selftest('percentiles_until_cancel'), at most 60 s); this session
-- sees its progress line, cancels it with pg_cancel_backend, and checks that the
-- statement failed with 57014 and that the same backend answers afterwards.
-- Needs dblink (tests/pgtap_setup.sql).
SET client_min_messages = warning;
BEGIN;
SELECT plan(5);

SELECT dblink_connect('t_cancel', nightjar_test.connstr());
CREATE TEMP TABLE other AS SELECT pid FROM dblink('t_cancel', 'SELECT pg_backend_pid()') AS r(pid int);
SELECT dblink_send_query('t_cancel', $$SELECT nightjar.boundary_selftest('percentiles_until_cancel')$$);

SELECT matches(nightjar_test.wait_activity((SELECT pid FROM other), 'nightjar.boundary_selftest(percentiles): %'),
               '^nightjar\.boundary_selftest\(percentiles\): [0-9]+ of [0-9]+ values scanned$',
               'the core computation reports its progress in pg_stat_activity');
SELECT ok(pg_cancel_backend((SELECT pid FROM other)), 'pg_cancel_backend is delivered');
SELECT is((SELECT r FROM dblink_get_result('t_cancel', false) AS t(r text)), NULL,
          'the cancelled statement returns no row');
SELECT is(dblink_error_message('t_cancel'), 'ERROR:  canceling statement due to user request',
          'it failed with the cancel error (57014), raised from inside the core computation');
SELECT count(*) FROM dblink_get_result('t_cancel', false) AS t(r text);
SELECT is((SELECT pid FROM dblink('t_cancel', 'SELECT pg_backend_pid()') AS r(pid int)), (SELECT pid FROM other),
          'the same backend answers afterwards (no crash, no restart)');
SELECT dblink_disconnect('t_cancel');

SELECT * FROM finish();
ROLLBACK;
