-- pgtap_setup.sql: what every file of tests/sql assumes in the test database, loaded by
-- scripts/test.sh before pg_prove (run it once yourself before pg_prove'ing one file):
--   psql -v ON_ERROR_STOP=1 -f tests/pgtap_setup.sql
-- pgTAP, dblink for the tests that need a second real connection, and
-- nightjar_test.connstr(), how a test session reaches its own database again through
-- dblink (Unix socket, same user, no password).
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE SCHEMA IF NOT EXISTS nightjar_test;
CREATE OR REPLACE FUNCTION nightjar_test.connstr() RETURNS text LANGUAGE sql AS $$
    SELECT format('dbname=%s port=%s host=%s user=%s', quote_ident(current_database()), current_setting('port'),
                  coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), 'localhost'),
                  current_user);
$$;
