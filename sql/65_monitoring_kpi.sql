-- 65_monitoring_kpi.sql: the last two steps of the structure-monitoring pipeline -- KPIs
-- (C++ core) and post-calculation (monitoring mode changes, history, notifications) --,
-- the manual mode change, and the pipeline's definition (docs/monitoring.md).

-- _monitoring_kpi computes and writes the KPI and level rows of one load's matched states
-- (extension/pg/monitoring_kpi.cpp); policies: _monitoring_policy_json of the versions used.
CREATE FUNCTION nightjar._monitoring_kpi(load_id bigint, policies jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'nightjar_monitoring_kpi' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

-- monitoring_compute_kpis is a step: the KPIs, levels and global level of every matched
-- state of the load, each row naming the policy version used (now frozen: used_at).
CREATE FUNCTION nightjar.monitoring_compute_kpis(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := nightjar._monitoring_load_id(payload);
    v_versions bigint[];
    v_result jsonb;
BEGIN
    DELETE FROM nightjar.monitoring_kpi k WHERE k.load_id = v_load;
    DELETE FROM nightjar.monitoring_level l WHERE l.load_id = v_load;
    SELECT coalesce(array_agg(DISTINCT m.policy_version_id), '{}') INTO v_versions
    FROM nightjar.monitoring_state_match m WHERE m.load_id = v_load AND m.status = 'matched';
    UPDATE nightjar.monitoring_policy_version v SET used_at = now()
    WHERE v.policy_version_id = ANY (v_versions) AND v.used_at IS NULL;
    v_result := nightjar._monitoring_kpi(v_load, nightjar._monitoring_policy_json(v_versions));
    RETURN v_result || jsonb_build_object('payload', payload || jsonb_build_object('load_id', v_load));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_compute_kpis(jsonb) IS
    'step: KPIs (deviations, MAC and pairing, COMAC, levels, global score and level) of the matched states of load '
    'payload.load_id into monitoring_kpi and monitoring_level, computed by the C++ core';

-- _monitoring_switch changes a structure's monitoring mode, records it in the history and
-- queues one notification per subscribed expert (dedup key: structure, history row, expert).
CREATE FUNCTION nightjar._monitoring_switch(p_structure_id bigint, p_to text, p_rule text, p_state_id bigint,
                                            p_level integer, p_by text, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    s nightjar.monitoring_structure;
    v_history bigint;
    v_kpi jsonb;
    v_count integer;
BEGIN
    SELECT * INTO STRICT s FROM nightjar.monitoring_structure x WHERE x.structure_id = p_structure_id FOR UPDATE;
    UPDATE nightjar.monitoring_structure x SET monitoring_mode = p_to, mode_changed_at = now()
    WHERE x.structure_id = p_structure_id;
    INSERT INTO nightjar.monitoring_state_history (structure_id, from_mode, to_mode, rule, state_id, global_level,
                                                   changed_by, reason)
    VALUES (p_structure_id, s.monitoring_mode, p_to, p_rule, p_state_id, p_level, p_by, p_reason)
    RETURNING history_id INTO v_history;
    SELECT jsonb_build_object('global_score', round(l.global_score::numeric, 4), 'global_level', l.global_level,
                              'policy_version', v.version, 'measured_at', l.measured_at,
                              'frequency_level', k.frequency_level, 'damping_level', k.damping_level,
                              'mcf_level', k.mcf_level, 'mac_level', k.mac_level, 'comac_level', k.comac_level)
    INTO v_kpi
    FROM nightjar.monitoring_level l JOIN nightjar.monitoring_kpi k USING (state_id)
    JOIN nightjar.monitoring_policy_version v ON v.policy_version_id = l.policy_version_id
    WHERE l.state_id = p_state_id;
    INSERT INTO nightjar.notification (kind, recipient, subject, body, payload, dedup_key)
    SELECT 'monitoring.mode_changed', e.email,
           format('%s: %s monitoring%s', s.external_id, lower(p_to),
                  CASE WHEN p_level IS NOT NULL THEN format(' (global level L%s)', p_level) ELSE '' END),
           format(E'Structure %s%s switched from %s to %s monitoring (%s, by %s).%s%s',
                  s.external_id, coalesce(' (' || s.name || ')', ''), s.monitoring_mode, p_to,
                  CASE p_rule WHEN 'trigger' THEN 'global level reached the trigger'
                              WHEN 'return_rule' THEN 'consecutive states below the return level'
                              ELSE 'manual change' END, p_by,
                  coalesce(E'\nReason: ' || p_reason, ''),
                  coalesce(E'\nState ' || p_state_id || ': ' || v_kpi::text, '')),
           jsonb_build_object('structure', s.external_id, 'from', s.monitoring_mode, 'to', p_to, 'rule', p_rule,
                              'state_id', p_state_id, 'global_level', p_level, 'history_id', v_history,
                              'kpi', v_kpi),
           format('monitoring:%s:%s:%s', s.external_id, v_history, e.email)
    FROM nightjar.monitoring_subscription sub JOIN nightjar.monitoring_expert e USING (expert_id)
    WHERE sub.structure_id = p_structure_id
    ON CONFLICT (dedup_key) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;

-- monitoring_postcalc is a step: in measurement order, each computed state of the load may
-- switch its structure to REINFORCED (global level >= the policy's trigger level) or back
-- to STANDARD (return_after consecutive states below return_level since it was reinforced).
CREATE FUNCTION nightjar.monitoring_postcalc(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := nightjar._monitoring_load_id(payload);
    r record;
    v_mode text;
    v_since timestamptz;
    v_below bigint;
    v_in bigint := 0;
    v_reinforced integer := 0;
    v_standard integer := 0;
    v_notes integer := 0;
BEGIN
    FOR r IN
        SELECT l.state_id, l.structure_id, l.measured_at, l.global_level, v.trigger_level, v.return_level, v.return_after
        FROM nightjar.monitoring_level l
        JOIN nightjar.monitoring_policy_version v ON v.policy_version_id = l.policy_version_id
        WHERE l.load_id = v_load AND l.postcalc_at IS NULL
        ORDER BY l.structure_id, l.measured_at, l.state_id
    LOOP
        v_in := v_in + 1;
        SELECT s.monitoring_mode INTO v_mode FROM nightjar.monitoring_structure s WHERE s.structure_id = r.structure_id;
        IF v_mode = 'STANDARD' AND r.global_level >= r.trigger_level THEN
            v_notes := v_notes + nightjar._monitoring_switch(r.structure_id, 'REINFORCED', 'trigger', r.state_id,
                                                             r.global_level, 'nightjar.monitoring_postcalc',
                                                             format('global level L%s >= trigger L%s', r.global_level, r.trigger_level));
            v_reinforced := v_reinforced + 1;
        ELSIF v_mode = 'REINFORCED' AND r.global_level < r.return_level THEN
            -- Consecutive states below return_level: those measured after both the switch
            -- to REINFORCED and the last state at or above return_level, up to this one.
            SELECT coalesce(max(coalesce(l.measured_at, h.changed_at)), '-infinity') INTO v_since
            FROM nightjar.monitoring_state_history h LEFT JOIN nightjar.monitoring_level l ON l.state_id = h.state_id
            WHERE h.structure_id = r.structure_id AND h.to_mode = 'REINFORCED';
            SELECT greatest(v_since, coalesce(max(l.measured_at), '-infinity')) INTO v_since
            FROM nightjar.monitoring_level l
            WHERE l.structure_id = r.structure_id AND l.global_level >= r.return_level AND l.measured_at <= r.measured_at;
            SELECT count(*) INTO v_below FROM nightjar.monitoring_level l
            WHERE l.structure_id = r.structure_id AND l.measured_at > v_since AND l.measured_at <= r.measured_at;
            IF v_below >= r.return_after THEN
                v_notes := v_notes + nightjar._monitoring_switch(r.structure_id, 'STANDARD', 'return_rule', r.state_id,
                                                                 r.global_level, 'nightjar.monitoring_postcalc',
                                                                 format('%s consecutive states below L%s', v_below, r.return_level));
                v_standard := v_standard + 1;
            END IF;
        END IF;
        UPDATE nightjar.monitoring_level l SET postcalc_at = now() WHERE l.state_id = r.state_id;
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_reinforced + v_standard,
                              'counts', jsonb_build_object('to_reinforced', v_reinforced, 'to_standard', v_standard,
                                                           'notifications', v_notes),
                              'payload', payload || jsonb_build_object('load_id', v_load));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_postcalc(jsonb) IS
    'step: switches structures to REINFORCED when a state''s global level reaches the policy''s trigger level, back '
    'to STANDARD after return_after consecutive states below return_level; history row and one notification per '
    'subscribed expert each time; each state is looked at once';

-- monitoring_set_mode changes a structure's monitoring mode by hand (recorded and notified like a rule).
CREATE FUNCTION nightjar.monitoring_set_mode(structure text, mode text, changed_by text, reason text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
BEGIN
    IF mode IS NULL OR mode NOT IN ('STANDARD', 'REINFORCED') THEN
        PERFORM nightjar._monitoring_bad(format('mode must be STANDARD or REINFORCED, not %s',
                                                coalesce(quote_literal(left(mode, 64)), 'NULL')));
    END IF;
    IF changed_by IS NULL OR btrim(changed_by) = '' THEN
        PERFORM nightjar._monitoring_bad('changed_by must name the person changing the mode');
    END IF;
    PERFORM nightjar.ensure_storage();
    IF (SELECT s.monitoring_mode FROM nightjar.monitoring_structure s WHERE s.structure_id = v_id) = mode THEN
        RETURN 0;  -- already in that mode: nothing recorded
    END IF;
    RETURN nightjar._monitoring_switch(v_id, mode, 'manual', NULL, NULL, changed_by, reason);
END $$;
COMMENT ON FUNCTION nightjar.monitoring_set_mode(text, text, text, text) IS
    'sets a structure''s monitoring mode by hand (history row rule manual, experts notified); returns the '
    'notifications queued (0 when the structure already was in that mode)';

-- monitoring_define_pipeline declares the structure-monitoring pipeline: validate → match →
-- kpi → postcalc, one run per load (lock key load_id), for the loads whose payload names
-- it ("pipeline", see monitoring_load_states); with `source`, an import step turns that
-- source's staged batches (runner) into loads for it.
CREATE FUNCTION nightjar.monitoring_define_pipeline(name text DEFAULT 'structure_monitoring', source text DEFAULT NULL,
                                                    max_attempts integer DEFAULT 3, backoff interval DEFAULT '30 seconds')
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_match jsonb := jsonb_build_object('pipeline', name);  -- the loads meant for this pipeline
BEGIN
    v_id := nightjar.define_pipeline(name, lock_key => 'load_id',
                                     description => 'structure monitoring: validate, match, KPIs, post-calculation');
    IF source IS NOT NULL THEN
        PERFORM nightjar.define_step(name, 'import', 'nightjar.monitoring_import_batch(jsonb)', 'batch.staged',
                                     'monitoring.states_loaded', max_attempts, backoff,
                                     match => jsonb_build_object('source', source));
    END IF;
    PERFORM nightjar.define_step(name, 'validate', 'nightjar.monitoring_validate_states(jsonb)',
                                 'monitoring.states_loaded', 'monitoring.states_validated', max_attempts, backoff, match => v_match);
    PERFORM nightjar.define_step(name, 'match', 'nightjar.monitoring_match_states(jsonb)',
                                 'monitoring.states_validated', 'monitoring.states_matched', max_attempts, backoff, match => v_match);
    PERFORM nightjar.define_step(name, 'kpi', 'nightjar.monitoring_compute_kpis(jsonb)',
                                 'monitoring.states_matched', 'monitoring.kpis_computed', max_attempts, backoff, match => v_match);
    PERFORM nightjar.define_step(name, 'postcalc', 'nightjar.monitoring_postcalc(jsonb)',
                                 'monitoring.kpis_computed', NULL, max_attempts, backoff, match => v_match);
    RETURN v_id;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_pipeline(text, text, integer, interval) IS
    'defines the structure-monitoring pipeline (validate -> match -> kpi -> postcalc on monitoring.* topics, one run '
    'per load_id); source: also import the runner''s staged batches of that source';
