-- examples/housekeeping/schema.sql: a small application the housekeeping tasks look after
-- (docs/housekeeping.md): people, HR periods with deadlines, campaigns with an archive
-- date, requests made in campaigns, uploaded files. Idempotent (drops and recreates hk_app).
DELETE FROM nightjar.subject_field f   -- privacy declarations of the tables dropped below
WHERE f.table_oid::oid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hk_app');
DROP SCHEMA IF EXISTS hk_app CASCADE;
CREATE SCHEMA hk_app;

CREATE TABLE hk_app.person (
    person_id  int PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    manager_id int REFERENCES hk_app.person);

-- An HR period (appraisal, timesheet month…) ends on a deadline; its owner is reminded J-4.
CREATE TABLE hk_app.period (
    period_id  int PRIMARY KEY,
    person_id  int NOT NULL REFERENCES hk_app.person,
    title      text NOT NULL,
    ends_on    date NOT NULL);

CREATE TABLE hk_app.campaign (
    campaign_id int PRIMARY KEY,
    title       text NOT NULL,
    opens_on    date NOT NULL,
    archive_on  date NOT NULL);   -- after this date, requests never finalised are refused

CREATE TABLE hk_app.request (
    request_id   int PRIMARY KEY,
    campaign_id  int NOT NULL REFERENCES hk_app.campaign,
    person_id    int NOT NULL REFERENCES hk_app.person,
    status       text NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted', 'refused')),
    submitted_on date,
    -- stored computed fields, refreshed daily by hk_app.refresh_request_age
    age_days     int,
    overdue      boolean,
    computed_on  date);

CREATE TABLE hk_app.upload (
    upload_id   int PRIMARY KEY,
    request_id  int REFERENCES hk_app.request,
    path        text NOT NULL,          -- relative to the upload folder
    uploaded_at timestamptz NOT NULL);
CREATE TABLE hk_app.upload_archive (LIKE hk_app.upload, archived_at timestamptz NOT NULL DEFAULT now());

-- The application's own event log, kept 90 days.
CREATE TABLE hk_app.audit_event (
    event_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    happened_at timestamptz NOT NULL,
    what        text NOT NULL);

-- refresh_request_age recomputes the date-dependent fields of the given requests for day.
CREATE FUNCTION hk_app.refresh_request_age(keys text[], day date) RETURNS bigint
LANGUAGE sql AS $$
    WITH u AS (
        UPDATE hk_app.request r
        SET age_days = day - coalesce(r.submitted_on, c.opens_on),
            overdue = r.status IN ('draft', 'submitted') AND day > c.archive_on - 7,
            computed_on = day
        FROM hk_app.campaign c
        WHERE c.campaign_id = r.campaign_id AND r.request_id::text = ANY (keys)
        RETURNING 1)
    SELECT count(*) FROM u;
$$;

-- refresh_reference stands for the weekly reference refresh (a `call` task): it would
-- publish a new version of a reference table; here it only reports what it saw.
CREATE FUNCTION hk_app.refresh_reference(day date) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('rows_in', count(*), 'rows_out', count(*),
                              'counts', jsonb_build_object('campaigns', count(*)), 'week', to_char(day, 'IYYY-"W"IW'))
    FROM hk_app.campaign;
$$;
