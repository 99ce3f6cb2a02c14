-- 99_roles.sql: who may do what (docs/security.md). Last in the script, so that the
-- grants see every object the extension creates.
--
-- Four NOLOGIN roles, created if missing (roles are cluster-wide: a second database's
-- CREATE EXTENSION finds them, and a concurrent one may create them first); DBAs grant
-- them to login roles:
--   nightjar_admin          everything in schemas nightjar and nightjar_api
--   nightjar_runner         reads the catalog; stages through the ingest API (SECURITY
--                           DEFINER functions) and COPYs into raw_record; delivers the
--                           outbox (claim/mark functions); nothing else
--   nightjar_analyst        reads every table and view; executes the functions that cannot
--                           write (IMMUTABLE or STABLE ones, aggregates); no DDL
--   nightjar_webapp_reader  reads nightjar_api, nothing else
-- PUBLIC loses EXECUTE on every routine of schema nightjar. Functions a role calls to
-- write what it may not write directly are SECURITY DEFINER with a pinned search_path
-- (pg_catalog, nightjar, pg_temp: pg_temp last, so a caller's temporary objects cannot
-- shadow anything). Bulk tables created later by ensure_storage get their grants from
-- nightjar._storage_zz_grants(), which ensure_storage calls last (it runs them by name).

DO $$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['nightjar_admin', 'nightjar_runner', 'nightjar_analyst', 'nightjar_webapp_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by CREATE EXTENSION in another database
            END;
        END IF;
    END LOOP;
END $$;

-- _runner_routines lists the functions nightjar_runner executes (as SECURITY DEFINER).
CREATE FUNCTION nightjar._runner_routines() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['begin_ingest_run', 'record_plan', 'begin_batch', 'record_file', 'finish_file',
                 'finish_batch', 'record_archive', 'record_skipped_file', 'skip_batch', 'save_bookmark',
                 'finish_ingest_run', 'ingest_run_state', 'ensure_storage',
                 'claim_notifications', 'mark_delivered', 'mark_failed', 'release_notifications',
                 'disable_webhook_endpoint', 'notification_message_key',
                 'files_to_archive', 'archive_destination', 'scrub_targets', 'record_scrub', 'orphan_objects'];
$$;

-- apply_grants (re)applies every grant of the four roles; idempotent.
-- SECURITY DEFINER: nightjar_admin may re-apply them (GRANT needs the owner's rights).
CREATE FUNCTION nightjar.apply_grants() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_oid oid;
BEGIN
    -- One session at a time: two GRANTs on one object at once fail with "tuple
    -- concurrently updated" (a runner's batch and a dispatched step both found a partition
    -- created at run time without grants). The lock lasts until the transaction ends.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('nightjar.apply_grants'));
    -- PUBLIC's default EXECUTE goes (only where it is still there: a REVOKE that finds
    -- nothing to revoke warns).
    FOR v_oid IN
        SELECT p.oid FROM pg_proc p
        WHERE p.pronamespace = 'nightjar'::regnamespace
          AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))
    LOOP
        EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC', v_oid::regprocedure);
    END LOOP;
    GRANT ALL ON SCHEMA nightjar, nightjar_api TO nightjar_admin;
    GRANT ALL ON ALL TABLES IN SCHEMA nightjar, nightjar_api TO nightjar_admin;
    GRANT ALL ON ALL SEQUENCES IN SCHEMA nightjar TO nightjar_admin;
    GRANT EXECUTE ON ALL ROUTINES IN SCHEMA nightjar TO nightjar_admin;
    REVOKE UPDATE, DELETE, TRUNCATE ON nightjar.audit_log FROM nightjar_admin;  -- append-only

    GRANT USAGE ON SCHEMA nightjar TO nightjar_runner, nightjar_analyst;
    GRANT USAGE ON SCHEMA nightjar_api TO nightjar_analyst, nightjar_webapp_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA nightjar, nightjar_api TO nightjar_analyst;
    GRANT SELECT ON ALL TABLES IN SCHEMA nightjar_api TO nightjar_webapp_reader;

    -- The runner reads the catalog: the extension's own tables and views (not bulk data).
    FOR v_oid IN
        SELECT c.oid FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
        WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
          AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'nightjar')
          AND c.relnamespace = 'nightjar'::regnamespace AND c.relkind IN ('r', 'p', 'v')
          AND c.relname <> 'audit_log'
    LOOP
        EXECUTE format('GRANT SELECT ON %s TO nightjar_runner', v_oid::regclass);
    END LOOP;
    IF to_regclass('nightjar.raw_record') IS NOT NULL THEN
        GRANT INSERT ON nightjar.raw_record TO nightjar_runner;  -- COPY, the one direct write
        REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON nightjar.raw_record FROM nightjar_runner;
    END IF;
    FOR v_oid IN
        SELECT p.oid FROM pg_proc p
        WHERE p.pronamespace = 'nightjar'::regnamespace AND p.proname = ANY (nightjar._runner_routines())
    LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO nightjar_runner', v_oid::regprocedure);
    END LOOP;
    -- The analyst executes what cannot write: non-volatile functions and aggregates, not
    -- the SECURITY DEFINER ones and not the internal _ ones.
    FOR v_oid IN
        SELECT p.oid FROM pg_proc p
        WHERE p.pronamespace = 'nightjar'::regnamespace AND NOT p.prosecdef
          AND (p.prokind IN ('a', 'w') OR (p.prokind = 'f' AND p.provolatile IN ('i', 's')))
          AND p.proname NOT LIKE '\_%'
    LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO nightjar_analyst', v_oid::regprocedure);
    END LOOP;
    -- Aggregates' support functions (internal, '_'-less names like stats_agg_trans) are
    -- not called by name; the aggregate's EXECUTE is what is checked.
END;
$$;
COMMENT ON FUNCTION nightjar.apply_grants() IS
    're-applies the grants of nightjar_admin, nightjar_runner, nightjar_analyst and nightjar_webapp_reader '
    '(after new objects, e.g. bulk tables or nightjar_api views created at run time); idempotent';

-- _grants_missing says whether a table or view of nightjar's schemas is not yet readable by
-- nightjar_analyst (created at run time: a bulk table, a resolution's partition).
CREATE FUNCTION nightjar._grants_missing() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_class c
                   WHERE c.relnamespace IN ('nightjar'::regnamespace, 'nightjar_api'::regnamespace)
                     AND c.relkind IN ('r', 'p', 'v', 'm')
                     AND NOT has_table_privilege('nightjar_analyst', c.oid, 'SELECT'))
$$;

-- _storage_zz_grants grants on bulk tables created at run time; ensure_storage calls it last.
CREATE FUNCTION nightjar._storage_zz_grants() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Cheap when nothing is new. A session that finds something waits for any other
    -- session granting (apply_grants' lock), then looks again: the other's grants may
    -- have covered it.
    IF NOT nightjar._grants_missing() THEN
        RETURN;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('nightjar.apply_grants'));
    IF nightjar._grants_missing() THEN
        PERFORM nightjar.apply_grants();
    END IF;
END;
$$;

-- Functions that write for a role that may not write directly run as their owner.
DO $$
DECLARE
    v_fn regprocedure;
BEGIN
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'nightjar'::regnamespace AND p.proname = ANY (nightjar._runner_routines())
          AND p.provolatile = 'v'
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, nightjar, pg_temp', v_fn);
    END LOOP;
END $$;

-- grant_role makes p_member a member of one of the four nightjar roles (audited).
CREATE FUNCTION nightjar.grant_role(p_role text, p_member text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('nightjar_admin', 'nightjar_runner', 'nightjar_analyst', 'nightjar_webapp_reader') THEN
        RAISE EXCEPTION 'nightjar: % is not a nightjar role', left(coalesce(quote_literal(p_role), 'NULL'), 64)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'one of nightjar_admin, nightjar_runner, nightjar_analyst, nightjar_webapp_reader';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_member) THEN
        RAISE EXCEPTION 'nightjar: role % does not exist', left(quote_literal(p_member), 64)
            USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_member AND rolsuper) THEN
        RAISE EXCEPTION 'nightjar: % is a superuser; nightjar roles are for ordinary roles', nightjar._cut((quote_ident(p_member))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('GRANT %I TO %I', p_role, p_member);
    INSERT INTO nightjar.audit_log (session_user_name, current_user_name, action, object_type, object_key, after)
    VALUES (session_user, session_user, 'grant_role', 'role', p_member, jsonb_build_object('role', p_role));
END;
$$;
COMMENT ON FUNCTION nightjar.grant_role(text, text) IS
    'grants one of the four nightjar roles to an existing non-superuser role and logs it in nightjar.audit_log '
    '(executable by nightjar_admin only)';

-- revoke_role removes p_member from one of the four nightjar roles (audited).
CREATE FUNCTION nightjar.revoke_role(p_role text, p_member text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('nightjar_admin', 'nightjar_runner', 'nightjar_analyst', 'nightjar_webapp_reader') THEN
        RAISE EXCEPTION 'nightjar: % is not a nightjar role', left(coalesce(quote_literal(p_role), 'NULL'), 64)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_member) THEN
        RAISE EXCEPTION 'nightjar: role % does not exist', left(quote_literal(p_member), 64)
            USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('REVOKE %I FROM %I', p_role, p_member);
    INSERT INTO nightjar.audit_log (session_user_name, current_user_name, action, object_type, object_key, before)
    VALUES (session_user, session_user, 'revoke_role', 'role', p_member, jsonb_build_object('role', p_role));
END;
$$;

SELECT nightjar.apply_grants();
-- grant_role/revoke_role: nightjar_admin only (apply_grants gave the analyst nothing volatile).
