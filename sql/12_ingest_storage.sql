-- 12_ingest_storage.sql: the ingest area's bulk data, outside the extension (see
-- 06_storage.sql): nightjar.raw_record, the records exactly as fetched. The runner's one
-- direct write is its binary COPY into this table (runner/ingest/copy_writer.cpp,
-- between the calls of 11_ingest_api.sql).
--
-- raw_record has no foreign key. Per-row foreign-key triggers tripled the cost of the
-- COPY (1,000,000 records: 6.0 s with the primary key alone, 18.6 s with the three
-- foreign keys), and what they checked row by row the ingest API guarantees once per
-- batch: begin_batch and record_file create the batch and file rows before the COPY, and
-- nightjar._check_raw_batch (called by finish_batch) checks once, in one pass over the
-- batch's rows, that every row names the batch's source and one of the batch's files.
--
-- The primary key (batch_id, record_no) stays: its maintenance is about a quarter of the
-- COPY (1,000,000 records on the 2-core machine: 2.9 s without it, 3.6-3.8 s with it;
-- with the records' keys already in jsonb's order, as the runner sends them
-- (runner/ingest/jsonb_order.cpp): 2.23-2.24 s without, 2.81-2.89 s with; a non-unique
-- index costs the same), but validation and normalisation read a batch in record_no order
-- through it, and it keeps record_no unique with no second pass. A BRIN index on
-- (batch_id, record_no) costs less (2.44-2.46 s) but keeps nothing unique, and it cannot
-- give the rows in record_no order: one COPY does not lay a batch out in record_no order
-- once deleted rows have left free space (the COPY takes pages from the free space map),
-- so every batch read would sort the batch (1,000,000 payloads: hundreds of MB, on disk).
-- Building the key after the COPY would take a partition per batch: too heavy for the
-- catalog.

-- _storage_ingest creates nightjar.raw_record if it is missing.
CREATE FUNCTION nightjar._storage_ingest() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('raw_record') THEN
        RETURN;
    END IF;
    CREATE TABLE IF NOT EXISTS nightjar.raw_record (
        source_id  bigint NOT NULL,  -- the batch's source (no foreign key: see the top of this file)
        batch_id   bigint NOT NULL,  -- nightjar.batch
        file_id    bigint,           -- nightjar.file; NULL for rows not staged by the runner
        record_no  bigint NOT NULL,
        file_record_no bigint,  -- the record's number within its file, from 1
        file_line  bigint,      -- the line of its file where the record starts (xlsx: the sheet row)
        payload    jsonb NOT NULL,
        PRIMARY KEY (batch_id, record_no)
    );
    COMMENT ON TABLE nightjar.raw_record IS 'records exactly as fetched, one JSON object each; record_no is unique within the batch; file_record_no and file_line trace a record to its place in its file (NULL for rows not staged by the runner). Bulk data: not a member of the extension (nightjar._storage_ingest)';
    PERFORM nightjar._storage_guard_on('raw_record');
END $$;

-- _check_raw_batch checks, once per batch instead of once per row, what raw_record's
-- foreign keys used to: every staged row of the batch names the batch's source and, when
-- it names a file, a file of that batch, and each file holds the number of rows it was
-- closed with (nightjar.finish_file). Raises 23503 naming the batch, file and source.
-- Its cost follows the batch, not the table: it reads the batch's rows through the primary
-- key's batch_id prefix (without enable_seqscan = off, a batch that is a large part of the
-- table was checked by a scan of the whole table), and the one query is too short-lived
-- to pay for JIT compilation (~30 ms per batch). It counts in a hash table (enable_sort =
-- off): called by finish_batch, the batch is new to the planner's statistics, which guess
-- one row, and the plan sorted the batch's rows by (source_id, file_id) to group them
-- (1,000,000 rows: a 25 MB sort on disk, about half of the check's 0.50 s; hashing was
-- 0.3-0.4 s faster, alternated in one transaction); a few groups (one per file) hash in a
-- few kB whatever the guess.
CREATE FUNCTION nightjar._check_raw_batch(p_batch_id bigint) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off SET enable_sort = off SET jit = off AS $$
DECLARE
    v_source_id bigint;
    v_bad record;
BEGIN
    SELECT b.source_id INTO v_source_id FROM nightjar.batch b WHERE b.batch_id = p_batch_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: batch % does not exist', p_batch_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- One pass over the batch's rows (primary key prefix), grouped by what they name.
    SELECT r.source_id, r.file_id, r.n, f.batch_id AS file_batch, f.records AS file_records, f.status
    INTO v_bad
    FROM (SELECT x.source_id, x.file_id, count(*) AS n FROM nightjar.raw_record x
          WHERE x.batch_id = p_batch_id GROUP BY x.source_id, x.file_id) r
    LEFT JOIN nightjar.file f ON f.file_id = r.file_id
    WHERE r.source_id <> v_source_id
       OR (r.file_id IS NOT NULL AND (f.file_id IS NULL OR f.batch_id IS DISTINCT FROM p_batch_id
                                      OR f.status <> 'staged' OR f.records <> r.n))
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    ELSIF v_bad.source_id <> v_source_id THEN
        RAISE EXCEPTION 'nightjar: batch % has % staged rows of source %, not of its source %',
            p_batch_id, v_bad.n, v_bad.source_id, v_source_id USING ERRCODE = 'foreign_key_violation';
    ELSIF v_bad.file_batch IS DISTINCT FROM p_batch_id THEN
        RAISE EXCEPTION 'nightjar: batch % has % staged rows of file %, which is not a file of this batch',
            p_batch_id, v_bad.n, v_bad.file_id USING ERRCODE = 'foreign_key_violation';
    ELSE
        RAISE EXCEPTION 'nightjar: batch % has % staged rows of file %, which is % with % records',
            p_batch_id, v_bad.n, v_bad.file_id, v_bad.status, v_bad.file_records USING ERRCODE = 'foreign_key_violation';
    END IF;
END $$;

-- _source_added makes sure the bulk tables exist once a source is there to fill them.
CREATE FUNCTION nightjar._source_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.ensure_storage();
    RETURN NULL;
END $$;
CREATE TRIGGER ensure_storage AFTER INSERT ON nightjar.source
    FOR EACH STATEMENT EXECUTE FUNCTION nightjar._source_added();
