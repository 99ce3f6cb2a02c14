-- 31_engine_define.sql: defining pipelines and steps. Every function is an idempotent
-- upsert (what `nightjar apply` calls for each pipeline of the TOML config); every error
-- names the argument that is wrong, with SQLSTATE 22023 (invalid_parameter_value).

-- _check_topic raises unless topic is a well-formed topic name (dotted lower-case words).
CREATE FUNCTION nightjar._check_topic(topic text, arg text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF topic IS NULL OR topic !~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$' OR length(topic) > 200 THEN
        RAISE EXCEPTION 'nightjar: % must be a topic such as batch.staged (lower-case words separated by dots), not %',
            nightjar._cut((arg)::text), nightjar._cut((coalesce(quote_literal(topic), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;

-- define_pipeline creates or updates the pipeline called name and returns its id.
CREATE FUNCTION nightjar.define_pipeline(
    name text,
    deadline time DEFAULT NULL,
    deadline_tz text DEFAULT 'UTC',
    lock_key text DEFAULT 'source_id',
    notify text DEFAULT NULL,
    description text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: pipeline name must match ^[a-z][a-z0-9_]{0,62}$, not %',
            nightjar._cut((coalesce(quote_literal(name), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF deadline_tz IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z
                                          WHERE z.name = deadline_tz) THEN
        RAISE EXCEPTION 'nightjar: deadline_tz must be a time zone name such as Europe/Paris, not %',
            nightjar._cut((coalesce(quote_literal(deadline_tz), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lock_key IS NOT NULL AND lock_key !~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN
        RAISE EXCEPTION 'nightjar: lock_key must be the name of a payload field, not %',
            nightjar._cut((quote_literal(lock_key))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO nightjar.pipeline AS p (name, deadline, deadline_tz, lock_key, notify, description)
    VALUES (define_pipeline.name, define_pipeline.deadline, define_pipeline.deadline_tz,
            define_pipeline.lock_key, define_pipeline.notify, define_pipeline.description)
    ON CONFLICT ON CONSTRAINT pipeline_name_key DO UPDATE
        SET deadline = EXCLUDED.deadline, deadline_tz = EXCLUDED.deadline_tz,
            lock_key = EXCLUDED.lock_key, notify = EXCLUDED.notify,
            description = EXCLUDED.description, updated_at = now()
        WHERE (p.deadline, p.deadline_tz, p.lock_key, p.notify, p.description)
              IS DISTINCT FROM (EXCLUDED.deadline, EXCLUDED.deadline_tz, EXCLUDED.lock_key,
                                EXCLUDED.notify, EXCLUDED.description)
    RETURNING pipeline_id INTO v_id;
    IF v_id IS NULL THEN  -- unchanged: ON CONFLICT ... WHERE returned no row
        SELECT p.pipeline_id INTO v_id FROM nightjar.pipeline p WHERE p.name = define_pipeline.name;
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION nightjar.define_pipeline(text, time, text, text, text, text) IS
    'creates or updates a pipeline (idempotent); lock_key: payload field serialising runs per key '
    '(NULL: no serialisation); deadline: must have succeeded by this time of day in deadline_tz';

-- define_step creates or updates step name of pipeline and returns its id.
CREATE FUNCTION nightjar.define_step(
    pipeline text,
    name text,
    fn regprocedure,
    subscribes text,
    emits text DEFAULT NULL,
    max_attempts integer DEFAULT 3,
    backoff interval DEFAULT '30 seconds',
    timeout interval DEFAULT '10 minutes',
    match jsonb DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_pipeline_id bigint;
    v_fn text;
    v_id bigint;
BEGIN
    SELECT p.pipeline_id INTO v_pipeline_id FROM nightjar.pipeline p WHERE p.name = define_step.pipeline;
    IF v_pipeline_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: pipeline % does not exist', nightjar._cut((coalesce(quote_literal(pipeline), 'NULL'))::text)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Define it first with nightjar.define_pipeline.';
    END IF;
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: step name must match ^[a-z][a-z0-9_]{0,62}$, not %',
            nightjar._cut((coalesce(quote_literal(name), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT format('%I.%I(jsonb)', n.nspname, f.proname) INTO v_fn
    FROM pg_catalog.pg_proc f JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace
    WHERE f.oid = fn AND f.prokind = 'f' AND NOT f.proretset
      AND f.prorettype = 'jsonb'::regtype AND f.pronargs = 1
      AND f.proargtypes[0] = 'jsonb'::regtype;
    IF v_fn IS NULL THEN
        RAISE EXCEPTION 'nightjar: fn must be a function taking (jsonb) and returning jsonb, not %',
            coalesce(fn::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._check_topic(subscribes, 'subscribes');
    IF subscribes LIKE 'nightjar.%' OR emits LIKE 'nightjar.%' THEN
        -- nightjar.run_step marks a step run by hand: subscribing to it would fan out.
        RAISE EXCEPTION 'nightjar: topics beginning with "nightjar." are the engine''s own, not %',
            nightjar._cut((quote_literal(CASE WHEN subscribes LIKE 'nightjar.%' THEN subscribes ELSE emits END))::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF emits IS NOT NULL THEN
        PERFORM nightjar._check_topic(emits, 'emits');
        IF emits = subscribes THEN
            RAISE EXCEPTION 'nightjar: emits must differ from subscribes (%), or the step would trigger itself',
                nightjar._cut((quote_literal(emits))::text) USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'nightjar: max_attempts must be between 1 and 100, not %', coalesce(max_attempts::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF backoff IS NULL OR backoff < '0' THEN
        RAISE EXCEPTION 'nightjar: backoff must be a non-negative interval, not %', coalesce(backoff::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF timeout IS NULL OR timeout <= '0' THEN
        RAISE EXCEPTION 'nightjar: timeout must be a positive interval, not %', coalesce(timeout::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF match IS NOT NULL AND jsonb_typeof(match) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: match must be a JSON object the event payload must contain, not %', nightjar._cut((match)::text)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. {"source": "suppliers"}';
    END IF;
    INSERT INTO nightjar.step AS s (pipeline_id, name, fn, subscribes, emits, max_attempts, backoff, timeout, match)
    VALUES (v_pipeline_id, define_step.name, v_fn, define_step.subscribes, define_step.emits,
            define_step.max_attempts, define_step.backoff, define_step.timeout, define_step.match)
    ON CONFLICT ON CONSTRAINT step_pipeline_id_name_key DO UPDATE
        SET fn = EXCLUDED.fn, subscribes = EXCLUDED.subscribes, emits = EXCLUDED.emits,
            max_attempts = EXCLUDED.max_attempts, backoff = EXCLUDED.backoff,
            timeout = EXCLUDED.timeout, match = EXCLUDED.match, updated_at = now()
        WHERE (s.fn, s.subscribes, s.emits, s.max_attempts, s.backoff, s.timeout, s.match)
              IS DISTINCT FROM (EXCLUDED.fn, EXCLUDED.subscribes, EXCLUDED.emits,
                                EXCLUDED.max_attempts, EXCLUDED.backoff, EXCLUDED.timeout, EXCLUDED.match)
    RETURNING step_id INTO v_id;
    IF v_id IS NULL THEN
        SELECT s.step_id INTO v_id FROM nightjar.step s
        WHERE s.pipeline_id = v_pipeline_id AND s.name = define_step.name;
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION nightjar.define_step(text, text, regprocedure, text, text, integer, interval, interval, jsonb) IS
    'creates or updates a step (idempotent): fn(event_payload jsonb) RETURNS jsonb runs for every '
    'event on topic subscribes whose payload contains match (NULL: every event); on success the '
    'result''s "emit" (default: the payload) is emitted on emits';

-- drop_step removes one step of a pipeline with its pending work and history.
CREATE FUNCTION nightjar.drop_step(pipeline text, name text) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (
        DELETE FROM nightjar.step s USING nightjar.pipeline p
        WHERE s.pipeline_id = p.pipeline_id AND p.name = drop_step.pipeline AND s.name = drop_step.name
        RETURNING 1)
    SELECT count(*) > 0 FROM d;
$$;
COMMENT ON FUNCTION nightjar.drop_step(text, text) IS
    'removes a step with its work items and step runs; false when there was none';

-- drop_pipeline removes a pipeline, its steps, runs and step runs (events stay).
CREATE FUNCTION nightjar.drop_pipeline(name text) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM nightjar.pipeline p WHERE p.name = drop_pipeline.name RETURNING 1)
    SELECT count(*) > 0 FROM d;
$$;
COMMENT ON FUNCTION nightjar.drop_pipeline(text) IS
    'removes a pipeline with its steps, runs, work items and step runs (events stay); false when there was none';
