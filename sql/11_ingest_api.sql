-- 11_ingest_api.sql: the ingest catalog's SQL API. The runner writes nightjar.source,
-- ingest_run, ingest_plan*, batch and file only through these functions; its one direct
-- write is the COPY of records into nightjar.raw_record between begin_batch and
-- finish_batch. The catalog's rules (a checksum staged once per source, a batch's counts,
-- the batch.staged payload, where a skipped file's duplicate is) live here, once, for the
-- runner and for anyone staging by hand. Every error names the argument that is wrong,
-- with SQLSTATE 22023 (invalid_parameter_value), echoing at most 64 characters of it.
--
-- A run's life: begin_ingest_run → record_plan (or a plan given to begin_ingest_run to
-- resume it) → per batch, in one transaction: begin_batch → record_file per file → COPY →
-- finish_file per file → finish_batch (emits batch.staged) → after COMMIT: record_archive,
-- record_skipped_file, skip_batch → save_bookmark → finish_ingest_run.

-- _ingest_echo quotes a value for an error message, cut to 64 characters.
CREATE FUNCTION nightjar._ingest_echo(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN 'NULL'
                WHEN length(v) > 64 THEN quote_literal(left(v, 64)) || '…'
                ELSE quote_literal(v) END
$$;

-- _ingest_refuse raises invalid_parameter_value with the message "nightjar: <message>".
CREATE FUNCTION nightjar._ingest_refuse(message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'nightjar: %', message USING ERRCODE = 'invalid_parameter_value';
END;
$$;

-- _ingest_live_run returns the run, refusing one that does not exist or has finished.
CREATE FUNCTION nightjar._ingest_live_run(run_id bigint) RETURNS nightjar.ingest_run
LANGUAGE plpgsql AS $$
DECLARE
    v_run nightjar.ingest_run;
BEGIN
    SELECT * INTO v_run FROM nightjar.ingest_run r WHERE r.run_id = _ingest_live_run.run_id;
    IF NOT FOUND THEN
        PERFORM nightjar._ingest_refuse(format('ingest run %s does not exist', coalesce(run_id::text, 'NULL')));
    ELSIF v_run.finished_at IS NOT NULL THEN
        PERFORM nightjar._ingest_refuse(format('ingest run %s has finished', run_id));
    END IF;
    RETURN v_run;
END;
$$;

-- _ingest_staging_batch returns the batch, refusing one that is not being staged.
CREATE FUNCTION nightjar._ingest_staging_batch(batch_id bigint) RETURNS nightjar.batch
LANGUAGE plpgsql AS $$
DECLARE
    v_batch nightjar.batch;
BEGIN
    SELECT * INTO v_batch FROM nightjar.batch b WHERE b.batch_id = _ingest_staging_batch.batch_id;
    IF NOT FOUND THEN
        PERFORM nightjar._ingest_refuse(format('batch %s does not exist', coalesce(batch_id::text, 'NULL')));
    ELSIF v_batch.status <> 'staging' THEN
        PERFORM nightjar._ingest_refuse(format('batch %s is %s, not staging', batch_id, v_batch.status));
    END IF;
    RETURN v_batch;
END;
$$;

-- define_source creates or updates a source and says what changed: created, updated or
-- unchanged (jsonb equality ignores key order, so re-applying the same file is unchanged).
CREATE FUNCTION nightjar.define_source(name text, kind text, config jsonb DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_old nightjar.source;
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        PERFORM nightjar._ingest_refuse(format('source name must match ^[a-z][a-z0-9_]{0,62}$, not %s', nightjar._ingest_echo(name)));
    END IF;
    IF kind IS NULL OR kind NOT IN ('dir', 'http', 's3', 'sql') THEN
        PERFORM nightjar._ingest_refuse(format('source kind must be dir, http, s3 or sql, not %s', nightjar._ingest_echo(kind)));
    END IF;
    IF config IS NULL OR jsonb_typeof(config) <> 'object' THEN
        PERFORM nightjar._ingest_refuse(format('source config must be a JSON object, not %s', nightjar._ingest_echo(config::text)));
    END IF;
    SELECT * INTO v_old FROM nightjar.source s WHERE s.name = define_source.name FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO nightjar.source (name, kind, config) VALUES (name, kind, config);
        RETURN 'created';
    ELSIF (v_old.kind, v_old.config) IS NOT DISTINCT FROM (kind, config) THEN
        RETURN 'unchanged';
    END IF;
    UPDATE nightjar.source s SET kind = define_source.kind, config = define_source.config, updated_at = now()
    WHERE s.source_id = v_old.source_id;
    RETURN 'updated';
END;
$$;

-- begin_ingest_run records the start of a run of the source and returns its id. With
-- plan_id, the run resumes that plan (recorded by an earlier run of the same source);
-- otherwise record_plan gives it one. The calling session holds an advisory lock on the
-- run until finish_ingest_run or disconnection: that is how ingest_run_state tells a
-- running run from an interrupted one.
CREATE FUNCTION nightjar.begin_ingest_run(source_id bigint, plan_id bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nightjar.source s WHERE s.source_id = begin_ingest_run.source_id) THEN
        PERFORM nightjar._ingest_refuse(format('source %s does not exist', coalesce(source_id::text, 'NULL')));
    END IF;
    IF plan_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM nightjar.ingest_plan p
            WHERE p.plan_id = begin_ingest_run.plan_id AND p.source_id = begin_ingest_run.source_id) THEN
        PERFORM nightjar._ingest_refuse(format('plan %s is not a plan of source %s', plan_id, source_id));
    END IF;
    INSERT INTO nightjar.ingest_run (source_id, plan_id, resumed)
    VALUES (source_id, plan_id, plan_id IS NOT NULL)
    RETURNING run_id INTO v_run_id;
    PERFORM pg_advisory_lock(hashtext('nightjar.ingest_run'), (v_run_id % 2147483647)::int);
    RETURN v_run_id;
END;
$$;

-- record_plan records a run's batch plan and returns its id. files is a JSON array of
-- {"batch": n, "key": …, "name": …, "size": bytes, "confidence": 0..1, "extra": …}
-- (extra optional), in plan order; batches are numbered 1..N without gaps.
CREATE FUNCTION nightjar.record_plan(run_id bigint, files jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run nightjar.ingest_run;
    v_plan_id bigint;
    v_bad record;
BEGIN
    v_run := nightjar._ingest_live_run(run_id);
    IF v_run.plan_id IS NOT NULL THEN
        PERFORM nightjar._ingest_refuse(format('ingest run %s already has plan %s', run_id, v_run.plan_id));
    END IF;
    IF files IS NULL OR jsonb_typeof(files) <> 'array' THEN
        PERFORM nightjar._ingest_refuse(format('plan files must be a JSON array, not %s', nightjar._ingest_echo(files::text)));
    END IF;
    SELECT e.i, e.f, CASE
            WHEN jsonb_typeof(e.f) <> 'object' THEN 'is not an object'
            WHEN jsonb_typeof(e.f->'batch') IS DISTINCT FROM 'number' OR (e.f->>'batch')::numeric < 1
                 OR (e.f->>'batch')::numeric <> trunc((e.f->>'batch')::numeric) THEN 'batch must be an integer >= 1'
            WHEN jsonb_typeof(e.f->'key') IS DISTINCT FROM 'string' OR e.f->>'key' = '' THEN 'key must be a non-empty string'
            WHEN jsonb_typeof(e.f->'name') IS DISTINCT FROM 'string' THEN 'name must be a string'
            WHEN jsonb_typeof(e.f->'size') IS DISTINCT FROM 'number' OR (e.f->>'size')::numeric < 0 THEN 'size must be a number >= 0'
            WHEN jsonb_typeof(e.f->'confidence') IS DISTINCT FROM 'number'
                 OR (e.f->>'confidence')::float8 NOT BETWEEN 0 AND 1 THEN 'confidence must be a number between 0 and 1'
            WHEN e.f ? 'extra' AND jsonb_typeof(e.f->'extra') NOT IN ('string', 'null') THEN 'extra must be a string'
          END AS problem
    INTO v_bad
    FROM jsonb_array_elements(files) WITH ORDINALITY AS e(f, i)
    WHERE jsonb_typeof(e.f) <> 'object'
       OR jsonb_typeof(e.f->'batch') IS DISTINCT FROM 'number' OR (e.f->>'batch')::numeric < 1
       OR (e.f->>'batch')::numeric <> trunc((e.f->>'batch')::numeric)
       OR jsonb_typeof(e.f->'key') IS DISTINCT FROM 'string' OR e.f->>'key' = ''
       OR jsonb_typeof(e.f->'name') IS DISTINCT FROM 'string'
       OR jsonb_typeof(e.f->'size') IS DISTINCT FROM 'number' OR (e.f->>'size')::numeric < 0
       OR jsonb_typeof(e.f->'confidence') IS DISTINCT FROM 'number'
       OR (e.f->>'confidence')::float8 NOT BETWEEN 0 AND 1
       OR (e.f ? 'extra' AND jsonb_typeof(e.f->'extra') NOT IN ('string', 'null'))
    ORDER BY e.i LIMIT 1;
    IF FOUND THEN
        PERFORM nightjar._ingest_refuse(format('plan file %s: %s: %s', v_bad.i, v_bad.problem, nightjar._ingest_echo(v_bad.f::text)));
    END IF;
    SELECT f->>'key' AS key INTO v_bad FROM jsonb_array_elements(files) f
    GROUP BY f->>'key' HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        PERFORM nightjar._ingest_refuse(format('plan file key %s appears twice', nightjar._ingest_echo(v_bad.key)));
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT max((f->>'batch')::int) AS n, count(DISTINCT (f->>'batch')::int) AS d
                              FROM jsonb_array_elements(files) f) c WHERE c.n <> c.d) THEN
        PERFORM nightjar._ingest_refuse('plan batches must be numbered 1..N without gaps');
    END IF;
    INSERT INTO nightjar.ingest_plan (source_id, batches, files, bytes)
    SELECT v_run.source_id, coalesce(max((f->>'batch')::int), 0), count(*), coalesce(sum((f->>'size')::bigint), 0)
    FROM jsonb_array_elements(files) f
    RETURNING plan_id INTO v_plan_id;
    INSERT INTO nightjar.ingest_plan_batch (plan_id, plan_seq, files, bytes)
    SELECT v_plan_id, (f->>'batch')::int, count(*), sum((f->>'size')::bigint)
    FROM jsonb_array_elements(files) f GROUP BY 2;
    INSERT INTO nightjar.ingest_plan_file (plan_id, plan_seq, position, key, name, size, confidence, extra)
    SELECT v_plan_id, (f->>'batch')::int,
           row_number() OVER (PARTITION BY (f->>'batch')::int ORDER BY i)::int,
           f->>'key', f->>'name', (f->>'size')::bigint, (f->>'confidence')::float8, f->>'extra'
    FROM jsonb_array_elements(files) WITH ORDINALITY AS e(f, i);
    UPDATE nightjar.ingest_run r SET plan_id = v_plan_id WHERE r.run_id = record_plan.run_id;
    RETURN v_plan_id;
END;
$$;

-- begin_batch opens batch plan_seq of the run's plan and returns its id. Call it in the
-- transaction that stages the batch: it takes the source's transaction-level advisory
-- lock, so two runners never stage the same source's files at once.
CREATE FUNCTION nightjar.begin_batch(run_id bigint, plan_seq integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run nightjar.ingest_run;
    v_batch_id bigint;
BEGIN
    v_run := nightjar._ingest_live_run(run_id);
    IF v_run.plan_id IS NULL THEN
        PERFORM nightjar._ingest_refuse(format('ingest run %s has no plan (record_plan first)', run_id));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nightjar.ingest_plan_batch b
                   WHERE b.plan_id = v_run.plan_id AND b.plan_seq = begin_batch.plan_seq) THEN
        PERFORM nightjar._ingest_refuse(format('plan %s has no batch %s', v_run.plan_id, coalesce(plan_seq::text, 'NULL')));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('nightjar.source'), v_run.source_id::int);
    PERFORM nightjar.ensure_storage();  -- raw_record, which the caller's COPY fills next
    INSERT INTO nightjar.batch (source_id, run_id, plan_id, plan_seq, status)
    VALUES (v_run.source_id, run_id, v_run.plan_id, plan_seq, 'staging')
    RETURNING batch_id INTO v_batch_id;
    RETURN v_batch_id;
END;
$$;

-- record_file adds a file to a batch being staged and returns its id. Without error, the
-- file is to be staged. Its checksum may be given now — then NULL is returned (no row)
-- when a file with that checksum is already staged for the source, and the caller skips
-- it — or left NULL and given to finish_file, computed from the bytes the COPY staged
-- (the runner's way: one read of the file). With error, the file is recorded failed (a
-- download or read that failed before staging).
CREATE FUNCTION nightjar.record_file(
    batch_id bigint, name text, location text, checksum text, size bigint,
    confidence float8, error text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_batch nightjar.batch;
    v_file_id bigint;
BEGIN
    v_batch := nightjar._ingest_staging_batch(batch_id);
    IF name IS NULL OR name = '' OR location IS NULL OR location = '' THEN
        PERFORM nightjar._ingest_refuse(format('file name and location must not be empty (name %s, location %s)',
                                               nightjar._ingest_echo(name), nightjar._ingest_echo(location)));
    END IF;
    IF checksum IS NOT NULL AND checksum !~ '^[0-9a-f]{64}$' THEN
        PERFORM nightjar._ingest_refuse(format('checksum must be 64 lower-case hex digits (SHA-256), not %s', nightjar._ingest_echo(checksum)));
    END IF;
    IF size < 0 THEN
        PERFORM nightjar._ingest_refuse(format('file size must be >= 0, not %s', size));
    END IF;
    IF confidence IS NOT NULL AND NOT confidence BETWEEN 0 AND 1 THEN
        PERFORM nightjar._ingest_refuse(format('confidence must be between 0 and 1, not %s', confidence));
    END IF;
    IF error = '' THEN
        PERFORM nightjar._ingest_refuse('error must be NULL (file to stage) or say why the file failed');
    END IF;
    IF error IS NULL AND EXISTS (SELECT 1 FROM nightjar.file f WHERE f.source_id = v_batch.source_id
                                 AND f.checksum = record_file.checksum AND f.status = 'staged') THEN
        RETURN NULL;
    END IF;
    INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, size, confidence, status, error)
    VALUES (v_batch.source_id, batch_id, name, location, checksum, size, confidence,
            CASE WHEN error IS NULL THEN 'staged' ELSE 'failed' END, error)
    RETURNING file_id INTO v_file_id;
    RETURN v_file_id;
END;
$$;

-- finish_file closes a file of a batch being staged once its records are copied: with
-- error NULL it keeps records (the number copied); with an error its records are deleted
-- from raw_record and it is recorded failed with that reason. checksum and size, when
-- given, are those of the bytes the records were read from and replace what record_file
-- was told; a file to stage needs a checksum by then. When another file of the source is
-- already staged with that checksum (another runner, or a copy staged under a name of
-- its own), the file's records are deleted and it is recorded skipped, 'already staged',
-- duplicate_of that file. Returns the file's status: staged, failed or skipped.
CREATE FUNCTION nightjar.finish_file(file_id bigint, records bigint, error text DEFAULT NULL,
                                     checksum text DEFAULT NULL, size bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_file nightjar.file;
    v_same bigint;
BEGIN
    SELECT * INTO v_file FROM nightjar.file f WHERE f.file_id = finish_file.file_id;
    IF NOT FOUND THEN
        PERFORM nightjar._ingest_refuse(format('file %s does not exist', coalesce(file_id::text, 'NULL')));
    END IF;
    PERFORM nightjar._ingest_staging_batch(v_file.batch_id);
    IF v_file.status <> 'staged' THEN
        PERFORM nightjar._ingest_refuse(format('file %s is %s, not being staged', file_id, v_file.status));
    END IF;
    IF error IS NULL AND (records IS NULL OR records < 0) THEN
        PERFORM nightjar._ingest_refuse(format('records must be >= 0, not %s', coalesce(records::text, 'NULL')));
    END IF;
    IF error = '' THEN
        PERFORM nightjar._ingest_refuse('error must be NULL (file staged) or say why the file failed');
    END IF;
    IF checksum IS NOT NULL AND checksum !~ '^[0-9a-f]{64}$' THEN
        PERFORM nightjar._ingest_refuse(format('checksum must be 64 lower-case hex digits (SHA-256), not %s', nightjar._ingest_echo(checksum)));
    END IF;
    IF error IS NULL AND checksum IS NULL AND v_file.checksum IS NULL THEN
        PERFORM nightjar._ingest_refuse(format('file %s: a staged file needs its checksum (record_file or finish_file)', file_id));
    END IF;
    IF size < 0 THEN
        PERFORM nightjar._ingest_refuse(format('file size must be >= 0, not %s', size));
    END IF;
    v_file.checksum := coalesce(checksum, v_file.checksum);
    v_file.size := coalesce(size, v_file.size);
    IF error IS NULL THEN
        -- Under the source's lock (begin_batch): the content may have been staged meanwhile.
        SELECT f.file_id INTO v_same FROM nightjar.file f
        WHERE f.source_id = v_file.source_id AND f.checksum = v_file.checksum AND f.status = 'staged'
          AND f.file_id <> finish_file.file_id
        LIMIT 1;
        IF v_same IS NULL THEN
            UPDATE nightjar.file f SET records = finish_file.records, checksum = v_file.checksum, size = v_file.size
            WHERE f.file_id = finish_file.file_id;
            RETURN 'staged';
        END IF;
    END IF;
    DELETE FROM nightjar.raw_record r WHERE r.batch_id = v_file.batch_id AND r.file_id = finish_file.file_id;
    UPDATE nightjar.file f
    SET status = CASE WHEN finish_file.error IS NULL THEN 'skipped' ELSE 'failed' END,
        error = coalesce(finish_file.error, 'already staged'), records = 0, duplicate_of = v_same,
        checksum = v_file.checksum, size = v_file.size
    WHERE f.file_id = finish_file.file_id;
    RETURN CASE WHEN error IS NULL THEN 'skipped' ELSE 'failed' END;
END;
$$;

-- finish_batch closes a batch being staged: its counts come from its file rows; it is
-- staged when at least one file staged, else failed ("every file failed"); its plan batch
-- takes the same status; a staged batch emits batch.staged (payload: batch_id, source,
-- source_id, run_id, plan_id, plan_seq, files, records, bytes — docs/events.md). Returns
-- that summary with the batch's status.
CREATE FUNCTION nightjar.finish_batch(batch_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_batch nightjar.batch;
    v_files integer;
    v_staged integer;
    v_bytes bigint;
    v_records bigint;
    v_status text;
    v_summary jsonb;
BEGIN
    v_batch := nightjar._ingest_staging_batch(batch_id);
    -- raw_record has no per-row foreign keys: its rows are checked here, once (12_ingest_storage.sql).
    PERFORM nightjar._check_raw_batch(finish_batch.batch_id);
    SELECT count(*), count(*) FILTER (WHERE f.status = 'staged'), coalesce(sum(f.size), 0),
           coalesce(sum(f.records) FILTER (WHERE f.status = 'staged'), 0)
    INTO v_files, v_staged, v_bytes, v_records
    FROM nightjar.file f WHERE f.batch_id = finish_batch.batch_id;
    v_status := CASE WHEN v_staged > 0 THEN 'staged' ELSE 'failed' END;
    UPDATE nightjar.batch b SET status = v_status, files = v_files, bytes = v_bytes, records = v_records,
           finished_at = now(), error = CASE WHEN v_status = 'failed' THEN 'every file failed' END
    WHERE b.batch_id = finish_batch.batch_id;
    UPDATE nightjar.ingest_plan_batch p SET status = v_status, batch_id = finish_batch.batch_id, finished_at = now()
    WHERE p.plan_id = v_batch.plan_id AND p.plan_seq = v_batch.plan_seq;
    v_summary := jsonb_build_object(
        'batch_id', v_batch.batch_id,
        'source', (SELECT s.name FROM nightjar.source s WHERE s.source_id = v_batch.source_id),
        'source_id', v_batch.source_id, 'run_id', v_batch.run_id, 'plan_id', v_batch.plan_id,
        'plan_seq', v_batch.plan_seq, 'files', v_staged, 'records', v_records,
        'bytes', (SELECT coalesce(sum(f.size), 0) FROM nightjar.file f
                  WHERE f.batch_id = finish_batch.batch_id AND f.status = 'staged'));
    -- A batch none of whose files staged announces nothing.
    IF v_status = 'staged' THEN
        PERFORM nightjar.emit('batch.staged', v_summary);
    END IF;
    RETURN v_summary || jsonb_build_object('status', v_status, 'files_recorded', v_files);
END;
$$;

-- record_archive stores where a file was archived (success/… or failure/…).
CREATE FUNCTION nightjar.record_archive(file_id bigint, archive_location text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF archive_location IS NULL OR archive_location = '' THEN
        PERFORM nightjar._ingest_refuse('archive_location must not be empty');
    END IF;
    UPDATE nightjar.file f SET archive_location = record_archive.archive_location
    WHERE f.file_id = record_archive.file_id;
    IF NOT FOUND THEN
        PERFORM nightjar._ingest_refuse(format('file %s does not exist', coalesce(file_id::text, 'NULL')));
    END IF;
END;
$$;

-- record_skipped_file records a file the run skipped: status skipped, the reason, where
-- it was archived, and duplicate_of = the staged file with the same checksum. A file left
-- where it is (archive_location NULL: below min_confidence after its header check) gets
-- one row per location and content: a re-run that skips it again returns that row's id
-- instead of adding one each time. batch_id is the committed batch it was planned with,
-- or NULL. Returns the file id.
CREATE FUNCTION nightjar.record_skipped_file(
    run_id bigint, batch_id bigint, name text, location text, checksum text, size bigint,
    confidence float8, reason text, archive_location text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run nightjar.ingest_run;
    v_file_id bigint;
BEGIN
    v_run := nightjar._ingest_live_run(run_id);
    IF batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nightjar.batch b WHERE b.batch_id = record_skipped_file.batch_id
                                            AND b.source_id = v_run.source_id) THEN
        PERFORM nightjar._ingest_refuse(format('batch %s is not a batch of ingest run %s''s source', batch_id, run_id));
    END IF;
    IF name IS NULL OR name = '' OR location IS NULL OR location = '' THEN
        PERFORM nightjar._ingest_refuse(format('file name and location must not be empty (name %s, location %s)',
                                               nightjar._ingest_echo(name), nightjar._ingest_echo(location)));
    END IF;
    IF checksum IS NOT NULL AND checksum !~ '^[0-9a-f]{64}$' THEN
        PERFORM nightjar._ingest_refuse(format('checksum must be 64 lower-case hex digits (SHA-256), not %s', nightjar._ingest_echo(checksum)));
    END IF;
    IF reason IS NULL OR reason = '' THEN
        PERFORM nightjar._ingest_refuse('reason must say why the file was skipped');
    END IF;
    IF archive_location = '' THEN
        PERFORM nightjar._ingest_refuse('archive_location must be NULL (left in place) or say where the file went');
    END IF;
    IF archive_location IS NULL THEN
        SELECT f.file_id INTO v_file_id FROM nightjar.file f
        WHERE f.source_id = v_run.source_id AND f.status = 'skipped' AND f.archive_location IS NULL
          AND f.location = record_skipped_file.location AND f.checksum IS NOT DISTINCT FROM record_skipped_file.checksum
        LIMIT 1;
        IF FOUND THEN
            RETURN v_file_id;
        END IF;
    END IF;
    INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, size, confidence, status, error,
                               archive_location, duplicate_of)
    VALUES (v_run.source_id, batch_id, name, location, checksum, size, confidence, 'skipped', reason,
            archive_location,
            (SELECT f.file_id FROM nightjar.file f WHERE f.source_id = v_run.source_id
             AND f.checksum = record_skipped_file.checksum AND f.status = 'staged'))
    RETURNING file_id INTO v_file_id;
    RETURN v_file_id;
END;
$$;

-- skip_batch records that batch plan_seq of the run's plan had nothing to stage (every
-- file skipped), so the plan does not show it as still planned.
CREATE FUNCTION nightjar.skip_batch(run_id bigint, plan_seq integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_run nightjar.ingest_run;
BEGIN
    v_run := nightjar._ingest_live_run(run_id);
    UPDATE nightjar.ingest_plan_batch p SET status = 'skipped', finished_at = now()
    WHERE p.plan_id = v_run.plan_id AND p.plan_seq = skip_batch.plan_seq AND p.status = 'planned';
    IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM nightjar.ingest_plan_batch p
                                 WHERE p.plan_id = v_run.plan_id AND p.plan_seq = skip_batch.plan_seq) THEN
        PERFORM nightjar._ingest_refuse(format('plan %s has no batch %s', coalesce(v_run.plan_id::text, 'NULL'),
                                               coalesce(plan_seq::text, 'NULL')));
    END IF;
END;
$$;

-- save_bookmark stores the source's bookmark (a JSON object, e.g. {"since": …}).
CREATE FUNCTION nightjar.save_bookmark(source_id bigint, bookmark jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF bookmark IS NULL OR jsonb_typeof(bookmark) <> 'object' THEN
        PERFORM nightjar._ingest_refuse(format('bookmark must be a JSON object, not %s', nightjar._ingest_echo(bookmark::text)));
    END IF;
    UPDATE nightjar.source s SET bookmark = save_bookmark.bookmark WHERE s.source_id = save_bookmark.source_id;
    IF NOT FOUND THEN
        PERFORM nightjar._ingest_refuse(format('source %s does not exist', coalesce(source_id::text, 'NULL')));
    END IF;
END;
$$;

-- finish_ingest_run records the end of a run: its exit code (docs/runner.md) and final
-- report, and releases the run's advisory lock when this session holds it.
CREATE FUNCTION nightjar.finish_ingest_run(run_id bigint, exit_code integer, report jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar._ingest_live_run(run_id);
    IF exit_code IS NULL OR exit_code NOT IN (0, 1, 2, 10, 11, 12, 13, 14) THEN
        PERFORM nightjar._ingest_refuse(format('exit_code must be 0, 1, 2 or 10..14, not %s', coalesce(exit_code::text, 'NULL')));
    END IF;
    IF report IS NULL OR jsonb_typeof(report) <> 'object' THEN
        PERFORM nightjar._ingest_refuse(format('report must be a JSON object, not %s', nightjar._ingest_echo(report::text)));
    END IF;
    UPDATE nightjar.ingest_run r SET exit_code = finish_ingest_run.exit_code, report = finish_ingest_run.report,
           finished_at = now()
    WHERE r.run_id = finish_ingest_run.run_id;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
               WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 2
                 AND l.classid = hashtext('nightjar.ingest_run')::oid
                 AND l.objid = ((run_id % 2147483647)::int)::oid) THEN
        PERFORM pg_advisory_unlock(hashtext('nightjar.ingest_run'), (run_id % 2147483647)::int);
    END IF;
END;
$$;

-- ingest_run_state says whether a run is finished, running (its runner's session still
-- holds the run's lock) or interrupted (neither: the runner died or lost its connection).
CREATE FUNCTION nightjar.ingest_run_state(run_id bigint) RETURNS text
LANGUAGE sql STABLE STRICT AS $$
    SELECT CASE
        WHEN r.finished_at IS NOT NULL THEN 'finished'
        WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                       AND l.classid = hashtext('nightjar.ingest_run')::oid
                       AND l.objid = ((r.run_id % 2147483647)::int)::oid) THEN 'running'
        ELSE 'interrupted' END
    FROM nightjar.ingest_run r WHERE r.run_id = ingest_run_state.run_id
$$;

-- ingest_plan_status shows each source's plans batch by batch, with the runs that used them.
CREATE VIEW nightjar.ingest_plan_status AS
SELECT p.source_id, s.name AS source, p.plan_id, b.plan_seq, b.status, b.files, b.bytes, b.batch_id,
       b.finished_at, p.batches AS plan_batches, p.created_at AS planned_at
FROM nightjar.ingest_plan p
JOIN nightjar.source s USING (source_id)
JOIN nightjar.ingest_plan_batch b USING (plan_id);
