-- 80_housekeeping.sql: scheduled housekeeping (docs/housekeeping.md). A DBA declares a
-- task (nightjar.define_housekeeping: a name, a kind, a JSON configuration naming tables
-- and columns, an optional cron schedule); every run goes through nightjar.run_step on
-- the pipeline `housekeeping`, whose step per task calls nightjar.housekeeping_step, so
-- each run leaves an event, a run and a step run with the task's counts. Every kind is
-- idempotent for one day: a second run the same day finds nothing left to do (dedup keys
-- per item and deadline, rows already in their final state, rows already recomputed).
--
-- Configuration never becomes SQL text: a table is resolved with to_regclass and printed
-- as a regclass (quoted), a column is checked in pg_attribute and printed with %I, a
-- function is resolved with to_regprocedure. Values travel as parameters (USING).
-- The kinds live in 81_housekeeping_tasks.sql and 82_housekeeping_files.sql.

CREATE TABLE nightjar.housekeeping_task (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    kind        text NOT NULL CHECK (kind IN ('reminder', 'recompute', 'archive', 'retention',
                                              'orphan_files', 'call', 'publish_reference')),
    config      jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    cron        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.housekeeping_task IS
    'housekeeping tasks declared by a DBA (nightjar.define_housekeeping): kind, configuration (tables and '
    'columns by name), cron schedule; each run is a step run of pipeline housekeeping';
SELECT pg_catalog.pg_extension_config_dump('nightjar.housekeeping_task', '');

INSERT INTO nightjar.notification_template (kind, subject, body, required) VALUES
('deadline_reminder',
 'Reminder: {{label}} is due on {{deadline}} ({{days_left}} day(s) left)',
 E'{{label}} is due on {{deadline}}: {{days_left}} day(s) left.\n(housekeeping task {{task}})\n',
 '{label,deadline,days_left,task}'),
('item_archived',
 'Closed: {{label}} ({{outcome}})',
 E'{{label}} was closed on {{day}}: {{outcome}}, its date {{date}} has passed.\n(housekeeping task {{task}})\n',
 '{label,day,outcome,date,task}');

-- _hk_table resolves a table named in configuration; raises 22023 naming the task and key.
CREATE FUNCTION nightjar._hk_table(p_config jsonb, p_key text) RETURNS regclass
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_name text := p_config ->> p_key;
    v_rel regclass;
BEGIN
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'nightjar: housekeeping configuration needs "%" (a table name)', nightjar._cut((p_key)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        v_rel := to_regclass(v_name);
    EXCEPTION WHEN OTHERS THEN  -- an unparsable name (unbalanced quotes) is simply not a table
        v_rel := NULL;
    END;
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'nightjar: housekeeping "%": no table %', nightjar._cut((p_key)::text), left(quote_literal(v_name), 64)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Write it as SQL would, quoted where needed: ''app."Odd Name"''.';
    END IF;
    RETURN v_rel;
END $$;

-- _hk_column checks that column p_column exists in p_rel and returns it (to be printed with %I).
CREATE FUNCTION nightjar._hk_column(p_rel regclass, p_column text, p_what text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_column IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                       WHERE a.attrelid = p_rel AND a.attname = p_column
                                         AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'nightjar: housekeeping "%": table % has no column %', nightjar._cut((p_what)::text), p_rel,
                        coalesce(left(quote_literal(p_column), 64), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_column;
END $$;

-- _hk_expr turns a column specification into an SQL expression over alias t: "col" is a
-- column of the task's table; {"via": fk, "table": other, "key": k, "column": c} reads c
-- from the row of `other` whose k equals t.fk (one hop, e.g. a request's campaign date).
CREATE FUNCTION nightjar._hk_expr(p_rel regclass, p_spec jsonb, p_what text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_other regclass;
BEGIN
    IF p_spec IS NULL OR jsonb_typeof(p_spec) = 'null' THEN
        RAISE EXCEPTION 'nightjar: housekeeping configuration needs "%"', nightjar._cut((p_what)::text)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF jsonb_typeof(p_spec) = 'string' THEN
        RETURN format('t.%I', nightjar._hk_column(p_rel, p_spec #>> '{}', p_what));
    ELSIF jsonb_typeof(p_spec) = 'object' THEN
        v_other := nightjar._hk_table(p_spec, 'table');
        RETURN format('(SELECT r.%I FROM %s r WHERE r.%I = t.%I LIMIT 1)',
                      nightjar._hk_column(v_other, p_spec ->> 'column', p_what), v_other,
                      nightjar._hk_column(v_other, p_spec ->> 'key', p_what),
                      nightjar._hk_column(p_rel, p_spec ->> 'via', p_what));
    END IF;
    RAISE EXCEPTION 'nightjar: housekeeping "%" must be a column name or {"via", "table", "key", "column"}, not %',
                    nightjar._cut((p_what)::text), left(p_spec::text, 64) USING ERRCODE = 'invalid_parameter_value';
END $$;

-- _hk_interval reads an interval from the configuration; raises 22023 when it is not one.
CREATE FUNCTION nightjar._hk_interval(p_config jsonb, p_key text, p_default interval) RETURNS interval
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT p_config ? p_key THEN
        RETURN p_default;
    END IF;
    RETURN (p_config ->> p_key)::interval;
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR invalid_parameter_value THEN
    RAISE EXCEPTION 'nightjar: housekeeping "%" must be an interval, not %', nightjar._cut((p_key)::text),
                    left(quote_literal(p_config ->> p_key), 64) USING ERRCODE = 'invalid_parameter_value';
END $$;

-- define_housekeeping declares (or redeclares) a task, its step and its schedule; returns the task.
CREATE FUNCTION nightjar.define_housekeeping(name text, kind text, config jsonb, cron text DEFAULT NULL)
RETURNS nightjar.housekeeping_task
LANGUAGE plpgsql AS $$
DECLARE
    v_task nightjar.housekeeping_task;
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'nightjar: housekeeping task name must match ^[a-z][a-z0-9_]{0,39}$, not %',
                        coalesce(left(quote_literal(name), 64), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind IS NULL OR kind NOT IN ('reminder', 'recompute', 'archive', 'retention', 'orphan_files', 'call',
                                    'publish_reference') THEN
        RAISE EXCEPTION 'nightjar: housekeeping kind must be reminder, recompute, archive, retention, orphan_files, call or publish_reference, not %',
                        coalesce(left(quote_literal(kind), 64), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF config IS NULL OR jsonb_typeof(config) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: housekeeping config must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._hk_check(kind, config);  -- resolves every table, column and function now
    INSERT INTO nightjar.housekeeping_task AS t (name, kind, config, cron)
    VALUES (define_housekeeping.name, define_housekeeping.kind, define_housekeeping.config, define_housekeeping.cron)
    ON CONFLICT ON CONSTRAINT housekeeping_task_pkey DO UPDATE
        SET kind = EXCLUDED.kind, config = EXCLUDED.config, cron = EXCLUDED.cron, updated_at = now()
    RETURNING * INTO v_task;
    PERFORM nightjar.define_pipeline('housekeeping', lock_key => NULL,
                                     description => 'scheduled housekeeping tasks (nightjar.define_housekeeping)');
    PERFORM nightjar.define_step('housekeeping', v_task.name, 'nightjar.housekeeping_step(jsonb)',
                                 'housekeeping.due', max_attempts => 1, timeout => '1 hour',
                                 match => jsonb_build_object('task', v_task.name));
    IF cron IS NOT NULL THEN
        PERFORM nightjar.schedule('housekeeping.' || v_task.name, cron,
                                  format('SELECT nightjar.run_housekeeping(%L)', v_task.name));
    ELSIF EXISTS (SELECT 1 FROM nightjar.scheduled_job j WHERE j.job = 'housekeeping.' || v_task.name) THEN
        PERFORM nightjar.unschedule('housekeeping.' || v_task.name);
    END IF;
    RETURN v_task;
END $$;
COMMENT ON FUNCTION nightjar.define_housekeeping(text, text, jsonb, text) IS
    'declares a housekeeping task (kind reminder, recompute, archive, retention, orphan_files, call or '
    'publish_reference) with its '
    'JSON configuration, checked now; defines its step in pipeline housekeeping and, with cron, schedules '
    'nightjar.run_housekeeping(name) as pg_cron job housekeeping.<name>';

-- drop_housekeeping removes a task, its step and its schedule; false when there was none.
CREATE FUNCTION nightjar.drop_housekeeping(name text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM nightjar.scheduled_job j WHERE j.job = 'housekeeping.' || name) THEN
        PERFORM nightjar.unschedule('housekeeping.' || name);
    END IF;
    PERFORM nightjar.drop_step('housekeeping', name)
    WHERE EXISTS (SELECT 1 FROM nightjar.pipeline p WHERE p.name = 'housekeeping');
    DELETE FROM nightjar.housekeeping_task t WHERE t.name = drop_housekeeping.name;
    RETURN FOUND;
END $$;

-- housekeeping_step runs the task named in the payload for payload.day (default today).
CREATE FUNCTION nightjar.housekeeping_step(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_task nightjar.housekeeping_task;
    v_day date := coalesce((p ->> 'day')::date, current_date);
    v_result jsonb;
BEGIN
    SELECT * INTO v_task FROM nightjar.housekeeping_task t WHERE t.name = p ->> 'task';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no housekeeping task %', coalesce(left(quote_literal(p ->> 'task'), 64), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_result := CASE v_task.kind
        WHEN 'reminder' THEN nightjar._hk_reminder(v_task.name, v_task.config, v_day)
        WHEN 'recompute' THEN nightjar._hk_recompute(v_task.name, v_task.config, v_day)
        WHEN 'archive' THEN nightjar._hk_archive(v_task.name, v_task.config, v_day)
        WHEN 'retention' THEN nightjar._hk_retention(v_task.name, v_task.config, v_day)
        WHEN 'orphan_files' THEN nightjar._hk_orphan_files(v_task.name, v_task.config, v_day,
                                                           coalesce((p ->> 'dry_run')::boolean, true))
        WHEN 'call' THEN nightjar._hk_call(v_task.name, v_task.config, v_day)
        WHEN 'publish_reference' THEN nightjar._hk_publish_reference(v_task.name, v_task.config, v_day)
    END;
    RETURN v_result || jsonb_build_object('task', v_task.name, 'kind', v_task.kind, 'day', v_day);
END $$;
COMMENT ON FUNCTION nightjar.housekeeping_step(jsonb) IS
    'step function of pipeline housekeeping: runs the task {"task": name, "day": date} and returns '
    '{"rows_in", "rows_out", "counts", ...} (the step protocol); emits nothing';

-- run_housekeeping runs one task now through run_step (an audited step run) and returns it.
CREATE FUNCTION nightjar.run_housekeeping(name text, day date DEFAULT current_date, dry_run boolean DEFAULT NULL)
RETURNS nightjar.step_run
LANGUAGE sql AS $$
    SELECT * FROM nightjar.run_step('housekeeping', name,
        jsonb_strip_nulls(jsonb_build_object('task', name, 'day', day, 'dry_run', dry_run)));
$$;
COMMENT ON FUNCTION nightjar.run_housekeeping(text, date, boolean) IS
    'runs housekeeping task name for day now, audited as a step run of pipeline housekeeping '
    '(result: counts); dry_run applies to orphan_files (default true)';

-- housekeeping_runs shows each task's runs with their counts, newest first.
CREATE VIEW nightjar.housekeeping_runs AS
SELECT s.name AS task, sr.step_run_id, sr.run_id, sr.status, sr.started_at, sr.finished_at,
       sr.rows_in, sr.rows_out, sr.result -> 'counts' AS counts, sr.result, sr.sqlstate, sr.error_message
FROM nightjar.step_run sr
JOIN nightjar.step s ON s.step_id = sr.step_id
JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id AND p.name = 'housekeeping';
COMMENT ON VIEW nightjar.housekeeping_runs IS 'every housekeeping run: task, status, rows, counts';
