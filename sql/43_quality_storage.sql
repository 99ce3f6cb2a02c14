-- 43_quality_storage.sql: the quality area's bulk data, outside the extension (see
-- 06_storage.sql): valid_record (one partition per source, nightjar._valid_partition),
-- quarantine and clean_record. None has a foreign key: the per-row check would cost the
-- validation and normalisation steps their speed (see quarantine.rule_id in
-- 40_quality_catalog.sql); source_id, batch_id and record_no lead back to raw_record.

-- _storage_quality creates valid_record, quarantine and clean_record if they are missing.
CREATE FUNCTION nightjar._storage_quality() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('valid_record', 'quarantine', 'clean_record') THEN
        RETURN;
    END IF;
    IF to_regclass('nightjar.valid_record') IS NULL THEN
        -- Records that passed every error-severity rule, with typed values: numbers as JSON
        -- numbers, dates and timestamps as ISO 8601 strings, booleans as JSON booleans.
        -- The primary key is the parent's: every partition inherits it.
        CREATE TABLE nightjar.valid_record (
            source_id  bigint NOT NULL,
            batch_id   bigint NOT NULL,
            record_no  bigint NOT NULL,
            payload    jsonb NOT NULL,
            warnings   jsonb,          -- [{"rule": …, "field": …, "message": …}] of warning rules that failed
            PRIMARY KEY (source_id, batch_id, record_no)
        ) PARTITION BY LIST (source_id);
        COMMENT ON TABLE nightjar.valid_record IS 'validated records with typed values; one partition per source (nightjar.valid_<source>). Bulk data: not a member of the extension (nightjar._storage_quality)';
        PERFORM nightjar._storage_guard_on('valid_record');
    END IF;
    IF to_regclass('nightjar.quarantine') IS NULL THEN
        -- Rejected records: one row per failed error-severity rule (a record failing three
        -- rules has three rows). The record itself stays in raw_record for audit and replay.
        CREATE TABLE nightjar.quarantine (
            quarantine_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source_id     bigint NOT NULL,
            batch_id      bigint NOT NULL,
            record_no     bigint NOT NULL,
            rule_id       bigint,  -- the rule that refused it; NULL once that rule is dropped (nightjar._rule_deleted)
            rule          text NOT NULL,
            field         text NOT NULL,
            value         text,
            message       text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX quarantine_batch_id_record_no_idx ON nightjar.quarantine (batch_id, record_no);
        COMMENT ON TABLE nightjar.quarantine IS 'records refused by validation: which rule, which field, which value, why. Bulk data: not a member of the extension (nightjar._storage_quality)';
        PERFORM nightjar._storage_guard_on('quarantine');
    END IF;
    IF to_regclass('nightjar.clean_record') IS NULL THEN
        -- Normalised records, keyed by their stable record identifier: a later batch's version
        -- of the same record replaces the earlier one (batch_id says which batch it came from).
        CREATE TABLE nightjar.clean_record (
            source_id  bigint NOT NULL,
            -- COLLATE "C": an identifier, compared byte by byte; the database collation
            -- made every comparison of the primary key (the upsert's probe and insert)
            -- go through strcoll.
            record_id  text COLLATE "C" NOT NULL,
            batch_id   bigint NOT NULL,
            record_no  bigint NOT NULL,
            payload    jsonb NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (source_id, record_id)
        );
        CREATE INDEX clean_record_batch_id_idx ON nightjar.clean_record (batch_id);
        COMMENT ON TABLE nightjar.clean_record IS 'normalised records, one per stable record id. Bulk data: not a member of the extension (nightjar._storage_quality)';
        PERFORM nightjar._storage_guard_on('clean_record');
    END IF;
END $$;
