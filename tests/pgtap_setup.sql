-- pgtap_setup.sql: what every file of tests/sql assumes in the test database, loaded by
-- scripts/test.sh before pg_prove (run it once yourself before pg_prove'ing one file):
--   psql -v ON_ERROR_STOP=1 -f tests/pgtap_setup.sql
-- pgTAP, dblink for the tests that need a second real connection, and
-- nightjar_test.connstr(), how a test session reaches its own database again through
-- dblink (Unix socket, same user, no password), and nightjar_test.wait_activity.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE SCHEMA IF NOT EXISTS nightjar_test;
CREATE OR REPLACE FUNCTION nightjar_test.connstr() RETURNS text LANGUAGE sql AS $$
    SELECT format('dbname=%s port=%s host=%s user=%s', quote_ident(current_database()), current_setting('port'),
                  coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), 'localhost'),
                  current_user);
$$;
-- nightjar_test.wait_activity waits (up to 20 s) until backend p_pid shows a query like
-- p_like in pg_stat_activity and returns it (for tests that follow a step's progress line).
CREATE OR REPLACE FUNCTION nightjar_test.wait_activity(p_pid int, p_like text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_query text;
BEGIN
    FOR i IN 1..400 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT query INTO v_query FROM pg_stat_activity WHERE pid = p_pid;
        IF v_query LIKE p_like THEN RETURN v_query; END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN 'not seen; last: ' || coalesce(v_query, 'NULL');
END $$;
-- The bulk data tables (raw, valid, clean, quarantined records) are not members of the
-- extension: created here once, as every entry point that needs them does.
SELECT nightjar.ensure_storage();
