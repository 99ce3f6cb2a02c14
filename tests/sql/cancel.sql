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
-- outcome returns the remote statement's result, or its SQLSTATE, message and context.
CREATE FUNCTION pg_temp.outcome() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
    v_state text;
    v_message text;
    v_context text;
BEGIN
    SELECT r INTO v_result FROM dblink_get_result('t_cancel') AS t(r text);
    RETURN 'returned: ' || v_result;
EXCEPTION WHEN query_canceled OR OTHERS THEN  -- OTHERS alone does not catch a cancel
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_context = PG_EXCEPTION_CONTEXT;
    RETURN v_state || ': ' || v_message || ' / ' || split_part(v_context, E'\n', 1);
END $$;
CREATE TEMP TABLE outcome AS SELECT pg_temp.outcome() AS o;
SELECT alike((SELECT o FROM outcome), '57014: canceling statement due to user request / %',
             'the cancelled statement failed with query_canceled');
SELECT matches((SELECT o FROM outcome), ' / stopped inside exact percentiles \(round [0-9]+\)$',
               'the cancel was raised inside the core computation, by its progress hook');
SELECT count(*) FROM dblink_get_result('t_cancel', false) AS t(r text);
SELECT is((SELECT pid FROM dblink('t_cancel', 'SELECT pg_backend_pid()') AS r(pid int)), (SELECT pid FROM other),
          'the same backend answers afterwards (no crash, no restart)');
SELECT dblink_disconnect('t_cancel');

SELECT * FROM finish();
ROLLBACK;
