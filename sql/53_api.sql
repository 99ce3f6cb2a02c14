-- 53_api.sql: the nightjar_api schema's first views, the stable interface the webapp
-- reads through postgres_fdw (fdw/, `nightjar webapp link`) and analysts query.
--
-- Rules for every view of nightjar_api (docs/api.md): its columns are documented in
-- docs/api.md, in order, with their types (tests/integration/api_doc.sh fails
-- otherwise); columns are only ever added at the end; nothing secret and no raw error
-- detail (which may quote data) is exposed; views run with their owner's rights, so a
-- reader needs no right on schema nightjar. Other areas add their views here under the
-- same rules (consolidation: golden_record and friends; monitoring: structure states).
--
-- Statistics snapshots: nightjar.stats_snapshot keeps dated figures (one row per subject
-- and metric) so the webapp can draw them over time without recomputing anything;
-- nightjar.snapshot_ingestion_stats() takes the per-source ingestion figures, other areas
-- insert their own metrics (the weekly consolidation statistics).

CREATE TABLE nightjar.stats_snapshot (
    snapshot_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at     timestamptz NOT NULL DEFAULT now(),
    scope        text NOT NULL CHECK (scope ~ '^[a-z][a-z0-9_]{0,62}$'),
    subject      text NOT NULL,
    metric       text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]{0,62}$'),
    value        float8,
    details      jsonb,
    UNIQUE (scope, subject, metric, taken_at)
);
CREATE INDEX ON nightjar.stats_snapshot (taken_at);
COMMENT ON TABLE nightjar.stats_snapshot IS
    'dated figures for the webapp: scope (e.g. source), subject (e.g. the source name), metric, value';
SELECT pg_catalog.pg_extension_config_dump('nightjar.stats_snapshot', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.stats_snapshot_snapshot_id_seq', '');

-- snapshot_ingestion_stats records each source's ingestion figures now; returns the rows written.
CREATE FUNCTION nightjar.snapshot_ingestion_stats(p_at timestamptz DEFAULT now()) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO nightjar.stats_snapshot (taken_at, scope, subject, metric, value)
    SELECT p_at, 'source', s.source, m.metric, m.value
    FROM nightjar_api.source_ingestion s
    CROSS JOIN LATERAL (VALUES ('files_staged', s.files_staged::float8),
                               ('files_failed', s.files_failed::float8),
                               ('records_staged', s.records_staged::float8),
                               ('bytes_staged', s.bytes_staged::float8)) AS m(metric, value)
    ON CONFLICT (scope, subject, metric, taken_at) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;
COMMENT ON FUNCTION nightjar.snapshot_ingestion_stats(timestamptz) IS
    'writes files_staged, files_failed, records_staged and bytes_staged of every source to '
    'nightjar.stats_snapshot (scope source) at p_at; idempotent per instant; returns the rows written';

CREATE VIEW nightjar_api.run_status AS
SELECT run_id, pipeline, trigger_topic, status, steps, steps_succeeded, steps_pending, steps_dead,
       attempts, rows_in, rows_out, started_at, finished_at,
       extract(epoch FROM duration)::float8 AS duration_s, last_error
FROM nightjar.run_status;
COMMENT ON VIEW nightjar_api.run_status IS
    'one row per pipeline run: status, step counts, attempts, rows, duration and the last error';

CREATE VIEW nightjar_api.run_failure AS
SELECT step_run_id, run_id, pipeline, step, topic, attempt, max_attempts, status, sqlstate,
       error_message, finished_at, work_status, next_attempt_at
FROM nightjar.failures;
COMMENT ON VIEW nightjar_api.run_failure IS
    'every failed step attempt: failed (retried at next_attempt_at) or dead (the last attempt)';

CREATE VIEW nightjar_api.source_ingestion AS
SELECT s.name AS source,
       s.kind,
       coalesce(f.files_staged, 0) AS files_staged,
       coalesce(f.files_failed, 0) AS files_failed,
       coalesce(f.files_skipped, 0) AS files_skipped,
       coalesce(f.records_staged, 0) AS records_staged,
       coalesce(f.bytes_staged, 0) AS bytes_staged,
       coalesce(b.batches, 0) AS batches,
       b.last_batch_at,
       r.started_at AS last_run_started_at,
       r.finished_at AS last_run_finished_at,
       r.exit_code AS last_run_exit_code
FROM nightjar.source s
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'staged') AS files_staged,
           count(*) FILTER (WHERE status = 'failed') AS files_failed,
           count(*) FILTER (WHERE status = 'skipped') AS files_skipped,
           sum(records) FILTER (WHERE status = 'staged') AS records_staged,
           sum(size) FILTER (WHERE status = 'staged') AS bytes_staged
    FROM nightjar.file WHERE source_id = s.source_id) f ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS batches, max(finished_at) AS last_batch_at
    FROM nightjar.batch WHERE source_id = s.source_id) b ON true
LEFT JOIN LATERAL (
    SELECT started_at, finished_at, exit_code FROM nightjar.ingest_run
    WHERE source_id = s.source_id ORDER BY run_id DESC LIMIT 1) r ON true;
COMMENT ON VIEW nightjar_api.source_ingestion IS
    'one row per source: files staged, failed and skipped, records and bytes staged, batches, the last runner run';

CREATE VIEW nightjar_api.stats_snapshot AS
SELECT snapshot_id, taken_at, scope, subject, metric, value
FROM nightjar.stats_snapshot;
COMMENT ON VIEW nightjar_api.stats_snapshot IS 'dated statistics (scope, subject, metric, value) for charts';
