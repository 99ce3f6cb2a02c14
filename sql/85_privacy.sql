-- 85_privacy.sql: erasing a subject (GDPR), declared rather than guessed (docs/privacy.md).
--
-- Declarations: each source names the payload fields that identify a subject of a kind
-- (key fields: an id, an e-mail) and the other personal fields its records carry
-- (nightjar.declare_subject); each application table names its key columns
-- (nightjar.declare_subject_table). nightjar.erase_subject(kind, key) then
--   1. collects the identifying values: the key, then the key-field values of every
--      record and row it matches (so a subject found by id is also found by e-mail), one
--      closure pass;
--   2. removes the matched records from raw_record, valid_record, clean_record and
--      quarantine (joined on batch and record number, the records' lineage), the
--      declared tables' rows, the notifications naming an identifying or personal value,
--      and the consolidation rows of the erased records (memberships, pairs, events,
--      suggestions, links; golden fields that came from them are removed and the golden
--      record is marked stale for the next consolidate run);
--   3. lists the files that held the records (for the runner or a person: a file also
--      holds other subjects, SQL does not rewrite it);
--   4. leaves a tombstone per identifying value: a salted SHA-256, never the value, with
--      the checksums of the files those records came from, so that nightjar.drop_erased
--      drops the subject from a replayed file and reports it in a new one;
--   5. writes an audit row: kind, tables and counts, files, who and when — no value.
-- dry_run => true returns the same plan with the counts and changes nothing.

CREATE TABLE nightjar.subject_field (
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    source_id       bigint REFERENCES nightjar.source ON DELETE CASCADE,
    table_oid       regclass,
    key_fields      text[] NOT NULL CHECK (cardinality(key_fields) > 0),
    personal_fields text[] NOT NULL DEFAULT '{}',
    declared_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((source_id IS NULL) <> (table_oid IS NULL))
);
CREATE UNIQUE INDEX subject_field_source_idx ON nightjar.subject_field (kind, source_id) WHERE source_id IS NOT NULL;
CREATE UNIQUE INDEX subject_field_table_idx ON nightjar.subject_field (kind, table_oid) WHERE table_oid IS NOT NULL;
COMMENT ON TABLE nightjar.subject_field IS
    'which fields of a source''s records (or columns of an application table) identify a subject of a kind, '
    'and which other fields are personal; nightjar.erase_subject plans from it';
SELECT pg_catalog.pg_extension_config_dump('nightjar.subject_field', '');

-- The salt of the tombstones' hashes: secret, dumped with the catalog (a restored
-- warehouse must hash as before, or its tombstones would stop matching). Drawn at the
-- first erasure, not by CREATE EXTENSION: a restore then finds no row in the way of the
-- dumped one.
CREATE TABLE nightjar.privacy_salt (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    salt     text NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
REVOKE ALL ON nightjar.privacy_salt FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('nightjar.privacy_salt', '');

-- _privacy_salt_ensure draws the salt if there is none yet.
CREATE FUNCTION nightjar._privacy_salt_ensure() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO nightjar.privacy_salt DEFAULT VALUES ON CONFLICT DO NOTHING;
$$;
REVOKE EXECUTE ON FUNCTION nightjar._privacy_salt_ensure() FROM PUBLIC;

CREATE TABLE nightjar.erased_subject (
    kind            text NOT NULL,
    subject_hash    text NOT NULL,
    erasure_id      bigint NOT NULL,
    file_checksums  text[] NOT NULL DEFAULT '{}',  -- files processed before the erasure that held it
    erased_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, subject_hash)
);
COMMENT ON TABLE nightjar.erased_subject IS
    'tombstones: salted SHA-256 of each identifying value of an erased subject (never the value) and the '
    'checksums of the files that held it; nightjar.drop_erased keeps replays from bringing it back';
SELECT pg_catalog.pg_extension_config_dump('nightjar.erased_subject', '');

CREATE TABLE nightjar.erasure_log (
    erasure_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL,
    tables      jsonb NOT NULL,   -- [{"table", "what", "rows"}]
    files       integer NOT NULL,
    values      integer NOT NULL, -- how many identifying values were tombstoned
    erased_by   text NOT NULL DEFAULT session_user,
    role        text NOT NULL DEFAULT current_user,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    reason      text
);
COMMENT ON TABLE nightjar.erasure_log IS
    'audit of nightjar.erase_subject: kind, tables and row counts, files, who and when — never the data';
SELECT pg_catalog.pg_extension_config_dump('nightjar.erasure_log', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.erasure_log_erasure_id_seq', '');

-- subject_hash is the salted hash a tombstone keeps for one identifying value.
CREATE FUNCTION nightjar.subject_hash(kind text, value text) RETURNS text
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to((SELECT s.salt FROM nightjar.privacy_salt s) || ':' || kind || ':'
                                    || lower(btrim(value)), 'UTF8')), 'hex');
$$;
-- Hashing with the secret salt is for the erasure's own code and the admins: a role that
-- could hash any value could test guesses against the tombstones.
REVOKE EXECUTE ON FUNCTION nightjar.subject_hash(text, text) FROM PUBLIC;
COMMENT ON FUNCTION nightjar.subject_hash(text, text) IS
    'salted SHA-256 (hex) of an identifying value, trimmed and lower-cased; what a tombstone keeps '
    '(NULL before the first erasure drew the salt)';

-- _privacy_fields checks a list of field or column names.
CREATE FUNCTION nightjar._privacy_fields(p_fields text[], p_what text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_fields IS NULL OR EXISTS (SELECT 1 FROM unnest(p_fields) f WHERE f IS NULL OR btrim(f) = '') THEN
        RAISE EXCEPTION 'nightjar: % must be a list of field names without NULL or empty names', nightjar._cut((p_what)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_fields;
END $$;

-- declare_subject declares which payload fields of a source's records identify a subject of kind.
CREATE FUNCTION nightjar.declare_subject(kind text, source text, key_fields text[],
                                         personal_fields text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_source_id bigint := (SELECT s.source_id FROM nightjar.source s WHERE s.name = declare_subject.source);
BEGIN
    IF kind IS NULL OR kind !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: subject kind must match ^[a-z][a-z0-9_]{0,62}$, not %',
                        coalesce(left(quote_literal(kind), 64), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_source_id IS NULL THEN
        RAISE EXCEPTION 'nightjar: source % does not exist', coalesce(left(quote_literal(source), 64), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(nightjar._privacy_fields(key_fields, 'key_fields')) = 0 THEN
        RAISE EXCEPTION 'nightjar: key_fields must name at least one field' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM nightjar.subject_field f WHERE f.kind = declare_subject.kind AND f.source_id = v_source_id;
    INSERT INTO nightjar.subject_field (kind, source_id, key_fields, personal_fields)
    VALUES (kind, v_source_id, key_fields, nightjar._privacy_fields(coalesce(personal_fields, '{}'), 'personal_fields'));
END $$;
COMMENT ON FUNCTION nightjar.declare_subject(text, text, text[], text[]) IS
    'declares the payload fields of source''s records that identify a subject of kind (key_fields) and the '
    'other personal fields they carry; replaces the previous declaration';

-- declare_subject_table declares the key columns of an application table holding subjects' rows.
CREATE FUNCTION nightjar.declare_subject_table(kind text, tbl regclass, key_columns text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF kind IS NULL OR kind !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: subject kind must match ^[a-z][a-z0-9_]{0,62}$, not %',
                        coalesce(left(quote_literal(kind), 64), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(nightjar._privacy_fields(key_columns, 'key_columns')) = 0 THEN
        RAISE EXCEPTION 'nightjar: key_columns must name at least one column' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._hk_column(tbl, c, 'key_columns') FROM unnest(key_columns) c;
    DELETE FROM nightjar.subject_field f WHERE f.kind = declare_subject_table.kind AND f.table_oid = tbl;
    INSERT INTO nightjar.subject_field (kind, table_oid, key_fields) VALUES (kind, tbl, key_columns);
END $$;
COMMENT ON FUNCTION nightjar.declare_subject_table(text, regclass, text[]) IS
    'declares an application table whose rows belong to a subject of kind when one of key_columns holds '
    'an identifying value; erase_subject deletes them';

-- _erase_count runs DELETE (or, dry, SELECT count) over p_rel with condition p_cond and
-- appends a plan entry when rows are concerned.
CREATE FUNCTION nightjar._erase_count(p_rel regclass, p_cond text, p_what text, p_dry boolean,
                                      INOUT p_plan jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_n bigint;
BEGIN
    IF p_rel IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format(CASE WHEN p_dry THEN 'SELECT count(*) FROM %s t WHERE %s'
                        ELSE 'WITH d AS (DELETE FROM %s t WHERE %s RETURNING 1) SELECT count(*) FROM d' END,
                   p_rel, p_cond) INTO v_n;
    IF v_n > 0 THEN
        p_plan := p_plan || jsonb_build_array(jsonb_build_object('table', p_rel::text, 'what', p_what, 'rows', v_n));
    END IF;
END $$;
