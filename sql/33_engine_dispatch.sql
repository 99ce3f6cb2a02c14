-- 33_engine_dispatch.sql: the dispatcher. CALL nightjar.dispatch() repeats: pick a due
-- work item, lock its row (FOR UPDATE SKIP LOCKED), run the step in a subtransaction,
-- record the attempt, COMMIT. The row lock is held while the step runs, so the step's
-- effects and the work item's new status commit together: a step succeeds at most once
-- per event (also enforced by the unique index step_run_succeeds_once), and a dispatcher
-- that dies mid-step leaves the item pending for the next one. Failed attempts are
-- rolled back to the subtransaction, recorded, and retried after
-- backoff * 2^(attempt-1) * (1 + jitter in [0, 0.25)), capped at one day; after
-- max_attempts the item is dead (a dead letter, see nightjar.retry).
--
-- Serialisation: runs of one pipeline with the same lock key (payload field named by
-- pipeline.lock_key) go one after another, oldest first; steps of one pipeline and key
-- never overlap (pg_try_advisory_xact_lock; a busy item stays pending, no attempt spent).
--
-- Timeouts: statement_timeout cannot bound a statement run inside a procedure (the
-- timer is armed once per top-level statement), so _run_task arms a timer of its own
-- backend at the step's deadline (nightjar._step_timer, C): at the deadline the step is
-- canceled (SQLSTATE 57014), which the dispatcher catches and records as a timeout. The
-- running step also advertises its deadline in application_name, and
-- nightjar.cancel_overdue_steps() -- run by every dispatcher as it starts and by the
-- nightjar-watchdog cron job -- cancels overdue steps from outside: a backstop.

-- _step_timer arms this backend's step timer at `deadline`; NULL disarms it. Disarmed at
-- commit and abort too. Internal to _run_task.
CREATE FUNCTION nightjar._step_timer(deadline timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'nightjar_step_timer' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- _finish_run closes a run once none of its work items is pending.
CREATE FUNCTION nightjar._finish_run(p_run_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- Locking the run serialises the check between dispatchers finishing sibling items:
    -- the second one to get the lock sees the first one's committed status. NO KEY
    -- UPDATE, not UPDATE: two dispatchers that both emitted into this run hold KEY SHARE
    -- locks on it (foreign keys of their new work items); FOR UPDATE would deadlock them.
    PERFORM 1 FROM nightjar.run r WHERE r.run_id = p_run_id FOR NO KEY UPDATE;
    UPDATE nightjar.run r
    SET status = CASE WHEN EXISTS (SELECT 1 FROM nightjar.step_task t
                                   WHERE t.run_id = p_run_id AND t.status = 'dead')
                      THEN 'failed' ELSE 'succeeded' END,
        finished_at = clock_timestamp()
    WHERE r.run_id = p_run_id AND r.status = 'running'
      AND NOT EXISTS (SELECT 1 FROM nightjar.step_task t WHERE t.run_id = p_run_id AND t.status = 'pending');
END;
$$;

-- _run_task runs one locked work item once and records the attempt; returns its status.
-- The step protocol lives here: the step returns {"rows_in", "rows_out", "counts",
-- "payload"}; the dispatcher alone emits, on the step's declared topic, with that payload
-- (absent: the incoming payload; null: nothing). p_by_hand (nightjar.run_step): a
-- failure is final at once (no retry by a dispatcher); p_emit false: nothing is emitted.
CREATE FUNCTION nightjar._run_task(p_event_id bigint, p_step_id bigint,
                                   p_by_hand boolean DEFAULT false, p_emit boolean DEFAULT true) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t nightjar.step_task;
    s nightjar.step;
    v_payload jsonb;
    v_call text;
    v_result jsonb;
    v_started timestamptz := clock_timestamp();
    v_deadline timestamptz;
    v_attempt integer;
    v_rows_in bigint;
    v_rows_out bigint;
    v_next jsonb;
    v_emitted bigint;
    v_state text;
    v_msg text;
    v_detail text;
    v_hint text;
    v_ctx text;
    v_status text;
    v_delay interval;
BEGIN
    SELECT * INTO STRICT t FROM nightjar.step_task x WHERE x.event_id = p_event_id AND x.step_id = p_step_id;
    SELECT * INTO STRICT s FROM nightjar.step x WHERE x.step_id = p_step_id;
    SELECT e.payload INTO STRICT v_payload FROM nightjar.event e WHERE e.event_id = p_event_id;
    v_attempt := t.attempts + 1;
    v_deadline := v_started + s.timeout;
    -- Visible at once in pg_stat_activity (the watchdog reads it); reverts at COMMIT.
    PERFORM set_config('application_name',
                       format('nightjar:%s:%s:%s', p_event_id, p_step_id,
                              floor(extract(epoch FROM v_deadline) * 1000)::bigint), true);
    -- What nightjar.emit() inside the step needs to continue this run.
    PERFORM set_config('nightjar.event_id', p_event_id::text, true);
    PERFORM set_config('nightjar.run_id', t.run_id::text, true);
    BEGIN
        -- Re-resolved at every call: a dropped or changed function fails this attempt (42883).
        SELECT format('SELECT %I.%I($1)', n.nspname, f.proname) INTO v_call
        FROM pg_catalog.pg_proc f JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace
        WHERE f.oid = s.fn::regprocedure;
        PERFORM nightjar._step_timer(v_deadline);
        EXECUTE v_call INTO v_result USING v_payload;
        -- Disarmed inside the block: a cancel the timer requested just now fires here, as a timeout.
        PERFORM nightjar._step_timer(NULL);
        IF v_result IS NOT NULL AND jsonb_typeof(v_result) <> 'object' THEN
            RAISE EXCEPTION 'nightjar: step % returned %, not a JSON object', s.name, left(v_result::text, 200)
                USING ERRCODE = 'data_exception';
        END IF;
        IF v_result ? 'emit' THEN
            -- The key of the retired protocol, where a step emitted itself and returned
            -- "emit": null: refused rather than ignored, so an old step cannot emit twice.
            RAISE EXCEPTION 'nightjar: step % returned the key "emit"; return the payload to pass on as "payload"', s.name
                USING ERRCODE = 'data_exception',
                      HINT = 'a step returns {"rows_in", "rows_out", "counts", "payload"} and never calls nightjar.emit';
        END IF;
        v_rows_in := (v_result ->> 'rows_in')::bigint;
        v_rows_out := (v_result ->> 'rows_out')::bigint;
        v_next := CASE WHEN v_result ? 'payload' THEN v_result -> 'payload' ELSE v_payload END;
        IF jsonb_typeof(v_next) NOT IN ('object', 'null') THEN
            RAISE EXCEPTION 'nightjar: step % returned a payload that is not a JSON object or null: %', s.name,
                left(v_next::text, 200) USING ERRCODE = 'data_exception';
        END IF;
        IF s.emits IS NOT NULL AND p_emit AND jsonb_typeof(v_next) = 'object' THEN
            v_emitted := nightjar._emit(s.emits, v_next, p_event_id, t.run_id, NULL, NULL);
        END IF;
    EXCEPTION
        WHEN query_canceled THEN
            PERFORM nightjar._step_timer(NULL);
            IF clock_timestamp() < v_deadline THEN
                RAISE;  -- a person's cancel (or the session's own statement_timeout): stop dispatching
            END IF;
            GET STACKED DIAGNOSTICS v_ctx = PG_EXCEPTION_CONTEXT;
            v_state := '57014';
            v_msg := format('step exceeded its timeout of %s and was canceled', s.timeout);
        WHEN OTHERS THEN
            PERFORM nightjar._step_timer(NULL);
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                                    v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT,
                                    v_ctx = PG_EXCEPTION_CONTEXT;
    END;

    IF v_state IS NULL THEN
        v_status := 'succeeded';
        UPDATE nightjar.step_task x SET status = 'succeeded', attempts = v_attempt, last_error = NULL,
                                        updated_at = clock_timestamp()
        WHERE x.event_id = p_event_id AND x.step_id = p_step_id;
    ELSIF p_by_hand OR v_attempt - t.attempt_base >= s.max_attempts THEN
        v_status := 'dead';
        UPDATE nightjar.step_task x SET status = 'dead', attempts = v_attempt, last_error = v_msg,
                                        updated_at = clock_timestamp()
        WHERE x.event_id = p_event_id AND x.step_id = p_step_id;
    ELSE
        v_status := 'failed';
        v_delay := least(s.backoff * power(2, least(v_attempt - t.attempt_base - 1, 30))
                                   * (1 + random() * 0.25),
                         interval '1 day');
        UPDATE nightjar.step_task x SET attempts = v_attempt, next_attempt_at = clock_timestamp() + v_delay,
                                        last_delay = v_delay, last_error = v_msg, updated_at = clock_timestamp()
        WHERE x.event_id = p_event_id AND x.step_id = p_step_id;
    END IF;

    INSERT INTO nightjar.step_run (run_id, step_id, event_id, attempt, status, rows_in, rows_out, result,
                                   emitted_event_id, started_at, finished_at, error_message, sqlstate,
                                   error_detail, error_context, retry_delay)
    VALUES (t.run_id, p_step_id, p_event_id, v_attempt, v_status, v_rows_in, v_rows_out, v_result,
            v_emitted, v_started, clock_timestamp(), v_msg, v_state,
            nullif(concat_ws(E'\n', nullif(v_detail, ''), 'HINT: ' || nullif(v_hint, '')), ''),
            nullif(v_ctx, ''), v_delay);
    PERFORM nightjar._finish_run(t.run_id);
    RETURN v_status;
END;
$$;

-- _dispatch_one claims one due work item (of one pipeline, or any) and runs it; false if none.
CREATE FUNCTION nightjar._dispatch_one(p_pipeline_id bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    v_page integer;
    -- Keyset of the last candidate seen: candidates are read 100 at a time, so that a
    -- long stretch of items whose key is busy does not hide a runnable one behind it.
    v_after_at timestamptz := '-infinity';
    v_after_event bigint := 0;
    v_after_step bigint := 0;
BEGIN
    LOOP
        v_page := 0;
        FOR c IN
            SELECT t.event_id, t.step_id, t.next_attempt_at, r.pipeline_id, r.lock_key
            FROM nightjar.step_task t JOIN nightjar.run r ON r.run_id = t.run_id
            WHERE t.status = 'pending' AND t.next_attempt_at <= clock_timestamp()
              AND (t.next_attempt_at, t.event_id, t.step_id) > (v_after_at, v_after_event, v_after_step)
              AND (p_pipeline_id IS NULL OR r.pipeline_id = p_pipeline_id)
              AND NOT EXISTS (SELECT 1 FROM nightjar.run o   -- an older open run of the same key goes first
                              WHERE o.pipeline_id = r.pipeline_id AND o.lock_key = r.lock_key
                                AND o.status = 'running' AND o.run_id < r.run_id)
            ORDER BY t.next_attempt_at, t.event_id, t.step_id
            LIMIT 100
        LOOP
            v_page := v_page + 1;
            v_after_at := c.next_attempt_at;
            v_after_event := c.event_id;
            v_after_step := c.step_id;
            -- In a subtransaction, so that an item whose key is busy is let go at once: kept
            -- locked while this transaction runs another step, no other dispatcher could
            -- take it when its key frees up.
            BEGIN
                -- Re-checked under the lock: another dispatcher may have finished it meanwhile.
                PERFORM 1 FROM nightjar.step_task t
                WHERE t.event_id = c.event_id AND t.step_id = c.step_id
                  AND t.status = 'pending' AND t.next_attempt_at <= clock_timestamp()
                FOR UPDATE SKIP LOCKED;
                CONTINUE WHEN NOT FOUND;
                IF c.lock_key IS NOT NULL AND NOT pg_try_advisory_xact_lock(
                       hashtextextended(format('nightjar:%s:%s', c.pipeline_id, c.lock_key), 0)) THEN
                    -- A step of this pipeline and key is running elsewhere: not an attempt.
                    RAISE EXCEPTION USING ERRCODE = 'lock_not_available';
                END IF;
            EXCEPTION WHEN lock_not_available THEN
                CONTINUE;  -- the subtransaction's rollback released the row lock
            END;
            PERFORM nightjar._run_task(c.event_id, c.step_id);
            RETURN true;
        END LOOP;
        EXIT WHEN v_page < 100;
    END LOOP;
    RETURN false;
END;
$$;

-- run_step runs one step of a pipeline by hand, now, in the caller's transaction, with
-- the dispatcher's audit (an event of topic nightjar.run_step, a run, a step run); returns
-- the step run. For reruns and debugging: a failure is recorded (status dead, the run
-- failed) and not retried by any dispatcher; nothing is emitted unless `emit` is true,
-- when the step's declared topic is emitted as the dispatcher would and the pipeline's
-- next steps go on in this run (at the next dispatch).
CREATE FUNCTION nightjar.run_step(pipeline text, step text, payload jsonb DEFAULT '{}', emit boolean DEFAULT false)
RETURNS nightjar.step_run
LANGUAGE plpgsql AS $$
DECLARE
    p nightjar.pipeline;
    s nightjar.step;
    v_event_id bigint;
    v_run_id bigint;
    v_lock_value text;
    v_step_run nightjar.step_run;
BEGIN
    SELECT * INTO p FROM nightjar.pipeline x WHERE x.name = run_step.pipeline;
    IF p.pipeline_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: pipeline % does not exist', coalesce(quote_literal(left(pipeline, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO s FROM nightjar.step x WHERE x.pipeline_id = p.pipeline_id AND x.name = run_step.step;
    IF s.step_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: pipeline % has no step %', nightjar._cut((quote_literal(p.name))::text),
            coalesce(quote_literal(left(step, 64)), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: payload must be a JSON object, not %', coalesce(left(payload::text, 64), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF emit IS NULL THEN
        RAISE EXCEPTION 'nightjar: emit must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_lock_value := payload ->> p.lock_key;
    -- Inserted directly, not through _emit: the trigger of this run only, no fan-out.
    INSERT INTO nightjar.event (topic, payload) VALUES ('nightjar.run_step', payload)
    RETURNING event_id INTO v_event_id;
    INSERT INTO nightjar.run (pipeline_id, trigger_event_id, lock_key) VALUES (p.pipeline_id, v_event_id, v_lock_value)
    RETURNING run_id INTO v_run_id;
    INSERT INTO nightjar.step_task (event_id, step_id, run_id) VALUES (v_event_id, s.step_id, v_run_id);
    IF v_lock_value IS NOT NULL THEN
        -- The lock a dispatcher takes: waits for a step of this pipeline and key running elsewhere.
        PERFORM pg_advisory_xact_lock(hashtextextended(format('nightjar:%s:%s', p.pipeline_id, v_lock_value), 0));
    END IF;
    PERFORM nightjar._run_task(v_event_id, s.step_id, p_by_hand => true, p_emit => emit);
    SELECT * INTO STRICT v_step_run FROM nightjar.step_run r WHERE r.event_id = v_event_id AND r.step_id = s.step_id;
    RETURN v_step_run;
END;
$$;
COMMENT ON FUNCTION nightjar.run_step(text, text, jsonb, boolean) IS
    'runs one step by hand with the dispatcher''s audit (event nightjar.run_step, run, step run) and returns '
    'the step run; a failure is recorded, not retried; emits the step''s topic only when emit is true';

-- cancel_overdue_steps cancels the steps of this database that run past their timeout.
CREATE FUNCTION nightjar.cancel_overdue_steps() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    PERFORM pg_stat_clear_snapshot();  -- pg_stat_activity is otherwise frozen for the transaction
    SELECT count(*) FILTER (WHERE pg_cancel_backend(a.pid)) INTO v_count
    FROM pg_catalog.pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
      AND a.application_name ~ '^nightjar:[0-9]+:[0-9]+:[0-9]+$'
      AND split_part(a.application_name, ':', 4)::numeric < extract(epoch FROM clock_timestamp()) * 1000;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.cancel_overdue_steps() IS
    'watchdog: cancels steps running past their timeout (the dispatcher records them as failed '
    'attempts, SQLSTATE 57014); needs the right to signal the dispatchers (same role or pg_signal_backend)';

-- dispatch runs due work items, one transaction each, until none is left or a limit is hit.
CREATE PROCEDURE nightjar.dispatch(
    max_steps integer DEFAULT NULL,
    max_seconds integer DEFAULT NULL,
    pipeline text DEFAULT NULL,
    INOUT steps_run integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_pipeline_id bigint;
BEGIN
    IF max_steps < 0 THEN
        RAISE EXCEPTION 'nightjar: max_steps must be >= 0, not %', max_steps USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_seconds < 0 THEN
        RAISE EXCEPTION 'nightjar: max_seconds must be >= 0, not %', max_seconds USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pipeline IS NOT NULL THEN
        SELECT p.pipeline_id INTO v_pipeline_id FROM nightjar.pipeline p WHERE p.name = dispatch.pipeline;
        IF v_pipeline_id IS NULL THEN
            RAISE EXCEPTION 'nightjar: pipeline % does not exist', nightjar._cut((quote_literal(pipeline))::text)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    steps_run := 0;
    PERFORM nightjar.cancel_overdue_steps();
    COMMIT;  -- fails with 2D000 inside a transaction block: CALL dispatch at top level
    LOOP
        EXIT WHEN max_steps IS NOT NULL AND steps_run >= max_steps;
        EXIT WHEN max_seconds IS NOT NULL AND clock_timestamp() >= v_started + make_interval(secs => max_seconds);
        IF NOT nightjar._dispatch_one(v_pipeline_id) THEN
            COMMIT;
            EXIT;
        END IF;
        COMMIT;
        steps_run := steps_run + 1;
    END LOOP;
    PERFORM nightjar.check_deadlines();
    COMMIT;
END;
$$;
COMMENT ON PROCEDURE nightjar.dispatch(integer, integer, text, integer) IS
    'runs due steps, each in its own transaction, until none is due or max_steps / max_seconds is '
    'reached (optionally only those of one pipeline); returns steps_run. Must be CALLed outside a '
    'transaction block (it COMMITs).';
