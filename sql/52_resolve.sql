-- 52_resolve.sql: entity resolution (docs/resolution.md).
--
--   define_resolution(name, config)  checks and stores a resolution in nightjar.resolution
--   resolve(name)                    reads every input, resolves in C++, replaces the results
--   resolve_step(event)              resolve as a pipeline step (the step protocol)
--   similarity / normalize_name / phonetic   the resolver's comparators, for analysts
--
-- The catalog (nightjar.resolution) belongs to the extension; the results are bulk data
-- outside it (06_storage.sql): nightjar.match_pair and nightjar.entity_member, created by
-- nightjar._storage_resolve(), are partitioned by resolution (one partition each,
-- nightjar._resolution_partitions), so a rerun replaces a resolution's results with two
-- TRUNCATEs instead of deleting millions of rows. Every identifier taken from a config
-- reaches SQL through format('%I') or regclass output, never by concatenation.

CREATE TABLE nightjar.resolution (
    resolution_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    config        jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    levels        jsonb NOT NULL,  -- [{"field", "kind", "levels": [level names, best first]}]
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,     -- end of the last nightjar.resolve
    last_result   jsonb,           -- what it returned
    model_state   text,            -- the model the last estimating full run fitted (its text form),
                                   -- reused by incremental runs and model => 'frozen'; NULL: none yet
    model_at      timestamptz      -- when that model was fitted
);
COMMENT ON TABLE nightjar.resolution IS
    'entity resolutions (nightjar.define_resolution); levels names the comparison levels that '
    'nightjar.match_pair.levels indexes (field i of the config, level 0 = best)';
SELECT pg_catalog.pg_extension_config_dump('nightjar.resolution', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.resolution_resolution_id_seq', '');

-- _storage_resolve creates match_pair and entity_member (partitioned by resolution) if missing.
CREATE FUNCTION nightjar._storage_resolve() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- entity_member.fingerprint came with incremental runs: add it to an older table.
    IF to_regclass('nightjar.entity_member') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = to_regclass('nightjar.entity_member') AND a.attname = 'fingerprint'
                         AND NOT a.attisdropped) THEN
        LOCK TABLE nightjar.source IN SHARE UPDATE EXCLUSIVE MODE;
        ALTER TABLE nightjar.entity_member ADD COLUMN IF NOT EXISTS fingerprint bigint;
    END IF;
    IF NOT nightjar._storage_missing('match_pair', 'entity_member') THEN
        RETURN;
    END IF;
    IF to_regclass('nightjar.match_pair') IS NULL THEN
        -- Scored pairs at or above the review threshold: status 'match' (same entity),
        -- 'cut' (a match refused by one_per_source) or 'review' (between the thresholds).
        -- levels[i] is the comparison level of field i (nightjar.resolution.levels; NULL:
        -- a value was missing). (source_a, key_a) is the record read first.
        CREATE TABLE nightjar.match_pair (
            resolution   text NOT NULL,
            source_a     text NOT NULL,
            key_a        text NOT NULL,
            source_b     text NOT NULL,
            key_b        text NOT NULL,
            probability  real NOT NULL,
            match_weight real NOT NULL,
            status       text NOT NULL,
            levels       smallint[] NOT NULL
        ) PARTITION BY LIST (resolution);
        COMMENT ON TABLE nightjar.match_pair IS 'scored record pairs of each resolution (nightjar.resolve). Bulk data: not a member of the extension (nightjar._storage_resolve)';
        PERFORM nightjar._storage_guard_on('match_pair');
    END IF;
    IF to_regclass('nightjar.entity_member') IS NULL THEN
        -- Every input record of a resolution and its entity (singletons included).
        -- entity_id numbers entities in the order of their first record (inputs in config
        -- order, keys in "C" order): unchanged data gives unchanged ids.
        CREATE TABLE nightjar.entity_member (
            resolution text NOT NULL,
            entity_id  bigint NOT NULL,
            source     text NOT NULL,
            key        text NOT NULL,
            fingerprint bigint  -- hash of the record's normalised compared values (incremental runs)
        ) PARTITION BY LIST (resolution);
        COMMENT ON TABLE nightjar.entity_member IS 'the entity of every record of each resolution (nightjar.resolve), with the fingerprint of its compared values. Bulk data: not a member of the extension (nightjar._storage_resolve)';
        PERFORM nightjar._storage_guard_on('entity_member');
    END IF;
END $$;

-- _resolution_partition returns the partition of bulk table p_table (match_pair or
-- entity_member) that holds resolution p_name, or NULL. It is found by its bound, not by
-- its name: the tables outlive the extension, and with it the resolution's id.
CREATE FUNCTION nightjar._resolution_partition(p_table text, p_name text) RETURNS regclass
LANGUAGE sql STABLE AS $$
    SELECT c.oid::regclass FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(format('nightjar.%I', p_table))
      AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', p_name)
$$;

-- _resolution_partitions empties a resolution's partitions before a run -- creating them
-- if missing (named <table>_<resolution>, or <table>_<md5 of the name> when that is too
-- long), else truncating them and dropping their indexes -- and returns the entity_member
-- partition. Indexes live on the partitions, not the parents: _resolution_indexes builds
-- them after the load, a sort per index instead of millions of single insertions (at
-- 100,000 records: 0.35 s of inserts into indexed tables against 0.09 s without).
CREATE FUNCTION nightjar._resolution_partitions(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    v_part regclass;
    v_new text;
    v_index regclass;
BEGIN
    PERFORM nightjar._resolution_guard_triggers(p_name, false);  -- the load appends like COPY
    FOREACH t IN ARRAY ARRAY['match_pair', 'entity_member'] LOOP
        v_part := nightjar._resolution_partition(t, p_name);
        IF v_part IS NULL THEN
            v_new := CASE WHEN length(t || '_' || p_name) <= 63 THEN t || '_' || p_name ELSE t || '_' || md5(p_name) END;
            EXECUTE format('CREATE TABLE nightjar.%I PARTITION OF nightjar.%I FOR VALUES IN (%L)', v_new, t, p_name);
        ELSE
            EXECUTE format('TRUNCATE %s', v_part);
            FOR v_index IN SELECT i.indexrelid::regclass FROM pg_catalog.pg_index i WHERE i.indrelid = v_part LOOP
                EXECUTE format('DROP INDEX %s', v_index);
            END LOOP;
        END IF;
    END LOOP;
END $$;

-- _resolution_indexes builds the indexes of a resolution's freshly loaded entity_member
-- partition: (source, key) unique -- the record's entity -- and entity_id -- the entity's
-- records. match_pair has none: the engine writes each pair once, and its readers (the
-- review band of consolidation, an analyst looking at one resolution) scan the partition.
-- A partition that has its indexes (an incremental run changed a few rows in place) is
-- left as it is.
CREATE FUNCTION nightjar._resolution_indexes(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_part regclass := nightjar._resolution_partition('entity_member', p_name);
    v_mem text := current_setting('maintenance_work_mem');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = v_part) THEN
        RETURN;
    END IF;
    PERFORM set_config('maintenance_work_mem', '256MB', true);  -- one in-memory sort up to ~2M records
    EXECUTE format('CREATE UNIQUE INDEX ON %s (source, key)', v_part);
    EXECUTE format('CREATE INDEX ON %s (entity_id)', v_part);
    PERFORM set_config('maintenance_work_mem', v_mem, true);
END $$;

CREATE FUNCTION nightjar._check_resolution(name text, config jsonb) RETURNS jsonb
LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_check_resolution';
COMMENT ON FUNCTION nightjar._check_resolution(text, jsonb) IS
    'reads a resolution config in C++ (fields, kinds, overrides; errors name the field) and returns the level names of each field';

CREATE FUNCTION nightjar._resolve_records(name text, config jsonb, sources text[], queries text[],
                                          pair_table regclass, member_table regclass, mode text,
                                          model_state text, constraints boolean) RETURNS jsonb
LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'nightjar_resolve_records';
COMMENT ON FUNCTION nightjar._resolve_records(text, jsonb, text[], text[], regclass, regclass, text, text, boolean) IS
    'runs one resolution in C++ (mode full, frozen: full scored with model_state, incremental: reads the '
    'partitions first, compares only new and changed records); reads each input query (key, then one text '
    'column per field) and, when constraints, nightjar.link_constraint; writes the resolution''s partitions '
    'of match_pair and entity_member; returns counts, timings and the model''s text (model_state)';

-- _resolution_column returns the attribute name `col` of `rel` if it exists, else NULL.
CREATE FUNCTION nightjar._resolution_column(rel regclass, col text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT a.attname::text FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- _resolution_inputs checks a config's "inputs" against the database and returns, per
-- input, its source label and the query that reads it: the key, then one text column per
-- field in config order (NULL for a field the input lacks), ordered by key.
CREATE FUNCTION nightjar._resolution_inputs(p_name text, p_config jsonb)
RETURNS TABLE (source text, query text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_prefix text := format('nightjar: resolution "%s":', p_name);
    v_fields jsonb := p_config -> 'fields';
    v_field_names text[];
    v_input jsonb;
    v_pos integer := 0;
    v_what text;
    v_rel regclass;
    v_key text;
    v_cols jsonb;
    v_field jsonb;
    v_fname text;
    v_map jsonb;
    v_lat text;
    v_lon text;
    v_col text;
    v_select text[];
    v_sources text[] := '{}';
    k text;
BEGIN
    IF jsonb_typeof(p_config -> 'inputs') IS DISTINCT FROM 'array' OR jsonb_array_length(p_config -> 'inputs') = 0 THEN
        RAISE EXCEPTION '% "inputs" must be a non-empty array of {"source", "relation", "key"} objects', v_prefix
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(f ->> 'name' ORDER BY o) INTO v_field_names
    FROM jsonb_array_elements(v_fields) WITH ORDINALITY AS e(f, o);
    FOR v_input IN SELECT e FROM jsonb_array_elements(p_config -> 'inputs') AS e LOOP
        v_pos := v_pos + 1;
        v_what := format('input %s', v_pos);
        IF jsonb_typeof(v_input) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION '% %: must be an object with "source", "relation" and "key", not %',
                v_prefix, v_what, left(v_input::text, 64) USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT min(x) INTO k FROM jsonb_object_keys(v_input) AS x
        WHERE x NOT IN ('source', 'relation', 'key', 'columns');
        IF k IS NOT NULL THEN
            RAISE EXCEPTION '% %: unknown key "%" (known: source, relation, key, columns)',
                v_prefix, v_what, left(k, 64) USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(v_input -> 'source') IS DISTINCT FROM 'string' OR v_input ->> 'source' = '' THEN
            RAISE EXCEPTION '% %: "source" must be a non-empty string naming the source', v_prefix, v_what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_what := format('input %s ("%s")', v_pos, left(v_input ->> 'source', 64));
        IF (v_input ->> 'source') = ANY (v_sources) THEN
            RAISE EXCEPTION '% %: another input has the same source', v_prefix, v_what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_sources := v_sources || (v_input ->> 'source');
        IF jsonb_typeof(v_input -> 'relation') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION '% %: "relation" must be a string naming a table or view', v_prefix, v_what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        BEGIN
            v_rel := to_regclass(v_input ->> 'relation');
        EXCEPTION WHEN OTHERS THEN  -- a malformed name such as "a.b.c.d"
            v_rel := NULL;
        END;
        IF v_rel IS NULL THEN
            RAISE EXCEPTION '% %: relation "%" does not exist', v_prefix, v_what, left(v_input ->> 'relation', 64)
                USING ERRCODE = 'undefined_table';
        END IF;
        IF jsonb_typeof(v_input -> 'key') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION '% %: "key" must be a string naming the key column of %', v_prefix, v_what, v_rel
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_key := nightjar._resolution_column(v_rel, v_input ->> 'key');
        IF v_key IS NULL THEN
            RAISE EXCEPTION '% %: key column "%" of relation % does not exist', v_prefix, v_what,
                left(v_input ->> 'key', 64), v_rel USING ERRCODE = 'undefined_column';
        END IF;
        v_cols := coalesce(v_input -> 'columns', '{}');
        IF jsonb_typeof(v_cols) <> 'object' THEN
            RAISE EXCEPTION '% %: "columns" must be an object mapping field names to column names', v_prefix, v_what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT min(x) INTO k FROM jsonb_object_keys(v_cols) AS x WHERE x <> ALL (v_field_names);
        IF k IS NOT NULL THEN
            RAISE EXCEPTION '% %: "columns" maps "%", which is not a field (fields: %)', v_prefix, v_what,
                left(k, 64), array_to_string(v_field_names, ', ') USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_select := ARRAY[format('%I::text', v_key)];
        FOR v_field IN SELECT f FROM jsonb_array_elements(v_fields) WITH ORDINALITY AS e(f, o) ORDER BY o LOOP
            v_fname := v_field ->> 'name';
            v_map := v_cols -> v_fname;
            v_lat := NULL;
            v_lon := NULL;
            IF v_field ->> 'kind' = 'geo' AND (jsonb_typeof(v_map) = 'object' OR v_map IS NULL) THEN
                -- geo: two columns (lat, lon), from the input's map or the field's defaults
                v_lat := coalesce(v_map ->> 'lat', v_field ->> 'lat');
                v_lon := coalesce(v_map ->> 'lon', v_field ->> 'lon');
                IF v_map IS NOT NULL AND (jsonb_typeof(v_map -> 'lat') IS DISTINCT FROM 'string'
                                          OR jsonb_typeof(v_map -> 'lon') IS DISTINCT FROM 'string'
                                          OR (SELECT count(*) FROM jsonb_object_keys(v_map)) <> 2) THEN
                    RAISE EXCEPTION '% %: "columns" of geo field "%" must be {"lat": column, "lon": column}',
                        v_prefix, v_what, v_fname USING ERRCODE = 'invalid_parameter_value';
                END IF;
            ELSIF v_map IS NOT NULL AND jsonb_typeof(v_map) <> 'string' THEN
                RAISE EXCEPTION '% %: "columns" must map field "%" to a column name (a string), not %',
                    v_prefix, v_what, v_fname, left(v_map::text, 64) USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF v_lat IS NOT NULL AND v_lon IS NOT NULL THEN
                IF nightjar._resolution_column(v_rel, v_lat) IS NOT NULL
                   AND nightjar._resolution_column(v_rel, v_lon) IS NOT NULL THEN
                    v_select := v_select || format('CASE WHEN %1$I IS NOT NULL AND %2$I IS NOT NULL '
                                                   'THEN %1$I::text || '','' || %2$I::text END', v_lat, v_lon);
                ELSIF v_map IS NOT NULL THEN  -- named in "columns": must exist
                    RAISE EXCEPTION '% %: column "%" of relation % (field "%") does not exist', v_prefix, v_what,
                        left(CASE WHEN nightjar._resolution_column(v_rel, v_lat) IS NULL THEN v_lat ELSE v_lon END, 64),
                        v_rel, v_fname USING ERRCODE = 'undefined_column';
                ELSIF nightjar._resolution_column(v_rel, v_fname) IS NOT NULL THEN  -- one "lat,lon" column
                    v_select := v_select || format('%I::text', v_fname);
                ELSE
                    v_select := v_select || 'NULL::text'::text;
                END IF;
                CONTINUE;
            END IF;
            v_col := coalesce(v_map #>> '{}', v_field ->> 'column', v_fname);
            IF nightjar._resolution_column(v_rel, v_col) IS NOT NULL THEN
                v_select := v_select || format('%I::text', v_col);
            ELSIF v_map IS NOT NULL THEN
                RAISE EXCEPTION '% %: column "%" of relation % (field "%") does not exist', v_prefix, v_what,
                    left(v_col, 64), v_rel, v_fname USING ERRCODE = 'undefined_column';
            ELSE
                v_select := v_select || 'NULL::text'::text;  -- a field the input lacks: missing values
            END IF;
        END LOOP;
        source := v_input ->> 'source';
        query := format('SELECT %s FROM %s ORDER BY %I::text COLLATE "C"', array_to_string(v_select, ', '), v_rel, v_key);
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION nightjar._resolution_inputs(text, jsonb) IS
    'checks a resolution''s inputs (relations, key and mapped columns exist) and returns the query reading each';

-- define_resolution checks and stores (creates or replaces) a resolution; returns its id.
CREATE FUNCTION nightjar.define_resolution(name text, config jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_levels jsonb;
    v_old jsonb;
    v_id bigint;
    v_part regclass;
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'nightjar: resolution name must match ^[a-z][a-z0-9_]{0,62}$, not %',
            coalesce(quote_literal(left(name, 64)), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF config IS NULL OR jsonb_typeof(config) <> 'object' THEN
        RAISE EXCEPTION 'nightjar: resolution "%": config must be a JSON object with "inputs" and "fields", not %',
            nightjar._cut((name)::text), nightjar._cut((coalesce(jsonb_typeof(config), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_levels := nightjar._check_resolution(name, config);  -- fields, kinds, overrides (C++)
    PERFORM count(*) FROM nightjar._resolution_inputs(name, config);  -- relations and columns
    SELECT r.levels INTO v_old FROM nightjar.resolution r WHERE r.name = define_resolution.name;
    INSERT INTO nightjar.resolution AS r (name, config, levels)
    VALUES (define_resolution.name, define_resolution.config, v_levels)
    ON CONFLICT ON CONSTRAINT resolution_name_key DO UPDATE SET config = EXCLUDED.config, levels = EXCLUDED.levels, updated_at = now(),
        -- a changed config needs a new model: the next incremental run falls back to a full one
        model_state = CASE WHEN r.config = EXCLUDED.config THEN r.model_state END,
        model_at = CASE WHEN r.config = EXCLUDED.config THEN r.model_at END
    RETURNING r.resolution_id INTO v_id;
    -- Results whose levels no longer mean what the catalog says (fields changed, or left
    -- over from an earlier definition of this name) are emptied; the next resolve refills.
    IF v_old IS DISTINCT FROM v_levels THEN
        FOR v_part IN SELECT nightjar._resolution_partition(t, define_resolution.name)
                      FROM unnest(ARRAY['match_pair', 'entity_member']) t LOOP
            IF v_part IS NOT NULL THEN
                EXECUTE format('TRUNCATE %s', v_part);
            END IF;
        END LOOP;
        UPDATE nightjar.resolution r SET resolved_at = NULL, last_result = NULL WHERE r.resolution_id = v_id;
    END IF;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION nightjar.define_resolution(text, jsonb) IS
    'checks a resolution config (inputs: source, relation, key, columns; fields: name, kind, overrides; '
    'one_per_source; expert overrides) and stores it in nightjar.resolution; returns its id. When the fields '
    'change (their level names differ), the resolution''s earlier results are emptied';

-- drop_resolution removes a resolution and its results; returns whether it existed.
CREATE FUNCTION nightjar.drop_resolution(name text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_part regclass;
BEGIN
    DELETE FROM nightjar.resolution r WHERE r.name = drop_resolution.name;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    FOR v_part IN SELECT nightjar._resolution_partition(t, drop_resolution.name)
                  FROM unnest(ARRAY['match_pair', 'entity_member']) t LOOP
        IF v_part IS NOT NULL THEN
            EXECUTE format('DROP TABLE %s', v_part);
        END IF;
    END LOOP;
    IF to_regclass('nightjar.resolution_snapshot') IS NOT NULL THEN
        DELETE FROM nightjar.resolution_snapshot s WHERE s.resolution = drop_resolution.name;
    END IF;
    RETURN true;
END $$;
COMMENT ON FUNCTION nightjar.drop_resolution(text) IS
    'removes a resolution from the catalog and drops its partitions of match_pair and entity_member';

-- resolve runs a resolution and replaces its results; returns counts and timings.
CREATE FUNCTION nightjar.resolve(name text, mode text DEFAULT 'full', model text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r nightjar.resolution;
    v_sources text[];
    v_queries text[];
    v_result jsonb;
    v_core_mode text;
    v_fallback text;
    v_state text;
    v_t0 timestamptz := clock_timestamp();
BEGIN
    IF mode IS NULL OR mode NOT IN ('full', 'incremental') THEN
        RAISE EXCEPTION 'nightjar: resolve: unknown mode %', coalesce(quote_literal(left(mode, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'known modes: full, incremental';
    END IF;
    IF model IS NOT NULL AND model NOT IN ('estimate', 'frozen') THEN
        RAISE EXCEPTION 'nightjar: resolve: unknown model %', quote_literal(left(model, 64))
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'estimate (fit the model on the data) or frozen (reuse the last full run''s)';
    END IF;
    IF mode = 'incremental' AND model = 'estimate' THEN
        RAISE EXCEPTION 'nightjar: resolve: an incremental run scores with the model of the last full run, not model => ''estimate'''
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar.ensure_storage();  -- the result tables are not the extension's (06_storage.sql)
    SELECT * INTO r FROM nightjar.resolution x WHERE x.name = resolve.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no resolution named %', coalesce(quote_literal(left(name, 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'define it with nightjar.define_resolution(name, config)';
    END IF;
    IF mode = 'incremental' THEN
        IF r.model_state IS NULL OR nightjar._resolution_partition('entity_member', r.name) IS NULL
           OR nightjar._resolution_partition('match_pair', r.name) IS NULL THEN
            v_core_mode := 'full';
            v_fallback := 'no previous full run (or the config changed since): ran a full resolve';
        ELSE
            v_core_mode := 'incremental';
        END IF;
    ELSIF model = 'frozen' THEN
        IF r.model_state IS NULL THEN
            RAISE EXCEPTION 'nightjar: resolution "%" has no stored model (run nightjar.resolve(%) first)',
                r.name, quote_literal(r.name) USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_core_mode := 'frozen';
    ELSE
        v_core_mode := 'full';
    END IF;
    SELECT array_agg(i.source), array_agg(i.query) INTO v_sources, v_queries
    FROM nightjar._resolution_inputs(r.name, r.config) AS i;
    IF v_core_mode <> 'incremental' THEN
        PERFORM nightjar._resolution_partitions(r.name);  -- an incremental run changes rows in place
    END IF;
    -- The partitions' snapshot_stale triggers let resolve's own writes through.
    PERFORM set_config('nightjar.resolving', r.name, true);
    v_result := nightjar._resolve_records(r.name, r.config, v_sources, v_queries,
                                          nightjar._resolution_partition('match_pair', r.name),
                                          nightjar._resolution_partition('entity_member', r.name),
                                          v_core_mode, coalesce(r.model_state, ''),
                                          to_regclass('nightjar.link_constraint') IS NOT NULL);
    PERFORM set_config('nightjar.resolving', '', true);
    PERFORM nightjar._resolution_indexes(r.name);
    PERFORM nightjar._resolution_guard_triggers(r.name, true);
    v_state := v_result ->> 'model_state';
    v_result := (v_result - 'model_state') || jsonb_build_object('resolution', r.name,
                    'total_seconds', round(extract(epoch FROM clock_timestamp() - v_t0)::numeric, 3));
    IF v_fallback IS NOT NULL THEN
        v_result := v_result || jsonb_build_object('fallback', v_fallback);
    END IF;
    UPDATE nightjar.resolution x SET resolved_at = clock_timestamp(), last_result = v_result,
        model_state = CASE WHEN v_core_mode = 'full' THEN v_state ELSE x.model_state END,
        model_at = CASE WHEN v_core_mode = 'full' THEN clock_timestamp() ELSE x.model_at END
    WHERE x.resolution_id = r.resolution_id;
    RETURN v_result;
END $$;
COMMENT ON FUNCTION nightjar.resolve(text, text, text) IS
    'runs a resolution (C++: blocking, comparison, unsupervised scoring, clustering under the link constraints) and '
    'replaces its rows of nightjar.match_pair and nightjar.entity_member in this transaction; mode full (model '
    'estimate: fit and store the model; frozen: reuse the stored one) or incremental (compare only new and changed '
    'records, with the stored model; a full run when there is none); returns counts and timings';

-- resolve_step is resolve as a pipeline step: fn(event payload jsonb) -> jsonb. The payload
-- names the resolution ("resolution"), or a source ("source"): then every resolution with
-- an input of that source runs, incrementally (the first run of a resolution is a full
-- one). Declare it with emits => 'entities.resolved' to chain nightjar.consolidate_step.
CREATE FUNCTION nightjar.resolve_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_names text[];
    v_name text;
    v_one jsonb;
    v_counts jsonb := '{}';
    v_in bigint := 0;
    v_out bigint := 0;
BEGIN
    IF jsonb_typeof(event -> 'resolution') = 'string' THEN
        v_names := ARRAY[event ->> 'resolution'];
    ELSIF jsonb_typeof(event -> 'source') = 'string' THEN
        SELECT coalesce(array_agg(r.name ORDER BY r.name), '{}') INTO v_names FROM nightjar.resolution r
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(r.config -> 'inputs') AS i
                      WHERE i ->> 'source' = event ->> 'source');
    ELSE
        RAISE EXCEPTION 'nightjar: resolve_step needs a "resolution" (or a "source") string in the event payload, got %',
            coalesce(left(event::text, 200), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_name IN ARRAY v_names LOOP
        v_one := nightjar.resolve(v_name, 'incremental');  -- a full run when none was made yet
        v_in := v_in + (v_one ->> 'records')::bigint;
        v_out := v_out + (v_one ->> 'entities')::bigint;
        v_counts := v_counts || jsonb_build_object(v_name, jsonb_strip_nulls(jsonb_build_object(
            'mode', v_one -> 'mode', 'records', v_one -> 'records', 'candidate_pairs', v_one -> 'candidate_pairs',
            'matches', v_one -> 'matches', 'entities', v_one -> 'entities',
            'new_records', v_one -> 'new_records', 'changed_records', v_one -> 'changed_records',
            'deleted_records', v_one -> 'deleted_records', 'entities_changed', v_one -> 'entities_changed',
            'must_links', v_one -> 'must_links', 'cannot_link_cuts', v_one -> 'cannot_link_cuts',
            'seconds', v_one -> 'total_seconds')));
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_out, 'counts', v_counts,
                              'payload', jsonb_build_object('resolutions', to_jsonb(v_names)));
END $$;
COMMENT ON FUNCTION nightjar.resolve_step(jsonb) IS
    'nightjar.resolve as a pipeline step: runs the payload''s "resolution", or every resolution reading its '
    '"source", incrementally once a full run stored its model (a full run before); returns rows_in (records), rows_out (entities), counts per resolution and the payload '
    '{"resolutions": [...]}; emits nothing itself';

-- Analyst functions: the resolver's own comparators, one value at a time.
CREATE FUNCTION nightjar.similarity(a text, b text, method text DEFAULT 'jaro_winkler') RETURNS float8
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_similarity';
COMMENT ON FUNCTION nightjar.similarity(text, text, text) IS
    'similarity in [0, 1] of two strings as given: jaro_winkler, jaro, levenshtein, damerau_levenshtein, '
    'token_set, token_sort, jaccard, trigram (compose with nightjar.normalize_name)';
CREATE FUNCTION nightjar.normalize_name(name text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_normalize_name';
COMMENT ON FUNCTION nightjar.normalize_name(text) IS
    'the comparison form of a name: lower case, no accents, punctuation as spaces, abbreviations expanded or dropped';
CREATE FUNCTION nightjar.phonetic(text text) RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE STRICT AS 'MODULE_PATHNAME', 'nightjar_phonetic';
COMMENT ON FUNCTION nightjar.phonetic(text) IS
    'a phonetic key per word (French and English names), space separated';
