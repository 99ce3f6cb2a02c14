-- 30_webapp_unlink.sql: removes the webapp side of the link (same as `nightjar webapp
-- unlink`). Run in the webapp database:
--   psql -d webapp [-v server=nightjar_warehouse] [-v schema=nightjar_api] -f fdw/30_webapp_unlink.sql
-- Drops the foreign tables, the schema when nothing else is in it, and the server with its
-- user mappings. Idempotent. The warehouse role stays (DROP ROLE nightjar_webapp there).
\set ON_ERROR_STOP on
\if :{?server}
\else
  \set server nightjar_warehouse
\endif
\if :{?schema}
\else
  \set schema nightjar_api
\endif
SET client_min_messages = warning;
BEGIN;
SELECT format('DROP FOREIGN TABLE %I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :'schema' AND c.relkind = 'f' \gexec
SELECT format('DROP SCHEMA %I', n.nspname) FROM pg_namespace n
WHERE n.nspname = :'schema' AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid) \gexec
SELECT format('DROP SERVER IF EXISTS %I CASCADE', :'server') \gexec
COMMIT;
