-- 10_ingest_catalog.sql: what the runner fetched and staged. Every decision the runner
-- makes (a file's checksum and confidence, which batch it belongs to, where it was
-- archived) is recorded here, so a crash can be resumed from the database alone.
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

CREATE TABLE nightjar.batch (
    batch_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    bigint NOT NULL REFERENCES nightjar.source,
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
COMMENT ON TABLE nightjar.file IS 'one row per file staged or failed, and per skipped file the runner archived (status skipped, duplicate_of the staged file with the same checksum)';
-- A file is identified by its checksum: staged at most once per source.
CREATE UNIQUE INDEX file_staged_once ON nightjar.file (source_id, checksum) WHERE status = 'staged';
CREATE INDEX ON nightjar.file (batch_id);

CREATE TABLE nightjar.raw_record (
    source_id  bigint NOT NULL REFERENCES nightjar.source,
    batch_id   bigint NOT NULL REFERENCES nightjar.batch,
    file_id    bigint REFERENCES nightjar.file,
    record_no  bigint NOT NULL,
    file_record_no bigint,  -- the record's number within its file, from 1
    file_line  bigint,      -- the line of its file where the record starts (xlsx: the sheet row)
    payload    jsonb NOT NULL,
    PRIMARY KEY (batch_id, record_no)
);
COMMENT ON TABLE nightjar.raw_record IS 'records exactly as fetched, one JSON object each; record_no is unique within the batch; file_record_no and file_line trace a record to its place in its file (NULL for rows not staged by the runner)';

-- One row per `nightjar run` of a source: the same summary the runner prints (totals,
-- per batch, per failed file) and its exit code, so an operator can read it back.
CREATE TABLE nightjar.ingest_run (
    run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id   bigint NOT NULL REFERENCES nightjar.source,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    exit_code   integer NOT NULL,
    report      jsonb NOT NULL
);
CREATE INDEX ON nightjar.ingest_run (source_id, run_id);
COMMENT ON TABLE nightjar.ingest_run IS 'final report of each runner run: totals, batches, failed files';

-- The catalog is data: pg_dump dumps these tables' rows and their sequences' positions
-- (tests/integration/dump_restore.sh restores a dump and compares).
SELECT pg_catalog.pg_extension_config_dump('nightjar.source', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.batch', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.file', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.raw_record', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_run', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.source_source_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.batch_batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.file_file_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.ingest_run_run_id_seq', '');
