-- 59_consolidate_enrich.sql: enrichment of golden records from published reference data.
--
--   suggest_enrichments(resolution, rules) proposes, for each active entity, a better value
--   of one golden field taken from a reference (nightjar_ref.<name>, 58_reference.sql), as
--   a suggestion of kind 'enrich' with the reference row as evidence — or applies it at
--   once as a correction when the rule says "apply": true.
--
-- Rules (a JSON array; identifiers quoted with format('%I')):
--   {"name": "postcode_from_address", "kind": "lookup", "field": "postcode",
--    "reference": "address", "match": {"address": "address", "town": "town"}, "take": "postcode"}
--      a reference row whose match columns equal the golden fields (case and outer blanks
--      ignored) and whose "take" column is the only value they agree on proposes it;
--   {"name": "successor", "kind": "successor", "field": "siret", "reference": "company",
--    "key": "siret", "status": "status", "closed": "closed", "successor": "successor_siret"}
--      a golden field naming a reference row whose status is "closed" and which has a
--      successor proposes the successor.
-- A field with a manual correction is never proposed; a value rejected once for an entity's
-- field is not proposed again; a pending proposal whose value the golden record now has,
-- or whose entity is no longer active, becomes obsolete.

-- suggest_enrichments runs enrichment rules over a resolution's golden records; returns
-- the step protocol's jsonb (counts per rule: proposed, applied).
CREATE FUNCTION nightjar.suggest_enrichments(resolution text, rules jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    v_name text := suggest_enrichments.resolution;
    v_rule jsonb;
    v_pos integer := 0;
    v_where text;
    v_ref regclass;
    v_version text;
    v_join text;
    v_cand text;
    v_n bigint;
    v_counts jsonb := '{}';
    v_total bigint := 0;
    v_obsolete bigint;
    c record;
BEGIN
    PERFORM nightjar.ensure_storage();
    IF rules IS NULL OR jsonb_typeof(rules) <> 'array' THEN
        RAISE EXCEPTION 'nightjar: enrichment rules must be a JSON array of rule objects, not %',
            nightjar._cut((coalesce(jsonb_typeof(rules), 'NULL'))::text) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE nightjar.suggestion s SET status = 'obsolete', decided_at = now(), decided_by = 'nightjar.suggest_enrichments'
    WHERE s.resolution = v_name AND s.kind = 'enrich' AND s.status = 'pending'
      AND NOT EXISTS (SELECT 1 FROM nightjar.golden_record g JOIN nightjar.entity e USING (entity_id)
                      WHERE g.entity_id = s.entity_a AND e.status = 'active' AND g.fields -> s.field IS DISTINCT FROM s.value);
    GET DIAGNOSTICS v_obsolete = ROW_COUNT;
    FOR v_rule IN SELECT r FROM jsonb_array_elements(rules) AS r LOOP
        v_pos := v_pos + 1;
        v_where := format('nightjar: enrichment rule %s (%s)', v_pos, coalesce(v_rule ->> 'name', 'unnamed'));
        IF jsonb_typeof(v_rule) <> 'object' OR v_rule ->> 'kind' IS NULL OR v_rule ->> 'kind' NOT IN ('lookup', 'successor') THEN
            RAISE EXCEPTION '%: "kind" must be lookup or successor', v_where USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(v_rule -> 'field') IS DISTINCT FROM 'string' OR jsonb_typeof(v_rule -> 'reference') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION '%: "field" and "reference" must be strings', v_where USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_ref := to_regclass(format('nightjar_ref.%I', v_rule ->> 'reference'));
        SELECT r.published_version INTO v_version FROM nightjar.reference r WHERE r.name = v_rule ->> 'reference';
        IF v_ref IS NULL OR v_version IS NULL THEN
            RAISE EXCEPTION '%: reference "%" has no published version', v_where, left(v_rule ->> 'reference', 64)
                USING ERRCODE = 'invalid_parameter_value', HINT = 'publish one with nightjar.publish_reference(name, version)';
        END IF;
        -- v_cand: one row per entity with the value to propose (entity_id, value, evidence).
        IF v_rule ->> 'kind' = 'lookup' THEN
            IF jsonb_typeof(v_rule -> 'match') IS DISTINCT FROM 'object' OR (SELECT count(*) FROM jsonb_object_keys(v_rule -> 'match')) = 0
               OR jsonb_typeof(v_rule -> 'take') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION '%: a lookup needs "match" ({golden field: reference column}) and "take" (a reference column)',
                    v_where USING ERRCODE = 'invalid_parameter_value';
            END IF;
            SELECT string_agg(format('lower(btrim(g.fields ->> %L)) = lower(btrim(r.%I::text))', m.key, m.value #>> '{}'), ' AND ')
            INTO v_join FROM jsonb_each(v_rule -> 'match') AS m;
            v_cand := format('SELECT g.entity_id, (array_agg(to_jsonb(r.%1$I)))[1] AS value, (array_agg(to_jsonb(r)))[1] AS evidence '
                             'FROM nightjar.golden_record g JOIN nightjar.entity e USING (entity_id) JOIN %2$s r ON %3$s '
                             'WHERE g.resolution = $1 AND e.status = ''active'' AND r.%1$I IS NOT NULL '
                             'GROUP BY g.entity_id, g.fields HAVING count(DISTINCT r.%1$I::text) = 1 '
                             'AND g.fields ->> $2 IS DISTINCT FROM min(r.%1$I::text)',
                             v_rule ->> 'take', v_ref, v_join);
        ELSE
            IF jsonb_typeof(v_rule -> 'key') IS DISTINCT FROM 'string' OR jsonb_typeof(v_rule -> 'status') IS DISTINCT FROM 'string'
               OR jsonb_typeof(v_rule -> 'closed') IS DISTINCT FROM 'string' OR jsonb_typeof(v_rule -> 'successor') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION '%: a successor rule needs "key", "status", "closed" and "successor"', v_where
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_cand := format('SELECT g.entity_id, to_jsonb(r.%1$I) AS value, to_jsonb(r) AS evidence '
                             'FROM nightjar.golden_record g JOIN nightjar.entity e USING (entity_id) '
                             'JOIN %2$s r ON r.%3$I::text = g.fields ->> $2 '
                             'WHERE g.resolution = $1 AND e.status = ''active'' AND r.%4$I::text = %5$L AND r.%1$I IS NOT NULL '
                             'AND r.%1$I::text IS DISTINCT FROM g.fields ->> $2',
                             v_rule ->> 'successor', v_ref, v_rule ->> 'key', v_rule ->> 'status', v_rule ->> 'closed');
        END IF;
        -- Leave out corrected fields and values rejected before.
        v_cand := format('SELECT c.* FROM (%s) c WHERE NOT EXISTS (SELECT 1 FROM nightjar.entity_correction ec '
                         'WHERE ec.entity_id = c.entity_id AND ec.field = $2) '
                         'AND NOT EXISTS (SELECT 1 FROM nightjar.suggestion s WHERE s.kind = ''enrich'' AND s.status = ''rejected'' '
                         'AND s.entity_a = c.entity_id AND s.field = $2 AND s.value = c.value)', v_cand);
        IF coalesce((v_rule ->> 'apply')::boolean, false) THEN
            v_n := 0;
            FOR c IN EXECUTE v_cand USING v_name, v_rule ->> 'field' LOOP
                PERFORM nightjar.correct_entity(c.entity_id, v_rule ->> 'field', c.value,
                    format('enrichment rule %s applied from reference %s version %s', coalesce(v_rule ->> 'name', v_pos::text),
                           v_rule ->> 'reference', v_version));
                v_n := v_n + 1;
            END LOOP;
            v_counts := v_counts || jsonb_build_object(coalesce(v_rule ->> 'name', v_pos::text), jsonb_build_object('applied', v_n));
        ELSE
            EXECUTE format('INSERT INTO nightjar.suggestion (resolution, kind, entity_a, field, value, evidence, reason) '
                           'SELECT $1, ''enrich'', c.entity_id, $2, c.value, c.evidence, $3 FROM (%s) c '
                           'ON CONFLICT (entity_a, field) WHERE status = ''pending'' AND kind = ''enrich'' DO NOTHING', v_cand)
            USING v_name, v_rule ->> 'field',
                  format('%s rule %s: reference %s version %s', v_rule ->> 'kind', coalesce(v_rule ->> 'name', v_pos::text),
                         v_rule ->> 'reference', v_version);
            GET DIAGNOSTICS v_n = ROW_COUNT;
            v_counts := v_counts || jsonb_build_object(coalesce(v_rule ->> 'name', v_pos::text), jsonb_build_object('proposed', v_n));
        END IF;
        v_total := v_total + v_n;
    END LOOP;
    RETURN jsonb_build_object('rows_in', (SELECT count(*) FROM nightjar.entity e WHERE e.resolution = v_name AND e.status = 'active'),
                              'rows_out', v_total, 'counts', v_counts || jsonb_build_object('obsolete', v_obsolete),
                              'payload', jsonb_build_object('resolution', v_name));
END $$;
COMMENT ON FUNCTION nightjar.suggest_enrichments(text, jsonb) IS
    'runs enrichment rules (lookup: a field''s value from a reference row matching other golden fields; successor: a '
    'closed company''s successor) over a resolution''s golden records; proposes each change as a suggestion of kind '
    'enrich (accept_suggestion makes it a correction) or applies it when the rule says "apply": true';
