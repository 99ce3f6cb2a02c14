-- resolve_cancel.sql: a running nightjar.resolve shows its progress in pg_stat_activity
-- and stops on pg_cancel_backend (the core's progress hook and the read loop check
-- interrupts), leaving the backend alive and no partial results. Another session
-- (dblink) builds 200,000 records in two temporary tables, defines resolution
-- t_res_cancel over them and resolves it; this session waits for its progress line and
-- cancels it. The resolution row and its partitions, committed by the other session,
-- are dropped at the end. Needs dblink (tests/pgtap_setup.sql).
SET client_min_messages = warning;
BEGIN;
SELECT plan(6);

SELECT dblink_connect('t_res_cancel', nightjar_test.connstr()) \g /dev/null
CREATE TEMP TABLE other AS SELECT pid FROM dblink('t_res_cancel', 'SELECT pg_backend_pid()') AS r(pid int);
SELECT dblink_exec('t_res_cancel', $$ DO $do$ BEGIN
    SET client_min_messages = warning;
    PERFORM nightjar.drop_resolution('t_res_cancel');
    CREATE TEMP TABLE big_a AS
        SELECT 'a' || g AS id, (ARRAY['Boulangerie', 'Pharmacie', 'Garage', 'Café'])[1 + g % 4] || ' '
                              || (ARRAY['du Centre', 'de la Gare', 'Martin', 'des Arts', 'du Port'])[1 + g % 5] AS name,
               (g % 150) || ' rue ' || (ARRAY['Victor Hugo', 'Jean Jaurès', 'de la Paix'])[1 + g % 3] AS address,
               lpad((g % 97)::text, 2, '0') || '000' AS postcode
        FROM generate_series(1, 100000) g;
    CREATE TEMP TABLE big_b AS SELECT 'b' || substr(id, 2) AS id, upper(name) AS name, address, postcode FROM big_a;
    PERFORM nightjar.define_resolution('t_res_cancel', '{
        "inputs": [{"source": "a", "relation": "pg_temp.big_a", "key": "id"},
                   {"source": "b", "relation": "pg_temp.big_b", "key": "id"}],
        "fields": [{"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
                   {"name": "postcode", "kind": "code"}]}');
END $do$ $$) \g /dev/null
SELECT dblink_send_query('t_res_cancel', $$SELECT nightjar.resolve('t_res_cancel')$$) \g /dev/null

-- Wait for the core's own line ("... N of M done", from Resolve's progress hook): the
-- cancel then lands inside the core computation, not in the read loop.
SELECT matches(nightjar_test.wait_activity((SELECT pid FROM other), 'nightjar.resolve(''t_res_cancel''): % done'),
               '^nightjar\.resolve\(''t_res_cancel''\): [0-9]+ of [0-9]+ done$',
               'a running resolve reports the core''s progress in pg_stat_activity');
SELECT ok(pg_cancel_backend((SELECT pid FROM other)), 'pg_cancel_backend is delivered');
-- outcome returns the remote statement's result, or its SQLSTATE and message.
CREATE FUNCTION pg_temp.outcome() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
    v_state text;
    v_message text;
BEGIN
    SELECT r INTO v_result FROM dblink_get_result('t_res_cancel') AS t(r text);
    RETURN 'returned: ' || left(v_result, 100);
EXCEPTION WHEN query_canceled OR OTHERS THEN  -- OTHERS alone does not catch a cancel
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
    RETURN v_state || ': ' || v_message;
END $$;
SELECT is(pg_temp.outcome(), '57014: canceling statement due to user request',
          'the cancelled resolve failed with query_canceled');
SELECT count(*) FROM dblink_get_result('t_res_cancel', false) AS t(r text) \g /dev/null
SELECT is((SELECT pid FROM dblink('t_res_cancel', 'SELECT pg_backend_pid()') AS r(pid int)), (SELECT pid FROM other),
          'the same backend answers afterwards (no crash, no restart)');
SELECT is((SELECT n FROM dblink('t_res_cancel', $$SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_res_cancel'$$)
           AS r(n bigint)), 0::bigint, 'nothing of the cancelled run was kept');
SELECT is((SELECT r FROM dblink('t_res_cancel', $$SELECT nightjar.drop_resolution('t_res_cancel')$$) AS t(r boolean)), true,
          'the resolution and its partitions are dropped');
SELECT dblink_disconnect('t_res_cancel') \g /dev/null

SELECT * FROM finish();
ROLLBACK;
