-- roles.sql: who may do what (sql/99_roles.sql, docs/security.md). A matrix of actions
-- against the four roles (and a role with no nightjar role), each tried under SET ROLE:
-- 'ok' or the SQLSTATE it failed with (42501: insufficient privilege). Then the audit log
-- (who, what, before/after, no secrets, append-only) and configuration values carrying
-- quotes or SQL, which stay text. One transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(99);

-- try_as runs p_sql as p_role and returns 'ok' or the SQLSTATE of its error.
CREATE FUNCTION pg_temp.try_as(p_role text, p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', p_role);
        EXECUTE p_sql;
        RESET ROLE;
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        RESET ROLE;
        RETURN SQLSTATE;
    END;
END $$;

DO $$ BEGIN CREATE ROLE t_roles_nobody NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE t_roles_member NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT nightjar.define_source('t_roles_src', 'sql', '{}');
SELECT nightjar.ensure_storage();

CREATE TEMP TABLE matrix (action text, stmt text, admin text, runner text, analyst text, webapp text, nobody text);
GRANT SELECT ON matrix TO PUBLIC;
INSERT INTO matrix VALUES
 ('read the catalog', 'SELECT count(*) FROM nightjar.pipeline',                           'ok', 'ok', 'ok', '42501', '42501'),
 ('read nightjar_api', 'SELECT count(*) FROM nightjar_api.run_status',                    'ok', '42501', 'ok', 'ok', '42501'),
 ('write the catalog directly', $$INSERT INTO nightjar.source (name, kind) VALUES ('t_roles_x', 'sql')$$,
                                                                                           'ok', '42501', '42501', '42501', '42501'),
 ('stage through the ingest API', $$SELECT nightjar.begin_ingest_run((SELECT source_id FROM nightjar.source WHERE name = 't_roles_src'))$$,
                                                                                           'ok', 'ok', '42501', '42501', '42501'),
 ('define a pipeline', $$SELECT nightjar.define_pipeline('t_roles_p')$$,                  'ok', '42501', '42501', '42501', '42501'),
 ('DDL in schema nightjar', 'CREATE TABLE nightjar.t_roles_ddl (i int)',                 'ok', '42501', '42501', '42501', '42501'),
 ('DDL in schema nightjar_api', 'CREATE VIEW nightjar_api.t_roles_v AS SELECT 1 AS one', 'ok', '42501', '42501', '42501', '42501'),
 ('an analyst function', 'SELECT nightjar.mac(ARRAY[1,0]::float8[], ARRAY[1,0]::float8[])', 'ok', '42501', 'ok', '42501', '42501'),
 ('an analyst aggregate', 'SELECT nightjar.stats_agg(x) FROM generate_series(1, 3) x',   'ok', '42501', 'ok', '42501', '42501'),
 ('emit an event', $$SELECT nightjar.emit('t.roles')$$,                                   'ok', '42501', '42501', '42501', '42501'),
 ('claim notifications', $$SELECT * FROM nightjar.claim_notifications(1, 't_roles')$$,     'ok', 'ok', '42501', '42501', '42501'),
 ('read the outbox', 'SELECT count(*) FROM nightjar.notification',                        'ok', 'ok', 'ok', '42501', '42501'),
 ('read the audit log', 'SELECT count(*) FROM nightjar.audit_log',                       'ok', '42501', 'ok', '42501', '42501'),
 ('delete from the audit log', 'DELETE FROM nightjar.audit_log',                          '42501', '42501', '42501', '42501', '42501'),
 ('grant a nightjar role', $$SELECT nightjar.grant_role('nightjar_analyst', 't_roles_member')$$,
                                                                                           'ok', '42501', '42501', '42501', '42501'),
 ('re-apply the grants', 'SELECT nightjar.apply_grants()',                                'ok', '42501', '42501', '42501', '42501');

SELECT is(pg_temp.try_as(r.role, m.stmt), r.expected, format('%s: %s', r.role, m.action))
FROM matrix m
CROSS JOIN LATERAL (VALUES ('nightjar_admin', m.admin), ('nightjar_runner', m.runner),
                           ('nightjar_analyst', m.analyst), ('nightjar_webapp_reader', m.webapp),
                           ('t_roles_nobody', m.nobody)) AS r(role, expected)
ORDER BY m.action, r.role;

SELECT ok(has_table_privilege('nightjar_runner', 'nightjar.raw_record', 'INSERT'),
          'the runner may COPY into raw_record (its one direct write)');
SELECT ok(NOT has_table_privilege('nightjar_runner', 'nightjar.raw_record', 'SELECT, UPDATE, DELETE'),
          'but not read, change or delete records');

-- Roles: NOLOGIN, created once for the cluster.
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname IN ('nightjar_admin', 'nightjar_runner', 'nightjar_analyst',
                                                                 'nightjar_webapp_reader') AND NOT rolcanlogin),
          4, 'the four roles exist and cannot log in');
SELECT ok((SELECT bool_and(p.prosecdef AND p.proconfig @> ARRAY['search_path=pg_catalog, nightjar, pg_temp'])
           FROM pg_proc p WHERE p.pronamespace = 'nightjar'::regnamespace
             AND p.proname IN ('begin_ingest_run', 'record_file', 'claim_notifications', 'mark_failed', 'ensure_storage')),
          'functions the runner writes through are SECURITY DEFINER with a pinned search_path (pg_temp last)');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'nightjar'::regnamespace AND p.prosecdef
             AND (p.proconfig IS NULL OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%'))),
          0, 'no SECURITY DEFINER function without a pinned search_path');

-- Audit: who, what, before and after; secrets scrubbed; bookkeeping not logged.
SET LOCAL ROLE nightjar_admin;
SELECT nightjar.define_pipeline('t_roles_audit', description => 'first');
SELECT nightjar.define_pipeline('t_roles_audit', description => 'second');
RESET ROLE;
SELECT is((SELECT jsonb_build_object('who', who, 'as', acting_as, 'action', action, 'changed', changed -> 'description')
           FROM nightjar.audit WHERE object_type = 'pipeline' AND object_key = 't_roles_audit' AND action = 'update'
           ORDER BY audit_id DESC LIMIT 1),
          jsonb_build_object('who', session_user, 'as', 'nightjar_admin', 'action', 'update', 'changed', '["first", "second"]'::jsonb),
          'an update is logged with who, as which role, and the column before and after');
SELECT is((SELECT count(*)::int FROM nightjar.audit_log WHERE object_type = 'pipeline' AND object_key = 't_roles_audit'
             AND action = 'insert'), 1, 'the creation is logged once');
SELECT is((SELECT after -> 'role' FROM nightjar.audit_log WHERE action = 'grant_role' AND object_key = 't_roles_member'),
          '"nightjar_analyst"'::jsonb, 'a role granted through grant_role is logged');
UPDATE nightjar.source SET config = '{"location": "/x", "password": "t-roles-pw", "s3": {"secret_access_key": "t-roles-sk", "bucket": "b"}}'
WHERE name = 't_roles_src';
SELECT is((SELECT after -> 'config' FROM nightjar.audit_log WHERE object_type = 'source' AND object_key = 't_roles_src'
           ORDER BY audit_id DESC LIMIT 1),
          '{"location": "/x", "s3": {"bucket": "b"}}'::jsonb, 'keys named like secrets are scrubbed at any depth');
SELECT is((SELECT count(*)::int FROM nightjar.audit_log WHERE before::text ~ 't-roles-(pw|sk)' OR after::text ~ 't-roles-(pw|sk)'),
          0, 'no secret value anywhere in the audit log');
CREATE TEMP TABLE audit_count AS SELECT count(*) AS n FROM nightjar.audit_log;
SELECT nightjar.save_bookmark((SELECT source_id FROM nightjar.source WHERE name = 't_roles_src'), '{"since": "2026-01-01"}');
SELECT is((SELECT count(*) FROM nightjar.audit_log), (SELECT n FROM audit_count), 'a bookmark update is not logged');

-- Configuration values with quotes or SQL are only text.
SELECT is((SELECT subject FROM nightjar.render_notification('run_failed',
              jsonb_build_object('run_id', 1, 'pipeline', $$x'); DROP TABLE nightjar.pipeline; --$$, 'finished_at', 'now',
                                 'step', '{{run_id}}', 'attempts', 1, 'error', 'e'))),
          $$nightjar: run 1 of pipeline x'); DROP TABLE nightjar.pipeline; -- failed$$,
          'a template value with SQL in it is rendered as text');
SELECT throws_ok($$SELECT nightjar.grant_role('nightjar_admin', 'x"; DROP TABLE nightjar.pipeline; --')$$, '42704',
                 NULL, 'grant_role with SQL in the member name: no such role');
SELECT throws_ok($$SELECT nightjar.grant_role('pg_read_server_files', 't_roles_member')$$, '22023',
                 NULL, 'grant_role grants only nightjar roles');
SELECT throws_ok($$SELECT nightjar.define_pipeline('x''; DROP TABLE nightjar.pipeline; --')$$, '22023',
                 NULL, 'a pipeline name with SQL in it is refused');
SELECT throws_ok($$SELECT nightjar.disable_webhook_endpoint('a''); DROP TABLE nightjar.pipeline; --', 'r')$$, '23514',
                 NULL, 'an endpoint name with SQL in it is refused');
SELECT lives_ok($$SELECT nightjar.define_pipeline('t_roles_q', description => $d$'); DROP TABLE nightjar.pipeline; --$d$,
                                                  notify => $n$a'b"c; SELECT pg_sleep(10)$n$)$$,
                'descriptions and recipients with quotes are stored as they are');
SELECT is((SELECT notify FROM nightjar.pipeline WHERE name = 't_roles_q'), $n$a'b"c; SELECT pg_sleep(10)$n$, 'and read back unchanged');
SELECT has_table('nightjar', 'pipeline', 'nightjar.pipeline is still there');

SELECT * FROM finish();
ROLLBACK;
