-- 32_engine_emit.sql: events in. emit appends an event and, in the same transaction,
-- one work item per subscribed step, so staging a batch and announcing it commit or
-- roll back together. replay re-emits a period for one pipeline (backfill); retry
-- re-queues dead letters.
--
-- Runs: an event emitted by a step (or by the dispatcher on the step's success) belongs
-- to the run of that step for the steps of the same pipeline; any other subscriber
-- pipeline gets a new run triggered by this event.

-- _emit appends one event, creates its work items and runs, NOTIFYs, returns its id.
CREATE FUNCTION nightjar._emit(
    p_topic text,
    p_payload jsonb,
    p_parent_event_id bigint,
    p_parent_run_id bigint,
    p_only_pipeline_id bigint,
    p_replay_of bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_event_id bigint;
    v_parent_pipeline_id bigint;
BEGIN
    PERFORM nightjar._check_topic(p_topic, 'topic');
    IF p_payload IS NULL OR jsonb_typeof(p_payload) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: payload must be a JSON object, not %', nightjar._cut((coalesce(p_payload::text, 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO nightjar.event (topic, payload, parent_event_id, replay_of)
    VALUES (p_topic, p_payload, p_parent_event_id, p_replay_of)
    RETURNING event_id INTO v_event_id;

    SELECT r.pipeline_id INTO v_parent_pipeline_id FROM nightjar.run r WHERE r.run_id = p_parent_run_id;

    WITH subscriber AS (
        SELECT s.step_id, s.pipeline_id FROM nightjar.step s
        WHERE s.subscribes = p_topic
          AND (s.match IS NULL OR p_payload @> s.match)
          AND (p_only_pipeline_id IS NULL OR s.pipeline_id = p_only_pipeline_id)),
    new_run AS (
        INSERT INTO nightjar.run (pipeline_id, trigger_event_id, lock_key)
        SELECT p.pipeline_id, v_event_id, p_payload ->> p.lock_key
        FROM nightjar.pipeline p
        WHERE p.pipeline_id IN (SELECT pipeline_id FROM subscriber)
          AND p.pipeline_id IS DISTINCT FROM v_parent_pipeline_id
        RETURNING run_id, pipeline_id)
    INSERT INTO nightjar.step_task (event_id, step_id, run_id)
    SELECT v_event_id, sub.step_id, coalesce(nr.run_id, p_parent_run_id)
    FROM subscriber sub LEFT JOIN new_run nr ON nr.pipeline_id = sub.pipeline_id;

    PERFORM pg_notify('nightjar_event', json_build_object('event_id', v_event_id, 'topic', p_topic)::text);
    RETURN v_event_id;
END;
$$;

-- emit appends an event on topic and queues every step subscribed to it; returns the event id.
CREATE FUNCTION nightjar.emit(topic text, payload jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    -- Inside a step, the dispatcher exposes the current event and run: an event the step
    -- emits itself continues that run.
    RETURN nightjar._emit(topic, payload,
                          nullif(current_setting('nightjar.event_id', true), '')::bigint,
                          nullif(current_setting('nightjar.run_id', true), '')::bigint,
                          NULL, NULL);
END;
$$;
COMMENT ON FUNCTION nightjar.emit(text, jsonb) IS
    'appends an event (topic, JSON object payload), queues one work item per subscribed step and '
    'NOTIFYs channel nightjar_event with {"event_id", "topic"} at commit; returns the event id';

-- _entry_topics lists the topics that start a pipeline: subscribed, not emitted, by its steps.
CREATE FUNCTION nightjar._entry_topics(p_pipeline_id bigint) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT s.subscribes FROM nightjar.step s
    WHERE s.pipeline_id = p_pipeline_id
      AND s.subscribes NOT IN (SELECT e.emits FROM nightjar.step e
                               WHERE e.pipeline_id = p_pipeline_id AND e.emits IS NOT NULL);
$$;

-- replay re-emits, for one pipeline only, the events of [from_ts, to_ts) that start it.
CREATE FUNCTION nightjar.replay(pipeline text, from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_pipeline_id bigint;
    v_count integer := 0;
    e record;
BEGIN
    SELECT p.pipeline_id INTO v_pipeline_id FROM nightjar.pipeline p WHERE p.name = replay.pipeline;
    IF v_pipeline_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: pipeline % does not exist', nightjar._cut((coalesce(quote_literal(pipeline), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF from_ts IS NULL OR to_ts IS NULL OR from_ts >= to_ts THEN
        RAISE EXCEPTION 'nightjar: from_ts (%) must be before to_ts (%)',
            coalesce(from_ts::text, 'NULL'), coalesce(to_ts::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nightjar._entry_topics(v_pipeline_id)) THEN
        RAISE EXCEPTION 'nightjar: pipeline % has no entry topic (a step subscribed to a topic no step of it emits)',
            nightjar._cut((quote_literal(pipeline))::text) USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR e IN
        SELECT ev.event_id, ev.topic, ev.payload FROM nightjar.event ev
        WHERE ev.topic IN (SELECT nightjar._entry_topics(v_pipeline_id))
          AND ev.created_at >= from_ts AND ev.created_at < to_ts
          AND ev.replay_of IS NULL
        ORDER BY ev.event_id
    LOOP
        PERFORM nightjar._emit(e.topic, e.payload, NULL, NULL, v_pipeline_id, e.event_id);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.replay(text, timestamptz, timestamptz) IS
    'backfill: re-emits, for this pipeline only, the original events of [from_ts, to_ts) on its entry '
    'topics; each copy (event.replay_of = original) starts a new run; returns how many';

-- retry re-queues the dead-lettered work items of one event; returns how many.
CREATE FUNCTION nightjar.retry(event_id bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nightjar.event e WHERE e.event_id = retry.event_id) THEN
        RAISE EXCEPTION 'nightjar: event % does not exist', coalesce(event_id::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH requeued AS (
        UPDATE nightjar.step_task t
        SET status = 'pending', attempt_base = t.attempts, next_attempt_at = now(), updated_at = now()
        WHERE t.event_id = retry.event_id AND t.status = 'dead'
        RETURNING t.run_id),
    reopened AS (
        UPDATE nightjar.run r SET status = 'running', finished_at = NULL
        WHERE r.run_id IN (SELECT run_id FROM requeued)
        RETURNING 1)
    SELECT count(*) INTO v_count FROM requeued;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.retry(bigint) IS
    're-queues the dead letters of an event: each gets max_attempts new attempts and its run is '
    'running again; returns how many work items were re-queued (0 when none was dead)';
