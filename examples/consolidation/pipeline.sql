-- pipeline.sql: the in-database part of the multi-source consolidation example (README.md).
-- Run with psql -v sources="$(cat OUTDIR/sources.json)" BEFORE `nightjar apply` (the
-- pipelines' steps call the functions defined here), then, once apply has recorded the 20
-- sources, SELECT multi_source.define_rules() and multi_source.define_resolution().
--
--   multi_source.provider            the 20 sources: channel, format, each common field's column
--   multi_source.siret_ok            validation (custom_sql, warning): the SIRET's checksum
--   multi_source.define_rules()      declared fields, validation and normalisation rules per source
--   multi_source.reference_source    the two reference sources (postal codes, company registry)
--   multi_source.reference_step      pipeline step: a staged reference file becomes a versioned
--                                    snapshot, published if its validation passes
--   multi_source.define_resolution() the views: current_export (the records of each CSV drop's
--                                    latest, full export), clean_actor (the clean records of the
--                                    20 sources, typed), one per source; the resolution and its
--                                    survivorship
--   multi_source.enrich_step         pipeline step: enrichment suggestions from the references
--   multi_source.weekly_stats_step   pipeline step: weekly statistics per source and per departement
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS multi_source;

CREATE TABLE IF NOT EXISTS multi_source.provider (
    source text PRIMARY KEY,
    channel text NOT NULL CHECK (channel IN ('csv', 'api', 's3')),
    format text NOT NULL,
    columns jsonb NOT NULL);
TRUNCATE multi_source.provider;
INSERT INTO multi_source.provider
SELECT key, value ->> 'channel', value ->> 'format', value -> 'columns'
FROM jsonb_each(:'sources'::jsonb);

-- siret_ok tells whether every SIRET-like field of a record (siret, num_siret,
-- siret_exploitant) is empty or a valid SIRET (14 digits, Luhn or La Poste's rule).
CREATE OR REPLACE FUNCTION multi_source.siret_ok(r jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(bool_and(nullif(btrim(value), '') IS NULL OR nightjar.clean_siret(value) IS NOT NULL), true)
    FROM jsonb_each_text(r) WHERE key LIKE '%siret%'
$$;

-- _norm_rules builds one source's normalisation rules from its columns: rename each
-- column to the common field, clean the values, constants, the address split of the
-- sources that write postcode and town inside it, drop what nobody needs, the record id.
CREATE OR REPLACE FUNCTION multi_source._norm_rules(p multi_source.provider) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    c jsonb := p.columns;
    combined boolean := NOT (c ? 'postcode');
    target jsonb := jsonb_build_object('source_key', 'source_key', 'name', 'name',
                                       'address', CASE WHEN combined THEN 'full_address' ELSE 'address' END,
                                       'postcode', 'postcode', 'town', 'town', 'siret', 'siret', 'lat', 'lat',
                                       'lon', 'lon', 'updated', 'updated_on', 'turnover', 'turnover');
    rules jsonb := '[]';
    role text;
    text_numbers boolean := p.format = 'csv';
BEGIN
    FOR role IN SELECT jsonb_object_keys(target) ORDER BY 1 LOOP
        IF c ? role AND c ->> role <> target ->> role THEN
            rules := rules || jsonb_build_object('kind', 'rename', 'from', c ->> role, 'to', target ->> role);
        END IF;
    END LOOP;
    rules := rules
        || '{"kind": "transform", "field": "name", "function": "collapse_spaces"}'
        || jsonb_build_object('kind', 'transform', 'field', target ->> 'address', 'function', 'collapse_spaces');
    IF c ? 'siret' THEN
        rules := rules || '{"kind": "transform", "field": "siret", "function": "clean_siret"}';
    END IF;
    IF NOT combined THEN
        rules := rules || '[{"kind": "transform", "field": "postcode", "function": "clean_postcode"},
                            {"kind": "transform", "field": "town", "function": "collapse_spaces"}]';
    END IF;
    IF text_numbers THEN  -- CSV holds text: "47.123", "1 234,5"; JSON sources send numbers
        rules := rules || '{"kind": "transform", "field": "turnover", "function": "parse_decimal_fr"}';
        IF c ? 'lat' THEN
            rules := rules || '[{"kind": "transform", "field": "lat", "function": "parse_decimal_fr"},
                                {"kind": "transform", "field": "lon", "function": "parse_decimal_fr"}]';
        END IF;
    END IF;
    rules := rules || jsonb_build_object('kind', 'constant', 'field', 'channel', 'value', p.channel)
                   || '{"kind": "constant", "field": "country", "value": "FR"}';
    IF combined THEN
        rules := rules || '{"kind": "multi", "function": "split_address", "inputs": ["full_address"],
                            "outputs": ["address", "postcode", "town"]}';
    END IF;
    rules := rules || jsonb_build_object('kind', 'drop', 'fields',
        (SELECT jsonb_agg(f) FROM unnest(ARRAY[c ->> 'export', c ->> 'extra', CASE WHEN combined THEN 'full_address' END]) f
         WHERE f IS NOT NULL));
    RETURN rules || jsonb_build_object('kind', 'record_id', 'source_code', left(p.source, 5), 'id_field', 'source_key');
END $$;

-- define_rules declares every source's fields, its validation rules (errors quarantine the
-- record; the SIRET checksum is a warning: the record stays, normalisation drops the
-- SIRET) and its normalisation rules; returns how many rules it defined.
CREATE OR REPLACE FUNCTION multi_source.define_rules() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    p multi_source.provider;
    c jsonb;
    n integer := 0;
BEGIN
    FOR p IN SELECT * FROM multi_source.provider ORDER BY source LOOP
        c := p.columns;
        PERFORM nightjar.define_fields(p.source, ARRAY(SELECT value FROM jsonb_each_text(c) ORDER BY key));
        PERFORM nightjar.define_validation_rule(p.source, 'name_required', 'required', c ->> 'name');
        IF c ? 'postcode' THEN
            PERFORM nightjar.define_validation_rule(p.source, 'postcode_format', 'regex', c ->> 'postcode',
                                                    '{"pattern": "^([0-9]{5})?$"}');
        END IF;
        PERFORM nightjar.define_validation_rule(p.source, 'date_valid', 'type', c ->> 'updated',
            jsonb_build_object('type', 'date', 'formats',
                               CASE p.channel WHEN 'csv' THEN '["%d/%m/%Y"]' ELSE '["%Y-%m-%d"]' END::jsonb));
        PERFORM nightjar.define_validation_rule(p.source, 'turnover_format', kind, c ->> 'turnover', params)
        FROM (VALUES (CASE WHEN p.format <> 'csv' THEN 'type' ELSE 'regex' END,
                      CASE WHEN p.format <> 'csv' THEN '{"type": "decimal"}'::jsonb
                           WHEN p.channel = 'csv' THEN '{"pattern": "^([0-9]{1,3}( [0-9]{3})*(,[0-9]+)?)?$"}'
                           ELSE '{"pattern": "^([0-9]+([.][0-9]+)?)?$"}' END)) AS r(kind, params);
        n := n + 3 + (c ? 'postcode')::int;
        IF c ? 'siret' THEN
            PERFORM nightjar.define_validation_rule(p.source, 'siret_checksum', 'custom_sql', c ->> 'siret',
                                                    '{"function": "multi_source.siret_ok(jsonb)"}', 'warning');
            n := n + 1;
        END IF;
        n := n + nightjar.define_normalization_rules(p.source, multi_source._norm_rules(p));
    END LOOP;
    RETURN n;
END $$;

-- Reference data comes in like any source: the runner stages each file of the two
-- reference sources (ref_postcodes, ref_companies: CSV drops named <what>_<version>.csv),
-- and reference_step turns each staged file into a snapshot table and publishes it.
CREATE TABLE IF NOT EXISTS multi_source.reference_source (
    source text PRIMARY KEY,       -- the runner's source
    reference text NOT NULL,       -- nightjar.reference name
    columns text[] NOT NULL);      -- the snapshot's columns, taken from the file's header fields
TRUNCATE multi_source.reference_source;
INSERT INTO multi_source.reference_source VALUES
    ('ref_postcodes', 'multi_postcode', '{postcode,town,departement}'),
    ('ref_companies', 'multi_company', '{siret,name,status,successor_siret}');
SELECT nightjar.define_reference('multi_postcode',
  $$SELECT 'postcode ' || coalesce(postcode, '(none)') || ' is not 5 digits' FROM {snapshot}
    WHERE postcode IS NULL OR postcode !~ '^\d{5}$'
    UNION ALL SELECT 'postcode ' || postcode || ' has no town' FROM {snapshot} WHERE town IS NULL$$,
  'postal codes, their towns and departements (source ref_postcodes)');
SELECT nightjar.define_reference('multi_company',
  $$SELECT 'closed company ' || siret || ' names no valid successor' FROM {snapshot}
    WHERE status = 'closed' AND successor_siret IS NOT NULL AND nightjar.clean_siret(successor_siret) IS NULL$$,
  'company registry: open/closed, successors (source ref_companies)');

-- reference_step is the step for batch.staged of a reference source: each staged file of
-- the batch (<what>_<version>.csv) becomes the table multi_source.<reference>_<version> (its
-- raw records' fields, blanks as NULL), registered as that version of the reference and
-- published -- or refused by the reference's validation query, in which case readers stay
-- on the published version and the result says why (counts.<reference>.<version>.reason).
CREATE OR REPLACE FUNCTION multi_source.reference_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_batch bigint := (event ->> 'batch_id')::bigint;
    rs multi_source.reference_source;
    f record;
    v_version text;
    v_table text;
    v_rows bigint;
    v_in bigint := 0;
    v_out bigint := 0;
    v_result jsonb;
    v_counts jsonb := '{}';
BEGIN
    SELECT * INTO rs FROM multi_source.reference_source WHERE source = event ->> 'source';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'multi_source: % is not a reference source', coalesce(quote_literal(left(event ->> 'source', 64)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR f IN SELECT file_id, name FROM nightjar.file WHERE batch_id = v_batch AND status = 'staged' ORDER BY name LOOP
        v_version := substring(f.name FROM '_([A-Za-z0-9-]+)\.csv$');
        IF v_version IS NULL THEN
            RAISE EXCEPTION 'multi_source: reference file % is not named <what>_<version>.csv', quote_literal(left(f.name, 64))
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_table := format('multi_source.%I', rs.reference || '_' || v_version);
        IF NOT EXISTS (SELECT 1 FROM nightjar.reference_version v WHERE v.name = rs.reference AND v.version = v_version) THEN
            EXECUTE format('CREATE TABLE %s AS SELECT %s FROM nightjar.raw_record r WHERE r.batch_id = $1 AND r.file_id = $2 '
                           'ORDER BY r.record_no', v_table,
                           (SELECT string_agg(format('nullif(btrim(r.payload ->> %L), %L) AS %I', c, '', c), ', ' ORDER BY o)
                            FROM unnest(rs.columns) WITH ORDINALITY AS u(c, o)))
                USING v_batch, f.file_id;
            PERFORM nightjar.add_reference_version(rs.reference, v_version, v_table::regclass);
        END IF;
        EXECUTE format('SELECT count(*) FROM %s', v_table) INTO v_rows;
        v_result := nightjar.publish_reference(rs.reference, v_version);
        v_in := v_in + v_rows;
        v_out := v_out + CASE WHEN (v_result ->> 'published')::boolean THEN v_rows ELSE 0 END;
        v_counts := v_counts || jsonb_build_object(v_version, jsonb_strip_nulls(jsonb_build_object(
            'file', f.name, 'rows', v_rows, 'published', v_result -> 'published', 'reason', v_result -> 'reason')));
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_out, 'counts', jsonb_build_object(rs.reference, v_counts),
                              'payload', jsonb_build_object('reference', rs.reference));
END $$;

-- define_resolution creates the clean views (the common fields typed, the departement
-- from the postcode; records a CSV drop's latest export no longer holds left out), one
-- view per source as the resolution's inputs, the resolution and its survivorship rules;
-- returns the resolution's id.
CREATE OR REPLACE FUNCTION multi_source.define_resolution() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    src text;
BEGIN
    PERFORM nightjar.ensure_storage();
    -- current_export lists the records of each CSV drop's latest export: those providers send
    -- a full export every time, so a record missing from the latest file was deleted at the
    -- provider (the web services and the S3 drops send what changed).
    CREATE OR REPLACE VIEW multi_source.current_export AS
    SELECT b.source_id, r.payload ->> (p.columns ->> 'source_key') AS key
    FROM (SELECT DISTINCT ON (f.source_id) f.source_id, f.batch_id
          FROM nightjar.file f JOIN nightjar.source s USING (source_id)
          JOIN multi_source.provider p ON p.source = s.name AND p.channel = 'csv'
          WHERE f.status = 'staged' ORDER BY f.source_id, f.batch_id DESC) b
    JOIN nightjar.raw_record r USING (batch_id)
    JOIN nightjar.source s ON s.source_id = b.source_id JOIN multi_source.provider p ON p.source = s.name;
    CREATE OR REPLACE VIEW multi_source.clean_actor AS
    SELECT s.name AS source, c.record_id, c.payload ->> 'source_key' AS key, c.payload ->> 'name' AS name,
           c.payload ->> 'address' AS address, c.payload ->> 'postcode' AS postcode, c.payload ->> 'town' AS town,
           c.payload ->> 'siret' AS siret, (c.payload ->> 'lat')::float8 AS lat, (c.payload ->> 'lon')::float8 AS lon,
           (c.payload ->> 'updated_on')::date AS updated_on, (c.payload ->> 'turnover')::numeric AS turnover,
           CASE WHEN c.payload ->> 'postcode' LIKE '97%' THEN left(c.payload ->> 'postcode', 3)
                ELSE left(c.payload ->> 'postcode', 2) END AS departement,
           c.payload ->> 'channel' AS channel
    FROM nightjar.clean_record c JOIN nightjar.source s USING (source_id) JOIN multi_source.provider p ON p.source = s.name
    WHERE p.channel <> 'csv'
       OR (c.source_id, c.payload ->> 'source_key') IN (SELECT source_id, key FROM multi_source.current_export);
    FOR src IN SELECT source FROM multi_source.provider ORDER BY source LOOP
        EXECUTE format('CREATE OR REPLACE VIEW multi_source.%I AS SELECT key, name, address, postcode, town, siret, '
                       'lat, lon, updated_on, turnover, departement, channel FROM multi_source.clean_actor '
                       'WHERE source = %L', 'clean_' || src, src);
    END LOOP;
    v_id := nightjar.define_resolution('multi_source', jsonb_build_object(
        'inputs', (SELECT jsonb_agg(jsonb_build_object('source', source, 'relation', 'multi_source.clean_' || source,
                                                       'key', 'key') ORDER BY source) FROM multi_source.provider),
        'fields', '[{"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
                    {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
                    {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}]'::jsonb,
        'one_per_source', true));
    -- The registry is the parent; names from the official sources first; the SIRET never
    -- from the old registry (it keeps closed companies' first SIRET); the most frequent
    -- address, postcode and town; coordinates from the field survey; the latest turnover.
    PERFORM nightjar.define_consolidation('multi_source',
      '{"parent":  {"rule": "preferred_source", "sources": ["src01_registre", "src03_cci", "src04_cma"]},
        "fields":  {"name":     {"rule": "source_priority", "sources": ["src01_registre", "src03_cci", "src04_cma"]},
                    "siret":    {"rule": "source_priority", "sources": ["src01_registre", "src03_cci", "src13_subventions"],
                                 "exclude": ["src18_ancien_referentiel"]},
                    "address":  "most_frequent",
                    "postcode": "most_frequent",
                    "town":     "most_frequent",
                    "location": {"rule": "source_priority", "sources": ["src19_enquete_terrain", "src12_open_data"]},
                    "turnover": "most_recent",
                    "updated_on": "most_recent"}}',
      updated_at_column => 'updated_on');
    RETURN v_id;
END $$;

-- enrich_step corrects golden fields from the published references: it proposes the
-- successor of a closed company (a suggestion for review) and applies the postal-code
-- base's spelling of the town (a correction naming the rule and the reference version).
CREATE OR REPLACE FUNCTION multi_source.enrich_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    r := nightjar.suggest_enrichments('multi_source', '[
      {"name": "successor", "kind": "successor", "field": "siret", "reference": "multi_company",
       "key": "siret", "status": "status", "closed": "closed", "successor": "successor_siret"},
      {"name": "town_from_postcode", "kind": "lookup", "field": "town", "reference": "multi_postcode",
       "match": {"postcode": "postcode"}, "take": "town", "apply": true}]');
    RETURN r || jsonb_build_object('payload', NULL);
END $$;

CREATE TABLE IF NOT EXISTS multi_source.weekly_statistics (
    week date NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('source', 'departement')),
    value text NOT NULL,
    records bigint NOT NULL,
    turnover_n bigint NOT NULL,
    turnover_mean float8,
    turnover_stddev float8,
    turnover_min float8,
    turnover_max float8,
    turnover_median float8,
    PRIMARY KEY (week, dimension, value));

-- weekly_stats_step recomputes the weekly statistics of the clean records (by the week
-- of their update date): per source and per departement, the number of records and the
-- turnover's summary (nightjar.stats_agg, nightjar.percentiles).
CREATE OR REPLACE FUNCTION multi_source.weekly_stats_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_in bigint;
    v_source bigint;
    v_dep bigint;
BEGIN
    DELETE FROM multi_source.weekly_statistics;
    SELECT count(*) INTO v_in FROM multi_source.clean_actor;
    INSERT INTO multi_source.weekly_statistics
    SELECT week, dimension, value, cnt, coalesce((s).n, 0), (s).mean, (s).stddev, (s).min, (s).max, med[1]
    FROM (SELECT week, dimension, value, count(*) AS cnt, nightjar.stats_agg(turnover::float8) AS s,
                 nightjar.percentiles(turnover::float8, ARRAY[0.5]) AS med
          FROM (SELECT date_trunc('week', updated_on)::date AS week, d.dimension, d.value, turnover
                FROM multi_source.clean_actor,
                     LATERAL (VALUES ('source', source), ('departement', coalesce(departement, '(none)'))) d(dimension, value)
                WHERE updated_on IS NOT NULL) x
          GROUP BY week, dimension, value) g;
    SELECT count(*) FILTER (WHERE dimension = 'source'), count(*) FILTER (WHERE dimension = 'departement')
    INTO v_source, v_dep FROM multi_source.weekly_statistics;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_source + v_dep,
                              'counts', jsonb_build_object('source_weeks', v_source, 'departement_weeks', v_dep),
                              'payload', jsonb_build_object('resolution', 'multi_source'));
END $$;
