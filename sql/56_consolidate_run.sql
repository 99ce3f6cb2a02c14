-- 56_consolidate_run.sql: nightjar.consolidate(resolution) and its step.
--
-- One run, in one transaction, after nightjar.resolve:
--   1. read every record of the resolution's inputs (fields renamed as in the
--      resolution's "columns", the key column left out) and hash it;
--   2. number the records — tonight's (nightjar.entity_member) and last run's
--      (nightjar.entity_record) — in (source, key) order;
--   3. C++ (nightjar._stable_ids): apply the reviewers' must/cannot links to tonight's
--      clusters, then map them onto the active entities (core/consolidate/stable_ids.hpp);
--   4. write entities (fresh ids from the identity sequence), their records and events;
--      corrections of an absorbed entity move to its survivor (unless it has its own);
--   5. recompute the golden record and provenance of every entity whose records changed
--      (membership or content), whose correction was removed, or of all of them when the
--      survivorship config changed — C++ survivorship per entity, custom rules by their
--      SQL function;
--   6. turn review-band pairs (match_pair.status = 'review') between two entities into
--      merge suggestions, unless the pair was decided already; suggestions whose records
--      now share an entity become obsolete; a merge or split touching an entity someone
--      corrected becomes a suggestion to undo it;
--   7. ANALYZE the tables it changed by more than a fifth (nightjar._analyze_changed), so
--      that the next run is not planned on an empty table's statistics.
-- Returns the step protocol's jsonb.

-- _consolidate_fields returns a record's fields: its row as jsonb without the key column,
-- with columns renamed to their field names as `columns` maps them (field -> column), and
-- a geo field mapped to two columns ({"lat": column, "lon": column}) as one value
-- {"lat": …, "lon": …} (NULL when both are), so that survivorship takes a position whole.
CREATE FUNCTION nightjar._consolidate_fields(row_json jsonb, key_column text, columns jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (row_json - key_column - coalesce(array_agg(c.col) FILTER (WHERE c.col IS NOT NULL), '{}'))
           || coalesce((SELECT jsonb_object_agg(m.field, CASE
                            WHEN jsonb_typeof(m.map) = 'string' THEN row_json -> (m.map #>> '{}')
                            WHEN row_json -> (m.map ->> 'lat') IS NULL AND row_json -> (m.map ->> 'lon') IS NULL THEN NULL
                            WHEN jsonb_typeof(row_json -> (m.map ->> 'lat')) = 'null'
                                 AND jsonb_typeof(row_json -> (m.map ->> 'lon')) = 'null' THEN 'null'::jsonb
                            ELSE jsonb_build_object('lat', row_json -> (m.map ->> 'lat'), 'lon', row_json -> (m.map ->> 'lon'))
                            END)
                        FROM jsonb_each(coalesce(columns, '{}')) AS m(field, map)
                        WHERE jsonb_typeof(m.map) = 'string' OR jsonb_typeof(m.map) = 'object'), '{}')
    FROM jsonb_each(coalesce(columns, '{}')) AS e(field, map),
         LATERAL (SELECT e.map #>> '{}' AS col WHERE jsonb_typeof(e.map) = 'string'
                  UNION ALL SELECT e.map ->> 'lat' WHERE jsonb_typeof(e.map) = 'object'
                  UNION ALL SELECT e.map ->> 'lon' WHERE jsonb_typeof(e.map) = 'object') AS c
$$;

-- _consolidate_columns returns how one input's columns map to golden fields: the
-- resolution's "columns", geo fields' default lat/lon columns when the input has them, and
-- the consolidation's own extra mapping for that source (nightjar.consolidation.columns).
CREATE FUNCTION nightjar._consolidate_columns(p_input jsonb, p_fields jsonb, p_extra jsonb, p_rel regclass) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT jsonb_object_agg(f ->> 'name', jsonb_build_object('lat', f ->> 'lat', 'lon', f ->> 'lon'))
                     FROM jsonb_array_elements(coalesce(p_fields, '[]')) AS f
                     WHERE f ->> 'kind' = 'geo' AND NOT coalesce(p_input -> 'columns', '{}') ? (f ->> 'name')
                       AND nightjar._resolution_column(p_rel, f ->> 'lat') IS NOT NULL
                       AND nightjar._resolution_column(p_rel, f ->> 'lon') IS NOT NULL), '{}')
           || coalesce(p_input -> 'columns', '{}')
           || coalesce(p_extra -> (p_input ->> 'source'), '{}')
$$;

-- _consolidate_fields_expr returns the SQL expression that computes, for a row t of p_rel,
-- what nightjar._consolidate_fields(to_jsonb(t), key, columns) computes — written out once
-- per input rather than evaluated per row (the function's aggregates over jsonb_each cost
-- more than the rest of the read). Mapped columns the relation lacks are left out.
CREATE FUNCTION nightjar._consolidate_fields_expr(p_key text, p_columns jsonb, p_rel regclass) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_drop text[] := ARRAY[p_key];
    v_pairs text[] := '{}';
    m record;
    v_parts text[] := '{}';
BEGIN
    FOR m IN SELECT e.key AS field, e.value AS map FROM jsonb_each(coalesce(p_columns, '{}')) AS e ORDER BY e.key LOOP
        IF jsonb_typeof(m.map) = 'string' THEN
            v_drop := v_drop || (m.map #>> '{}');
            IF nightjar._resolution_column(p_rel, m.map #>> '{}') IS NOT NULL THEN
                v_pairs := v_pairs || format('%L::text, to_jsonb(t.%I)', m.field, m.map #>> '{}');
            END IF;
        ELSIF jsonb_typeof(m.map) = 'object' THEN
            v_drop := v_drop || (m.map ->> 'lat') || (m.map ->> 'lon');
            IF nightjar._resolution_column(p_rel, m.map ->> 'lat') IS NOT NULL
               AND nightjar._resolution_column(p_rel, m.map ->> 'lon') IS NOT NULL THEN
                v_pairs := v_pairs || format('%L::text, CASE WHEN t.%I IS NULL AND t.%I IS NULL THEN ''null''::jsonb '
                                             'ELSE jsonb_build_object(''lat'', t.%I, ''lon'', t.%I) END',
                                             m.field, m.map ->> 'lat', m.map ->> 'lon', m.map ->> 'lat', m.map ->> 'lon');
            END IF;
        END IF;
    END LOOP;
    -- jsonb_build_object takes at most 100 arguments: 40 fields per call.
    FOR i IN 0 .. (coalesce(array_length(v_pairs, 1), 0) - 1) / 40 LOOP
        v_parts := v_parts || format('jsonb_build_object(%s)', array_to_string(v_pairs[i * 40 + 1 : i * 40 + 40], ', '));
    END LOOP;
    RETURN format('(to_jsonb(t) - %L::text[])', v_drop) || coalesce(' || ' || array_to_string(v_parts, ' || '), '');
END $$;

-- _consolidate_read_inputs fills pg_temp._nj_payload with every record of the resolution's
-- inputs, each with a hash of its fields and age.
CREATE FUNCTION nightjar._consolidate_read_inputs(p_config jsonb, p_updated_at_column text, p_extra jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_input jsonb;
    v_rel regclass;
    v_age text;
    v_n bigint;
    v_total bigint := 0;
BEGIN
    FOR v_input IN SELECT e FROM jsonb_array_elements(p_config -> 'inputs') AS e LOOP
        v_rel := to_regclass(v_input ->> 'relation');
        IF v_rel IS NULL THEN
            RAISE EXCEPTION 'nightjar: consolidate: input "%": relation "%" does not exist',
                left(v_input ->> 'source', 64), left(v_input ->> 'relation', 64) USING ERRCODE = 'undefined_table';
        END IF;
        v_age := 'NULL::float8';
        IF p_updated_at_column IS NOT NULL AND nightjar._resolution_column(v_rel, p_updated_at_column) IS NOT NULL THEN
            v_age := format('extract(epoch FROM t.%I::timestamptz)::float8', p_updated_at_column);
        END IF;
        EXECUTE format('INSERT INTO pg_temp._nj_payload (source, key, updated_at, fields, digest) '
                       'SELECT s, k, a, f, hashtextextended(f::text || ''|'' || coalesce(a::text, ''''), 0) '
                       'FROM (SELECT %L::text AS s, t.%I::text AS k, %s AS a, %s AS f FROM %s t) x',
                       v_input ->> 'source', v_input ->> 'key', v_age,
                       nightjar._consolidate_fields_expr(v_input ->> 'key',
                           nightjar._consolidate_columns(v_input, p_config -> 'fields', p_extra, v_rel), v_rel),
                       v_rel);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_total := v_total + v_n;
    END LOOP;
    RETURN v_total;
END $$;

-- _consolidate_golden recomputes the golden records and provenance of entities p_entities
-- from the records in pg_temp._nj_payload; returns how many it wrote.
CREATE FUNCTION nightjar._consolidate_golden(p_resolution text, p_survivorship jsonb, p_entities bigint[]) RETURNS bigint
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    c record;
    v_value jsonb;
    v_n bigint;
BEGIN
    DROP TABLE IF EXISTS pg_temp._nj_golden;
    CREATE TEMP TABLE _nj_golden ON COMMIT DROP AS
    WITH recs AS (
        SELECT er.entity_id,
               jsonb_agg(jsonb_build_object('source', p.source, 'key', p.key, 'updated_at', p.updated_at,
                                            'fields', p.fields) ORDER BY p.source COLLATE "C", p.key COLLATE "C") AS records
        FROM nightjar.entity_record er JOIN pg_temp._nj_payload p ON p.source = er.source AND p.key = er.key
        WHERE er.resolution = p_resolution AND er.entity_id = ANY (p_entities)
        GROUP BY er.entity_id
    ), corr AS (
        SELECT ec.entity_id, jsonb_object_agg(ec.field, ec.value) AS fields
        FROM nightjar.entity_correction ec WHERE ec.entity_id = ANY (p_entities) GROUP BY ec.entity_id
    )
    SELECT r.entity_id, nightjar._golden_record(p_survivorship, r.records, coalesce(corr.fields, '{}')) AS g
    FROM recs r LEFT JOIN corr USING (entity_id);

    -- Custom rules: the SQL function chooses among the candidates; provenance names the
    -- first candidate holding the chosen value (none: the function made the value up).
    FOR c IN
        SELECT gd.entity_id, p.ordinality AS pos, p.value AS prov, f.fn
        FROM pg_temp._nj_golden gd, jsonb_array_elements(gd.g -> 'provenance') WITH ORDINALITY AS p
        JOIN nightjar._survivorship_functions(p_survivorship) AS f ON true
        WHERE p.value ->> 'rule' = 'custom'
          AND f.fn = to_regprocedure((p.value ->> 'function') || '(jsonb)')
    LOOP
        EXECUTE format('SELECT %s($1)', c.fn::regproc) INTO v_value USING coalesce(c.prov -> 'candidates', '[]');
        IF v_value IS NULL THEN
            CONTINUE;  -- the core's fallback (the first candidate) stays
        END IF;
        UPDATE pg_temp._nj_golden gd
        SET g = jsonb_set(jsonb_set(gd.g, ARRAY['fields', c.prov ->> 'field'], v_value),
                          ARRAY['provenance', (c.pos - 1)::text],
                          jsonb_build_object('field', c.prov ->> 'field', 'rule', 'custom')
                          || coalesce((SELECT jsonb_build_object('source', k -> 'source', 'key', k -> 'key')
                                       FROM jsonb_array_elements(c.prov -> 'candidates') AS k
                                       WHERE k -> 'value' = v_value LIMIT 1),
                                      '{"source": null, "key": null}'))
        WHERE gd.entity_id = c.entity_id;
    END LOOP;

    DELETE FROM nightjar.golden_record g WHERE g.entity_id = ANY (p_entities);
    DELETE FROM nightjar.entity_field_source s WHERE s.entity_id = ANY (p_entities);
    INSERT INTO nightjar.golden_record (entity_id, resolution, parent_source, parent_key, fields)
    SELECT gd.entity_id, p_resolution, gd.g -> 'parent' ->> 'source', gd.g -> 'parent' ->> 'key', gd.g -> 'fields'
    FROM pg_temp._nj_golden gd;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    INSERT INTO nightjar.entity_field_source (entity_id, field, source, key, rule)
    SELECT gd.entity_id, p.value ->> 'field', p.value ->> 'source', p.value ->> 'key', p.value ->> 'rule'
    FROM pg_temp._nj_golden gd, jsonb_array_elements(gd.g -> 'provenance') AS p;
    RETURN v_n;
END $$;

-- consolidate keeps the stable entities, golden records and suggestions of a resolution
-- up to date with its last nightjar.resolve; returns the step protocol's jsonb.
CREATE FUNCTION nightjar.consolidate(resolution text) RETURNS jsonb
LANGUAGE plpgsql SET client_min_messages = warning AS $$  -- quiet: DROP TABLE IF EXISTS of the scratch tables
#variable_conflict use_column
DECLARE
    v_name text := consolidate.resolution;
    r nightjar.resolution;
    v_cons nightjar.consolidation;
    v_survivorship jsonb;
    v_config_changed boolean;
    v_records bigint;
    v_prior_ids bigint[];
    v_prior_created bigint[];
    v_rec_prior bigint[];
    v_rec_cluster bigint[];
    v_must_a bigint[];
    v_must_b bigint[];
    v_cannot_a bigint[];
    v_cannot_b bigint[];
    v_ids jsonb;
    v_seq text;
    v_recompute bigint[];
    v_golden bigint;
    v_content_changed bigint;
    v_sugg_new bigint;
    v_sugg_obsolete bigint;
    v_sugg_touched bigint;
    v_active bigint;
    v_counts jsonb;
    v_t0 timestamptz := clock_timestamp();
    v_step timestamptz := clock_timestamp();
    v_times jsonb := '{}';
BEGIN
    PERFORM nightjar.ensure_storage();
    -- FOR UPDATE: a consolidation waits for a running resolve of the same resolution (and
    -- the other way round), and two consolidations of one resolution run one after the other.
    SELECT * INTO r FROM nightjar.resolution x WHERE x.name = v_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no resolution named %', coalesce(quote_literal(left(v_name, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'define it with nightjar.define_resolution(name, config)';
    END IF;
    IF r.resolved_at IS NULL THEN
        RAISE EXCEPTION 'nightjar: resolution "%" has not been resolved yet', v_name
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'run nightjar.resolve(''' || v_name || ''') first';
    END IF;
    SELECT * INTO v_cons FROM nightjar.consolidation c WHERE c.resolution = v_name;
    v_survivorship := coalesce(v_cons.survivorship, '{}');
    v_config_changed := v_cons.resolution IS NOT NULL
                        AND (v_cons.consolidated_at IS NULL OR v_cons.updated_at > v_cons.consolidated_at);

    -- 1. Every record's fields, hashed.
    DROP TABLE IF EXISTS pg_temp._nj_payload;
    CREATE TEMP TABLE _nj_payload (source text, key text, updated_at float8, fields jsonb, digest bigint,
                                   PRIMARY KEY (source, key)) ON COMMIT DROP;
    PERFORM nightjar._consolidate_read_inputs(r.config, v_cons.updated_at_column, v_cons.columns);
    ANALYZE pg_temp._nj_payload;

    v_times := v_times || jsonb_build_object('read_inputs', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();
    -- 2. Tonight's and last run's records, numbered in (source, key) order.
    DROP TABLE IF EXISTS pg_temp._nj_rec;
    CREATE TEMP TABLE _nj_rec ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY x.source COLLATE "C", x.key COLLATE "C") - 1) AS idx, x.*
    FROM (SELECT coalesce(m.source, er.source) AS source, coalesce(m.key, er.key) AS key,
                 er.entity_id AS prior, m.entity_id AS cluster, er.digest AS prior_digest
          FROM (SELECT * FROM nightjar.entity_member em WHERE em.resolution = v_name) m
          FULL JOIN (SELECT * FROM nightjar.entity_record e WHERE e.resolution = v_name) er
            ON er.source = m.source AND er.key = m.key) x;
    CREATE INDEX ON pg_temp._nj_rec (source, key);
    ANALYZE pg_temp._nj_rec;
    SELECT count(*) FILTER (WHERE cluster IS NOT NULL), array_agg(prior ORDER BY idx), array_agg(cluster ORDER BY idx)
    INTO v_records, v_rec_prior, v_rec_cluster FROM pg_temp._nj_rec;
    SELECT coalesce(array_agg(e.entity_id ORDER BY e.entity_id), '{}'),
           coalesce(array_agg((extract(epoch FROM e.created_at) * 1e6)::bigint ORDER BY e.entity_id), '{}')
    INTO v_prior_ids, v_prior_created
    FROM nightjar.entity e WHERE e.resolution = v_name AND e.status = 'active';
    SELECT coalesce(array_agg(ra.idx ORDER BY lc.decided_at) FILTER (WHERE lc.kind = 'must_link'), '{}'),
           coalesce(array_agg(rb.idx ORDER BY lc.decided_at) FILTER (WHERE lc.kind = 'must_link'), '{}'),
           coalesce(array_agg(ra.idx ORDER BY lc.decided_at) FILTER (WHERE lc.kind = 'cannot_link'), '{}'),
           coalesce(array_agg(rb.idx ORDER BY lc.decided_at) FILTER (WHERE lc.kind = 'cannot_link'), '{}')
    INTO v_must_a, v_must_b, v_cannot_a, v_cannot_b
    FROM nightjar.link_constraint lc
    JOIN pg_temp._nj_rec ra ON ra.source = lc.source_a AND ra.key = lc.key_a
    JOIN pg_temp._nj_rec rb ON rb.source = lc.source_b AND rb.key = lc.key_b
    WHERE lc.resolution = v_name;

    v_times := v_times || jsonb_build_object('number_records', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();
    -- 3. Stable ids (C++).
    v_ids := nightjar._stable_ids(v_prior_ids, v_prior_created, coalesce(v_rec_prior, '{}'), coalesce(v_rec_cluster, '{}'),
                                  v_must_a, v_must_b, v_cannot_a, v_cannot_b);

    -- 4. Fresh ids for the placeholders, in creation order; then entities, records, events.
    v_seq := pg_catalog.pg_get_serial_sequence('nightjar.entity', 'entity_id');
    DROP TABLE IF EXISTS pg_temp._nj_newid;
    CREATE TEMP TABLE _nj_newid (ph bigint PRIMARY KEY, id bigint NOT NULL) ON COMMIT DROP;
    INSERT INTO pg_temp._nj_newid
    SELECT c.ph::bigint, nextval(v_seq) FROM jsonb_array_elements_text(v_ids -> 'created') WITH ORDINALITY AS c(ph, n) ORDER BY c.n;
    ANALYZE pg_temp._nj_newid;
    -- _nj_id maps an id of the C++ answer (a placeholder when < 0) to the real one: one
    -- index probe per placeholder (the first night maps every record through it).
    CREATE OR REPLACE FUNCTION pg_temp._nj_id(x bigint) RETURNS bigint LANGUAGE sql STABLE AS
        'SELECT CASE WHEN x < 0 THEN (SELECT n.id FROM pg_temp._nj_newid n WHERE n.ph = x) ELSE nullif(x, 0) END';
    v_times := v_times || jsonb_build_object('stable_ids', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();

    INSERT INTO nightjar.entity (entity_id, resolution) SELECT n.id, v_name FROM pg_temp._nj_newid n;
    UPDATE nightjar.entity e SET status = 'merged', merged_into = (m ->> 1)::bigint, size = 0, updated_at = now()
    FROM jsonb_array_elements(v_ids -> 'merged') AS m WHERE e.entity_id = (m ->> 0)::bigint;
    UPDATE nightjar.entity e SET status = 'retired', size = 0, updated_at = now()
    WHERE e.entity_id IN (SELECT x::bigint FROM jsonb_array_elements_text(v_ids -> 'retired') AS x);

    DROP TABLE IF EXISTS pg_temp._nj_placed;
    CREATE TEMP TABLE _nj_placed ON COMMIT DROP AS
    SELECT r.idx, r.source, r.key, r.prior, pg_temp._nj_id(re.v::bigint) AS entity_id, r.prior_digest, p.digest
    FROM jsonb_array_elements_text(v_ids -> 'record_entity') WITH ORDINALITY AS re(v, n)
    JOIN pg_temp._nj_rec r ON r.idx = re.n - 1
    LEFT JOIN pg_temp._nj_payload p ON p.source = r.source AND p.key = r.key;
    DELETE FROM nightjar.entity_record er USING pg_temp._nj_placed pl
    WHERE er.resolution = v_name AND er.source = pl.source AND er.key = pl.key AND pl.entity_id IS NULL;
    INSERT INTO nightjar.entity_record AS er (resolution, source, key, entity_id, digest)
    SELECT v_name, pl.source, pl.key, pl.entity_id, pl.digest FROM pg_temp._nj_placed pl
    WHERE pl.entity_id IS NOT NULL
      AND (pl.prior IS DISTINCT FROM pl.entity_id OR pl.prior_digest IS DISTINCT FROM pl.digest)
    ON CONFLICT (resolution, source, key) DO UPDATE SET entity_id = EXCLUDED.entity_id, digest = EXCLUDED.digest;

    INSERT INTO nightjar.entity_event (resolution, entity_id, kind, other_entity, source, key, reason)
    SELECT v_name, pg_temp._nj_id((ev ->> 'entity')::bigint), ev ->> 'kind', pg_temp._nj_id((ev ->> 'other')::bigint),
           r.source, r.key, ev ->> 'reason'
    FROM jsonb_array_elements(v_ids -> 'events') WITH ORDINALITY AS e(ev, n)
    LEFT JOIN pg_temp._nj_rec r ON r.idx = (ev ->> 'record')::bigint
    ORDER BY e.n;

    -- Corrections follow a merge into the survivor, unless it has its own for that field.
    INSERT INTO nightjar.entity_correction (entity_id, field, value, who, at, note)
    SELECT (m ->> 1)::bigint, ec.field, ec.value, ec.who, ec.at,
           concat_ws('; ', ec.note, 'moved from entity ' || ec.entity_id || ' by a merge')
    FROM jsonb_array_elements(v_ids -> 'merged') AS m
    JOIN nightjar.entity_correction ec ON ec.entity_id = (m ->> 0)::bigint
    ON CONFLICT (entity_id, field) DO NOTHING;
    DELETE FROM nightjar.entity_correction ec
    WHERE ec.entity_id IN (SELECT (m ->> 0)::bigint FROM jsonb_array_elements(v_ids -> 'merged') AS m);

    v_times := v_times || jsonb_build_object('write_entities', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();
    -- 5. Golden records: changed membership, changed content, removed corrections, new config.
    SELECT count(DISTINCT pl.entity_id) INTO v_content_changed FROM pg_temp._nj_placed pl
    WHERE pl.entity_id IS NOT NULL AND pl.prior = pl.entity_id AND pl.prior_digest IS DISTINCT FROM pl.digest;
    IF v_config_changed THEN
        SELECT array_agg(e.entity_id) INTO v_recompute FROM nightjar.entity e
        WHERE e.resolution = v_name AND e.status = 'active';
    ELSE
        SELECT array_agg(DISTINCT x) INTO v_recompute FROM (
            SELECT pg_temp._nj_id(c::bigint) AS x FROM jsonb_array_elements_text(v_ids -> 'changed') AS c
            UNION ALL
            SELECT pl.entity_id FROM pg_temp._nj_placed pl
            WHERE pl.entity_id IS NOT NULL AND pl.prior_digest IS DISTINCT FROM pl.digest
            UNION ALL
            SELECT g.entity_id FROM nightjar.golden_record g WHERE g.resolution = v_name AND g.stale
            UNION ALL  -- active entities without a golden record (e.g. after an interrupted first run)
            SELECT e.entity_id FROM nightjar.entity e
            WHERE e.resolution = v_name AND e.status = 'active'
              AND NOT EXISTS (SELECT 1 FROM nightjar.golden_record g WHERE g.entity_id = e.entity_id)
        ) AS u WHERE x IS NOT NULL;
    END IF;
    UPDATE nightjar.entity e SET size = s.n, updated_at = now()
    FROM (SELECT er.entity_id, count(*)::integer AS n FROM nightjar.entity_record er
          WHERE er.resolution = v_name AND er.entity_id = ANY (coalesce(v_recompute, '{}')) GROUP BY er.entity_id) s
    WHERE e.entity_id = s.entity_id AND e.size IS DISTINCT FROM s.n;
    DELETE FROM nightjar.golden_record g
    WHERE g.entity_id IN (SELECT (m ->> 0)::bigint FROM jsonb_array_elements(v_ids -> 'merged') AS m
                          UNION ALL SELECT x::bigint FROM jsonb_array_elements_text(v_ids -> 'retired') AS x);
    DELETE FROM nightjar.entity_field_source s
    WHERE s.entity_id IN (SELECT (m ->> 0)::bigint FROM jsonb_array_elements(v_ids -> 'merged') AS m
                          UNION ALL SELECT x::bigint FROM jsonb_array_elements_text(v_ids -> 'retired') AS x);
    v_golden := nightjar._consolidate_golden(v_name, v_survivorship, coalesce(v_recompute, '{}'));

    v_times := v_times || jsonb_build_object('golden', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();
    -- 6. Suggestions.
    SELECT * INTO v_sugg_new, v_sugg_obsolete, v_sugg_touched FROM nightjar._consolidate_suggestions(v_name, v_ids);

    v_times := v_times || jsonb_build_object('suggestions', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    v_step := clock_timestamp();
    -- 7. Fresh statistics for the tables this run filled, when it changed a good part of them.
    PERFORM nightjar._analyze_changed(ARRAY['nightjar.entity', 'nightjar.entity_record', 'nightjar.entity_event',
                                            'nightjar.golden_record', 'nightjar.entity_field_source',
                                            'nightjar.suggestion']::regclass[]);
    v_times := v_times || jsonb_build_object('analyze', round(extract(epoch FROM clock_timestamp() - v_step)::numeric, 3));
    SELECT count(*) INTO v_active FROM nightjar.entity e WHERE e.resolution = v_name AND e.status = 'active';
    SELECT jsonb_object_agg(k, coalesce(n, 0)) INTO v_counts
    FROM unnest(ARRAY['created', 'merged', 'split', 'retired', 'member_added', 'member_removed']) AS k
    LEFT JOIN (SELECT ev ->> 'kind' AS kind, count(*) AS n FROM jsonb_array_elements(v_ids -> 'events') AS ev GROUP BY 1) c
      ON c.kind = k;
    v_counts := v_counts || jsonb_build_object(
        'unchanged', (v_ids ->> 'unchanged')::bigint,
        'changed', jsonb_array_length(v_ids -> 'changed'),
        'content_changed', v_content_changed,
        'golden_recomputed', v_golden,
        'suggestions_new', v_sugg_new, 'suggestions_obsolete', v_sugg_obsolete,
        'suggestions_touched', v_sugg_touched)
        || (v_ids -> 'constraints');
    UPDATE nightjar.consolidation c SET consolidated_at = clock_timestamp(),
        last_result = jsonb_build_object('counts', v_counts) WHERE c.resolution = v_name;
    RETURN jsonb_build_object('rows_in', v_records, 'rows_out', v_active, 'counts', v_counts,
                              'payload', jsonb_build_object('resolution', v_name),
                              'seconds', round(extract(epoch FROM clock_timestamp() - v_t0)::numeric, 3),
                              'timings', v_times);
END $$;
COMMENT ON FUNCTION nightjar.consolidate(text) IS
    'after nightjar.resolve: keeps stable entity ids (events for merges, splits, retirements), recomputes golden '
    'records and provenance of changed entities, turns review-band pairs into suggestions; returns '
    '{rows_in: records, rows_out: active entities, counts, payload: {resolution}}';

-- consolidate_step is consolidate as a pipeline step: the payload names one "resolution"
-- or several "resolutions" (what resolve_step passes on). Declare it with
-- emits => 'entities.consolidated' to chain further steps.
CREATE FUNCTION nightjar.consolidate_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_names text[];
    v_name text;
    v_one jsonb;
    v_in bigint := 0;
    v_out bigint := 0;
    v_counts jsonb := '{}';
BEGIN
    IF jsonb_typeof(event -> 'resolution') = 'string' THEN
        v_names := ARRAY[event ->> 'resolution'];
    ELSIF jsonb_typeof(event -> 'resolutions') = 'array' THEN
        SELECT coalesce(array_agg(x), '{}') INTO v_names FROM jsonb_array_elements_text(event -> 'resolutions') AS x;
    ELSE
        RAISE EXCEPTION 'nightjar: consolidate_step needs a "resolution" string or a "resolutions" array in the event payload, got %',
            coalesce(left(event::text, 200), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_name IN ARRAY v_names LOOP
        v_one := nightjar.consolidate(v_name);
        v_in := v_in + (v_one ->> 'rows_in')::bigint;
        v_out := v_out + (v_one ->> 'rows_out')::bigint;
        v_counts := v_counts || jsonb_build_object(v_name, v_one -> 'counts');
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_out, 'counts', v_counts,
                              'payload', jsonb_build_object('resolutions', to_jsonb(v_names)));
END $$;
COMMENT ON FUNCTION nightjar.consolidate_step(jsonb) IS
    'nightjar.consolidate as a pipeline step: the payload''s "resolution" or "resolutions" (as resolve_step '
    'passes them on); returns rows_in, rows_out, counts per resolution and the payload {"resolutions": [...]}';

-- drop_consolidation removes everything consolidation keeps for a resolution: its config,
-- entities, records, events, golden records, provenance, corrections, suggestions and
-- link constraints; returns how many entities it removed.
CREATE FUNCTION nightjar.drop_consolidation(resolution text) RETURNS bigint
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    v_name text := drop_consolidation.resolution;
    v_n bigint;
BEGIN
    PERFORM nightjar.ensure_storage();
    DELETE FROM nightjar.consolidation c WHERE c.resolution = v_name;
    DELETE FROM nightjar.entity_field_source s
    WHERE s.entity_id IN (SELECT e.entity_id FROM nightjar.entity e WHERE e.resolution = v_name);
    DELETE FROM nightjar.entity_correction c
    WHERE c.entity_id IN (SELECT e.entity_id FROM nightjar.entity e WHERE e.resolution = v_name);
    DELETE FROM nightjar.golden_record g WHERE g.resolution = v_name;
    DELETE FROM nightjar.entity_event ev WHERE ev.resolution = v_name;
    DELETE FROM nightjar.entity_record r WHERE r.resolution = v_name;
    DELETE FROM nightjar.suggestion s WHERE s.resolution = v_name;
    DELETE FROM nightjar.link_constraint l WHERE l.resolution = v_name;
    DELETE FROM nightjar.entity e WHERE e.resolution = v_name;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;
COMMENT ON FUNCTION nightjar.drop_consolidation(text) IS
    'removes a resolution''s consolidation: config, entities and their records, events, golden records, provenance, '
    'corrections, suggestions and link constraints (people''s work included); returns the number of entities removed';
