-- 10_ingest_catalog.sql: what the runner fetched and staged. Every decision the runner
-- makes (a file's checksum and confidence, which batch it belongs to, where it was
-- archived, the plan of batches) is recorded here, so a crash can be resumed from the
-- database alone. The runner writes these tables only through the functions of
-- 11_ingest_api.sql; its one direct write is the COPY into nightjar.raw_record.
-- Tables carry source_id, the key they would be distributed by.

CREATE TABLE nightjar.source (
    source_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    kind        text NOT NULL CHECK (kind IN ('dir', 'http', 's3', 'sql')),
    config      jsonb NOT NULL DEFAULT '{}',
    bookmark    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.source IS 'a provider of records: a directory, an HTTP API, an S3 prefix (kind sql: rows inserted by hand)';

-- A run's batch plan: which files, in which numbered batch. Recorded before the first
-- batch, so an interrupted run can be resumed with its own plan and numbers (`nightjar
-- run --resume-from-batch K`), and a new run can say what changed in the listing since.
CREATE TABLE nightjar.ingest_plan (
    plan_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id   bigint NOT NULL REFERENCES nightjar.source,
    batches     integer NOT NULL CHECK (batches >= 0),
    files       integer NOT NULL CHECK (files >= 0),
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON nightjar.ingest_plan (source_id, plan_id);
COMMENT ON TABLE nightjar.ingest_plan IS 'the batch plan a runner run made (nightjar.record_plan); resumed runs reuse it';

CREATE TABLE nightjar.ingest_plan_batch (
    plan_id      bigint NOT NULL REFERENCES nightjar.ingest_plan,
    plan_seq     integer NOT NULL CHECK (plan_seq >= 1),
    files        integer NOT NULL,
    bytes        bigint NOT NULL,
    status       text NOT NULL DEFAULT 'planned'
                 CHECK (status IN ('planned', 'staged', 'failed', 'skipped')),
    batch_id     bigint,  -- the committed batch (nightjar.batch), when there is one
    finished_at  timestamptz,
    PRIMARY KEY (plan_id, plan_seq)
);
COMMENT ON TABLE nightjar.ingest_plan_batch IS 'one numbered batch of a plan: planned until a run stages it (staged), every file fails (failed) or nothing is left to stage (skipped)';

CREATE TABLE nightjar.ingest_plan_file (
    plan_id     bigint NOT NULL REFERENCES nightjar.ingest_plan,
    plan_seq    integer NOT NULL,
    position    integer NOT NULL,  -- order within the batch, from 1
    key         text NOT NULL,     -- source-relative path, S3 key or HTTP item id
    name        text NOT NULL,
    size        bigint NOT NULL,
    confidence  float8 NOT NULL,
    extra       text,              -- source-specific (HTTP: the item's bookmark value)
    PRIMARY KEY (plan_id, key),
    FOREIGN KEY (plan_id, plan_seq) REFERENCES nightjar.ingest_plan_batch
);
COMMENT ON TABLE nightjar.ingest_plan_file IS 'the files of each batch of a plan, with the size and confidence they had when planned';

-- One row per `nightjar run` of a source, inserted when it starts (begin_ingest_run) and
-- completed when it ends (finish_ingest_run): the same summary the runner prints (totals,
-- per batch, per failed file) and its exit code. A row never finished whose runner is
-- gone is an interrupted run (nightjar.ingest_run_state).
CREATE TABLE nightjar.ingest_run (
    run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id   bigint NOT NULL REFERENCES nightjar.source,
    plan_id     bigint REFERENCES nightjar.ingest_plan,
    resumed     boolean NOT NULL DEFAULT false,  -- it ran a plan recorded by an earlier run
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    exit_code   integer,
    report      jsonb
);
CREATE INDEX ON nightjar.ingest_run (source_id, run_id);
COMMENT ON TABLE nightjar.ingest_run IS 'each runner run: its plan, and when finished its exit code and final report (totals, batches, failed files)';

CREATE TABLE nightjar.batch (
    batch_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    bigint NOT NULL REFERENCES nightjar.source,
    run_id       bigint REFERENCES nightjar.ingest_run,  -- NULL for batches made by hand
    plan_id      bigint REFERENCES nightjar.ingest_plan,
    plan_seq     integer,
    status       text NOT NULL DEFAULT 'staging'
                 CHECK (status IN ('staging', 'staged', 'failed')),
    files        integer NOT NULL DEFAULT 0,
    bytes        bigint NOT NULL DEFAULT 0,
    records      bigint NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    error        text,
    report       jsonb
);
CREATE INDEX ON nightjar.batch (source_id, batch_id);

CREATE TABLE nightjar.file (
    file_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id        bigint NOT NULL REFERENCES nightjar.source,
    batch_id         bigint REFERENCES nightjar.batch,
    name             text NOT NULL,
    location         text NOT NULL,
    checksum         text CHECK (checksum ~ '^[0-9a-f]{64}$'),
    size             bigint,
    confidence       float8,
    status           text NOT NULL CHECK (status IN ('staged', 'failed', 'skipped')),
    error            text,
    records          bigint NOT NULL DEFAULT 0,
    archive_location text,
    -- a skipped file whose content was already staged: the staged file it duplicates
    duplicate_of     bigint,  -- file_id of the staged file with the same checksum (not a foreign key:
                              -- pg_dump cannot order a self-referencing extension table's rows)
    created_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.file IS 'one row per file staged or failed, and per skipped file the runner archived (status skipped, duplicate_of the staged file with the same checksum) or left in place as not relevant (archive_location NULL, one row per location and content)';
-- A file is identified by its checksum: staged at most once per source.
CREATE UNIQUE INDEX file_staged_once ON nightjar.file (source_id, checksum) WHERE status = 'staged';
CREATE INDEX ON nightjar.file (batch_id);

-- nightjar.raw_record, the records as fetched, is bulk data outside the extension:
-- nightjar._storage_ingest() in 12_ingest_storage.sql creates it.


-- The catalog is data: pg_dump dumps these tables' rows and their sequences' positions
-- (tests/integration/dump_restore.sh restores a dump and compares).
SELECT pg_catalog.pg_extension_config_dump('nightjar.source', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.batch', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.file', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_run', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_plan', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_plan_batch', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_plan_file', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.source_source_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.batch_batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.file_file_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_run_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_plan_plan_id_seq', '');
