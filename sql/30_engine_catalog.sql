-- 30_engine_catalog.sql: the pipeline engine's catalog. Pipelines and steps are data;
-- an event fans out into one work item (step_task) per subscribed step; every attempt
-- at a work item is a step_run; a run groups the step runs that one trigger caused.
-- Functions are stored as qualified text signatures, not regprocedure: pg_upgrade
-- refuses user tables with regprocedure columns. They are re-resolved at every call.

CREATE TABLE nightjar.pipeline (
    pipeline_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    description  text,
    lock_key     text CHECK (lock_key ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
    deadline     time,
    deadline_tz  text NOT NULL DEFAULT 'UTC',
    notify       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.pipeline IS
    'a named chain of steps; lock_key names the payload field whose value serialises runs '
    '(one run at a time per pipeline and key); deadline: must have succeeded by this local time';

CREATE TABLE nightjar.step (
    step_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id   bigint NOT NULL REFERENCES nightjar.pipeline ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    fn            text NOT NULL,
    subscribes    text NOT NULL,
    emits         text,
    max_attempts  integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 100),
    backoff       interval NOT NULL DEFAULT '30 seconds' CHECK (backoff >= '0'),
    timeout       interval NOT NULL DEFAULT '10 minutes' CHECK (timeout > '0'),
    match         jsonb CHECK (jsonb_typeof(match) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pipeline_id, name),
    CHECK (emits IS DISTINCT FROM subscribes)
);
CREATE INDEX ON nightjar.step (subscribes);
COMMENT ON TABLE nightjar.step IS
    'a function fn(event_payload jsonb) RETURNS jsonb run for every event on topic subscribes; '
    'on success the dispatcher emits on topic emits';
COMMENT ON COLUMN nightjar.step.fn IS 'qualified signature, e.g. nightjar.validate_batch(jsonb)';
COMMENT ON COLUMN nightjar.step.match IS
    'the step runs only for events whose payload contains this object (payload @> match), '
    'e.g. {"source": "suppliers"}; NULL: for every event of its topic';

CREATE TABLE nightjar.event (
    event_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic            text NOT NULL,
    payload          jsonb NOT NULL DEFAULT '{}',
    parent_event_id  bigint,
    replay_of        bigint,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON nightjar.event (topic, created_at);
CREATE INDEX ON nightjar.event (created_at);
COMMENT ON TABLE nightjar.event IS
    'append-only: what happened (topic + payload); parent_event_id: the event whose step emitted '
    'it; replay_of: the event that nightjar.replay copied';

CREATE TABLE nightjar.run (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id       bigint NOT NULL REFERENCES nightjar.pipeline ON DELETE CASCADE,
    trigger_event_id  bigint NOT NULL REFERENCES nightjar.event ON DELETE CASCADE,
    lock_key          text,
    status            text NOT NULL DEFAULT 'running'
                      CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
CREATE INDEX ON nightjar.run (pipeline_id, lock_key) WHERE status = 'running';
CREATE INDEX ON nightjar.run (pipeline_id, finished_at);
CREATE INDEX ON nightjar.run (trigger_event_id);
COMMENT ON TABLE nightjar.run IS
    'one trigger of one pipeline: all step runs caused by one event from outside the pipeline; '
    'failed when a step was dead-lettered, succeeded when every step succeeded';

CREATE TABLE nightjar.step_task (
    event_id         bigint NOT NULL REFERENCES nightjar.event ON DELETE CASCADE,
    step_id          bigint NOT NULL REFERENCES nightjar.step ON DELETE CASCADE,
    run_id           bigint NOT NULL REFERENCES nightjar.run ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'succeeded', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    attempt_base     integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_delay       interval,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, step_id)
);
CREATE INDEX ON nightjar.step_task (next_attempt_at, event_id, step_id) WHERE status = 'pending';  -- the dispatcher's keyset
CREATE INDEX ON nightjar.step_task (run_id);
CREATE INDEX ON nightjar.step_task (step_id);
COMMENT ON TABLE nightjar.step_task IS
    'work item: one step for one event. A dispatcher holds its row lock while the step runs, '
    'so a running item is pending to everybody else and is skipped (FOR UPDATE SKIP LOCKED). '
    'attempt_base: attempts already spent before the last nightjar.retry';

CREATE TABLE nightjar.step_run (
    step_run_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES nightjar.run ON DELETE CASCADE,
    step_id        bigint NOT NULL REFERENCES nightjar.step ON DELETE CASCADE,
    event_id       bigint NOT NULL REFERENCES nightjar.event ON DELETE CASCADE,
    attempt        integer NOT NULL CHECK (attempt >= 1),
    status         text NOT NULL CHECK (status IN ('succeeded', 'failed', 'dead')),
    rows_in        bigint,
    rows_out       bigint,
    result         jsonb,
    emitted_event_id bigint,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    error_message  text,
    sqlstate       text CHECK (sqlstate ~ '^[0-9A-Z]{5}$'),
    error_detail   text,
    error_context  text,
    retry_delay    interval,
    dispatcher_pid integer NOT NULL DEFAULT pg_backend_pid(),
    UNIQUE (event_id, step_id, attempt)
);
-- The engine's promise, enforced by the database: one success per step and event.
CREATE UNIQUE INDEX step_run_succeeds_once ON nightjar.step_run (event_id, step_id)
    WHERE status = 'succeeded';
CREATE INDEX ON nightjar.step_run (run_id);
CREATE INDEX ON nightjar.step_run (finished_at);
COMMENT ON TABLE nightjar.step_run IS
    'one attempt at one step for one event: failed = will be retried after retry_delay, '
    'dead = last attempt failed (dead letter, see nightjar.retry)';

CREATE TABLE nightjar.scheduled_job (
    job         text PRIMARY KEY CHECK (job ~ '^[a-z][a-z0-9_.-]{0,62}$'),
    cron        text NOT NULL,
    command     text NOT NULL,
    cron_jobid  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.scheduled_job IS 'pg_cron jobs created through nightjar.schedule';

CREATE TABLE nightjar.notification (
    notification_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL,
    recipient        text,
    subject          text NOT NULL,
    body             text NOT NULL DEFAULT '',
    payload          jsonb NOT NULL DEFAULT '{}',
    dedup_key        text UNIQUE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX ON nightjar.notification (next_attempt_at) WHERE status = 'pending';
COMMENT ON TABLE nightjar.notification IS
    'outbox: messages for people (e-mail, webhook) written in the transaction that decided them; '
    'the runner delivers them. dedup_key makes a notification idempotent';

-- The catalog is user data in extension-owned tables: pg_dump must dump its rows (and
-- the identity sequences' positions), or a restore would lose every pipeline and run.
-- (One call per statement: each call rewrites the same pg_extension row.)
SELECT pg_catalog.pg_extension_config_dump('nightjar.pipeline', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.step', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.event', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.run', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.step_task', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.step_run', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.scheduled_job', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.notification', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.pipeline_pipeline_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.step_step_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.event_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.run_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.step_run_step_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.notification_notification_id_seq', '');
