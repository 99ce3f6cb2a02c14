-- 57_consolidate_review.sql: what people do to entities, and what consolidation asks them.
--
--   correct_entity / remove_correction   manual corrections of golden fields (win over every rule)
--   accept_suggestion / reject_suggestion decide a suggested merge or split; the decision is
--                                        kept as a must-link or cannot-link between two records
--                                        (nightjar.link_constraint), honoured by every later run
--   _consolidate_suggestions             the suggestions of one consolidation run
--
-- A merge suggestion comes from a review-band pair (match_pair.status = 'review'):
-- accepting it is a must-link, rejecting it a cannot-link. A split suggestion comes from a
-- merge that touched an entity someone corrected (proposing to undo it): accepting it is a
-- cannot-link, rejecting it a must-link. A merge suggestion also comes from a split of a
-- corrected entity (proposing to join the part back).

-- _consolidate_suggestions writes the run's suggestions; returns (new, obsolete, touched).
CREATE FUNCTION nightjar._consolidate_suggestions(p_resolution text, p_ids jsonb,
                                                  OUT new_count bigint, OUT obsolete_count bigint,
                                                  OUT touched_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_levels jsonb;
BEGIN
    SELECT r.levels INTO v_levels FROM nightjar.resolution r WHERE r.name = p_resolution;
    -- Pending suggestions the night made pointless: a merge now done, a split now done,
    -- or a record gone.
    UPDATE nightjar.suggestion s SET status = 'obsolete', decided_at = now(), decided_by = 'nightjar.consolidate'
    WHERE s.resolution = p_resolution AND s.status = 'pending' AND s.kind <> 'enrich'
      AND NOT EXISTS (
          SELECT 1 FROM nightjar.entity_record a, nightjar.entity_record b
          WHERE a.resolution = p_resolution AND a.source = s.source_a AND a.key = s.key_a
            AND b.resolution = p_resolution AND b.source = s.source_b AND b.key = s.key_b
            AND (a.entity_id = b.entity_id) = (s.kind = 'split'));
    GET DIAGNOSTICS obsolete_count = ROW_COUNT;

    -- Review-band pairs between two entities: one suggestion per pair of entities (its most
    -- probable record pair), unless a pending suggestion or a decision (a link constraint)
    -- already joins records of the same two entities.
    IF to_regclass('nightjar.match_pair') IS NOT NULL THEN
        INSERT INTO nightjar.suggestion (resolution, kind, source_a, key_a, source_b, key_b, entity_a, entity_b,
                                         probability, evidence, reason)
        WITH cand AS (
            SELECT p.*, ea.entity_id AS e1, eb.entity_id AS e2,
                   least(ea.entity_id, eb.entity_id) AS lo, greatest(ea.entity_id, eb.entity_id) AS hi
            FROM (SELECT CASE WHEN a_first THEN m.source_a ELSE m.source_b END AS sa,
                         CASE WHEN a_first THEN m.key_a ELSE m.key_b END AS ka,
                         CASE WHEN a_first THEN m.source_b ELSE m.source_a END AS sb,
                         CASE WHEN a_first THEN m.key_b ELSE m.key_a END AS kb,
                         m.probability, m.levels
                  FROM nightjar.match_pair m,
                       LATERAL (SELECT (m.source_a, m.key_a) < (m.source_b, m.key_b) AS a_first) o
                  WHERE m.resolution = p_resolution AND m.status = 'review') p
            JOIN nightjar.entity_record ea ON ea.resolution = p_resolution AND ea.source = p.sa AND ea.key = p.ka
            JOIN nightjar.entity_record eb ON eb.resolution = p_resolution AND eb.source = p.sb AND eb.key = p.kb
            WHERE ea.entity_id <> eb.entity_id
        ), taken AS (
            SELECT least(x.entity_id, y.entity_id) AS lo, greatest(x.entity_id, y.entity_id) AS hi
            FROM nightjar.link_constraint lc
            JOIN nightjar.entity_record x ON x.resolution = p_resolution AND x.source = lc.source_a AND x.key = lc.key_a
            JOIN nightjar.entity_record y ON y.resolution = p_resolution AND y.source = lc.source_b AND y.key = lc.key_b
            WHERE lc.resolution = p_resolution
            UNION
            SELECT least(x.entity_id, y.entity_id), greatest(x.entity_id, y.entity_id)
            FROM nightjar.suggestion s
            JOIN nightjar.entity_record x ON x.resolution = p_resolution AND x.source = s.source_a AND x.key = s.key_a
            JOIN nightjar.entity_record y ON y.resolution = p_resolution AND y.source = s.source_b AND y.key = s.key_b
            WHERE s.resolution = p_resolution AND s.status = 'pending'
        )
        SELECT DISTINCT ON (c.lo, c.hi)
               p_resolution, 'merge', c.sa, c.ka, c.sb, c.kb, c.e1, c.e2, c.probability,
               coalesce((SELECT jsonb_object_agg(lv ->> 'field',
                                                 CASE WHEN c.levels[i] IS NOT NULL THEN lv -> 'levels' ->> c.levels[i] END)
                         FROM jsonb_array_elements(v_levels) WITH ORDINALITY AS l(lv, i)), '{}'),
               format('review band: match probability %s', round(c.probability::numeric, 3))
        FROM cand c
        WHERE NOT EXISTS (SELECT 1 FROM taken t WHERE t.lo = c.lo AND t.hi = c.hi)
        ORDER BY c.lo, c.hi, c.probability DESC, c.sa, c.ka, c.sb, c.kb
        ON CONFLICT (resolution, source_a, key_a, source_b, key_b) WHERE status = 'pending' AND kind <> 'enrich' DO NOTHING;
        GET DIAGNOSTICS new_count = ROW_COUNT;
    ELSE
        new_count := 0;
    END IF;

    -- Merges and splits tonight that touched an entity someone corrected: propose to undo.
    -- A merge of A into S: a split suggestion between S's first own record and A's first
    -- record (source, key order); a split of E into part P: a merge suggestion between E's
    -- first remaining record and P's first record.
    INSERT INTO nightjar.suggestion (resolution, kind, source_a, key_a, source_b, key_b, entity_a, entity_b, reason)
    SELECT p_resolution, ev.suggest, pr.source_a, pr.key_a, pr.source_b, pr.key_b, ev.keep_id, ev.other_id,
           format('%s of entity %s, which has manual corrections: %s', ev.kind, ev.keep_id, ev.reason)
    FROM (SELECT e ->> 'kind' AS kind, e ->> 'reason' AS reason,
                 CASE WHEN e ->> 'kind' = 'merged' THEN 'split' ELSE 'merge' END AS suggest,
                 CASE WHEN e ->> 'kind' = 'merged' THEN (e ->> 'other')::bigint ELSE (e ->> 'entity')::bigint END AS keep_id,
                 CASE WHEN e ->> 'kind' = 'merged' THEN (e ->> 'other')::bigint
                      ELSE pg_temp._nj_id((e ->> 'other')::bigint) END AS other_id,
                 (e ->> 'entity')::bigint AS other_prior
          FROM jsonb_array_elements(p_ids -> 'events') AS e
          WHERE e ->> 'kind' IN ('merged', 'split')) ev
    CROSS JOIN LATERAL (
        SELECT CASE WHEN a_first THEN a.source ELSE b.source END AS source_a,
               CASE WHEN a_first THEN a.key ELSE b.key END AS key_a,
               CASE WHEN a_first THEN b.source ELSE a.source END AS source_b,
               CASE WHEN a_first THEN b.key ELSE a.key END AS key_b
        FROM (SELECT pl.source, pl.key FROM pg_temp._nj_placed pl
              WHERE pl.entity_id = ev.keep_id AND pl.prior = ev.keep_id
              ORDER BY pl.source COLLATE "C", pl.key COLLATE "C" LIMIT 1) a,
             (SELECT pl.source, pl.key FROM pg_temp._nj_placed pl
              WHERE pl.entity_id = ev.other_id AND pl.prior = ev.other_prior
              ORDER BY pl.source COLLATE "C", pl.key COLLATE "C" LIMIT 1) b,
             LATERAL (SELECT (a.source, a.key) < (b.source, b.key) AS a_first) o
    ) pr
    WHERE EXISTS (SELECT 1 FROM nightjar.entity_correction ec WHERE ec.entity_id = ev.keep_id)
      AND NOT EXISTS (SELECT 1 FROM nightjar.link_constraint lc
                      WHERE lc.resolution = p_resolution AND lc.source_a = pr.source_a AND lc.key_a = pr.key_a
                        AND lc.source_b = pr.source_b AND lc.key_b = pr.key_b)
    ON CONFLICT (resolution, source_a, key_a, source_b, key_b) WHERE status = 'pending' AND kind <> 'enrich' DO NOTHING;
    GET DIAGNOSTICS touched_count = ROW_COUNT;
END $$;

-- _decide_suggestion records a decision on a pending suggestion as a link constraint.
CREATE FUNCTION nightjar._decide_suggestion(p_id bigint, p_accept boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    s nightjar.suggestion;
    v_kind text;
BEGIN
    PERFORM nightjar.ensure_storage();
    SELECT * INTO s FROM nightjar.suggestion x WHERE x.suggestion_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nightjar: no suggestion %', coalesce(p_id::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF s.status <> 'pending' THEN
        RAISE EXCEPTION 'nightjar: suggestion % is % already (by %, at %)', p_id, s.status, s.decided_by, s.decided_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF s.kind = 'enrich' THEN
        -- An accepted enrichment is a correction by the person who accepted it.
        IF p_accept THEN
            PERFORM nightjar.correct_entity(s.entity_a, s.field, s.value,
                                            format('enrichment accepted (suggestion %s): %s', s.suggestion_id, s.reason));
        END IF;
        UPDATE nightjar.suggestion x SET status = CASE WHEN p_accept THEN 'accepted' ELSE 'rejected' END,
            decided_at = now(), decided_by = current_user
        WHERE x.suggestion_id = p_id;
        RETURN jsonb_build_object('suggestion_id', p_id, 'status', CASE WHEN p_accept THEN 'accepted' ELSE 'rejected' END,
                                  'entity_id', s.entity_a, 'field', s.field, 'value', s.value,
                                  'applies', CASE WHEN p_accept THEN 'now, as a manual correction'
                                                  ELSE 'never: this value is not proposed again' END);
    END IF;
    v_kind := CASE WHEN (s.kind = 'merge') = p_accept THEN 'must_link' ELSE 'cannot_link' END;
    INSERT INTO nightjar.link_constraint AS lc (resolution, source_a, key_a, source_b, key_b, kind, suggestion_id)
    VALUES (s.resolution, s.source_a, s.key_a, s.source_b, s.key_b, v_kind, s.suggestion_id)
    ON CONFLICT (resolution, source_a, key_a, source_b, key_b) DO UPDATE
        SET kind = EXCLUDED.kind, suggestion_id = EXCLUDED.suggestion_id,
            decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at;
    UPDATE nightjar.suggestion x SET status = CASE WHEN p_accept THEN 'accepted' ELSE 'rejected' END,
        decided_at = now(), decided_by = current_user
    WHERE x.suggestion_id = p_id;
    RETURN jsonb_build_object('suggestion_id', p_id, 'status', CASE WHEN p_accept THEN 'accepted' ELSE 'rejected' END,
                              'constraint', v_kind, 'records',
                              jsonb_build_array(jsonb_build_object('source', s.source_a, 'key', s.key_a),
                                                jsonb_build_object('source', s.source_b, 'key', s.key_b)),
                              'applies', 'at the next nightjar.consolidate(' || quote_literal(s.resolution) || ')');
END $$;

-- accept_suggestion applies a suggestion: a merge becomes a must-link, a split a cannot-link.
CREATE FUNCTION nightjar.accept_suggestion(id bigint) RETURNS jsonb
LANGUAGE sql AS $$ SELECT nightjar._decide_suggestion(id, true) $$;
COMMENT ON FUNCTION nightjar.accept_suggestion(bigint) IS
    'accepts a pending suggestion: a merge is kept as a must-link, a split as a cannot-link between its two records '
    '(nightjar.link_constraint), applied by the next nightjar.consolidate and every one after; an enrichment '
    'becomes a manual correction at once';

-- reject_suggestion refuses a suggestion: a merge becomes a cannot-link, a split a must-link.
CREATE FUNCTION nightjar.reject_suggestion(id bigint) RETURNS jsonb
LANGUAGE sql AS $$ SELECT nightjar._decide_suggestion(id, false) $$;
COMMENT ON FUNCTION nightjar.reject_suggestion(bigint) IS
    'rejects a pending suggestion: a merge is kept as a cannot-link, a split as a must-link between its two records; '
    'the pair is never suggested again (an enrichment: that value is not proposed again for that field)';

-- correct_entity sets a golden field by hand; it wins over every rule and survives runs.
CREATE FUNCTION nightjar.correct_entity(entity_id bigint, field text, value jsonb, note text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_id bigint := correct_entity.entity_id;
    v_field text := correct_entity.field;
    v_value jsonb := correct_entity.value;
    v_status text;
BEGIN
    PERFORM nightjar.ensure_storage();
    SELECT e.status INTO v_status FROM nightjar.entity e WHERE e.entity_id = v_id FOR UPDATE;
    IF v_status = 'merged' THEN
        RAISE EXCEPTION 'nightjar: entity % was merged into entity %', v_id,
            (SELECT e.merged_into FROM nightjar.entity e WHERE e.entity_id = v_id)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'correct the entity it was merged into (nightjar_api.entity_redirect)';
    ELSIF v_status IS DISTINCT FROM 'active' THEN
        RAISE EXCEPTION 'nightjar: entity % is %', coalesce(v_id::text, 'NULL'), coalesce(v_status, 'unknown')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_field IS NULL OR v_field = '' OR v_value IS NULL THEN
        RAISE EXCEPTION 'nightjar: correct_entity needs a field name and a value (jsonb; ''null'' for an empty field)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO nightjar.entity_correction AS c (entity_id, field, value, note)
    VALUES (v_id, v_field, v_value, correct_entity.note)
    ON CONFLICT (entity_id, field) DO UPDATE
        SET value = EXCLUDED.value, note = EXCLUDED.note, who = current_user, at = now();
    -- The golden record shows it at once (a manual value needs no survivorship).
    UPDATE nightjar.golden_record g SET fields = jsonb_set(g.fields, ARRAY[v_field], v_value), updated_at = now()
    WHERE g.entity_id = v_id;
    INSERT INTO nightjar.entity_field_source (entity_id, field, source, key, rule)
    SELECT v_id, v_field, NULL, NULL, 'manual' WHERE EXISTS (SELECT 1 FROM nightjar.golden_record g WHERE g.entity_id = v_id)
    ON CONFLICT (entity_id, field) DO UPDATE SET source = NULL, key = NULL, rule = 'manual';
END $$;
COMMENT ON FUNCTION nightjar.correct_entity(bigint, text, jsonb, text) IS
    'sets a golden field of an active entity by hand (who: current_user, when: now()); it wins over every '
    'survivorship rule, shows at once, survives later runs and follows its entity through a merge';

-- remove_correction removes a manual correction; the next run recomputes the field.
CREATE FUNCTION nightjar.remove_correction(entity_id bigint, field text) RETURNS boolean
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM nightjar.ensure_storage();
    DELETE FROM nightjar.entity_correction c
    WHERE c.entity_id = remove_correction.entity_id AND c.field = remove_correction.field;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE nightjar.golden_record g SET stale = true WHERE g.entity_id = remove_correction.entity_id;
    RETURN true;
END $$;
COMMENT ON FUNCTION nightjar.remove_correction(bigint, text) IS
    'removes a manual correction; the golden record is recomputed by the next nightjar.consolidate';
