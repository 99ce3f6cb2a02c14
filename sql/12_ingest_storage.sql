-- 12_ingest_storage.sql: the ingest area's bulk data, outside the extension (see
-- 06_storage.sql): nightjar.raw_record, the records exactly as fetched. The runner's one
-- direct write is its COPY into this table (11_ingest_api.sql).

-- _storage_ingest creates nightjar.raw_record if it is missing.
CREATE FUNCTION nightjar._storage_ingest() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('raw_record') THEN
        RETURN;
    END IF;
    CREATE TABLE IF NOT EXISTS nightjar.raw_record (
        source_id  bigint NOT NULL REFERENCES nightjar.source,
        batch_id   bigint NOT NULL REFERENCES nightjar.batch,
        file_id    bigint REFERENCES nightjar.file,
        record_no  bigint NOT NULL,
        file_record_no bigint,  -- the record's number within its file, from 1
        file_line  bigint,      -- the line of its file where the record starts (xlsx: the sheet row)
        payload    jsonb NOT NULL,
        PRIMARY KEY (batch_id, record_no)
    );
    COMMENT ON TABLE nightjar.raw_record IS 'records exactly as fetched, one JSON object each; record_no is unique within the batch; file_record_no and file_line trace a record to its place in its file (NULL for rows not staged by the runner). Bulk data: not a member of the extension (nightjar._storage_ingest)';
    PERFORM nightjar._storage_guard_on('raw_record');
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
