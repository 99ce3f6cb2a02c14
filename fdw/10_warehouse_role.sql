-- 10_warehouse_role.sql: the warehouse side of the webapp link, for DBAs who prefer SQL to
-- `nightjar webapp link` (docs/webapp.md). Run as a superuser in the warehouse database:
--   psql -d warehouse -v link_role=nightjar_webapp -f fdw/10_warehouse_role.sql
-- It creates the login role the webapp's postgres_fdw connects as, makes it a member of
-- nightjar_webapp_reader (SELECT on nightjar_api, nothing else) and asks for its password
-- with \password, which sends only a SCRAM verifier (the password never reaches the server,
-- its logs or pg_stat_activity). Idempotent. Then add to pg_hba.conf, above any trust line:
--   local   warehouse   nightjar_webapp   scram-sha-256      (or a host line for TCP)
-- and reload (SELECT pg_reload_conf()): postgres_fdw refuses a non-superuser connection
-- for which the server did not ask a password.
\set ON_ERROR_STOP on
\if :{?link_role}
\else
  \set link_role nightjar_webapp
\endif
SELECT format('CREATE ROLE %I LOGIN', :'link_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'link_role') \gexec
SELECT format('GRANT nightjar_webapp_reader TO %I', :'link_role') \gexec
SELECT nightjar.apply_grants();
\echo Password of the link role (typed twice, sent as a SCRAM verifier):
\password :link_role
