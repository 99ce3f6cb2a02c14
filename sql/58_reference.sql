-- 58_reference.sql: versioned reference data (address base, company registry, postal
-- codes, administrative areas) with an atomic, validated switch of readers.
--
--   define_reference(name, validation)          declares a reference and its validation query
--   add_reference_version(name, version, rel)   registers a loaded snapshot (any table or view)
--   publish_reference(name, version)            switches readers to it if validation passes
--
-- Readers (enrichment steps, analysts, the webapp) read the view nightjar_ref.<name>,
-- never a snapshot. Publishing replaces that view in the caller's transaction: readers see
-- the old snapshot or the new one, never a mix, and a refused or failed publication leaves
-- the old one in place. The validation query is run against the candidate snapshot, named
-- by the placeholder {snapshot}; every row it returns is a problem (its first column,
-- as text, says which), so a passing snapshot returns no row:
--   SELECT 'postcode ' || postcode || ' is not 5 digits' FROM {snapshot} WHERE postcode !~ '^\d{5}$'
-- Besides, an empty snapshot is always refused. Snapshots themselves belong to whoever
-- loaded them (the runner stages them like any source); the schema nightjar_ref and its
-- views are created on first publication, outside the extension.

CREATE TABLE nightjar.reference (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    validation        text,          -- query over {snapshot}; each row returned is a problem
    description       text,
    published_version text,
    published_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.reference IS
    'reference data sets read through the view nightjar_ref.<name>, with the validation a new version must pass';
SELECT pg_catalog.pg_extension_config_dump('nightjar.reference', '');

CREATE TABLE nightjar.reference_version (
    name          text NOT NULL REFERENCES nightjar.reference (name) ON DELETE CASCADE,
    version       text NOT NULL CHECK (version <> ''),
    relation      text NOT NULL,  -- the snapshot (regclass text; not regclass: dump and upgrade safe)
    status        text NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'published', 'refused', 'superseded')),
    rows          bigint,         -- at the last check
    problems      jsonb,          -- of the last refused publication
    registered_at timestamptz NOT NULL DEFAULT now(),
    checked_at    timestamptz,
    PRIMARY KEY (name, version)
);
COMMENT ON TABLE nightjar.reference_version IS
    'snapshots of each reference data set; status published for the one nightjar_ref.<name> reads';
SELECT pg_catalog.pg_extension_config_dump('nightjar.reference_version', '');

-- define_reference declares (or redefines) a reference data set.
CREATE FUNCTION nightjar.define_reference(name text, validation text DEFAULT NULL, description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: reference name must match ^[a-z][a-z0-9_]{0,62}$, not %',
            coalesce(quote_literal(left(name, 64)), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF validation IS NOT NULL AND position('{snapshot}' IN validation) = 0 THEN
        RAISE EXCEPTION 'nightjar: reference "%": the validation query must name the snapshot as {snapshot}', nightjar._cut((name)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO nightjar.reference AS r (name, validation, description)
    VALUES (name, validation, description)
    ON CONFLICT ON CONSTRAINT reference_pkey DO UPDATE
        SET validation = EXCLUDED.validation, description = EXCLUDED.description;
END $$;
COMMENT ON FUNCTION nightjar.define_reference(text, text, text) IS
    'declares a reference data set and the validation query ({snapshot}: the candidate; each row returned is a '
    'problem) a version must pass before nightjar.publish_reference switches readers to it';

-- add_reference_version registers a loaded snapshot as a version of a reference.
CREATE FUNCTION nightjar.add_reference_version(name text, version text, relation regclass) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nightjar.reference r WHERE r.name = name) THEN
        RAISE EXCEPTION 'nightjar: no reference named %', coalesce(quote_literal(left(name, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'declare it with nightjar.define_reference(name, validation)';
    END IF;
    IF version IS NULL OR version = '' OR relation IS NULL THEN
        RAISE EXCEPTION 'nightjar: reference "%": a version needs a name and a relation', nightjar._cut((name)::text)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM nightjar.reference_version v WHERE v.name = name AND v.version = version) THEN
        RAISE EXCEPTION 'nightjar: reference "%" already has a version "%"', nightjar._cut((name)::text), left(version, 64)
            USING ERRCODE = 'unique_violation', HINT = 'a version is immutable: load a new one under a new name';
    END IF;
    INSERT INTO nightjar.reference_version (name, version, relation) VALUES (name, version, relation::text);
END $$;
COMMENT ON FUNCTION nightjar.add_reference_version(text, text, regclass) IS
    'registers a loaded snapshot (table or view) as a version of a reference data set; versions are immutable';

-- publish_reference validates a version and, if it passes, switches nightjar_ref.<name> to
-- it; otherwise the published version stays and the result says why.
CREATE FUNCTION nightjar.publish_reference(name text, version text) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    ref nightjar.reference;
    ver nightjar.reference_version;
    v_rel regclass;
    v_rows bigint;
    v_problems jsonb := '[]';
    v_view text;
    v_err text;
BEGIN
    SELECT * INTO ref FROM nightjar.reference r WHERE r.name = name FOR UPDATE;  -- one publisher at a time
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no reference named %', coalesce(quote_literal(left(name, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO ver FROM nightjar.reference_version v WHERE v.name = name AND v.version = version;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: reference "%" has no version %', nightjar._cut((name)::text), coalesce(quote_literal(left(version, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'register it with nightjar.add_reference_version';
    END IF;
    v_rel := to_regclass(ver.relation);
    IF v_rel IS NULL THEN
        v_problems := jsonb_build_array(format('snapshot %s does not exist any more', ver.relation));
    ELSE
        EXECUTE format('SELECT count(*) FROM %s', v_rel) INTO v_rows;
        IF v_rows = 0 THEN
            v_problems := jsonb_build_array('the snapshot is empty');
        ELSIF ref.validation IS NOT NULL THEN
            BEGIN  -- a subtransaction: a failing validation query refuses, it does not abort
                EXECUTE format('SELECT coalesce(jsonb_agg(s.x), ''[]'') FROM (SELECT (SELECT value FROM json_each_text(row_to_json(q)) '
                               'LIMIT 1) AS x FROM (%s) q LIMIT 100) s',
                               regexp_replace(replace(ref.validation, '{snapshot}', v_rel::text), ';\s*$', ''))
                INTO v_problems;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS v_err = MESSAGE_TEXT;
                v_problems := jsonb_build_array('the validation query failed: ' || v_err);
            END;
        END IF;
    END IF;
    IF jsonb_array_length(v_problems) > 0 THEN
        UPDATE nightjar.reference_version v SET status = 'refused', problems = v_problems, rows = v_rows, checked_at = now()
        WHERE v.name = name AND v.version = version;
        RETURN jsonb_build_object('published', false, 'reference', name, 'version', version,
                                  'current_version', ref.published_version, 'rows', v_rows, 'problems', v_problems,
                                  'reason', format('version %s of %s refused: %s problem(s), the first: %s; readers stay on %s',
                                                   version, name, jsonb_array_length(v_problems), v_problems ->> 0,
                                                   coalesce('version ' || ref.published_version, 'nothing')));
    END IF;
    -- Switch readers: the view is replaced in this transaction (CREATE OR REPLACE when the
    -- columns allow it, else DROP and CREATE; a view depending on it blocks the DROP, and
    -- the refusal says so).
    IF to_regnamespace('nightjar_ref') IS NULL THEN
        CREATE SCHEMA nightjar_ref;  -- not IF NOT EXISTS: no notice on every publication
    END IF;
    v_view := format('nightjar_ref.%I', name);
    BEGIN
        EXECUTE format('CREATE OR REPLACE VIEW %s AS SELECT * FROM %s', v_view, v_rel);
    EXCEPTION WHEN invalid_table_definition OR datatype_mismatch OR feature_not_supported THEN
        BEGIN
            EXECUTE format('DROP VIEW %s', v_view);
            EXECUTE format('CREATE VIEW %s AS SELECT * FROM %s', v_view, v_rel);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            GET STACKED DIAGNOSTICS v_err = MESSAGE_TEXT;
            UPDATE nightjar.reference_version v SET status = 'refused', rows = v_rows, checked_at = now(),
                problems = jsonb_build_array('columns changed and ' || v_err)
            WHERE v.name = name AND v.version = version;
            RETURN jsonb_build_object('published', false, 'reference', name, 'version', version,
                                      'current_version', ref.published_version, 'rows', v_rows,
                                      'problems', jsonb_build_array('columns changed and ' || v_err),
                                      'reason', 'its columns differ from the published version''s and ' || v_err);
        END;
    END;
    EXECUTE format('COMMENT ON VIEW %s IS %L', v_view,
                   format('reference %s, version %s (nightjar.publish_reference)', name, version));
    UPDATE nightjar.reference_version v SET status = 'superseded'
    WHERE v.name = name AND v.status = 'published' AND v.version <> version;
    UPDATE nightjar.reference_version v SET status = 'published', problems = NULL, rows = v_rows, checked_at = now()
    WHERE v.name = name AND v.version = version;
    UPDATE nightjar.reference r SET published_version = version, published_at = now() WHERE r.name = name;
    RETURN jsonb_build_object('published', true, 'reference', name, 'version', version,
                              'previous_version', ref.published_version, 'rows', v_rows, 'view', v_view);
END $$;
COMMENT ON FUNCTION nightjar.publish_reference(text, text) IS
    'validates a version of a reference (not empty; its validation query returns no row) and only then switches '
    'the view nightjar_ref.<name> to it in this transaction; a refusal keeps the published version and the '
    'result says why ({"published": false, "problems": [...], "reason": ...})';
