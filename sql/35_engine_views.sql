-- 35_engine_views.sql: what ran, what failed and why, at a glance.

CREATE VIEW nightjar.run_status AS
SELECT r.run_id,
       p.name AS pipeline,
       e.topic AS trigger_topic,
       r.trigger_event_id,
       e.replay_of IS NOT NULL AS replay,
       r.lock_key,
       r.status,
       count(t.step_id) AS steps,
       count(t.step_id) FILTER (WHERE t.status = 'succeeded') AS steps_succeeded,
       count(t.step_id) FILTER (WHERE t.status = 'pending') AS steps_pending,
       count(t.step_id) FILTER (WHERE t.status = 'dead') AS steps_dead,
       (SELECT count(*) FROM nightjar.step_run sr WHERE sr.run_id = r.run_id) AS attempts,
       (SELECT sum(sr.rows_in) FROM nightjar.step_run sr WHERE sr.run_id = r.run_id AND sr.status = 'succeeded') AS rows_in,
       (SELECT sum(sr.rows_out) FROM nightjar.step_run sr WHERE sr.run_id = r.run_id AND sr.status = 'succeeded') AS rows_out,
       r.started_at,
       r.finished_at,
       coalesce(r.finished_at, now()) - r.started_at AS duration,
       (SELECT format('%s attempt %s: %s %s', s.name, sr.attempt, sr.sqlstate, sr.error_message)
        FROM nightjar.step_run sr JOIN nightjar.step s ON s.step_id = sr.step_id
        WHERE sr.run_id = r.run_id AND sr.status <> 'succeeded'
        ORDER BY sr.step_run_id DESC LIMIT 1) AS last_error
FROM nightjar.run r
JOIN nightjar.pipeline p ON p.pipeline_id = r.pipeline_id
JOIN nightjar.event e ON e.event_id = r.trigger_event_id
LEFT JOIN nightjar.step_task t ON t.run_id = r.run_id
GROUP BY r.run_id, p.name, e.topic, e.replay_of;
COMMENT ON VIEW nightjar.run_status IS
    'one row per run: its pipeline and trigger, status, step counts, attempts, rows and the last error';

CREATE VIEW nightjar.failures AS
SELECT sr.step_run_id,
       sr.run_id,
       p.name AS pipeline,
       s.name AS step,
       sr.event_id,
       e.topic,
       sr.attempt,
       s.max_attempts,
       sr.status,
       sr.sqlstate,
       sr.error_message,
       sr.error_detail,
       sr.error_context,
       sr.started_at,
       sr.finished_at,
       sr.retry_delay,
       t.status AS work_status,
       CASE WHEN t.status = 'pending' THEN t.next_attempt_at END AS next_attempt_at
FROM nightjar.step_run sr
JOIN nightjar.step s ON s.step_id = sr.step_id
JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
JOIN nightjar.event e ON e.event_id = sr.event_id
LEFT JOIN nightjar.step_task t ON t.event_id = sr.event_id AND t.step_id = sr.step_id
WHERE sr.status IN ('failed', 'dead');
COMMENT ON VIEW nightjar.failures IS
    'every failed attempt: status failed (retried after retry_delay, at next_attempt_at) or dead '
    '(the last attempt); work_status is what the work item is now';

CREATE VIEW nightjar.dead_letters AS
SELECT t.event_id,
       p.name AS pipeline,
       s.name AS step,
       e.topic,
       e.payload,
       t.run_id,
       t.attempts,
       t.last_error,
       (SELECT sr.sqlstate FROM nightjar.step_run sr
        WHERE sr.event_id = t.event_id AND sr.step_id = t.step_id
        ORDER BY sr.attempt DESC LIMIT 1) AS sqlstate,
       t.updated_at AS dead_since
FROM nightjar.step_task t
JOIN nightjar.step s ON s.step_id = t.step_id
JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
JOIN nightjar.event e ON e.event_id = t.event_id
WHERE t.status = 'dead';
COMMENT ON VIEW nightjar.dead_letters IS
    'work items that failed max_attempts times; SELECT nightjar.retry(event_id) re-queues them';
