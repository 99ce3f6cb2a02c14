-- 34_engine_schedule.sql: time. Scheduling on top of pg_cron (recorded in
-- nightjar.scheduled_job), deadlines that turn into notifications, and pruning of the
-- engine's history. pg_cron is optional at CREATE EXTENSION time: it lives in one
-- database (cron.database_name), so everything that touches the cron schema is dynamic
-- SQL behind a clear error.

-- _require_pg_cron raises unless pg_cron is installed in this database.
CREATE FUNCTION nightjar._require_pg_cron() RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'nightjar: pg_cron is not installed in database %', current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'pg_cron needs shared_preload_libraries = ''pg_cron'' and CREATE EXTENSION pg_cron '
                         'in the database named by cron.database_name.';
    END IF;
END;
$$;

-- schedule creates or replaces the pg_cron job called job; returns pg_cron's job id.
CREATE FUNCTION nightjar.schedule(job text, cron text, command text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_jobid bigint;
BEGIN
    PERFORM nightjar._require_pg_cron();
    IF job IS NULL OR job !~ '^[a-z][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: job must match ^[a-z][a-z0-9_.-]{0,62}$, not %', nightjar._cut((coalesce(quote_literal(job), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cron IS NULL OR btrim(cron) = '' THEN
        RAISE EXCEPTION 'nightjar: cron must be a schedule such as ''*/5 * * * *'', not %', nightjar._cut((coalesce(quote_literal(cron), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF command IS NULL OR btrim(command) = '' THEN
        RAISE EXCEPTION 'nightjar: command must be an SQL command, not %', nightjar._cut((coalesce(quote_literal(command), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO v_jobid USING job, cron, command;
    INSERT INTO nightjar.scheduled_job AS j (job, cron, command, cron_jobid)
    VALUES (schedule.job, schedule.cron, schedule.command, v_jobid)
    ON CONFLICT ON CONSTRAINT scheduled_job_pkey DO UPDATE
        SET cron = EXCLUDED.cron, command = EXCLUDED.command, cron_jobid = EXCLUDED.cron_jobid, updated_at = now();
    RETURN v_jobid;
END;
$$;
COMMENT ON FUNCTION nightjar.schedule(text, text, text) IS
    'creates or replaces a pg_cron job (minute granularity, runs as the current user in this database) '
    'and records it in nightjar.scheduled_job; returns the cron job id';

-- unschedule removes the pg_cron job called job; false when there was none.
CREATE FUNCTION nightjar.unschedule(job text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_in_cron boolean;
    v_recorded boolean;
BEGIN
    PERFORM nightjar._require_pg_cron();
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1 AND username = current_user)'
        INTO v_in_cron USING job;
    IF v_in_cron THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
    END IF;
    DELETE FROM nightjar.scheduled_job j WHERE j.job = unschedule.job;
    v_recorded := FOUND;
    RETURN v_in_cron OR v_recorded;
END;
$$;
COMMENT ON FUNCTION nightjar.unschedule(text) IS 'removes a pg_cron job and its record; false when there was none';

-- install_default_schedules schedules dispatch, the watchdog and deadline check, and pruning.
CREATE FUNCTION nightjar.install_default_schedules(keep interval DEFAULT '30 days')
RETURNS SETOF nightjar.scheduled_job
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.schedule('nightjar-dispatch', '* * * * *', 'CALL nightjar.dispatch()');
    PERFORM nightjar.schedule('nightjar-watchdog', '* * * * *',
                              'SELECT nightjar.cancel_overdue_steps(), nightjar.check_deadlines()');
    PERFORM nightjar.schedule('nightjar-prune', '17 3 * * *', format('SELECT nightjar.prune(%L)', keep));
    RETURN QUERY SELECT * FROM nightjar.scheduled_job j
                 WHERE j.job IN ('nightjar-dispatch', 'nightjar-watchdog', 'nightjar-prune') ORDER BY j.job;
END;
$$;
COMMENT ON FUNCTION nightjar.install_default_schedules(interval) IS
    'schedules CALL nightjar.dispatch() and the watchdog/deadline check every minute and a daily '
    'nightjar.prune(keep) at 03:17; idempotent. Call it once after CREATE EXTENSION in the pg_cron database';

-- check_deadlines writes one notification per pipeline whose deadline passed today without a success.
CREATE FUNCTION nightjar.check_deadlines(at timestamptz DEFAULT now()) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    WITH pipeline_day AS (
        SELECT p.*, (at AT TIME ZONE p.deadline_tz)::date AS local_day,
               (((at AT TIME ZONE p.deadline_tz)::date + p.deadline) AT TIME ZONE p.deadline_tz) AS deadline_at
        FROM nightjar.pipeline p WHERE p.deadline IS NOT NULL),
    missed AS (
        SELECT d.*, last_run.status AS last_status, last_run.started_at AS last_started
        FROM pipeline_day d
        LEFT JOIN LATERAL (SELECT r.status, r.started_at FROM nightjar.run r
                           WHERE r.pipeline_id = d.pipeline_id ORDER BY r.run_id DESC LIMIT 1) last_run ON true
        WHERE at >= d.deadline_at AND d.created_at < d.deadline_at
          AND NOT EXISTS (SELECT 1 FROM nightjar.run r
                          WHERE r.pipeline_id = d.pipeline_id AND r.status = 'succeeded'
                            AND r.finished_at > d.deadline_at - interval '1 day'
                            AND r.finished_at <= d.deadline_at)),
    inserted AS (
        INSERT INTO nightjar.notification (kind, recipient, subject, body, payload, dedup_key)
        SELECT 'deadline_missed', m.notify,
               format('nightjar: pipeline %s has not succeeded by %s (%s)', m.name,
                      to_char(m.deadline, 'HH24:MI'), m.deadline_tz),
               format('No run of pipeline %s succeeded in the 24 hours before %s %s on %s. Last run: %s.',
                      m.name, to_char(m.deadline, 'HH24:MI'), m.deadline_tz, m.local_day,
                      coalesce(m.last_status || ' (started ' || m.last_started || ')', 'none')),
               jsonb_build_object('pipeline', m.name, 'day', m.local_day, 'deadline', m.deadline,
                                  'deadline_tz', m.deadline_tz, 'deadline_at', m.deadline_at,
                                  'last_run_status', m.last_status),
               format('deadline_missed:%s:%s', m.name, m.local_day)
        FROM missed m
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO v_count FROM inserted;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.check_deadlines(timestamptz) IS
    'for every pipeline whose deadline (local time of day) has passed on the day of `at` without a run '
    'that succeeded in the 24 hours before it, writes one deadline_missed notification (idempotent per '
    'pipeline and day); returns how many it wrote';

-- prune deletes finished history older than keep; returns what it deleted, per table.
CREATE FUNCTION nightjar.prune(keep interval) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_cutoff timestamptz;
    v_run_ids bigint[];
    v_step_runs bigint;
    v_runs bigint;
    v_events bigint;
    v_notifications bigint;
    v_cron bigint;
BEGIN
    IF keep IS NULL OR keep < '0' THEN
        RAISE EXCEPTION 'nightjar: keep must be a non-negative interval, not %', coalesce(keep::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_cutoff := now() - keep;
    v_run_ids := ARRAY(SELECT r.run_id FROM nightjar.run r
                       WHERE r.status <> 'running' AND r.finished_at < v_cutoff);
    DELETE FROM nightjar.step_run s WHERE s.run_id = ANY (v_run_ids);
    GET DIAGNOSTICS v_step_runs = ROW_COUNT;
    DELETE FROM nightjar.step_task t WHERE t.run_id = ANY (v_run_ids);
    DELETE FROM nightjar.run r WHERE r.run_id = ANY (v_run_ids);
    GET DIAGNOSTICS v_runs = ROW_COUNT;
    DELETE FROM nightjar.event e
    WHERE e.created_at < v_cutoff
      AND NOT EXISTS (SELECT 1 FROM nightjar.step_task t WHERE t.event_id = e.event_id)
      AND NOT EXISTS (SELECT 1 FROM nightjar.run r WHERE r.trigger_event_id = e.event_id)
      AND NOT EXISTS (SELECT 1 FROM nightjar.step_run s WHERE s.event_id = e.event_id);
    GET DIAGNOSTICS v_events = ROW_COUNT;
    DELETE FROM nightjar.notification n WHERE n.status IN ('sent', 'failed') AND n.created_at < v_cutoff;
    GET DIAGNOSTICS v_notifications = ROW_COUNT;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        BEGIN
            EXECUTE 'DELETE FROM cron.job_run_details WHERE end_time < $1' USING v_cutoff;
            GET DIAGNOSTICS v_cron = ROW_COUNT;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'nightjar: % may not prune cron.job_run_details', current_user;
        END;
    END IF;
    RETURN jsonb_build_object('runs', v_runs, 'step_runs', v_step_runs, 'events', v_events,
                              'notifications', v_notifications, 'cron_job_run_details', v_cron);
END;
$$;
COMMENT ON FUNCTION nightjar.prune(interval) IS
    'deletes finished runs (with their step runs and work items, dead letters included), events no '
    'longer referenced, delivered or failed notifications and cron.job_run_details older than keep; '
    'never touches running runs or pending work; returns the counts';
