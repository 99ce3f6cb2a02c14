-- 98_audit.sql: who changed what in the catalog's administrative tables, when, and how.
--
-- A row trigger on each administrative table (pipelines, steps, schedules, sources,
-- validation and normalisation rules, source schemas, notification templates, webhook
-- endpoints, and every table whose name contains "polic": the monitoring policies)
-- writes one nightjar.audit_log row per change with the row before and after.
-- Secrets: the catalog holds none (a source's config is its public JSON, secrets stay in
-- nightjar.toml), and _audit_scrub removes any key that looks like one anyway. Rows whose
-- change is only bookkeeping (updated_at, a source's bookmark) are not logged. Role grants
-- made through nightjar.grant_role / revoke_role are logged by those functions.
-- The log is append-only for everyone but its owner (no UPDATE, DELETE or TRUNCATE is
-- granted, not even to nightjar_admin: 99_roles.sql).

CREATE TABLE nightjar.audit_log (
    audit_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    session_user_name  text NOT NULL DEFAULT session_user,
    current_user_name  text NOT NULL DEFAULT current_user,
    action        text NOT NULL,          -- insert | update | delete | grant_role | revoke_role
    object_type   text NOT NULL,          -- the table (or 'role')
    object_key    text,                   -- the row's name or id
    before        jsonb,
    after         jsonb,
    txid          bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX ON nightjar.audit_log (at);
CREATE INDEX ON nightjar.audit_log (object_type, object_key);
COMMENT ON TABLE nightjar.audit_log IS
    'administrative changes: who (session and current user), when, what (table and key), the row before and after; '
    'never secrets';
SELECT pg_catalog.pg_extension_config_dump('nightjar.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.audit_log_audit_id_seq', '');

-- _audit_scrub removes bookkeeping columns and, at any depth, anything named like a secret.
CREATE FUNCTION nightjar._audit_scrub(p_row jsonb, p_top boolean DEFAULT true) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(p_row)
        WHEN 'object' THEN
            (SELECT coalesce(jsonb_object_agg(k, nightjar._audit_scrub(v, false)), '{}')
             FROM jsonb_each(p_row) AS e(k, v)
             WHERE NOT (p_top AND k IN ('updated_at', 'bookmark'))
               AND k !~* '(secret|password|passwd|token|credential|private_key|access_key|api_key)')
        WHEN 'array' THEN
            (SELECT coalesce(jsonb_agg(nightjar._audit_scrub(v, false) ORDER BY i), '[]')
             FROM jsonb_array_elements(p_row) WITH ORDINALITY AS a(v, i))
        ELSE p_row END;
$$;

-- _audit_row writes one audit_log row for a change of an administrative table.
-- It runs with the rights of whoever changes the table (current_user is the acting role):
-- that role needs INSERT on audit_log, which nightjar_admin has; the runner writes
-- administrative tables only through SECURITY DEFINER functions (as their owner).
CREATE FUNCTION nightjar._audit_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_before jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN nightjar._audit_scrub(to_jsonb(OLD)) END;
    v_after jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN nightjar._audit_scrub(to_jsonb(NEW)) END;
    v_row jsonb := coalesce(v_after, v_before);
BEGIN
    -- A restore replays rows, it changes nothing: the restored audit_log already holds
    -- their history (and new rows would take the ids of the rows still to come).
    -- pg_restore names itself in application_name; a plain dump is restored with
    -- PGOPTIONS='-c nightjar.audit=off'.
    IF current_setting('application_name') = 'pg_restore'
       OR current_setting('nightjar.audit', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND v_before = v_after THEN
        RETURN NULL;  -- bookkeeping only
    END IF;
    INSERT INTO nightjar.audit_log (session_user_name, current_user_name, action, object_type, object_key, before, after)
    VALUES (session_user, current_user, lower(TG_OP), TG_TABLE_NAME,
            coalesce(v_row ->> 'name', v_row ->> 'job', v_row ->> 'kind', v_row ->> (TG_TABLE_NAME || '_id'),
                     v_row ->> 'rule_id', v_row ->> 'step_id'),
            v_before, v_after);
    RETURN NULL;
END;
$$;

-- audit_table attaches the audit trigger to an administrative table (idempotent).
CREATE FUNCTION nightjar.audit_table(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_table AND tgname = 'audit_row') THEN
        EXECUTE format('CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION nightjar._audit_row()', p_table);
    END IF;
END;
$$;
COMMENT ON FUNCTION nightjar.audit_table(regclass) IS
    'logs every insert, update and delete of the table in nightjar.audit_log (trigger audit_row); idempotent';

DO $$
DECLARE
    v_table regclass;
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relnamespace = 'nightjar'::regnamespace AND c.relkind IN ('r', 'p')
          AND (c.relname IN ('pipeline', 'step', 'scheduled_job', 'source', 'validation_rule',
                             'normalization_rule', 'source_schema', 'notification_template',
                             'webhook_endpoint')
               OR c.relname ~ 'polic')
    LOOP
        PERFORM nightjar.audit_table(v_table);
    END LOOP;
END $$;

CREATE VIEW nightjar.audit AS
SELECT audit_id, at, session_user_name AS who, current_user_name AS acting_as, action, object_type,
       object_key, before, after,
       (SELECT jsonb_object_agg(k, jsonb_build_array(before -> k, after -> k))
        FROM jsonb_object_keys(coalesce(before, '{}') || coalesce(after, '{}')) AS k
        WHERE before -> k IS DISTINCT FROM after -> k) AS changed
FROM nightjar.audit_log;
COMMENT ON VIEW nightjar.audit IS
    'the audit log with, per change, the columns that changed as {column: [before, after]}';
