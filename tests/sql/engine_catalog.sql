-- engine_catalog.sql: the engine's catalog and every function that needs no COMMIT:
-- define_pipeline/define_step (upserts, each bad argument named), emit (work items and
-- runs), replay, retry, check_deadlines, prune, schedule/unschedule/install_default_schedules
-- (pg_cron installed in this database), and CALL dispatch refused inside a transaction.
-- Everything happens in one transaction that is rolled back.
BEGIN;
SET LOCAL TimeZone = 'UTC';  -- the deadline checks below count days in UTC
SELECT plan(96);

-- Catalog contract.
SELECT has_table('nightjar', t, 'table nightjar.' || t) FROM unnest(ARRAY[
    'pipeline', 'step', 'event', 'run', 'step_task', 'step_run', 'scheduled_job', 'notification']) t;
SELECT has_view('nightjar', v, 'view nightjar.' || v) FROM unnest(ARRAY['run_status', 'failures', 'dead_letters']) v;
SELECT has_function('nightjar', f, 'function nightjar.' || f) FROM unnest(ARRAY[
    'define_pipeline', 'define_step', 'drop_step', 'drop_pipeline', 'emit', 'replay', 'retry',
    'schedule', 'unschedule', 'install_default_schedules', 'check_deadlines', 'prune',
    'cancel_overdue_steps', 'run_step']) f;
SELECT ok(EXISTS (SELECT 1 FROM pg_proc WHERE oid = 'nightjar.dispatch'::regproc AND prokind = 'p'),
          'nightjar.dispatch is a procedure');

CREATE SCHEMA engine_cat;
CREATE FUNCTION engine_cat.ok_step(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT p $$;
CREATE FUNCTION engine_cat.text_step(p text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;

-- define_pipeline: idempotent upsert; bad arguments named.
SELECT ok(nightjar.define_pipeline('cat_p1') > 0, 'define_pipeline returns an id');
SELECT is(nightjar.define_pipeline('cat_p1'), (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'cat_p1'),
          'define_pipeline again returns the same id');
SELECT is((SELECT count(*) FROM nightjar.pipeline WHERE name = 'cat_p1'), 1::bigint, 'and creates no second pipeline');
SELECT nightjar.define_pipeline('cat_p1', deadline => '06:30', deadline_tz => 'Europe/Paris', notify => 'ops@example.org');
SELECT is((SELECT (deadline, deadline_tz, notify, lock_key)::text FROM nightjar.pipeline WHERE name = 'cat_p1'),
          '(06:30:00,Europe/Paris,ops@example.org,source_id)', 'define_pipeline updates deadline, zone and recipient');
SELECT nightjar.define_pipeline('cat_p1');
SELECT is((SELECT (deadline, deadline_tz, notify, lock_key)::text FROM nightjar.pipeline WHERE name = 'cat_p1'),
          '(,UTC,,source_id)', 'define_pipeline is declarative: omitted arguments go back to their defaults');
SELECT throws_ok($$SELECT nightjar.define_pipeline('Bad Name')$$, '22023',
                 'nightjar: pipeline name must match ^[a-z][a-z0-9_]{0,62}$, not ''Bad Name''', 'bad pipeline name is named');
SELECT throws_like($$SELECT nightjar.define_pipeline('cat_p2', deadline_tz => 'Mars/Olympus')$$,
                   '%deadline_tz must be a time zone name%', 'unknown time zone is refused');
SELECT throws_like($$SELECT nightjar.define_pipeline('cat_p2', lock_key => 'a-b')$$,
                   '%lock_key must be the name of a payload field%', 'bad lock_key is refused');

-- define_step.
SELECT ok(nightjar.define_step('cat_p1', 'first', 'engine_cat.ok_step(jsonb)', 'cat.start', 'cat.first_done') > 0,
          'define_step returns an id');
SELECT is((SELECT fn FROM nightjar.step WHERE name = 'first'), 'engine_cat.ok_step(jsonb)',
          'the function is stored as a qualified signature');
SELECT is(nightjar.define_step('cat_p1', 'first', 'engine_cat.ok_step(jsonb)', 'cat.start', 'cat.first_done', max_attempts => 5),
          (SELECT step_id FROM nightjar.step WHERE name = 'first'), 'define_step again updates in place');
SELECT is((SELECT (max_attempts, backoff, timeout)::text FROM nightjar.step WHERE name = 'first'),
          '(5,00:00:30,00:10:00)', 'define_step defaults and update');
SELECT throws_ok($$SELECT nightjar.define_step('cat_nope', 's', 'engine_cat.ok_step(jsonb)', 'cat.start')$$, '22023',
                 'nightjar: pipeline ''cat_nope'' does not exist', 'unknown pipeline is named');
SELECT throws_ok($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.text_step(text)', 'cat.start')$$, '22023',
                 'nightjar: fn must be a function taking (jsonb) and returning jsonb, not engine_cat.text_step(text)',
                 'a function of the wrong signature is refused');
SELECT throws_ok($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.missing(jsonb)', 'cat.start')$$, '42883',
                 NULL, 'a missing function is refused (regprocedure input)');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'Cat Start')$$,
                   'nightjar: subscribes must be a topic%', 'bad subscribes topic is named');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'cat.start', 'bad topic!')$$,
                   'nightjar: emits must be a topic%', 'bad emits topic is named');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'cat.start', 'cat.start')$$,
                   'nightjar: emits must differ from subscribes%', 'a step cannot trigger itself');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'cat.start', max_attempts => 0)$$,
                   'nightjar: max_attempts must be between 1 and 100, not 0', 'max_attempts 0 is refused');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'cat.start', backoff => '-1 s')$$,
                   'nightjar: backoff must be a non-negative interval%', 'negative backoff is refused');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 's', 'engine_cat.ok_step(jsonb)', 'cat.start', timeout => '0')$$,
                   'nightjar: timeout must be a positive interval%', 'zero timeout is refused');
SELECT throws_like($$SELECT nightjar.define_step('cat_p1', 'Bad', 'engine_cat.ok_step(jsonb)', 'cat.start')$$,
                   'nightjar: step name must match%', 'bad step name is named');

-- emit: one work item per subscribed step, one run per subscriber pipeline.
SELECT nightjar.define_step('cat_p1', 'second', 'engine_cat.ok_step(jsonb)', 'cat.first_done');
SELECT nightjar.define_pipeline('cat_p2', lock_key => NULL);
SELECT nightjar.define_step('cat_p2', 'other', 'engine_cat.ok_step(jsonb)', 'cat.start');
CREATE TEMP TABLE ev AS SELECT nightjar.emit('cat.start', '{"source_id": 42, "batch_id": 7}') AS id;
SELECT is((SELECT (topic, payload)::text FROM nightjar.event WHERE event_id = (SELECT id FROM ev)),
          '(cat.start,"{""batch_id"": 7, ""source_id"": 42}")', 'emit appends the event');
SELECT is((SELECT array_agg(s.name ORDER BY s.name) FROM nightjar.step_task t JOIN nightjar.step s USING (step_id)
           WHERE t.event_id = (SELECT id FROM ev) AND t.status = 'pending' AND t.attempts = 0),
          ARRAY['first', 'other'], 'emit queues every subscribed step, of every pipeline');
SELECT is((SELECT array_agg(p.name || ':' || coalesce(r.lock_key, '-') ORDER BY p.name)
           FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE r.trigger_event_id = (SELECT id FROM ev)),
          ARRAY['cat_p1:42', 'cat_p2:-'], 'one run per subscriber pipeline, keyed by its lock_key field');
SELECT is(nightjar.emit('cat.nobody_listens', '{}') > 0, true, 'an event nobody subscribes to is still recorded');
-- match: a step runs only for events whose payload contains its match object.
SELECT nightjar.define_pipeline('cat_p3', lock_key => NULL);
SELECT nightjar.define_step('cat_p3', 'only_x', 'engine_cat.ok_step(jsonb)', 'cat.filtered', match => '{"source": "x"}');
CREATE TEMP TABLE ev_match AS
SELECT nightjar.emit('cat.filtered', '{"source": "x", "batch_id": 1}') AS x_id,
       nightjar.emit('cat.filtered', '{"source": "y", "batch_id": 2}') AS y_id;
SELECT is((SELECT array_agg(e.payload ->> 'source') FROM nightjar.step_task t JOIN nightjar.event e USING (event_id)
           WHERE t.event_id IN (SELECT x_id FROM ev_match UNION ALL SELECT y_id FROM ev_match)),
          ARRAY['x'], 'a step with match gets the events whose payload contains it, and only those');
SELECT is((SELECT count(*) FROM nightjar.run WHERE trigger_event_id = (SELECT y_id FROM ev_match)), 0::bigint,
          'an event no step matches opens no run');
SELECT throws_like($$SELECT nightjar.define_step('cat_p3', 'only_x', 'engine_cat.ok_step(jsonb)', 'cat.filtered', match => '"x"')$$,
                   'nightjar: match must be a JSON object%', 'a match that is not an object is refused');
SELECT throws_like($$SELECT nightjar.emit('cat.start', '[1, 2]')$$, 'nightjar: payload must be a JSON object%',
                   'a non-object payload is refused');
SELECT throws_like($$SELECT nightjar.emit(NULL, '{}')$$, 'nightjar: topic must be a topic%', 'a NULL topic is refused');
SELECT throws_ok($$CALL nightjar.dispatch()$$, '2D000', NULL,
                 'CALL dispatch inside a transaction block fails: it must COMMIT between steps');

-- The database itself refuses a second success of one step for one event.
INSERT INTO nightjar.step_run (run_id, step_id, event_id, attempt, status, started_at, finished_at)
SELECT t.run_id, t.step_id, t.event_id, 1, 'succeeded', now(), now()
FROM nightjar.step_task t WHERE t.event_id = (SELECT id FROM ev) AND t.step_id = (SELECT step_id FROM nightjar.step WHERE name = 'other');
SELECT throws_ok($$INSERT INTO nightjar.step_run (run_id, step_id, event_id, attempt, status, started_at, finished_at)
                   SELECT t.run_id, t.step_id, t.event_id, 2, 'succeeded', now(), now() FROM nightjar.step_task t
                   WHERE t.event_id = (SELECT id FROM ev) AND t.step_id = (SELECT step_id FROM nightjar.step WHERE name = 'other')$$,
                 '23505', NULL, 'a second successful step run for the same event and step violates step_run_succeeds_once');

-- retry: only dead letters; the run reopens.
SELECT is(nightjar.retry((SELECT id FROM ev)), 0, 'retry of an event without dead letters re-queues nothing');
UPDATE nightjar.step_task SET status = 'dead', attempts = 3, next_attempt_at = now() + interval '1 hour'
WHERE event_id = (SELECT id FROM ev) AND step_id = (SELECT step_id FROM nightjar.step WHERE name = 'first');
UPDATE nightjar.run SET status = 'failed', finished_at = now()
WHERE trigger_event_id = (SELECT id FROM ev) AND pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'cat_p1');
SELECT is(nightjar.retry((SELECT id FROM ev)), 1, 'retry re-queues the dead letter');
SELECT is((SELECT (status, attempt_base, next_attempt_at <= now())::text FROM nightjar.step_task
           WHERE event_id = (SELECT id FROM ev) AND step_id = (SELECT step_id FROM nightjar.step WHERE name = 'first')),
          '(pending,3,t)', 'the work item is pending now with a fresh budget of attempts');
SELECT is((SELECT status FROM nightjar.run WHERE trigger_event_id = (SELECT id FROM ev)
           AND pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'cat_p1')),
          'running', 'and its run is running again');
SELECT throws_ok($$SELECT nightjar.retry(-1)$$, '22023', 'nightjar: event -1 does not exist', 'retry of an unknown event');

-- replay: the pipeline's entry-topic events of the period, for that pipeline only.
UPDATE nightjar.event SET created_at = '2026-01-10 12:00+00' WHERE event_id = (SELECT id FROM ev);
SELECT nightjar.emit('cat.first_done', '{"source_id": 42}');  -- not an entry topic of cat_p1
UPDATE nightjar.event SET created_at = '2026-01-10 13:00+00' WHERE topic = 'cat.first_done';
CREATE TEMP TABLE before_replay AS SELECT max(event_id) AS id FROM nightjar.event;
SELECT is(nightjar.replay('cat_p1', '2026-01-10', '2026-01-11'), 1, 'replay re-emits the one entry event of the period');
SELECT is((SELECT (topic, payload, replay_of = (SELECT id FROM ev))::text FROM nightjar.event
           WHERE event_id > (SELECT id FROM before_replay)),
          '(cat.start,"{""batch_id"": 7, ""source_id"": 42}",t)', 'the copy has the original topic and payload');
SELECT is((SELECT array_agg(s.name) FROM nightjar.step_task t JOIN nightjar.step s USING (step_id)
           WHERE t.event_id > (SELECT id FROM before_replay)),
          ARRAY['first'], 'and queues the steps of the replayed pipeline only');
SELECT is(nightjar.replay('cat_p1', '2026-01-11', '2026-01-12'), 0, 'an empty period replays nothing');
SELECT throws_ok($$SELECT nightjar.replay('cat_nope', '2026-01-10', '2026-01-11')$$, '22023',
                 'nightjar: pipeline ''cat_nope'' does not exist', 'replay of an unknown pipeline');
SELECT throws_like($$SELECT nightjar.replay('cat_p1', '2026-01-11', '2026-01-10')$$, 'nightjar: from_ts%must be before to_ts%',
                   'replay of a reversed period');

-- check_deadlines: one notification per missed deadline and day.
SELECT nightjar.define_pipeline('cat_dl', deadline => '06:00', deadline_tz => 'UTC', notify => 'ops@example.org');
SELECT is(nightjar.check_deadlines(date_trunc('day', now() + interval '1 day') + interval '5 hours'), 0,
          'before the deadline nothing is due');
SELECT is(nightjar.check_deadlines(date_trunc('day', now() + interval '1 day') + interval '7 hours'), 1,
          'after a missed deadline one notification is written');
SELECT is(nightjar.check_deadlines(date_trunc('day', now() + interval '1 day') + interval '8 hours'), 0,
          'checking again the same day writes no second one');
SELECT is((SELECT (kind, recipient, status, payload ->> 'pipeline')::text FROM nightjar.notification
           WHERE dedup_key LIKE 'deadline_missed:cat_dl:%'),
          '(deadline_missed,ops@example.org,pending,cat_dl)', 'the notification is a pending outbox row for the recipient');
INSERT INTO nightjar.run (pipeline_id, trigger_event_id, status, started_at, finished_at)
SELECT pipeline_id, (SELECT id FROM ev), 'succeeded',
       date_trunc('day', now() + interval '2 days') + interval '2 hours',
       date_trunc('day', now() + interval '2 days') + interval '3 hours'
FROM nightjar.pipeline WHERE name = 'cat_dl';
SELECT is(nightjar.check_deadlines(date_trunc('day', now() + interval '2 days') + interval '7 hours'), 0,
          'a run that succeeded before the deadline satisfies it');
SELECT is(nightjar.check_deadlines(date_trunc('day', now() + interval '3 days') + interval '7 hours'), 1,
          'but not the next day''s deadline');

-- prune: finished history older than keep goes; running runs and pending work stay.
INSERT INTO nightjar.notification (kind, subject, status, created_at) VALUES ('test', 'old sent', 'sent', now() - interval '40 days');
UPDATE nightjar.run SET status = 'succeeded', finished_at = now() - interval '40 days'
WHERE trigger_event_id = (SELECT id FROM ev) AND pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'cat_p2');
INSERT INTO cron.job_run_details (jobid, command, status, start_time, end_time)
VALUES (0, 'SELECT 1', 'succeeded', now() - interval '41 days', now() - interval '41 days'),
       (0, 'SELECT 1', 'succeeded', now() - interval '1 day', now() - interval '1 day');
CREATE TEMP TABLE pruned AS SELECT nightjar.prune('30 days') AS counts;
SELECT is((SELECT counts - 'cron_job_run_details' FROM pruned)::text,
          '{"runs": 1, "events": 0, "step_runs": 1, "notifications": 1}',
          'prune deletes the old finished run with its step run, the old sent notification, and nothing else');
SELECT ok((SELECT (counts ->> 'cron_job_run_details')::int >= 1 FROM pruned)
          AND NOT EXISTS (SELECT 1 FROM cron.job_run_details WHERE end_time < now() - interval '30 days')
          AND EXISTS (SELECT 1 FROM cron.job_run_details WHERE jobid = 0 AND end_time > now() - interval '30 days'),
          'and pg_cron''s run history older than keep, not newer');
SELECT is((SELECT count(*) FROM nightjar.run WHERE trigger_event_id = (SELECT id FROM ev) AND status = 'running'), 1::bigint,
          'the running run of the same event stays');
SELECT ok(EXISTS (SELECT 1 FROM nightjar.event WHERE event_id = (SELECT id FROM ev)), 'its event stays');
SELECT throws_like($$SELECT nightjar.prune(NULL)$$, 'nightjar: keep must be a non-negative interval%', 'prune(NULL) is refused');

-- drop.
SELECT ok(nightjar.drop_step('cat_p1', 'second'), 'drop_step removes a step');
SELECT ok(NOT nightjar.drop_step('cat_p1', 'second'), 'and says false the second time');
SELECT ok(nightjar.drop_pipeline('cat_p2'), 'drop_pipeline removes a pipeline');
SELECT is((SELECT count(*) FROM nightjar.step_task t JOIN nightjar.step s USING (step_id) WHERE s.name = 'other'), 0::bigint,
          'with its work items');

-- Scheduling on pg_cron (installed in this database).
SELECT ok(nightjar.schedule('cat-test-job', '0 5 * * *', 'SELECT 1') > 0, 'schedule creates a pg_cron job');
SELECT is((SELECT (schedule, command)::text FROM cron.job WHERE jobname = 'cat-test-job'), '("0 5 * * *","SELECT 1")',
          'the job is in cron.job');
SELECT nightjar.schedule('cat-test-job', '0 6 * * *', 'SELECT 2');
SELECT is((SELECT array_agg(schedule || ' ' || command) FROM cron.job WHERE jobname = 'cat-test-job'), ARRAY['0 6 * * * SELECT 2'],
          'schedule with the same name replaces the job');
SELECT is((SELECT (cron, command)::text FROM nightjar.scheduled_job WHERE job = 'cat-test-job'), '("0 6 * * *","SELECT 2")',
          'and the record in nightjar.scheduled_job');
SELECT throws_like($$SELECT nightjar.schedule('cat-bad-job', 'every minute', 'SELECT 1')$$, '%invalid schedule%',
                   'pg_cron refuses a bad schedule');
SELECT throws_like($$SELECT nightjar.schedule('Bad Job', '* * * * *', 'SELECT 1')$$, 'nightjar: job must match%',
                   'a bad job name is named');
SELECT ok(nightjar.unschedule('cat-test-job'), 'unschedule removes it');
SELECT ok(NOT EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'cat-test-job')
          AND NOT EXISTS (SELECT 1 FROM nightjar.scheduled_job WHERE job = 'cat-test-job'), 'from pg_cron and from the record');
SELECT ok(NOT nightjar.unschedule('cat-test-job'), 'unschedule of an unknown job says false');
SELECT is((SELECT array_agg(job || ' ' || cron || ' ' || command ORDER BY job) FROM nightjar.install_default_schedules('7 days')),
          ARRAY['nightjar-dispatch * * * * * CALL nightjar.dispatch()',
                'nightjar-prune 17 3 * * * SELECT nightjar.prune(''7 days'')',
                'nightjar-watchdog * * * * * SELECT nightjar.cancel_overdue_steps(), nightjar.check_deadlines()'],
          'install_default_schedules: dispatch and watchdog every minute, a daily prune');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname LIKE 'nightjar-%'), 3::bigint, 'three pg_cron jobs');

SELECT * FROM finish();
ROLLBACK;
