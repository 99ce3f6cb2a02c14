-- notify.sql: the outbox's delivery functions (sql/50_notify.sql) and templates
-- (51_notify_templates.sql): leases, backoff bounds, dead letters, 410-disabled
-- endpoints, releases, stable message keys, rendering and its refusals, the run_failed
-- trigger. One transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(31);
DELETE FROM nightjar.notification;

CREATE TEMP TABLE ids AS SELECT
    nightjar.queue_notification('deadline_missed', 'a@example.org',
        '{"pipeline": "p", "day": "d", "deadline": "06:00", "deadline_tz": "UTC", "last_run_status": "none"}', 't:1') AS m1,
    nightjar.queue_notification('deadline_missed', 'webhook:hooks',
        '{"pipeline": "p", "day": "d", "deadline": "06:00", "deadline_tz": "UTC", "last_run_status": "none"}', 't:2') AS m2,
    nightjar.queue_notification('deadline_missed', 'webhook:gone',
        '{"pipeline": "p", "day": "d", "deadline": "06:00", "deadline_tz": "UTC", "last_run_status": "none"}', 't:3') AS m3;
SELECT is(nightjar.queue_notification('deadline_missed', 'a@example.org',
        '{"pipeline": "p", "day": "d", "deadline": "06:00", "deadline_tz": "UTC", "last_run_status": "none"}', 't:1'),
          NULL, 'a second message with the same dedup key is not queued');
SELECT is((SELECT subject FROM nightjar.notification WHERE dedup_key = 't:1'),
          'nightjar: pipeline p has not succeeded by 06:00 (UTC)', 'the subject is rendered from the template');
SELECT is((SELECT string_agg(channel, ',' ORDER BY notification_id) FROM nightjar.notification), 'email,webhook,webhook',
          'the channel follows the recipient');

-- Claims are leases: a second worker does not get what the first holds.
SELECT is((SELECT count(*)::int FROM nightjar.claim_notifications(10, 'w1', '1 minute', '{email}')), 1,
          'a worker claims only the channels it delivers');
SELECT is((SELECT count(*)::int FROM nightjar.claim_notifications(10, 'w2', '1 minute', '{email}')), 0,
          'a leased message is not claimed again');
SELECT is((SELECT status || '/' || attempts || '/' || claimed_by FROM nightjar.notification WHERE dedup_key = 't:1'),
          'sending/1/w1', 'claiming counts the attempt and names the worker');
SELECT ok(NOT nightjar.mark_delivered(m1, 'w2'), 'another worker cannot mark it delivered') FROM ids;
SELECT ok(nightjar.mark_delivered(m1, 'w1'), 'its worker can') FROM ids;
SELECT is((SELECT status FROM nightjar.notification WHERE dedup_key = 't:1'), 'sent', 'it is sent');
SELECT ok((SELECT sent_at IS NOT NULL AND claimed_until IS NULL FROM nightjar.notification WHERE dedup_key = 't:1'),
          'with its time, lease cleared');

-- Failures: exponential backoff within [0.5, 1) of base * 2^(attempt-1), capped; dead at the limit.
SELECT is((SELECT count(*)::int FROM nightjar.claim_notifications(1, 'w1', '1 minute', '{webhook}')), 1, 'claim webhook');
SELECT is(nightjar.mark_failed(m2, 'w1', 'HTTP 500', 4, '10 seconds', '25 seconds'), 'pending', 'a first failure is retried') FROM ids;
SELECT ok((SELECT next_attempt_at - now() BETWEEN interval '5 seconds' AND interval '10 seconds'
           FROM nightjar.notification WHERE notification_id = m2), 'after base * U[0.5, 1)') FROM ids;
UPDATE nightjar.notification SET next_attempt_at = now() WHERE dedup_key = 't:2';
SELECT is((SELECT attempt FROM nightjar.claim_notifications(1, 'w1', '1 minute', '{webhook}')), 2, 'the retry is attempt 2');
SELECT nightjar.mark_failed(m2, 'w1', 'HTTP 500', 4, '10 seconds', '25 seconds') FROM ids;
SELECT ok((SELECT next_attempt_at - now() BETWEEN interval '10 seconds' AND interval '20 seconds'
           FROM nightjar.notification WHERE notification_id = m2), 'then after 2 * base * U[0.5, 1)') FROM ids;
UPDATE nightjar.notification SET next_attempt_at = now() WHERE dedup_key = 't:2';
SELECT nightjar.claim_notifications(1, 'w1', '1 minute', '{webhook}');
SELECT nightjar.mark_failed(m2, 'w1', 'HTTP 500', 4, '10 seconds', '25 seconds') FROM ids;
SELECT ok((SELECT next_attempt_at - now() BETWEEN interval '12.5 seconds' AND interval '25 seconds'
           FROM nightjar.notification WHERE notification_id = m2), 'capped: cap * U[0.5, 1) instead of 4 * base') FROM ids;
UPDATE nightjar.notification SET next_attempt_at = now() WHERE dedup_key = 't:2';
SELECT nightjar.claim_notifications(1, 'w1', '1 minute', '{webhook}');
SELECT is(nightjar.mark_failed(m2, 'w1', 'HTTP 500', 4), 'failed', 'the last attempt dead-letters') FROM ids;
SELECT is((SELECT attempts || ' ' || last_error FROM nightjar.notification_dead_letters WHERE dedup_key = 't:2'),
          '4 HTTP 500', 'visible in notification_dead_letters');
SELECT ok(nightjar.retry_notification(m2), 'retry_notification requeues a dead letter') FROM ids;
SELECT is((SELECT status || '/' || attempts FROM nightjar.notification WHERE dedup_key = 't:2'), 'pending/0', 'with a fresh budget');

-- Release and expired leases keep the attempt budget honest.
SELECT nightjar.claim_notifications(5, 'w3', '1 minute', '{webhook}');
SELECT is(nightjar.release_notifications('w3'), 2, 'a stopping worker releases what it did not try');
SELECT is((SELECT string_agg(status || '/' || attempts, ',' ORDER BY notification_id) FROM nightjar.notification
           WHERE channel = 'webhook'), 'pending/0,pending/0', 'released messages are pending with the attempt given back');
SELECT nightjar.claim_notifications(5, 'w4', '1 minute', '{webhook}');
UPDATE nightjar.notification SET claimed_until = now() - interval '1 second' WHERE claimed_by = 'w4';
SELECT is((SELECT string_agg(attempt::text, ',' ORDER BY notification_id)
           FROM nightjar.claim_notifications(5, 'w5', '1 minute', '{webhook}')),
          '2,2', 'expired leases (a killed worker) are claimed again, as the next attempt');
SELECT is((SELECT string_agg(DISTINCT claimed_by, ',') FROM nightjar.notification WHERE channel = 'webhook'),
          'w5', 'by the new worker');
SELECT nightjar.release_notifications('w5');

-- A 410 disables the endpoint: its pending messages die without a send.
SELECT nightjar.disable_webhook_endpoint('gone', 'HTTP 410');
UPDATE nightjar.notification SET next_attempt_at = now() WHERE channel = 'webhook';
SELECT is((SELECT string_agg(recipient, ',') FROM nightjar.claim_notifications(5, 'w6', '1 minute', '{webhook}')),
          'webhook:hooks', 'the disabled endpoint''s message is not claimed');
SELECT alike((SELECT last_error FROM nightjar.notification WHERE dedup_key = 't:3'), 'webhook endpoint gone is disabled%',
            'it is a dead letter naming the disabled endpoint');

-- Message keys: stable per dedup key, 35 characters, header-safe.
SELECT is(nightjar.notification_message_key(1, 'k'), nightjar.notification_message_key(2, 'k'), 'the key follows the dedup key, not the id');
SELECT matches(nightjar.notification_message_key(7, NULL), '^nj_[0-9a-f]{32}$', 'without a dedup key it follows the id');

-- Rendering refusals and the run_failed trigger.
SELECT throws_ok($$SELECT nightjar.queue_notification('run_failed', 'a@example.org', '{"run_id": 1}', 't:4')$$, '22023',
                 'nightjar: notification run_failed needs value(s) attempts, error, finished_at, pipeline, step',
                 'missing values are named');
SELECT throws_ok($$SELECT nightjar.queue_notification('no_such_kind', 'a@example.org', '{}', 't:5')$$, '22023',
                 'nightjar: no notification template for kind ''no_such_kind''', 'an unknown kind is refused');
SELECT nightjar.define_pipeline('t_notify_p', notify => 'ops@example.org');
INSERT INTO nightjar.event (topic) VALUES ('t.notify');
INSERT INTO nightjar.run (pipeline_id, trigger_event_id)
SELECT pipeline_id, (SELECT max(event_id) FROM nightjar.event) FROM nightjar.pipeline WHERE name = 't_notify_p';
UPDATE nightjar.run SET status = 'failed', finished_at = now()
WHERE pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 't_notify_p');
SELECT is((SELECT recipient || ' ' || kind FROM nightjar.notification WHERE dedup_key LIKE 'run_failed:%'),
          'ops@example.org run_failed', 'a failed run of a pipeline with a recipient queues run_failed');

SELECT * FROM finish();
ROLLBACK;
