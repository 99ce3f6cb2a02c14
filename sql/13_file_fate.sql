-- 13_file_fate.sql: where a staged file goes once the database has judged it (issue 16),
-- and which archived files were deleted because they held an erased subject.
--
-- A source with archive = "keep" leaves its files in place at staging; a step (e.g. the
-- partner import) records a verdict with nightjar.set_file_verdict, and `nightjar archive`
-- moves the files whose destination nightjar.archive_destination knows (success/ or
-- failure/), recording where with nightjar.record_archive. `nightjar scrub` deletes the
-- files an erasure listed and records each deletion in nightjar.file_scrub.

CREATE TABLE nightjar.file_verdict (
    file_id    bigint PRIMARY KEY REFERENCES nightjar.file ON DELETE CASCADE,
    success    boolean NOT NULL,
    reason     text,
    decided_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.file_verdict IS
    'a step''s verdict on a staged file: success (archive to success/) or not (failure/), with the reason';

CREATE TABLE nightjar.file_scrub (
    scrub_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id     bigint NOT NULL REFERENCES nightjar.file ON DELETE CASCADE,
    location    text NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('deleted', 'absent', 'not_deletable')),
    scrubbed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.file_scrub IS
    'one row per stored copy of a file that `nightjar scrub` deleted (or found absent) because it held an erased subject';
CREATE INDEX ON nightjar.file_scrub (file_id);

SELECT pg_catalog.pg_extension_config_dump('nightjar.file_verdict', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.file_scrub', '');

-- set_file_verdict records whether a staged file succeeded (the last verdict wins).
CREATE FUNCTION nightjar.set_file_verdict(file_id bigint, success boolean, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF success IS NULL THEN
        RAISE EXCEPTION 'nightjar: set_file_verdict needs success true or false, not NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nightjar.file f WHERE f.file_id = set_file_verdict.file_id) THEN
        RAISE EXCEPTION 'nightjar: file % does not exist', coalesce(file_id::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO nightjar.file_verdict AS v (file_id, success, reason)
    VALUES (set_file_verdict.file_id, set_file_verdict.success, set_file_verdict.reason)
    ON CONFLICT ON CONSTRAINT file_verdict_pkey DO UPDATE
        SET success = EXCLUDED.success, reason = EXCLUDED.reason, decided_at = now();
END $$;

-- archive_destination says where a file goes: 'failure' when staging failed or a step said
-- so, 'success' when a step said so or (require_verdict false) the file was staged; NULL
-- while the verdict is pending, when the file is already archived, skipped or unknown.
CREATE FUNCTION nightjar.archive_destination(file_id bigint, require_verdict boolean DEFAULT false) RETURNS text
LANGUAGE sql STABLE STRICT AS $$
    SELECT CASE WHEN f.archive_location IS NOT NULL OR f.status = 'skipped' THEN NULL
                WHEN f.status = 'failed' THEN 'failure'
                WHEN v.success IS NOT NULL THEN CASE WHEN v.success THEN 'success' ELSE 'failure' END
                WHEN NOT require_verdict THEN 'success' END
    FROM nightjar.file f LEFT JOIN nightjar.file_verdict v USING (file_id)
    WHERE f.file_id = archive_destination.file_id
$$;

-- files_to_archive lists a source's files still in place whose destination is known, with
-- the processing date their archived name carries.
CREATE FUNCTION nightjar.files_to_archive(source text, require_verdict boolean DEFAULT false)
RETURNS TABLE (file_id bigint, location text, name text, destination text, processed text)
LANGUAGE sql STABLE AS $$
    SELECT f.file_id, f.location, f.name, nightjar.archive_destination(f.file_id, require_verdict),
           to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
    FROM nightjar.file f JOIN nightjar.source s ON s.source_id = f.source_id
    WHERE s.name = files_to_archive.source
      AND nightjar.archive_destination(f.file_id, require_verdict) IS NOT NULL
    ORDER BY f.file_id
$$;

-- scrub_targets turns an erasure's or a step's result into the stored copies to delete:
-- the "file_id" of each entry of a top-level "files" array (erase_subject's result), the
-- file_ids given (`nightjar scrub <id>…`), and the locations listed in any "files_to_scrub" array
-- (matched to files by location or archive location). Other file ids (a step's per-file
-- results) are not read. A copy already scrubbed is not listed again.
CREATE FUNCTION nightjar.scrub_targets(result jsonb, file_ids bigint[] DEFAULT '{}')
RETURNS TABLE (file_id bigint, source text, kind text, location text)
LANGUAGE sql STABLE STRICT AS $$
    WITH ids AS (
        SELECT (v #>> '{}')::bigint AS file_id FROM jsonb_path_query(result, 'lax $.files[*].file_id') v
        WHERE jsonb_typeof(v) = 'number'
        UNION
        SELECT unnest(file_ids)
        UNION
        SELECT f.file_id FROM jsonb_path_query(result, 'lax $.**.files_to_scrub[*]') l
        JOIN nightjar.file f ON l #>> '{}' IN (f.location, f.archive_location)
        WHERE jsonb_typeof(l) = 'string')
    SELECT f.file_id, s.name, s.kind, coalesce(f.archive_location, f.location)
    FROM ids JOIN nightjar.file f USING (file_id) JOIN nightjar.source s ON s.source_id = f.source_id
    WHERE NOT EXISTS (SELECT 1 FROM nightjar.file_scrub x
                      WHERE x.file_id = f.file_id AND x.location = coalesce(f.archive_location, f.location))
    ORDER BY f.file_id
$$;

-- record_scrub records what `nightjar scrub` did with one stored copy of a file.
CREATE FUNCTION nightjar.record_scrub(file_id bigint, location text, outcome text) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO nightjar.file_scrub (file_id, location, outcome)
    VALUES (record_scrub.file_id, record_scrub.location, record_scrub.outcome)
    RETURNING scrub_id
$$;
