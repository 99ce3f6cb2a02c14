-- 00_schema.sql: the extension's schemas. Objects live in `nightjar`; the stable,
-- webapp-facing views live in `nightjar_api`.
\echo Use "CREATE EXTENSION nightjar" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS nightjar_api;
COMMENT ON SCHEMA nightjar_api IS 'nightjar: stable views for the webapp and analysts';
