-- 64_monitoring_steps.sql: loading states and the first two steps of the
-- structure-monitoring pipeline (docs/monitoring.md, "Steps"): validation and matching.
-- Steps follow the step protocol: fn(payload jsonb) returns {"rows_in", "rows_out",
-- "counts", "payload"}; the dispatcher emits. Each step first deletes its own earlier
-- results for the load, so re-running it on the same input changes nothing.
--
-- A state, as the provider sends it:
--   {"structure": "S0001", "state_id": "S0001-20261130", "measured_at": "2026-11-30T02:00:00Z",
--    "sensors": ["A01", "A02", ...],
--    "modes": [{"number": 11, "frequency": 2.41, "damping": 0.021, "mcf": 0.08,
--               "shape": [[x, y, z], ...one per sensor, in the order of "sensors"]}, ...]}

-- _monitoring_load_id returns a step payload's load_id (or raises) once the data tables exist.
CREATE FUNCTION nightjar._monitoring_load_id(payload jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := (payload ->> 'load_id')::bigint;
BEGIN
    IF v_load IS NULL THEN
        PERFORM nightjar._monitoring_bad(format('payload needs a load_id, not %s', left(payload::text, 64)));
    END IF;
    PERFORM nightjar.ensure_storage();
    RETURN v_load;
END $$;

-- monitoring_load_states stores states (a JSON array) as one load and returns its id;
-- with emit, announces it on monitoring.states_loaded to the pipeline named (its steps
-- match on the payload's "pipeline", so two monitoring pipelines never take the same
-- load). A state already stored (same structure and state_id) is skipped.
CREATE FUNCTION nightjar.monitoring_load_states(states jsonb, emit boolean DEFAULT true,
                                               pipeline text DEFAULT 'structure_monitoring') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint;
BEGIN
    IF states IS NULL OR jsonb_typeof(states) <> 'array' THEN
        PERFORM nightjar._monitoring_bad(format('states must be a JSON array of states, not %s',
                                                coalesce(left(states::text, 64), 'NULL')));
    END IF;
    PERFORM nightjar.ensure_storage();
    v_load := nextval('nightjar.monitoring_load_seq');
    INSERT INTO nightjar.monitoring_state_raw (load_id, structure_ref, provider_state_id, payload)
    SELECT v_load, s ->> 'structure', s ->> 'state_id', s
    FROM jsonb_array_elements(states) s
    ON CONFLICT (structure_ref, provider_state_id) DO NOTHING;
    IF emit THEN
        PERFORM nightjar.emit('monitoring.states_loaded', jsonb_build_object('load_id', v_load, 'pipeline', pipeline));
    END IF;
    RETURN v_load;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_load_states(jsonb, boolean, text) IS
    'stores provider states (a JSON array) as one load and returns its load_id; emit: announce it on '
    'monitoring.states_loaded ({"load_id", "pipeline"}) to that pipeline; states already stored are skipped';

-- monitoring_import_batch is a step: it copies the records of a staged batch (runner, any
-- source whose records are states) into monitoring_state_raw as one load.
CREATE FUNCTION nightjar.monitoring_import_batch(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_batch bigint := (payload ->> 'batch_id')::bigint;
    v_load bigint;
    v_in bigint;
    v_out bigint;
BEGIN
    IF v_batch IS NULL THEN
        PERFORM nightjar._monitoring_bad(format('payload needs a batch_id, not %s', left(payload::text, 64)));
    END IF;
    PERFORM nightjar.ensure_storage();
    v_load := nextval('nightjar.monitoring_load_seq');
    SELECT count(*) INTO v_in FROM nightjar.raw_record r WHERE r.batch_id = v_batch;
    INSERT INTO nightjar.monitoring_state_raw (load_id, structure_ref, provider_state_id, payload)
    SELECT v_load, r.payload ->> 'structure', r.payload ->> 'state_id', r.payload
    FROM nightjar.raw_record r WHERE r.batch_id = v_batch ORDER BY r.record_no
    ON CONFLICT (structure_ref, provider_state_id) DO NOTHING;
    GET DIAGNOSTICS v_out = ROW_COUNT;
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_out,
                              'counts', jsonb_build_object('already_stored', v_in - v_out),
                              'payload', jsonb_build_object('load_id', v_load, 'batch_id', v_batch, 'pipeline',
                                  (SELECT p.name FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                                   WHERE r.run_id = nullif(current_setting('nightjar.run_id', true), '')::bigint)));
END $$;

-- _monitoring_number returns a JSON value as float8 when it is a finite number, else NULL.
CREATE FUNCTION nightjar._monitoring_number(v jsonb) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN nightjar._monitoring_finite(v) THEN v::text::float8 END
$$;

-- _monitoring_finite says whether a JSON value is a number a float8 holds (0, or a
-- magnitude in [1e-300, 1e300]): jsonb keeps any numeric, float8 would refuse 1e400.
CREATE FUNCTION nightjar._monitoring_finite(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'number'
                THEN v::text::numeric = 0 OR abs(v::text::numeric) BETWEEN 1e-300 AND 1e300 ELSE false END
$$;

-- _monitoring_array renders the JSON array a jsonpath selects as an array literal (text):
-- '[[1, 2], [3, 4]]' -> '{{1, 2}, {3, 4}}', to be cast to float8[] or integer[]. For
-- numbers and nested arrays of numbers only (validated states).
CREATE FUNCTION nightjar._monitoring_array(payload jsonb, path jsonpath) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(jsonb_path_query_array(payload, path)::text, '[]', '{}')
$$;

-- _monitoring_timestamp parses an ISO 8601 timestamp, or returns NULL.
CREATE FUNCTION nightjar._monitoring_timestamp(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF t IS NULL OR t !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN t::timestamptz;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;

-- _monitoring_state_errors returns the coherence rules a state breaks (empty: none).
CREATE FUNCTION nightjar._monitoring_state_errors(p jsonb) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r text[] := '{}';
    v_sensors integer;
    m jsonb;
    i integer := 0;
    v_no jsonb;
    v_f float8;
    v_d float8;
    v_c float8;
    v_seen integer[] := '{}';
    v_shape_bad boolean;
    v_label text;  -- "mode 3 (number 12)": its place in the state and the provider's number
BEGIN
    IF jsonb_typeof(p) <> 'object' THEN
        RETURN ARRAY['the state is not a JSON object'];
    END IF;
    IF jsonb_typeof(p -> 'structure') <> 'string' OR p ->> 'structure' = '' THEN
        r := r || 'structure is missing or not a string'::text;
    END IF;
    IF jsonb_typeof(p -> 'state_id') <> 'string' OR p ->> 'state_id' = '' THEN
        r := r || 'state_id is missing or not a string'::text;
    END IF;
    IF nightjar._monitoring_timestamp(p ->> 'measured_at') IS NULL THEN
        r := r || format('measured_at is not an ISO 8601 timestamp: %s', coalesce(left(p ->> 'measured_at', 64), 'missing'));
    END IF;
    IF jsonb_typeof(p -> 'sensors') <> 'array' OR jsonb_array_length(p -> 'sensors') = 0 THEN
        r := r || 'sensors must be a non-empty array of sensor codes'::text;
        v_sensors := NULL;
    ELSE
        v_sensors := jsonb_array_length(p -> 'sensors');
        IF EXISTS (SELECT 1 FROM jsonb_array_elements(p -> 'sensors') s WHERE jsonb_typeof(s) <> 'string')
           OR (SELECT count(DISTINCT s) FROM jsonb_array_elements_text(p -> 'sensors') s) <> v_sensors THEN
            r := r || 'sensors must be distinct strings'::text;
        END IF;
    END IF;
    IF jsonb_typeof(p -> 'modes') <> 'array' OR jsonb_array_length(p -> 'modes') = 0 THEN
        RETURN r || 'modes must be a non-empty array'::text;
    END IF;
    FOR m IN SELECT x FROM jsonb_array_elements(p -> 'modes') x LOOP
        i := i + 1;
        v_no := m -> 'number';
        v_label := CASE WHEN jsonb_typeof(v_no) = 'number' THEN format('mode %s (number %s)', i, v_no) ELSE format('mode %s', i) END;
        IF jsonb_typeof(v_no) IS DISTINCT FROM 'number' OR v_no::text !~ '^\d{1,9}$' THEN
            r := r || format('%s: number must be an integer >= 0, not %s', v_label, coalesce(left(v_no::text, 32), 'missing'));
        ELSIF v_no::text::integer = ANY (v_seen) THEN
            r := r || format('%s appears twice', v_label);
        ELSE
            v_seen := v_seen || v_no::text::integer;
        END IF;
        v_f := nightjar._monitoring_number(m -> 'frequency');
        IF v_f IS NULL OR v_f <= 0 OR v_f = 'Infinity' THEN
            r := r || format('%s: frequency must be a finite number > 0, not %s', v_label, coalesce(left((m -> 'frequency')::text, 32), 'missing'));
        END IF;
        v_d := nightjar._monitoring_number(m -> 'damping');
        IF v_d IS NULL OR v_d < 0 OR v_d >= 1 THEN
            r := r || format('%s: damping must be in [0, 1), not %s', v_label, coalesce(left((m -> 'damping')::text, 32), 'missing'));
        END IF;
        v_c := nightjar._monitoring_number(m -> 'mcf');
        IF v_c IS NULL OR v_c < 0 OR v_c > 1 THEN
            r := r || format('%s: mcf must be in [0, 1], not %s', v_label, coalesce(left((m -> 'mcf')::text, 32), 'missing'));
        END IF;
        IF jsonb_typeof(m -> 'shape') <> 'array' OR jsonb_array_length(m -> 'shape') IS DISTINCT FROM v_sensors THEN
            r := r || format('%s: shape must hold one [x, y, z] per sensor (%s), not %s', v_label,
                             coalesce(v_sensors::text, '?'),
                             coalesce(CASE WHEN jsonb_typeof(m -> 'shape') = 'array' THEN jsonb_array_length(m -> 'shape')::text END, 'missing'));
        ELSE
            -- jsonpath, evaluated in C: a few microseconds per mode where a query per
            -- component took milliseconds (30 sensors x 3 components x 10 modes per state).
            v_shape_bad := jsonb_path_exists(m, 'strict $.shape[*] ? (@.type() != "array" || @.size() != 3)')
                OR jsonb_path_exists(m, 'strict $.shape[*][*] ? (@.type() != "number")')
                OR jsonb_path_exists(m, 'strict $.shape[*][*] ? (@.type() == "number" && (@ > 1e300 || @ < -1e300 || (@ != 0 && @ < 1e-300 && @ > -1e-300)))');
            IF v_shape_bad THEN
                r := r || format('%s: shape components must be [x, y, z] finite numbers', v_label);
            ELSIF NOT jsonb_path_exists(m, 'strict $.shape[*][*] ? (@ != 0)') THEN
                r := r || format('%s: shape is all zero', v_label);
            END IF;
        END IF;
    END LOOP;
    RETURN r;
END $$;

-- monitoring_validate_states is a step: each state of the load is "in_error" with the
-- coherence rules it breaks, or "to_match" with its values as arrays.
CREATE FUNCTION nightjar.monitoring_validate_states(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := nightjar._monitoring_load_id(payload);
    v_in bigint;
    v_ok bigint;
BEGIN
    DELETE FROM nightjar.monitoring_state_validation v WHERE v.load_id = v_load;
    INSERT INTO nightjar.monitoring_state_validation
        (state_id, load_id, status, reasons, structure_ref, measured_at, provider_modes, sensor_codes,
         frequency, damping, mcf, shape)
    SELECT r.state_id, v_load, CASE WHEN cardinality(e.errors) = 0 THEN 'to_match' ELSE 'in_error' END,
           nullif(e.errors, '{}'), r.payload ->> 'structure',
           nightjar._monitoring_timestamp(r.payload ->> 'measured_at'),
           -- The values as arrays, in the state's order: a jsonpath array rendered as text
           -- with its brackets turned into braces is an array literal; the shapes, with their
           -- inner brackets dropped, are the flat modes x sensors x 3 literal.
           CASE WHEN cardinality(e.errors) = 0 THEN nightjar._monitoring_array(r.payload, '$.modes[*].number')::integer[] END,
           CASE WHEN cardinality(e.errors) = 0 THEN
               ARRAY(SELECT c FROM jsonb_array_elements_text(r.payload -> 'sensors') WITH ORDINALITY x(c, i) ORDER BY i) END,
           CASE WHEN cardinality(e.errors) = 0 THEN nightjar._monitoring_array(r.payload, '$.modes[*].frequency')::float8[] END,
           CASE WHEN cardinality(e.errors) = 0 THEN nightjar._monitoring_array(r.payload, '$.modes[*].damping')::float8[] END,
           CASE WHEN cardinality(e.errors) = 0 THEN nightjar._monitoring_array(r.payload, '$.modes[*].mcf')::float8[] END,
           CASE WHEN cardinality(e.errors) = 0 THEN
               ('{' || translate(jsonb_path_query_array(r.payload, '$.modes[*].shape')::text, '[]', '') || '}')::float8[] END
    FROM nightjar.monitoring_state_raw r
    CROSS JOIN LATERAL (SELECT nightjar._monitoring_state_errors(r.payload) AS errors) e
    WHERE r.load_id = v_load;
    GET DIAGNOSTICS v_in = ROW_COUNT;
    SELECT count(*) INTO v_ok FROM nightjar.monitoring_state_validation v WHERE v.load_id = v_load AND v.status = 'to_match';
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_ok,
                              'counts', jsonb_build_object('to_match', v_ok, 'in_error', v_in - v_ok),
                              'payload', payload || jsonb_build_object('load_id', v_load));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_validate_states(jsonb) IS
    'step: validates the states of load payload.load_id (mode numbering, finite positive frequencies, damping in '
    '[0, 1), MCF in [0, 1], complete non-zero mode shapes) into monitoring_state_validation';

-- _monitoring_match_one attaches one validated state to its configuration; returns the
-- unmatched reason, or NULL with the reordered arrays in the OUT parameters.
CREATE FUNCTION nightjar._monitoring_match_one(
    p_structure_ref text, p_measured_at timestamptz, p_provider_modes integer[], p_sensor_codes text[],
    p_frequency float8[], p_damping float8[], p_mcf float8[], p_shape float8[], OUT reason text, OUT structure_id bigint, OUT policy_version_id bigint,
    OUT frequency float8[], OUT damping float8[], OUT mcf float8[], OUT shape float8[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_modes integer[];    -- per internal mode, its index in the state (1-based)
    v_sensors integer[];  -- per internal sensor, its index in the state
    v_missing text;
    v_s integer := cardinality(p_sensor_codes);
BEGIN
    SELECT s.structure_id INTO structure_id FROM nightjar.monitoring_structure s WHERE s.external_id = p_structure_ref;
    IF structure_id IS NULL THEN
        reason := format('unknown structure %s', quote_literal(left(p_structure_ref, 64)));
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nightjar.monitoring_reference_state r WHERE r.structure_id = _monitoring_match_one.structure_id) THEN
        reason := format('structure %s has no reference state', quote_literal(p_structure_ref));
        RETURN;
    END IF;
    SELECT string_agg(format('mode %s (provider mode %s)', m.mode_no, m.provider_no), ', ' ORDER BY m.mode_no)
    INTO v_missing FROM nightjar.monitoring_mode m
    WHERE m.structure_id = _monitoring_match_one.structure_id AND NOT m.provider_no = ANY (p_provider_modes);
    IF v_missing IS NOT NULL THEN
        reason := 'missing ' || v_missing;
        RETURN;
    END IF;
    SELECT string_agg(quote_literal(s.sensor_code), ', ' ORDER BY s.sensor_no)
    INTO v_missing FROM nightjar.monitoring_sensor s
    WHERE s.structure_id = _monitoring_match_one.structure_id AND NOT s.sensor_code = ANY (p_sensor_codes);
    IF v_missing IS NOT NULL THEN
        reason := 'missing sensor ' || v_missing;
        RETURN;
    END IF;
    policy_version_id := nightjar.monitoring_policy_at(structure_id, p_measured_at);
    IF policy_version_id IS NULL THEN
        reason := format('no policy version in force at %s', p_measured_at);
        RETURN;
    END IF;
    v_modes := ARRAY(SELECT array_position(p_provider_modes, m.provider_no) FROM nightjar.monitoring_mode m
                     WHERE m.structure_id = _monitoring_match_one.structure_id ORDER BY m.mode_no);
    v_sensors := ARRAY(SELECT array_position(p_sensor_codes, s.sensor_code) FROM nightjar.monitoring_sensor s
                       WHERE s.structure_id = _monitoring_match_one.structure_id ORDER BY s.sensor_no);
    frequency := ARRAY(SELECT p_frequency[i] FROM unnest(v_modes) WITH ORDINALITY x(i, o) ORDER BY o);
    damping := ARRAY(SELECT p_damping[i] FROM unnest(v_modes) WITH ORDINALITY x(i, o) ORDER BY o);
    mcf := ARRAY(SELECT p_mcf[i] FROM unnest(v_modes) WITH ORDINALITY x(i, o) ORDER BY o);
    shape := ARRAY(SELECT p_shape[((mi - 1) * v_s + (si - 1)) * 3 + k]
                   FROM unnest(v_modes) WITH ORDINALITY a(mi, mo), unnest(v_sensors) WITH ORDINALITY b(si, so),
                        generate_series(1, 3) k
                   ORDER BY mo, so, k);
END $$;

-- monitoring_match_states is a step: each to_match state of the load is attached to its
-- structure, modes, sensors, reference state and the policy version in force at its
-- measurement time, or kept as unmatched with the reason.
CREATE FUNCTION nightjar.monitoring_match_states(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := nightjar._monitoring_load_id(payload);
    v_in bigint;
    v_ok bigint;
BEGIN
    DELETE FROM nightjar.monitoring_state_match m WHERE m.load_id = v_load;
    INSERT INTO nightjar.monitoring_state_match
        (state_id, load_id, status, reason, structure_id, policy_version_id, measured_at, frequency, damping, mcf, shape)
    SELECT v.state_id, v_load, CASE WHEN x.reason IS NULL THEN 'matched' ELSE 'unmatched' END, x.reason,
           x.structure_id, x.policy_version_id, v.measured_at, x.frequency, x.damping, x.mcf, x.shape
    FROM nightjar.monitoring_state_validation v
    CROSS JOIN LATERAL nightjar._monitoring_match_one(v.structure_ref, v.measured_at, v.provider_modes, v.sensor_codes,
                                                      v.frequency, v.damping, v.mcf, v.shape) x
    WHERE v.load_id = v_load AND v.status = 'to_match';
    GET DIAGNOSTICS v_in = ROW_COUNT;
    SELECT count(*) INTO v_ok FROM nightjar.monitoring_state_match m WHERE m.load_id = v_load AND m.status = 'matched';
    RETURN jsonb_build_object('rows_in', v_in, 'rows_out', v_ok,
                              'counts', jsonb_build_object('matched', v_ok, 'unmatched', v_in - v_ok),
                              'payload', payload || jsonb_build_object('load_id', v_load));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_match_states(jsonb) IS
    'step: attaches the to_match states of load payload.load_id to structure, modes, sensors, reference state and '
    'policy version in force at measured_at (monitoring_state_match; unmatched ones keep the reason)';
