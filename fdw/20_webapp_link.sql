-- 20_webapp_link.sql: the webapp side of the link (docs/webapp.md). Run as a superuser (or
-- the owner of the webapp database, with postgres_fdw installed) in the webapp database:
--   NIGHTJAR_WEBAPP_PASSWORD=... psql -d webapp -v warehouse_host=/path/or/host \
--        -v warehouse_port=5432 -v warehouse_db=warehouse -v local_role=webapp_app \
--        -f fdw/20_webapp_link.sql
-- Optional: -v link_role=nightjar_webapp -v server=nightjar_warehouse -v schema=nightjar_api.
-- The password is read from the environment (\getenv), never typed on a command line. The
-- CREATE USER MAPPING statement must carry it: statement logging (also of failing
-- statements) is switched off for this session first (superuser settings), and pg_stat_activity shows a running statement only
-- to superusers and its own role. (`nightjar webapp link` passes it as a bind parameter
-- instead, so no statement text ever holds it.) Idempotent: the foreign tables are
-- re-imported from scratch, so views added upstream appear.
\set ON_ERROR_STOP on
\if :{?link_role}
\else
  \set link_role nightjar_webapp
\endif
\if :{?server}
\else
  \set server nightjar_warehouse
\endif
\if :{?schema}
\else
  \set schema nightjar_api
\endif
\getenv link_password NIGHTJAR_WEBAPP_PASSWORD
\if :{?link_password}
\else
  \echo 'set NIGHTJAR_WEBAPP_PASSWORD to the link role''s password'
  \quit
\endif
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;   -- a failing statement would be logged with its text
BEGIN;
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
SELECT format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw', :'server')
WHERE NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = :'server') \gexec
SELECT format('ALTER SERVER %I OPTIONS (%s %s %L)', :'server',
              CASE WHEN EXISTS (SELECT 1 FROM pg_foreign_server s, unnest(s.srvoptions) o
                                WHERE s.srvname = :'server' AND o LIKE k || '=%') THEN 'SET' ELSE 'ADD' END, k, v)
FROM (VALUES ('host', :'warehouse_host'), ('port', :'warehouse_port'), ('dbname', :'warehouse_db')) AS opt(k, v) \gexec
SELECT format('DROP USER MAPPING IF EXISTS FOR %I SERVER %I', r, :'server'),
       format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (user %L, password %L)', r, :'server', :'link_role', :'link_password')
FROM (VALUES (:'local_role'), (current_user)) AS lr(r) \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I', :'schema') \gexec
SELECT format('DROP FOREIGN TABLE %I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :'schema' AND c.relkind = 'f' \gexec
SELECT format('IMPORT FOREIGN SCHEMA nightjar_api FROM SERVER %I INTO %I', :'server', :'schema') \gexec
-- The import connected as current_user: its mapping is not kept (unless it is the local role).
SELECT format('DROP USER MAPPING FOR CURRENT_USER SERVER %I', :'server') WHERE current_user <> :'local_role' \gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', :'schema', :'local_role'),
       format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', :'schema', :'local_role') \gexec
COMMIT;
SELECT format('linked: %s foreign tables in schema %s', count(*), :'schema')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :'schema' AND c.relkind = 'f';
