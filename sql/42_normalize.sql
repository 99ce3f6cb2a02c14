-- 42_normalize.sql: the normalisation step and the analyst transform functions.
--
-- Rules are defined per source as a whole (define_normalization_rules), compiled in C++ when
-- defined (nightjar._check_normalization) and again per batch; normalize_batch streams the
-- batch's valid_record rows through them in C++ (nightjar._normalize_records) and upserts
-- clean_record by (source_id, record_id). Nothing from a rule is concatenated into SQL.
-- The transform functions call the same C++ code as the rules, so an analyst's
-- nightjar.clean_siret(x) is exactly what a {"function": "clean_siret"} rule stores.

CREATE FUNCTION nightjar._check_normalization(rules jsonb, fields text[], source text)
RETURNS void LANGUAGE C AS 'MODULE_PATHNAME', 'nightjar_check_normalization';

CREATE FUNCTION nightjar._normalize_records(batch_id bigint, source_id bigint, source text, rules jsonb)
RETURNS jsonb LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_normalize_records';

-- define_normalization_rules replaces the normalisation rules of a source; returns their number.
CREATE FUNCTION nightjar.define_normalization_rules(source text, rules jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_source_id bigint := nightjar._source_id(source);
BEGIN
    IF rules IS NULL OR jsonb_typeof(rules) <> 'array' THEN
        RAISE EXCEPTION 'nightjar: normalisation rules of source "%" must be a JSON array of rule objects, not %',
            nightjar._cut((source)::text), nightjar._cut((coalesce(jsonb_typeof(rules), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._check_normalization(rules, (SELECT s.fields FROM nightjar.source_schema s
                                                  WHERE s.source_id = v_source_id), source);
    DELETE FROM nightjar.normalization_rule r WHERE r.source_id = v_source_id;
    INSERT INTO nightjar.normalization_rule (source_id, position, kind, params)
    SELECT v_source_id, e.position, e.rule ->> 'kind', e.rule - 'kind'
    FROM jsonb_array_elements(rules) WITH ORDINALITY AS e(rule, position);
    RETURN jsonb_array_length(rules);
END $$;
COMMENT ON FUNCTION nightjar.define_normalization_rules(text, jsonb) IS
    'checks (C++ compile) and replaces the normalisation rules of a source; returns their number';

-- Alias: the 0.1 name, kept for existing callers (docs/rules.md, "Names").
CREATE FUNCTION nightjar.define_normalization(source text, rules jsonb) RETURNS integer
LANGUAGE sql AS $$ SELECT nightjar.define_normalization_rules(source, rules) $$;
COMMENT ON FUNCTION nightjar.define_normalization(text, jsonb) IS
    'alias of nightjar.define_normalization_rules (its 0.1 name)';

-- normalization_rules returns a source's rules as the JSON array define_normalization_rules took.
CREATE FUNCTION nightjar.normalization_rules(source text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_agg(jsonb_build_object('kind', r.kind) || r.params ORDER BY r.position)
    FROM nightjar.normalization_rule r WHERE r.source_id = nightjar._source_id(source)
$$;

-- _normalization_rules_of returns a source's normalisation rules (as normalization_rules
-- does), or raises 22023 saying how to define them.
CREATE FUNCTION nightjar._normalization_rules_of(p_source nightjar.source) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_rules jsonb := nightjar.normalization_rules(p_source.name);
BEGIN
    IF v_rules IS NULL THEN
        RAISE EXCEPTION 'nightjar: source "%" has no normalisation rules', p_source.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('call nightjar.define_normalization_rules(%L, rules) first', p_source.name);
    END IF;
    RETURN v_rules;
END $$;

-- _lock_clean_rows waits until no other transaction writes source p_source_id's clean
-- rows: rows whose id the source has not written yet are inserted without ON CONFLICT
-- (batch_normalization.hpp), which two writers of the same ids at once would turn into a
-- unique violation.
CREATE FUNCTION nightjar._lock_clean_rows(p_source_id bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtext('nightjar.clean_record'), hashtext(p_source_id::text))
$$;

-- normalize_batch normalises one batch's valid records into clean_record. It emits nothing
-- (the step protocol): its result carries the payload a dispatcher passes on.
CREATE FUNCTION nightjar.normalize_batch(batch_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_batch_id bigint := normalize_batch.batch_id;
    v_source nightjar.source;
    v_rules jsonb;
    v_result jsonb;
BEGIN
    PERFORM nightjar.ensure_storage();  -- the bulk tables are not the extension's (06_storage.sql)
    v_source := nightjar._batch_source(v_batch_id);
    v_rules := nightjar._normalization_rules_of(v_source);
    PERFORM nightjar._lock_clean_rows(v_source.source_id);  -- one normalisation of a source at a time
    -- Idempotent: a retry replaces what an earlier run of this batch wrote.
    DELETE FROM nightjar.clean_record c WHERE c.source_id = v_source.source_id AND c.batch_id = v_batch_id;
    v_result := nightjar._normalize_records(v_batch_id, v_source.source_id, v_source.name, v_rules);
    RETURN v_result || jsonb_build_object('payload', jsonb_build_object('batch_id', v_batch_id, 'source', v_source.name,
                                                                       'source_id', v_source.source_id));
END $$;
COMMENT ON FUNCTION nightjar.normalize_batch(bigint) IS
    'normalises a batch''s valid records with its source''s rules (C++) into nightjar.clean_record; '
    'emits nothing; returns rows_in, rows_out, counts (<transform>_nulled, no_id, duplicate_ids) and the payload '
    'a step declared with emits => ''batch.normalized'' passes on';

-- normalize_step is normalize_batch as a pipeline step: fn(event payload jsonb) → jsonb.
-- Declare it with emits => 'batch.normalized' (docs/events.md).
CREATE FUNCTION nightjar.normalize_step(event jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT nightjar.normalize_batch(nightjar._event_batch_id(event, 'normalize_step'))
$$;

-- Analyst functions: the rule transforms one value at a time (NULL when unusable).
CREATE FUNCTION nightjar.unaccent(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_unaccent';
CREATE FUNCTION nightjar.collapse_spaces(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_collapse_spaces';
CREATE FUNCTION nightjar.clean_phone(value text, default_country text DEFAULT 'FR') RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_phone';
CREATE FUNCTION nightjar.clean_email(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_email';
CREATE FUNCTION nightjar.clean_url(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_url';
CREATE FUNCTION nightjar.clean_siren(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_siren';
CREATE FUNCTION nightjar.clean_siret(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_siret';
CREATE FUNCTION nightjar.clean_postcode(value text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_clean_postcode';
CREATE FUNCTION nightjar.parse_decimal_fr(value text) RETURNS numeric
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_parse_decimal_fr';
CREATE FUNCTION nightjar.parse_date_fr(value text) RETURNS date
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_parse_date_fr';
CREATE FUNCTION nightjar.split_address(value text, OUT street text, OUT postcode text, OUT city text)
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_split_address';
CREATE FUNCTION nightjar._point_text(lat text, lon text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_point_text';
CREATE FUNCTION nightjar.make_point(lat text, lon text) RETURNS point
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT nightjar._point_text(lat, lon)::point $$;
CREATE FUNCTION nightjar.record_key(source_code text, id text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_record_key';
CREATE FUNCTION nightjar.transform(name text, value text, params jsonb DEFAULT '{}') RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_transform';
COMMENT ON FUNCTION nightjar.transform(text, text, jsonb) IS
    'applies the named normalisation transform (trim, lower, upper, unaccent, collapse_spaces, clean_phone, '
    'clean_email, clean_url, clean_siren, clean_siret, clean_postcode, parse_decimal_fr, parse_date_fr, map) '
    'to one value; NULL when the value is unusable';
