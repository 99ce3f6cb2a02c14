-- engine_dispatch.sql: CALL nightjar.dispatch() end to end, with every failure mode of a
-- step: a step that raises keeps the earlier steps' results, records SQLSTATE and
-- message, is retried with growing delays, is dead-lettered after max_attempts, and
-- succeeds once retried after a fix; bad results, a dropped function, the emit
-- protocol (payload passed on, "payload": null, the retired "emit" key refused),
-- max_steps, serialisation of runs per lock key, emit inside a step, run_step by hand.
-- dispatch COMMITs, so this file runs outside a transaction block: everything it creates
-- is named engine_disp* / tdisp.* and removed at the end (and at the start, after a crash).
-- Another dispatcher (pg_cron) may run at the same time: engine_disp.drain waits for
-- work items locked by others, so the assertions do not depend on who ran a step.
SET client_min_messages = warning;
DELETE FROM nightjar.event WHERE topic LIKE 'tdisp.%' OR event_id IN (   -- the triggers of run_step's runs
    SELECT r.trigger_event_id FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'engine_disp_hand');
SELECT nightjar.drop_pipeline(p) FROM unnest(ARRAY['engine_disp', 'engine_disp_key', 'engine_disp_misc', 'engine_disp_hand']) p;
DROP SCHEMA IF EXISTS engine_disp CASCADE;

SELECT plan(61);

CREATE SCHEMA engine_disp;
CREATE TABLE engine_disp.log (step text, event_payload jsonb, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE engine_disp.switch (name text PRIMARY KEY, failing boolean NOT NULL);
INSERT INTO engine_disp.switch VALUES ('b', true), ('k', true);

CREATE FUNCTION engine_disp.a(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('a', p);
    RETURN jsonb_build_object('rows_in', 10, 'rows_out', 8, 'payload', p || '{"checked": true}', 'counts', '{"bad": 2}'::jsonb);
END $$;
-- b writes, then raises while its switch is on: its write must vanish with the attempt.
CREATE FUNCTION engine_disp.b(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('b', p);
    IF (SELECT failing FROM engine_disp.switch WHERE name = 'b') THEN
        RAISE EXCEPTION 'b cannot divide batch %', p ->> 'batch_id' USING ERRCODE = 'division_by_zero';
    END IF;
    RETURN jsonb_build_object('rows_in', 8, 'rows_out', 8);
END $$;
CREATE FUNCTION engine_disp.c(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('c', p);
    RETURN NULL;
END $$;

-- drain runs the dispatcher for pipeline p until nothing of p is due, waiting for items
-- that another dispatcher holds.
CREATE PROCEDURE engine_disp.drain(p text) LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    total bigint;
    free bigint;
BEGIN
    LOOP
        CALL nightjar.dispatch(pipeline => p, steps_run => n);
        SELECT count(*) INTO total FROM nightjar.step_task t JOIN nightjar.run r USING (run_id)
        JOIN nightjar.pipeline pl USING (pipeline_id) WHERE pl.name = p AND t.status = 'pending';
        SELECT count(*) INTO free FROM (
            SELECT 1 FROM nightjar.step_task t JOIN nightjar.run r USING (run_id) JOIN nightjar.pipeline pl USING (pipeline_id)
            WHERE pl.name = p AND t.status = 'pending' FOR UPDATE OF t SKIP LOCKED) x;
        COMMIT;
        IF free < total THEN  -- another dispatcher is running some: wait for it, then look again
            PERFORM 1 FROM nightjar.step_task t JOIN nightjar.run r USING (run_id) JOIN nightjar.pipeline pl USING (pipeline_id)
            WHERE pl.name = p AND t.status = 'pending' FOR UPDATE OF t;
            COMMIT;
            CONTINUE;
        END IF;
        EXIT WHEN n = 0;
    END LOOP;
END $$;
-- due makes the pending work items of pipeline p due now (instead of waiting out the backoff).
CREATE FUNCTION engine_disp.due(p text) RETURNS void LANGUAGE sql AS $$
    UPDATE nightjar.step_task t SET next_attempt_at = now()
    FROM nightjar.run r JOIN nightjar.pipeline pl USING (pipeline_id)
    WHERE t.run_id = r.run_id AND pl.name = p AND t.status = 'pending';
$$;
CREATE VIEW engine_disp.attempts AS
SELECT s.name AS step, sr.*
FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
WHERE p.name = 'engine_disp';

SELECT nightjar.define_pipeline('engine_disp');
SELECT nightjar.define_step('engine_disp', 'a', 'engine_disp.a(jsonb)', 'tdisp.start', 'tdisp.a_done');
SELECT nightjar.define_step('engine_disp', 'b', 'engine_disp.b(jsonb)', 'tdisp.a_done', 'tdisp.b_done',
                            max_attempts => 3, backoff => '2 seconds');
SELECT nightjar.define_step('engine_disp', 'c', 'engine_disp.c(jsonb)', 'tdisp.b_done');
CREATE TABLE engine_disp.ev AS SELECT nightjar.emit('tdisp.start', '{"source_id": 1, "batch_id": 100}') AS id;

-- First pass: a succeeds, b fails its first attempt.
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT (status, attempt, rows_in, rows_out, result -> 'counts')::text FROM engine_disp.attempts WHERE step = 'a'),
          '(succeeded,1,10,8,"{""bad"": 2}")', 'step a succeeded once; rows in/out and its result are recorded');
SELECT is((SELECT count(*) FROM engine_disp.log WHERE step = 'a'), 1::bigint, 'step a''s work is committed');
SELECT is((SELECT payload FROM nightjar.event WHERE event_id = (SELECT emitted_event_id FROM engine_disp.attempts WHERE step = 'a')),
          '{"checked": true, "batch_id": 100, "source_id": 1}'::jsonb,
          'a''s success emitted tdisp.a_done with the "payload" a returned');
SELECT is((SELECT (status, attempt, sqlstate, error_message)::text FROM engine_disp.attempts WHERE step = 'b'),
          '(failed,1,22012,"b cannot divide batch 100")', 'step b''s failure records SQLSTATE and message');
SELECT ok((SELECT error_context LIKE '%engine_disp.b(jsonb)%' FROM engine_disp.attempts WHERE step = 'b'),
          'and where it happened');
SELECT is((SELECT count(*) FROM engine_disp.log WHERE step = 'b'), 0::bigint, 'the failed attempt''s writes are rolled back');
SELECT ok((SELECT retry_delay BETWEEN interval '2 seconds' AND interval '2.5 seconds' FROM engine_disp.attempts WHERE step = 'b'),
          'first retry after backoff * (1 + jitter): between 2 and 2.5 s');
SELECT ok((SELECT abs(extract(epoch FROM t.next_attempt_at - (sr.finished_at + sr.retry_delay))) < 0.1
           FROM engine_disp.attempts sr JOIN nightjar.step_task t USING (event_id, step_id) WHERE sr.step = 'b'),
          'the work item waits until then');
SELECT is((SELECT count(*) FROM engine_disp.attempts WHERE step = 'c'), 0::bigint, 'step c has not run');
SELECT is((SELECT (status, steps, steps_succeeded, steps_pending, attempts)::text FROM nightjar.run_status
           WHERE pipeline = 'engine_disp'), '(running,2,1,1,2)', 'run_status: running, 1 of 2 steps done, 2 attempts');
SELECT is((SELECT (step, attempt, status, sqlstate, work_status)::text FROM nightjar.failures WHERE pipeline = 'engine_disp'),
          '(b,1,failed,22012,pending)', 'failures shows the attempt and that it will be retried');
SELECT is(nightjar.retry((SELECT id FROM engine_disp.ev)), 0, 'a failed (not dead) item is not a dead letter');

-- Not yet due: a dispatcher leaves it alone.
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT count(*) FROM engine_disp.attempts WHERE step = 'b'), 1::bigint, 'nothing is retried before its time');

-- Second and third attempts: the delay doubles; then the item is dead.
SELECT engine_disp.due('engine_disp');
CALL engine_disp.drain('engine_disp');
SELECT ok((SELECT retry_delay BETWEEN interval '4 seconds' AND interval '5 seconds' FROM engine_disp.attempts WHERE step = 'b' AND attempt = 2),
          'second retry after 2 * backoff * (1 + jitter): between 4 and 5 s');
SELECT ok((SELECT bool_and(d2.retry_delay > d1.retry_delay) FROM engine_disp.attempts d1 JOIN engine_disp.attempts d2 USING (step_id)
           WHERE d1.step = 'b' AND d1.attempt = 1 AND d2.attempt = 2), 'the delays grow');
SELECT ok((SELECT extract(epoch FROM d1.retry_delay) / 2 > 1 AND extract(epoch FROM d2.retry_delay) / 4 > 1
                  AND extract(epoch FROM d1.retry_delay) / 2 <> extract(epoch FROM d2.retry_delay) / 4
           FROM engine_disp.attempts d1 JOIN engine_disp.attempts d2 USING (step_id)
           WHERE d1.step = 'b' AND d1.attempt = 1 AND d2.attempt = 2),
          'jitter: each delay is backoff * 2^(n-1) times its own random factor above 1');
SELECT engine_disp.due('engine_disp');
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT (status, attempt, retry_delay)::text FROM engine_disp.attempts WHERE step = 'b' AND attempt = 3),
          '(dead,3,)', 'the last attempt is dead, with no retry');
SELECT is((SELECT (pipeline, step, attempts, last_error, sqlstate)::text FROM nightjar.dead_letters WHERE pipeline = 'engine_disp'),
          '(engine_disp,b,3,"b cannot divide batch 100",22012)', 'dead_letters shows it');
SELECT is((SELECT (status, steps_dead, finished_at IS NOT NULL)::text FROM nightjar.run_status WHERE pipeline = 'engine_disp'),
          '(failed,1,t)', 'the run failed');
SELECT ok((SELECT last_error LIKE 'b attempt 3: 22012 b cannot divide batch 100' FROM nightjar.run_status WHERE pipeline = 'engine_disp'),
          'run_status says why');
SELECT is((SELECT count(*) FROM engine_disp.log WHERE step = 'a'), 1::bigint, 'step a''s results are still there');
SELECT engine_disp.due('engine_disp');
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT count(*) FROM engine_disp.attempts WHERE step = 'b'), 3::bigint, 'a dead letter is not retried by dispatch');

-- Fix and retry the dead letter: b succeeds, c runs, the run succeeds.
UPDATE engine_disp.switch SET failing = false WHERE name = 'b';
SELECT is(nightjar.retry((SELECT event_id FROM nightjar.dead_letters WHERE pipeline = 'engine_disp')), 1, 'retry re-queues the dead letter');
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT array_agg(attempt || ':' || status ORDER BY attempt) FROM engine_disp.attempts WHERE step = 'b'),
          ARRAY['1:failed', '2:failed', '3:dead', '4:succeeded'], 'attempt 4 of b succeeded');
SELECT is((SELECT array_agg(step ORDER BY at) FROM engine_disp.log), ARRAY['a', 'b', 'c'],
          'a, b and c each did their work exactly once');
SELECT is((SELECT event_payload FROM engine_disp.log WHERE step = 'c'), '{"checked": true, "batch_id": 100, "source_id": 1}'::jsonb,
          'without a "payload" in its result, b passed its own payload on');
SELECT is((SELECT (status, steps, steps_succeeded, attempts, rows_in, rows_out)::text FROM nightjar.run_status
           WHERE pipeline = 'engine_disp'), '(succeeded,3,3,6,18,16)', 'the run succeeded: 3 steps, 6 attempts, rows summed');
SELECT is((SELECT count(*) FROM nightjar.dead_letters WHERE pipeline = 'engine_disp'), 0::bigint, 'no dead letter is left');
SELECT is((SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step_task t USING (event_id, step_id)
           WHERE sr.run_id = (SELECT run_id FROM nightjar.run_status WHERE pipeline = 'engine_disp') AND t.run_id <> sr.run_id),
          0::bigint, 'every step run belongs to the run of its trigger');
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT count(*) FROM engine_disp.attempts), 6::bigint, 'dispatching again does nothing');

-- Replay the period: the whole pipeline runs again, as a new run.
SELECT is(nightjar.replay('engine_disp', now() - interval '1 hour', now() + interval '1 hour'), 1, 'replay re-emits the trigger');
CALL engine_disp.drain('engine_disp');
SELECT is((SELECT array_agg(status ORDER BY run_id) FROM nightjar.run_status WHERE pipeline = 'engine_disp' AND replay), ARRAY['succeeded'],
          'the replayed run succeeded');
SELECT is((SELECT count(*) FROM engine_disp.log), 6::bigint, 'and each step ran once more');

-- Results that break the protocol, and a function dropped after definition.
SELECT nightjar.define_pipeline('engine_disp_misc', lock_key => NULL);
CREATE FUNCTION engine_disp.not_object(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '[1, 2]'::jsonb $$;
CREATE FUNCTION engine_disp.bad_rows(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"rows_in": "many"}'::jsonb $$;
CREATE FUNCTION engine_disp.stop(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"payload": null, "rows_out": 0}'::jsonb $$;
CREATE FUNCTION engine_disp.old_emit(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"emit": null}'::jsonb $$;
CREATE FUNCTION engine_disp.bad_payload(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"payload": [1]}'::jsonb $$;
CREATE FUNCTION engine_disp.doomed(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT p $$;
CREATE FUNCTION engine_disp.emits_itself(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.emit('tdisp.side', '{"from": "inside"}');
    RETURN NULL;
END $$;
CREATE FUNCTION engine_disp.side(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$;
SELECT nightjar.define_step('engine_disp_misc', 'not_object', 'engine_disp.not_object(jsonb)', 'tdisp.misc', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'bad_rows', 'engine_disp.bad_rows(jsonb)', 'tdisp.misc', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'stop', 'engine_disp.stop(jsonb)', 'tdisp.misc', 'tdisp.never', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'doomed', 'engine_disp.doomed(jsonb)', 'tdisp.misc', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'old_emit', 'engine_disp.old_emit(jsonb)', 'tdisp.misc', 'tdisp.never', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'bad_payload', 'engine_disp.bad_payload(jsonb)', 'tdisp.misc', 'tdisp.never',
                            max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'emits_itself', 'engine_disp.emits_itself(jsonb)', 'tdisp.misc', max_attempts => 1);
SELECT nightjar.define_step('engine_disp_misc', 'side', 'engine_disp.side(jsonb)', 'tdisp.side', max_attempts => 1);
DROP FUNCTION engine_disp.doomed(jsonb);
SELECT nightjar.emit('tdisp.misc', '{}');
CALL engine_disp.drain('engine_disp_misc');
CREATE VIEW engine_disp.misc AS
SELECT s.name, sr.status, sr.sqlstate, sr.error_message, sr.emitted_event_id, sr.run_id
FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
WHERE p.name = 'engine_disp_misc';
SELECT is((SELECT (status, sqlstate, error_message)::text FROM engine_disp.misc WHERE name = 'not_object'),
          '(dead,22000,"nightjar: step not_object returned [1, 2], not a JSON object")', 'a non-object result is a failure');
SELECT is((SELECT (status, sqlstate)::text FROM engine_disp.misc WHERE name = 'bad_rows'),
          '(dead,22P02)', 'a non-integer rows_in is a failure');
SELECT is((SELECT (status, emitted_event_id)::text FROM engine_disp.misc WHERE name = 'stop'),
          '(succeeded,)', '"payload": null succeeds without emitting');
SELECT is((SELECT (status, sqlstate, error_message)::text FROM engine_disp.misc WHERE name = 'old_emit'),
          '(dead,22000,"nightjar: step old_emit returned the key ""emit""; return the payload to pass on as ""payload""")',
          'the retired "emit" key is refused, not ignored');
SELECT is((SELECT (status, sqlstate, error_message)::text FROM engine_disp.misc WHERE name = 'bad_payload'),
          '(dead,22000,"nightjar: step bad_payload returned a payload that is not a JSON object or null: [1]")',
          'a payload that is not an object or null is a failure');
SELECT is((SELECT count(*) FROM nightjar.event WHERE topic = 'tdisp.never'), 0::bigint, 'no tdisp.never event exists');
SELECT is((SELECT (status, sqlstate)::text FROM engine_disp.misc WHERE name = 'doomed'),
          '(dead,42883)', 'a function dropped after definition fails its attempts (undefined_function)');
SELECT is((SELECT status FROM engine_disp.misc WHERE name = 'side'), 'succeeded', 'an event emitted inside a step is dispatched');
SELECT is((SELECT count(DISTINCT run_id) FROM engine_disp.misc), 1::bigint, 'and belongs to the same run');
SELECT is((SELECT parent_event_id IS NOT NULL FROM nightjar.event WHERE topic = 'tdisp.side'), true, 'its parent event is recorded');

-- Lock key: runs of one pipeline and key go one after another.
UPDATE engine_disp.switch SET failing = true WHERE name = 'k';
CREATE FUNCTION engine_disp.k(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('k', p);
    IF (p ->> 'n')::int = 1 AND (SELECT failing FROM engine_disp.switch WHERE name = 'k') THEN
        RAISE EXCEPTION 'k fails on the first event';
    END IF;
    RETURN NULL;
END $$;
SELECT nightjar.define_pipeline('engine_disp_key', lock_key => 'source_id');
SELECT nightjar.define_step('engine_disp_key', 'k', 'engine_disp.k(jsonb)', 'tdisp.key', backoff => '1 hour');
SELECT nightjar.emit('tdisp.key', '{"source_id": 5, "n": 1}');
SELECT nightjar.emit('tdisp.key', '{"source_id": 5, "n": 2}');
SELECT nightjar.emit('tdisp.key', '{"source_id": 6, "n": 3}');
CALL engine_disp.drain('engine_disp_key');
SELECT is((SELECT array_agg(e.payload ->> 'n' || ':' || sr.status ORDER BY sr.step_run_id)
           FROM nightjar.step_run sr JOIN nightjar.event e USING (event_id) WHERE e.topic = 'tdisp.key'),
          ARRAY['1:failed', '3:succeeded'],
          'while the run for source 5 waits for a retry, the next one for source 5 waits; source 6 runs');
UPDATE engine_disp.switch SET failing = false WHERE name = 'k';
SELECT engine_disp.due('engine_disp_key');
CALL engine_disp.drain('engine_disp_key');
SELECT is((SELECT array_agg(event_payload ->> 'n' ORDER BY at) FROM engine_disp.log WHERE step = 'k'), ARRAY['3', '1', '2'],
          'once the first run of source 5 is done, the second one runs');

-- max_steps bounds one CALL.
SELECT nightjar.emit('tdisp.key', jsonb_build_object('source_id', 100 + i, 'n', 10 + i)) FROM generate_series(1, 3) i;
\o /dev/null
CALL nightjar.dispatch(max_steps => 1, pipeline => 'engine_disp_key');
\o
SELECT is((SELECT count(*) FROM engine_disp.log WHERE (event_payload ->> 'n')::int > 10), 1::bigint,
          'dispatch(max_steps => 1) runs one step');
CALL engine_disp.drain('engine_disp_key');
SELECT is((SELECT count(*) FROM engine_disp.log WHERE (event_payload ->> 'n')::int > 10), 3::bigint, 'and the rest later');
SELECT nightjar.emit('tdisp.key', '{"source_id": 200, "n": 20}');
\o /dev/null
CALL nightjar.dispatch(max_seconds => 0, pipeline => 'engine_disp_key');
\o
SELECT is((SELECT count(*) FROM engine_disp.log WHERE (event_payload ->> 'n')::int = 20), 0::bigint,
          'dispatch(max_seconds => 0) runs nothing');
CALL engine_disp.drain('engine_disp_key');
SELECT throws_ok($$CALL nightjar.dispatch(max_steps => -1)$$, '22023', 'nightjar: max_steps must be >= 0, not -1',
                 'a negative max_steps is refused');
SELECT throws_ok($$CALL nightjar.dispatch(pipeline => 'engine_disp_nope')$$, '22023',
                 'nightjar: pipeline ''engine_disp_nope'' does not exist', 'dispatch of an unknown pipeline');

-- run_step: one step by hand, with the dispatcher's audit; emits only when asked.
INSERT INTO engine_disp.switch VALUES ('h', false);
CREATE FUNCTION engine_disp.h(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('h', p);
    IF (SELECT failing FROM engine_disp.switch WHERE name = 'h') THEN
        RAISE EXCEPTION 'h fails by hand' USING ERRCODE = 'division_by_zero';
    END IF;
    RETURN jsonb_build_object('rows_in', 2, 'rows_out', 1, 'payload', p || '{"handled": true}');
END $$;
CREATE FUNCTION engine_disp.h2(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_disp.log (step, event_payload) VALUES ('h2', p);
    RETURN NULL;
END $$;
SELECT nightjar.define_pipeline('engine_disp_hand', lock_key => 'k');
SELECT nightjar.define_step('engine_disp_hand', 'h', 'engine_disp.h(jsonb)', 'tdisp.hand', 'tdisp.hand_done', max_attempts => 5);
SELECT nightjar.define_step('engine_disp_hand', 'h2', 'engine_disp.h2(jsonb)', 'tdisp.hand_done');
CREATE TABLE engine_disp.hand AS SELECT * FROM nightjar.run_step('engine_disp_hand', 'h', '{"k": "x", "n": 1}');
SELECT is((SELECT (status, attempt, rows_in, rows_out, emitted_event_id, result -> 'payload')::text FROM engine_disp.hand),
          '(succeeded,1,2,1,,"{""k"": ""x"", ""n"": 1, ""handled"": true}")',
          'run_step runs the step now and returns its step run; nothing emitted');
SELECT is((SELECT (e.topic, e.payload, r.status, r.lock_key)::text FROM nightjar.event e JOIN nightjar.run r ON r.trigger_event_id = e.event_id
           WHERE e.event_id = (SELECT event_id FROM engine_disp.hand)),
          '(nightjar.run_step,"{""k"": ""x"", ""n"": 1}",succeeded,x)', 'its trigger is a nightjar.run_step event; the run succeeded');
CALL engine_disp.drain('engine_disp_hand');
SELECT is((SELECT array_agg(step ORDER BY at) FROM engine_disp.log WHERE step LIKE 'h%'), ARRAY['h'],
          'without emit => true the next step does not run');
CREATE TABLE engine_disp.hand2 AS SELECT * FROM nightjar.run_step('engine_disp_hand', 'h', '{"k": "x", "n": 2}', emit => true);
SELECT is((SELECT e.payload FROM nightjar.event e WHERE e.event_id = (SELECT emitted_event_id FROM engine_disp.hand2)),
          '{"k": "x", "n": 2, "handled": true}'::jsonb, 'emit => true emits the step''s topic with its payload');
CALL engine_disp.drain('engine_disp_hand');
SELECT is((SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           WHERE s.name = 'h2' AND sr.run_id = (SELECT run_id FROM engine_disp.hand2) AND sr.status = 'succeeded'), 1::bigint,
          'and the pipeline''s next step runs in the same run at the next dispatch');
UPDATE engine_disp.switch SET failing = true WHERE name = 'h';
CREATE TABLE engine_disp.hand3 AS SELECT * FROM nightjar.run_step('engine_disp_hand', 'h', '{"k": "y"}');
SELECT is((SELECT (status, sqlstate, error_message)::text FROM engine_disp.hand3), '(dead,22012,"h fails by hand")',
          'a failure by hand is recorded with its SQLSTATE');
SELECT is((SELECT (t.status, r.status)::text FROM nightjar.step_task t JOIN nightjar.run r USING (run_id)
           WHERE t.event_id = (SELECT event_id FROM engine_disp.hand3)), '(dead,failed)',
          'and is final: no dispatcher retries it (max_attempts is for dispatched work)');
SELECT throws_ok($$SELECT nightjar.run_step('engine_disp_nope', 'h', '{}')$$, '22023',
                 'nightjar: pipeline ''engine_disp_nope'' does not exist', 'run_step of an unknown pipeline');
SELECT throws_ok($$SELECT nightjar.run_step('engine_disp_hand', 'nope', '{}')$$, '22023',
                 'nightjar: pipeline ''engine_disp_hand'' has no step ''nope''', 'run_step of an unknown step');
SELECT throws_ok($$SELECT nightjar.run_step('engine_disp_hand', 'h', '[1]')$$, '22023',
                 'nightjar: payload must be a JSON object, not [1]', 'run_step with a payload that is not an object');
SELECT throws_ok($$SELECT nightjar.define_step('engine_disp_hand', 'hh', 'engine_disp.h(jsonb)', 'nightjar.run_step')$$, '22023',
                 'nightjar: topics beginning with "nightjar." are the engine''s own, not ''nightjar.run_step''',
                 'no step may subscribe to nightjar.run_step');

SELECT * FROM finish();

-- Clean up.
DELETE FROM nightjar.event WHERE topic LIKE 'tdisp.%' OR event_id IN (   -- the triggers of run_step's runs
    SELECT r.trigger_event_id FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'engine_disp_hand');
SELECT nightjar.drop_pipeline(p) FROM unnest(ARRAY['engine_disp', 'engine_disp_key', 'engine_disp_misc', 'engine_disp_hand']) p;
DROP SCHEMA engine_disp CASCADE;
