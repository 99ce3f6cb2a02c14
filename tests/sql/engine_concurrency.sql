-- engine_concurrency.sql: several dispatchers at once, on real connections (dblink):
-- two sessions dispatch the same 30 events (5 steps each, two parallel branches per run)
-- concurrently and each step runs exactly once per event, without deadlocks; the step
-- timer cancels a step that overruns its timeout and the dispatcher records it (SQLSTATE
-- 57014) and carries on; the watchdog cancels a session past its advertised deadline; a
-- person's cancel stops the dispatcher without spending an attempt. Needs dblink and a server this session can connect back
-- to as the same user without a password (Unix socket, trust).
-- Runs outside a transaction block; everything is named engine_conc* / tconc.* and removed.
SET client_min_messages = warning;
SELECT nightjar.drop_pipeline(p) FROM unnest(ARRAY['engine_conc', 'engine_conc_slow', 'engine_conc_key', 'engine_conc_page']) p;
DELETE FROM nightjar.event WHERE topic LIKE 'tconc.%';
DROP SCHEMA IF EXISTS engine_conc CASCADE;

SELECT plan(27);
-- pg_cron's dispatcher and watchdog are paused while this file runs: the dispatchers here
-- are the only ones, and only the step timer can stop an overdue step. Resumed at the end.
UPDATE cron.job SET active = false WHERE jobname IN ('nightjar-watchdog', 'nightjar-dispatch');

CREATE SCHEMA engine_conc;
CREATE TABLE engine_conc.log (event_no int, step text, pid int DEFAULT pg_backend_pid());
CREATE FUNCTION engine_conc.s1(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.02);
    INSERT INTO engine_conc.log (event_no, step) VALUES ((p ->> 'n')::int, 's1');
    RETURN NULL;
END $$;
CREATE FUNCTION engine_conc.s2(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.02);
    INSERT INTO engine_conc.log (event_no, step) VALUES ((p ->> 'n')::int, 's2');
    RETURN NULL;
END $$;
CREATE FUNCTION engine_conc.s2b(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.02);
    INSERT INTO engine_conc.log (event_no, step) VALUES ((p ->> 'n')::int, 's2b');
    RETURN NULL;
END $$;
CREATE FUNCTION engine_conc.s3(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_conc.log (event_no, step) VALUES ((p ->> 'n')::int, 's3');
    RETURN NULL;
END $$;
CREATE FUNCTION engine_conc.s3b(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_conc.log (event_no, step) VALUES ((p ->> 'n')::int, 's3b');
    RETURN NULL;
END $$;
-- paged takes 2 s for the first item of key "busy", no time for the others.
CREATE TABLE engine_conc.page_log (k text);
CREATE FUNCTION engine_conc.paged(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF p ->> 'k' = 'busy' AND NOT EXISTS (SELECT 1 FROM engine_conc.page_log WHERE k = 'busy') THEN
        PERFORM pg_sleep(2);
    END IF;
    INSERT INTO engine_conc.page_log VALUES (p ->> 'k');
    RETURN NULL;
END $$;
-- keyed logs its run interval; it takes 1 s, long enough for a second dispatcher to try.
CREATE TABLE engine_conc.keyed_log (step text, pid int, started timestamptz, finished timestamptz);
CREATE FUNCTION engine_conc.keyed(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
BEGIN
    PERFORM pg_sleep(1);
    INSERT INTO engine_conc.keyed_log VALUES (p ->> 'step', pg_backend_pid(), v_started, clock_timestamp());
    RETURN NULL;
END $$;
CREATE FUNCTION engine_conc.sleeper(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(60);
    RETURN NULL;
END $$;
-- wait_for_step waits (up to 20 s) until a dispatcher runs a step of pipeline p; returns its pid.
CREATE FUNCTION engine_conc.wait_for_step(p text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_pid integer;
BEGIN
    FOR i IN 1..200 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT a.pid INTO v_pid FROM pg_stat_activity a
        WHERE split_part(a.application_name, ':', 3) IN (SELECT s.step_id::text FROM nightjar.step s
                                                          JOIN nightjar.pipeline pl USING (pipeline_id) WHERE pl.name = p)
          AND a.application_name LIKE 'nightjar:%';
        IF v_pid IS NOT NULL THEN RETURN v_pid; END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RETURN NULL;
END $$;

-- emit NOTIFYs nightjar_event at commit; another session LISTENing receives it.
SELECT dblink_connect('engine_conc_listen', nightjar_test.connstr());
SELECT dblink_exec('engine_conc_listen', 'LISTEN nightjar_event');
CREATE TEMP TABLE notified_event AS SELECT nightjar.emit('tconc.nobody', '{}') AS id;
SELECT pg_sleep(0.2);
SELECT * FROM dblink('engine_conc_listen', 'SELECT 1') AS r(a int);  -- lets the connection read pending notifications
SELECT is((SELECT extra::jsonb FROM dblink_get_notify('engine_conc_listen') WHERE notify_name = 'nightjar_event'
           AND (extra::jsonb ->> 'event_id')::bigint = (SELECT id FROM notified_event)),
          jsonb_build_object('event_id', (SELECT id FROM notified_event), 'topic', 'tconc.nobody'),
          'emit NOTIFYs nightjar_event with the event id and topic');
SELECT dblink_disconnect('engine_conc_listen');

SELECT nightjar.define_pipeline('engine_conc', lock_key => NULL);
SELECT nightjar.define_step('engine_conc', 's1', 'engine_conc.s1(jsonb)', 'tconc.start', 'tconc.s1_done');
SELECT nightjar.define_step('engine_conc', 's2', 'engine_conc.s2(jsonb)', 'tconc.s1_done', 'tconc.s2_done');
-- Two parallel branches in every run, each emitting into the same run at the same time.
SELECT nightjar.define_step('engine_conc', 's2b', 'engine_conc.s2b(jsonb)', 'tconc.s1_done', 'tconc.s2b_done');
SELECT nightjar.define_step('engine_conc', 's3', 'engine_conc.s3(jsonb)', 'tconc.s2_done');
SELECT nightjar.define_step('engine_conc', 's3b', 'engine_conc.s3b(jsonb)', 'tconc.s2b_done');
SELECT count(nightjar.emit('tconc.start', jsonb_build_object('n', i))) FROM generate_series(1, 30) i;

-- Two dispatchers at once.
SELECT dblink_connect('engine_conc_1', nightjar_test.connstr());
SELECT dblink_connect('engine_conc_2', nightjar_test.connstr());
CREATE TEMP TABLE conc_pid AS
SELECT * FROM dblink('engine_conc_1', 'SELECT pg_backend_pid()') AS r(pid int)
UNION ALL SELECT * FROM dblink('engine_conc_2', 'SELECT pg_backend_pid()') AS r(pid int);
SELECT dblink_send_query('engine_conc_1', $$CALL nightjar.dispatch(pipeline => 'engine_conc')$$);
SELECT dblink_send_query('engine_conc_2', $$CALL nightjar.dispatch(pipeline => 'engine_conc')$$);
CREATE TEMP TABLE conc_result AS
SELECT 1 AS session, * FROM dblink_get_result('engine_conc_1') AS r(steps_run int)
UNION ALL SELECT 2, * FROM dblink_get_result('engine_conc_2') AS r(steps_run int);
-- dblink_get_result must be called until it returns nothing before the connection is reused.
SELECT count(*) FROM dblink_get_result('engine_conc_1') AS r(steps_run int);
SELECT count(*) FROM dblink_get_result('engine_conc_2') AS r(steps_run int);

-- (A pg_cron dispatcher may take some of the work too: counts are per dispatcher pid.)
SELECT is((SELECT sum(steps_run) FROM conc_result),
          (SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'engine_conc' AND sr.dispatcher_pid IN (SELECT pid FROM conc_pid)),
          'each dispatcher reports the steps it ran');
SELECT is((SELECT count(*) FROM engine_conc.log), 150::bigint, '150 steps (5 for each of 30 events) did their work');
SELECT is((SELECT count(DISTINCT (event_no, step)) FROM engine_conc.log), 150::bigint, 'each step once per event');
SELECT is((SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'engine_conc' AND sr.status = 'succeeded'), 150::bigint, '150 successful step runs are recorded');
SELECT is((SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'engine_conc' AND sr.status <> 'succeeded'), 0::bigint, 'and no failure');
SELECT is((SELECT count(DISTINCT pid) FROM engine_conc.log WHERE pid IN (SELECT pid FROM conc_pid)), 2::bigint,
          'both dispatchers did some of the work');
SELECT is((SELECT array_agg(DISTINCT status) FROM nightjar.run_status WHERE pipeline = 'engine_conc'), ARRAY['succeeded'],
          'all 30 runs succeeded');

-- Lock key: the two parallel steps of one run (same pipeline, same key) never overlap,
-- even with two dispatchers: the second finds the key busy and leaves the item pending,
-- spending no attempt; the first runs both, one after the other.
SELECT nightjar.define_pipeline('engine_conc_key', lock_key => 'k');
SELECT nightjar.define_step('engine_conc_key', 'left', 'engine_conc.keyed(jsonb)', 'tconc.key');
SELECT nightjar.define_step('engine_conc_key', 'right', 'engine_conc.keyed(jsonb)', 'tconc.key');
SELECT nightjar.emit('tconc.key', '{"k": "site-1"}');
SELECT dblink_send_query('engine_conc_1', $$CALL nightjar.dispatch(pipeline => 'engine_conc_key')$$);
SELECT ok(engine_conc.wait_for_step('engine_conc_key') IS NOT NULL, 'the first keyed step is running');
SELECT is((SELECT steps_run FROM dblink('engine_conc_2', $$CALL nightjar.dispatch(pipeline => 'engine_conc_key')$$) AS r(steps_run int)),
          0, 'a second dispatcher finds the key busy and runs nothing');
SELECT is((SELECT steps_run FROM dblink_get_result('engine_conc_1') AS r(steps_run int)), 2, 'the first runs both steps');
SELECT count(*) FROM dblink_get_result('engine_conc_1') AS r(steps_run int);
SELECT is((SELECT count(*) FROM engine_conc.keyed_log a JOIN engine_conc.keyed_log b
           ON a.ctid < b.ctid AND a.started < b.finished AND b.started < a.finished), 0::bigint,
          'steps of one pipeline and key never overlap');
SELECT is((SELECT array_agg(t.attempts) FROM nightjar.step_task t JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'engine_conc_key'),
          ARRAY[1, 1], 'waiting for the key spent no attempt');
-- An item skipped because its key was busy is not kept locked: two keys, two dispatchers,
-- each dispatcher runs the two steps of one key (not one and three), since the first
-- can take its key's second step while the other dispatcher is still busy.
SELECT count(nightjar.emit('tconc.key', jsonb_build_object('k', k))) FROM unnest(ARRAY['a', 'b']) k;
SELECT dblink_send_query('engine_conc_1', $$CALL nightjar.dispatch(pipeline => 'engine_conc_key')$$);
SELECT engine_conc.wait_for_step('engine_conc_key') IS NOT NULL;
SELECT dblink_send_query('engine_conc_2', $$CALL nightjar.dispatch(pipeline => 'engine_conc_key')$$);
SELECT is((SELECT array_agg(n ORDER BY n) FROM (
              SELECT steps_run FROM dblink_get_result('engine_conc_1') AS r(steps_run int)
              UNION ALL SELECT steps_run FROM dblink_get_result('engine_conc_2') AS r(steps_run int)) x(n)),
          ARRAY[2, 2], 'a dispatcher takes a step whose key just freed up (a skipped item is not kept locked)');
SELECT count(*) FROM dblink_get_result('engine_conc_1') AS r(steps_run int);
SELECT count(*) FROM dblink_get_result('engine_conc_2') AS r(steps_run int);

-- Candidates are read 100 at a time: 100 items of a busy key ahead of a runnable one do
-- not hide it. 101 parallel steps; key "busy" is held by the first dispatcher.
SELECT nightjar.define_pipeline('engine_conc_page', lock_key => 'k');
SELECT count(nightjar.define_step('engine_conc_page', format('s%s', lpad(i::text, 3, '0')), 'engine_conc.paged(jsonb)', 'tconc.page'))
FROM generate_series(1, 101) i;
SELECT count(nightjar.emit('tconc.page', jsonb_build_object('k', k))) FROM unnest(ARRAY['busy', 'free']) k;
SELECT dblink_send_query('engine_conc_1', $$CALL nightjar.dispatch(pipeline => 'engine_conc_page')$$);
SELECT engine_conc.wait_for_step('engine_conc_page') IS NOT NULL;
SELECT is((SELECT steps_run FROM dblink('engine_conc_2', $$CALL nightjar.dispatch(max_steps => 1, pipeline => 'engine_conc_page')$$)
           AS r(steps_run int)), 1, 'a runnable item behind 100 items of a busy key is found');
SELECT is((SELECT steps_run FROM dblink_get_result('engine_conc_1') AS r(steps_run int)), 201, 'the first dispatcher ran the rest');
SELECT count(*) FROM dblink_get_result('engine_conc_1') AS r(steps_run int);

-- The step timer cancels a step at its timeout; the dispatcher records it and carries on.
-- (pg_cron's jobs are paused, so nothing else can stop the 60 s sleeper early.)
SELECT nightjar.define_pipeline('engine_conc_slow', lock_key => NULL);
SELECT nightjar.define_step('engine_conc_slow', 'sleeper', 'engine_conc.sleeper(jsonb)', 'tconc.slow',
                            max_attempts => 1, timeout => '1 second');
SELECT nightjar.emit('tconc.slow', '{}');
SELECT dblink_send_query('engine_conc_1', $$CALL nightjar.dispatch(pipeline => 'engine_conc_slow')$$);
SELECT ok(engine_conc.wait_for_step('engine_conc_slow') IS NOT NULL, 'the running step shows in pg_stat_activity');
SELECT is(nightjar.cancel_overdue_steps(), 0, 'the watchdog leaves a step alone before its timeout');
SELECT is((SELECT steps_run FROM dblink_get_result('engine_conc_1') AS r(steps_run int)), 1,
          'at its timeout the step timer cancels it; the dispatcher survives and counts the step');
SELECT count(*) FROM dblink_get_result('engine_conc_1') AS r(steps_run int);
SELECT is((SELECT (sr.status, sr.sqlstate, sr.error_message)::text FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           WHERE s.name = 'sleeper'),
          '(dead,57014,"step exceeded its timeout of 00:00:01 and was canceled")', 'the attempt is recorded as a timeout');
SELECT ok((SELECT finished_at - started_at < interval '30 seconds' FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           WHERE s.name = 'sleeper'), 'long before the step would have ended');
SELECT is(nightjar.cancel_overdue_steps(), 0, 'nothing is left to cancel');

-- The watchdog, the backstop, cancels from outside any session that advertises a passed
-- deadline in application_name (here a second connection posing as a step).
SELECT dblink_exec('engine_conc_1', format('SET application_name = %L',
                   format('nightjar:0:0:%s', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1000)));
SELECT dblink_send_query('engine_conc_1', 'SELECT pg_sleep(60)');
SELECT pg_sleep(0.2);
SELECT is(nightjar.cancel_overdue_steps(), 1, 'the watchdog cancels a session past its advertised deadline');
SELECT is((SELECT count(*) FROM dblink_get_result('engine_conc_1', false) AS r(x text)), 0::bigint,
          'whose statement ends without a result');
SELECT matches(dblink_error_message('engine_conc_1'), 'canceling statement', 'but with a cancel');
SELECT count(*) FROM dblink_get_result('engine_conc_1', false) AS r(x text);
SELECT dblink_exec('engine_conc_1', 'RESET application_name');

-- A person's cancel (before the timeout) stops the dispatcher and spends no attempt.
SELECT nightjar.define_step('engine_conc_slow', 'sleeper', 'engine_conc.sleeper(jsonb)', 'tconc.slow',
                            max_attempts => 1, timeout => '1 hour');
SELECT nightjar.emit('tconc.slow', '{"n": 2}');
SELECT dblink_send_query('engine_conc_2', $$CALL nightjar.dispatch(pipeline => 'engine_conc_slow')$$);
SELECT pg_cancel_backend(engine_conc.wait_for_step('engine_conc_slow'));
SELECT is((SELECT count(*) FROM dblink_get_result('engine_conc_2', false) AS r(steps_run int)), 0::bigint,
          'a cancelled dispatcher returns no result');
SELECT is((SELECT (t.status, t.attempts)::text FROM nightjar.step_task t JOIN nightjar.event e USING (event_id)
           WHERE e.payload = '{"n": 2}' AND e.topic = 'tconc.slow'), '(pending,0)',
          'the work item is pending again, no attempt spent');

SELECT * FROM finish();
UPDATE cron.job SET active = true WHERE jobname IN ('nightjar-watchdog', 'nightjar-dispatch');

SELECT dblink_disconnect('engine_conc_1');
SELECT dblink_disconnect('engine_conc_2');
SELECT nightjar.drop_pipeline(p) FROM unnest(ARRAY['engine_conc', 'engine_conc_slow', 'engine_conc_key', 'engine_conc_page']) p;
DELETE FROM nightjar.event WHERE topic LIKE 'tconc.%';
DROP SCHEMA engine_conc CASCADE;
