-- 62_monitoring_policy.sql: the configuration API of structure monitoring
-- (docs/monitoring.md, "Configuration"). Every function checks its arguments and raises
-- 22023 with the offending value; the tables' own constraints (61_monitoring_config.sql)
-- are the second line. Policy edits go to the structure's latest version when no state
-- has used it yet, otherwise to a copy of it valid from now (copy-on-write): a result
-- row always names the version that was in force, and that version never changes.

-- _monitoring_bad raises 22023 with a message; a helper for one-line checks.
CREATE FUNCTION nightjar._monitoring_bad(message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'nightjar: %', message USING ERRCODE = 'invalid_parameter_value';
END $$;

-- _monitoring_structure_id returns the id of the structure with this external id, or raises.
CREATE FUNCTION nightjar._monitoring_structure_id(p_structure text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT s.structure_id INTO v_id FROM nightjar.monitoring_structure s WHERE s.external_id = p_structure;
    IF v_id IS NULL THEN
        PERFORM nightjar._monitoring_bad(format('structure %s does not exist',
                                                coalesce(quote_literal(left(p_structure, 64)), 'NULL')));
    END IF;
    RETURN v_id;
END $$;

-- _monitoring_default_rows adds, to version p_version, the default alpha and thresholds of
-- every mode and the comac thresholds of every sensor that has none, and makes phi uniform
-- over the sensors when a sensor was added.
CREATE FUNCTION nightjar._monitoring_default_rows(p_version bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint;
    v_sensors integer;
BEGIN
    SELECT v.structure_id INTO STRICT v_structure FROM nightjar.monitoring_policy_version v
    WHERE v.policy_version_id = p_version;
    INSERT INTO nightjar.monitoring_policy_alpha (policy_version_id, mode_no, frequency, damping, mcf, mac)
    SELECT p_version, m.mode_no, d.alpha[1], d.alpha[2], d.alpha[3], d.alpha[4]
    FROM nightjar.monitoring_mode m CROSS JOIN nightjar.monitoring_default_policy d
    WHERE m.structure_id = v_structure
    ON CONFLICT DO NOTHING;
    INSERT INTO nightjar.monitoring_policy_threshold (policy_version_id, kpi, item_no, absolute, relative)
    SELECT p_version, t.kpi, m.mode_no, t.absolute, t.relative
    FROM nightjar.monitoring_mode m CROSS JOIN nightjar.monitoring_default_threshold t
    WHERE m.structure_id = v_structure AND t.kpi <> 'comac'
    UNION ALL
    SELECT p_version, t.kpi, s.sensor_no, t.absolute, t.relative
    FROM nightjar.monitoring_sensor s CROSS JOIN nightjar.monitoring_default_threshold t
    WHERE s.structure_id = v_structure AND t.kpi = 'comac'
    ON CONFLICT DO NOTHING;
    SELECT count(*) INTO v_sensors FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_structure;
    IF v_sensors > 0 AND v_sensors <> (SELECT count(*) FROM nightjar.monitoring_policy_phi p
                                      WHERE p.policy_version_id = p_version) THEN
        DELETE FROM nightjar.monitoring_policy_phi p WHERE p.policy_version_id = p_version;
        INSERT INTO nightjar.monitoring_policy_phi (policy_version_id, sensor_no, phi)
        SELECT p_version, s.sensor_no, 1.0 / v_sensors FROM nightjar.monitoring_sensor s
        WHERE s.structure_id = v_structure;
    END IF;
END $$;

-- _monitoring_editable_version returns the structure's version to edit: its latest one if
-- no state has used it, else a new copy of it valid from now (copy-on-write).
CREATE FUNCTION nightjar._monitoring_editable_version(p_structure_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v nightjar.monitoring_policy_version;
    v_new bigint;
BEGIN
    SELECT * INTO v FROM nightjar.monitoring_policy_version x WHERE x.structure_id = p_structure_id
    ORDER BY x.version DESC LIMIT 1 FOR UPDATE;
    IF v.policy_version_id IS NULL THEN  -- a new structure: the default policy, valid from always
        INSERT INTO nightjar.monitoring_policy_version
            (structure_id, version, valid_from, rho, beta, global_thresholds, trigger_level, return_level,
             return_after, schedule_standard, schedule_reinforced)
        SELECT p_structure_id, 1, '-infinity', d.rho, d.beta, d.global_thresholds, d.trigger_level, d.return_level,
               d.return_after, d.schedule_standard, d.schedule_reinforced
        FROM nightjar.monitoring_default_policy d
        RETURNING policy_version_id INTO v_new;
        PERFORM nightjar._monitoring_default_rows(v_new);
        RETURN v_new;
    END IF;
    IF v.used_at IS NULL THEN
        RETURN v.policy_version_id;
    END IF;
    INSERT INTO nightjar.monitoring_policy_version
        (structure_id, version, valid_from, rho, beta, global_thresholds, trigger_level, return_level,
         return_after, schedule_standard, schedule_reinforced)
    VALUES (p_structure_id, v.version + 1, greatest(now(), v.valid_from + interval '1 microsecond'), v.rho, v.beta,
            v.global_thresholds, v.trigger_level, v.return_level, v.return_after, v.schedule_standard,
            v.schedule_reinforced)
    RETURNING policy_version_id INTO v_new;
    INSERT INTO nightjar.monitoring_policy_alpha (policy_version_id, mode_no, frequency, damping, mcf, mac)
    SELECT v_new, a.mode_no, a.frequency, a.damping, a.mcf, a.mac
    FROM nightjar.monitoring_policy_alpha a WHERE a.policy_version_id = v.policy_version_id;
    INSERT INTO nightjar.monitoring_policy_phi (policy_version_id, sensor_no, phi)
    SELECT v_new, p.sensor_no, p.phi FROM nightjar.monitoring_policy_phi p WHERE p.policy_version_id = v.policy_version_id;
    INSERT INTO nightjar.monitoring_policy_threshold (policy_version_id, kpi, item_no, absolute, relative)
    SELECT v_new, t.kpi, t.item_no, t.absolute, t.relative
    FROM nightjar.monitoring_policy_threshold t WHERE t.policy_version_id = v.policy_version_id;
    RETURN v_new;
END $$;

-- _monitoring_version_no returns the version number of a policy version id.
CREATE FUNCTION nightjar._monitoring_version_no(p_version bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT version FROM nightjar.monitoring_policy_version WHERE policy_version_id = p_version
$$;

-- monitoring_define_structure creates or updates a structure; a new one gets the default policy.
CREATE FUNCTION nightjar.monitoring_define_structure(external_id text, calculation_mode text DEFAULT 'RELATIVE',
                                                     name text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF external_id IS NULL OR external_id !~ '^[A-Za-z0-9_.:-]{1,64}$' THEN
        PERFORM nightjar._monitoring_bad(format('structure external_id must match ^[A-Za-z0-9_.:-]{1,64}$, not %s',
                                                coalesce(quote_literal(left(external_id, 64)), 'NULL')));
    END IF;
    IF calculation_mode IS NULL OR calculation_mode NOT IN ('ABSOLUTE', 'RELATIVE') THEN
        PERFORM nightjar._monitoring_bad(format('calculation_mode must be ABSOLUTE or RELATIVE, not %s',
                                                coalesce(quote_literal(left(calculation_mode, 64)), 'NULL')));
    END IF;
    INSERT INTO nightjar.monitoring_structure AS s (external_id, calculation_mode, name)
    VALUES (monitoring_define_structure.external_id, monitoring_define_structure.calculation_mode,
            monitoring_define_structure.name)
    ON CONFLICT ON CONSTRAINT monitoring_structure_external_id_key DO UPDATE
        SET calculation_mode = EXCLUDED.calculation_mode, name = coalesce(EXCLUDED.name, s.name)
    RETURNING structure_id INTO v_id;
    IF NOT EXISTS (SELECT 1 FROM nightjar.monitoring_policy_version v WHERE v.structure_id = v_id) THEN
        PERFORM nightjar._monitoring_editable_version(v_id);
    END IF;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_structure(text, text, text) IS
    'creates or updates a monitored structure (calculation mode ABSOLUTE or RELATIVE); a new structure gets a '
    'copy of the default policy as version 1, valid from always';

-- monitoring_define_mode maps internal mode mode_no to the provider's number provider_no.
CREATE FUNCTION nightjar.monitoring_define_mode(structure text, mode_no integer, provider_no integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
BEGIN
    IF mode_no IS NULL OR mode_no NOT BETWEEN 1 AND 1000 THEN
        PERFORM nightjar._monitoring_bad(format('mode_no must be between 1 and 1000, not %s', coalesce(mode_no::text, 'NULL')));
    END IF;
    IF mode_no > 1 AND NOT EXISTS (SELECT 1 FROM nightjar.monitoring_mode m
                                   WHERE m.structure_id = v_id AND m.mode_no = monitoring_define_mode.mode_no - 1) THEN
        PERFORM nightjar._monitoring_bad(format('modes are numbered 1, 2, ... without gaps: mode %s of structure %s comes first',
                                                mode_no - 1, quote_literal(structure)));
    END IF;
    IF provider_no IS NULL OR provider_no < 0 THEN
        PERFORM nightjar._monitoring_bad(format('provider_no must be >= 0, not %s', coalesce(provider_no::text, 'NULL')));
    END IF;
    IF EXISTS (SELECT 1 FROM nightjar.monitoring_mode m WHERE m.structure_id = v_id
               AND m.provider_no = monitoring_define_mode.provider_no AND m.mode_no <> monitoring_define_mode.mode_no) THEN
        PERFORM nightjar._monitoring_bad(format('provider mode %s is already mapped to another mode of structure %s',
                                                provider_no, quote_literal(structure)));
    END IF;
    INSERT INTO nightjar.monitoring_mode AS m (structure_id, mode_no, provider_no)
    VALUES (v_id, mode_no, provider_no)
    ON CONFLICT ON CONSTRAINT monitoring_mode_pkey DO UPDATE SET provider_no = EXCLUDED.provider_no;
    IF NOT EXISTS (SELECT 1 FROM nightjar.monitoring_policy_alpha a
                   JOIN nightjar.monitoring_policy_version v USING (policy_version_id)
                   WHERE v.structure_id = v_id AND a.mode_no = monitoring_define_mode.mode_no
                     AND v.version = (SELECT max(version) FROM nightjar.monitoring_policy_version x WHERE x.structure_id = v_id)) THEN
        PERFORM nightjar._monitoring_default_rows(nightjar._monitoring_editable_version(v_id));
    END IF;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_mode(text, integer, integer) IS
    'maps internal mode mode_no (1, 2, ... without gaps) of a structure to the provider''s mode number; a new '
    'mode gets the default alpha and thresholds in the policy';

-- monitoring_define_sensor maps internal sensor sensor_no to the provider's code.
CREATE FUNCTION nightjar.monitoring_define_sensor(structure text, sensor_no integer, sensor_code text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
    v_new boolean;
BEGIN
    IF sensor_no IS NULL OR sensor_no NOT BETWEEN 1 AND 10000 THEN
        PERFORM nightjar._monitoring_bad(format('sensor_no must be between 1 and 10000, not %s', coalesce(sensor_no::text, 'NULL')));
    END IF;
    IF sensor_no > 1 AND NOT EXISTS (SELECT 1 FROM nightjar.monitoring_sensor s
                                     WHERE s.structure_id = v_id AND s.sensor_no = monitoring_define_sensor.sensor_no - 1) THEN
        PERFORM nightjar._monitoring_bad(format('sensors are numbered 1, 2, ... without gaps: sensor %s of structure %s comes first',
                                                sensor_no - 1, quote_literal(structure)));
    END IF;
    IF sensor_code IS NULL OR sensor_code !~ '^[A-Za-z0-9_.:-]{1,64}$' THEN
        PERFORM nightjar._monitoring_bad(format('sensor_code must match ^[A-Za-z0-9_.:-]{1,64}$, not %s',
                                                coalesce(quote_literal(left(sensor_code, 64)), 'NULL')));
    END IF;
    v_new := NOT EXISTS (SELECT 1 FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_id
                         AND s.sensor_no = monitoring_define_sensor.sensor_no);
    INSERT INTO nightjar.monitoring_sensor (structure_id, sensor_no, sensor_code) VALUES (v_id, sensor_no, sensor_code)
    ON CONFLICT ON CONSTRAINT monitoring_sensor_pkey DO UPDATE SET sensor_code = EXCLUDED.sensor_code;
    IF v_new THEN  -- a new sensor: φ becomes uniform, COMAC thresholds from the default
        PERFORM nightjar._monitoring_default_rows(nightjar._monitoring_editable_version(v_id));
    END IF;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_sensor(text, integer, text) IS
    'maps internal sensor sensor_no (1, 2, ... without gaps) of a structure to the provider''s sensor code; a new '
    'sensor makes phi uniform over the sensors and gets the default COMAC thresholds';

-- monitoring_define_modes maps modes 1..n of a structure to provider_nos[1..n] in one call
-- (the policy's default rows are added once: defining a large fleet stays linear).
CREATE FUNCTION nightjar.monitoring_define_modes(structure text, provider_nos integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
BEGIN
    IF provider_nos IS NULL OR cardinality(provider_nos) = 0 OR array_ndims(provider_nos) <> 1
       OR cardinality(provider_nos) > 1000 OR EXISTS (SELECT 1 FROM unnest(provider_nos) p WHERE p IS NULL OR p < 0)
       OR (SELECT count(DISTINCT p) FROM unnest(provider_nos) p) <> cardinality(provider_nos) THEN
        PERFORM nightjar._monitoring_bad(format('provider_nos must be 1 to 1000 distinct numbers >= 0, not %s',
                                                left(coalesce(provider_nos::text, 'NULL'), 64)));
    END IF;
    IF EXISTS (SELECT 1 FROM nightjar.monitoring_mode m WHERE m.structure_id = v_id AND m.mode_no > cardinality(provider_nos)) THEN
        PERFORM nightjar._monitoring_bad(format('structure %s has more than %s modes already', quote_literal(structure),
                                                cardinality(provider_nos)));
    END IF;
    -- Two passes, so that numbers may move between modes without a transient duplicate.
    UPDATE nightjar.monitoring_mode m SET provider_no = 2147483647 - m.mode_no WHERE m.structure_id = v_id;
    INSERT INTO nightjar.monitoring_mode AS m (structure_id, mode_no, provider_no)
    SELECT v_id, o::integer, p FROM unnest(provider_nos) WITH ORDINALITY u(p, o)
    ON CONFLICT ON CONSTRAINT monitoring_mode_pkey DO UPDATE SET provider_no = EXCLUDED.provider_no;
    PERFORM nightjar._monitoring_default_rows(nightjar._monitoring_editable_version(v_id));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_modes(text, integer[]) IS
    'maps modes 1..n of a structure to the provider numbers given, in one call (defaults added once)';

-- monitoring_define_sensors maps sensors 1..n of a structure to sensor_codes[1..n] in one call.
CREATE FUNCTION nightjar.monitoring_define_sensors(structure text, sensor_codes text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
BEGIN
    IF sensor_codes IS NULL OR cardinality(sensor_codes) = 0 OR array_ndims(sensor_codes) <> 1
       OR cardinality(sensor_codes) > 10000
       OR EXISTS (SELECT 1 FROM unnest(sensor_codes) c WHERE c IS NULL OR c !~ '^[A-Za-z0-9_.:-]{1,64}$')
       OR (SELECT count(DISTINCT c) FROM unnest(sensor_codes) c) <> cardinality(sensor_codes) THEN
        PERFORM nightjar._monitoring_bad(format('sensor_codes must be 1 to 10000 distinct codes matching ^[A-Za-z0-9_.:-]{1,64}$, not %s',
                                                left(coalesce(sensor_codes::text, 'NULL'), 64)));
    END IF;
    IF EXISTS (SELECT 1 FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_id AND s.sensor_no > cardinality(sensor_codes)) THEN
        PERFORM nightjar._monitoring_bad(format('structure %s has more than %s sensors already', quote_literal(structure),
                                                cardinality(sensor_codes)));
    END IF;
    UPDATE nightjar.monitoring_sensor s SET sensor_code = '.' || s.sensor_no WHERE s.structure_id = v_id;
    INSERT INTO nightjar.monitoring_sensor AS s (structure_id, sensor_no, sensor_code)
    SELECT v_id, o::integer, c FROM unnest(sensor_codes) WITH ORDINALITY u(c, o)
    ON CONFLICT ON CONSTRAINT monitoring_sensor_pkey DO UPDATE SET sensor_code = EXCLUDED.sensor_code;
    PERFORM nightjar._monitoring_default_rows(nightjar._monitoring_editable_version(v_id));
END $$;
COMMENT ON FUNCTION nightjar.monitoring_define_sensors(text, text[]) IS
    'maps sensors 1..n of a structure to the sensor codes given, in one call (phi uniform when the count changed)';

-- monitoring_set_reference sets the structure's reference state (internal mode and sensor order).
CREATE FUNCTION nightjar.monitoring_set_reference(structure text, measured_at timestamptz, frequency float8[],
                                                  damping float8[], mcf float8[], shape float8[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := nightjar._monitoring_structure_id(structure);
    v_modes integer;
    v_sensors integer;
    v_flat float8[];
    v_zero integer;
BEGIN
    SELECT count(*) INTO v_modes FROM nightjar.monitoring_mode m WHERE m.structure_id = v_id;
    SELECT count(*) INTO v_sensors FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_id;
    IF v_modes = 0 OR v_sensors = 0 THEN
        PERFORM nightjar._monitoring_bad(format('structure %s needs its modes and sensors before a reference state', quote_literal(structure)));
    END IF;
    IF measured_at IS NULL OR frequency IS NULL OR damping IS NULL OR mcf IS NULL OR shape IS NULL THEN
        PERFORM nightjar._monitoring_bad('a reference state needs measured_at, frequency, damping, mcf and shape');
    END IF;
    IF cardinality(frequency) <> v_modes OR cardinality(damping) <> v_modes OR cardinality(mcf) <> v_modes THEN
        PERFORM nightjar._monitoring_bad(format('structure %s has %s modes: frequency, damping and mcf have %s, %s and %s values',
                                                quote_literal(structure), v_modes, cardinality(frequency),
                                                cardinality(damping), cardinality(mcf)));
    END IF;
    v_flat := ARRAY(SELECT x FROM unnest(shape) x);  -- any dimensions, row-major
    IF cardinality(v_flat) <> v_modes * v_sensors * 3 THEN
        PERFORM nightjar._monitoring_bad(format('shape must hold modes × sensors × 3 = %s values, not %s',
                                                v_modes * v_sensors * 3, cardinality(v_flat)));
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(frequency || damping || mcf || v_flat) x
               WHERE x IS NULL OR x IN ('NaN', 'Infinity', '-Infinity')) OR 0 >= ANY (frequency) THEN
        PERFORM nightjar._monitoring_bad('reference values must be finite, not NULL, and frequencies > 0');
    END IF;
    SELECT min(m) INTO v_zero FROM generate_series(1, v_modes) m
    WHERE NOT EXISTS (SELECT 1 FROM generate_series(1, v_sensors * 3) k WHERE v_flat[(m - 1) * v_sensors * 3 + k] <> 0);
    IF v_zero IS NOT NULL THEN
        PERFORM nightjar._monitoring_bad(format('the reference shape of mode %s is all zero', v_zero));
    END IF;
    INSERT INTO nightjar.monitoring_reference_state AS r (structure_id, measured_at, frequency, damping, mcf, shape)
    VALUES (v_id, measured_at, frequency, damping, mcf, v_flat)
    ON CONFLICT ON CONSTRAINT monitoring_reference_state_pkey DO UPDATE
        SET measured_at = EXCLUDED.measured_at, frequency = EXCLUDED.frequency, damping = EXCLUDED.damping,
            mcf = EXCLUDED.mcf, shape = EXCLUDED.shape, updated_at = now();
END $$;
COMMENT ON FUNCTION nightjar.monitoring_set_reference(text, timestamptz, float8[], float8[], float8[], float8[]) IS
    'sets the reference state of a structure: per internal mode frequency, damping, mcf; shape [mode][sensor][xyz] '
    '(or the same values flattened)';

-- monitoring_add_expert creates or renames an expert and returns its id.
CREATE FUNCTION nightjar.monitoring_add_expert(email text, name text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF email IS NULL OR email !~ '^[^@\s]+@[^@\s]+$' THEN
        PERFORM nightjar._monitoring_bad(format('expert email must look like name@domain, not %s',
                                                coalesce(quote_literal(left(email, 64)), 'NULL')));
    END IF;
    INSERT INTO nightjar.monitoring_expert AS e (email, name) VALUES (email, name)
    ON CONFLICT ON CONSTRAINT monitoring_expert_email_key DO UPDATE SET name = coalesce(EXCLUDED.name, e.name)
    RETURNING expert_id INTO v_id;
    RETURN v_id;
END $$;

-- monitoring_subscribe subscribes an expert to a structure's notifications.
CREATE FUNCTION nightjar.monitoring_subscribe(structure text, email text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint := nightjar._monitoring_structure_id(structure);
    v_expert bigint;
BEGIN
    SELECT e.expert_id INTO v_expert FROM nightjar.monitoring_expert e WHERE e.email = monitoring_subscribe.email;
    IF v_expert IS NULL THEN
        PERFORM nightjar._monitoring_bad(format('expert %s does not exist (nightjar.monitoring_add_expert)',
                                                coalesce(quote_literal(left(email, 64)), 'NULL')));
    END IF;
    INSERT INTO nightjar.monitoring_subscription VALUES (v_structure, v_expert) ON CONFLICT DO NOTHING;
END $$;

-- monitoring_set_policy changes the scalar parts of a structure's policy (NULL: unchanged);
-- returns the version number edited (a new one when the latest was used).
CREATE FUNCTION nightjar.monitoring_set_policy(
    structure text, rho float8 DEFAULT NULL, beta float8[] DEFAULT NULL, global_thresholds float8[] DEFAULT NULL,
    trigger_level integer DEFAULT NULL, return_level integer DEFAULT NULL, return_after integer DEFAULT NULL,
    schedule_standard interval DEFAULT NULL, schedule_reinforced interval DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint := nightjar._monitoring_structure_id(structure);
    v_version bigint;
    v nightjar.monitoring_policy_version;
BEGIN
    IF rho IS NOT NULL AND NOT (rho BETWEEN 0 AND 1) THEN
        PERFORM nightjar._monitoring_bad(format('rho must be in [0, 1], not %s', rho));
    END IF;
    IF beta IS NOT NULL AND NOT (nightjar._monitoring_sorted(beta, 5, false) AND beta[1] >= 0 AND beta[5] > 0) THEN
        PERFORM nightjar._monitoring_bad(format('beta must be 5 finite non-decreasing points, >= 0, with L5 > 0, not %s', beta));
    END IF;
    IF global_thresholds IS NOT NULL AND NOT nightjar._monitoring_sorted(global_thresholds, 4, true) THEN
        PERFORM nightjar._monitoring_bad(format('global thresholds must be s1 < s2 < s3 < s4 (4 finite values), not %s',
                                                global_thresholds));
    END IF;
    IF trigger_level IS NOT NULL AND trigger_level NOT BETWEEN 2 AND 5 THEN
        PERFORM nightjar._monitoring_bad(format('trigger_level must be between 2 and 5, not %s', trigger_level));
    END IF;
    IF return_level IS NOT NULL AND return_level NOT BETWEEN 2 AND 5 THEN
        PERFORM nightjar._monitoring_bad(format('return_level must be between 2 and 5, not %s', return_level));
    END IF;
    IF return_after IS NOT NULL AND return_after < 1 THEN
        PERFORM nightjar._monitoring_bad(format('return_after must be >= 1, not %s', return_after));
    END IF;
    IF schedule_standard <= '0' OR schedule_reinforced <= '0' THEN
        PERFORM nightjar._monitoring_bad('measurement schedules must be positive intervals');
    END IF;
    v_version := nightjar._monitoring_editable_version(v_structure);
    SELECT * INTO STRICT v FROM nightjar.monitoring_policy_version x WHERE x.policy_version_id = v_version;
    IF coalesce(return_level, v.return_level) > coalesce(trigger_level, v.trigger_level) THEN
        PERFORM nightjar._monitoring_bad(format('return_level (%s) must not exceed trigger_level (%s)',
                                                coalesce(return_level, v.return_level), coalesce(trigger_level, v.trigger_level)));
    END IF;
    UPDATE nightjar.monitoring_policy_version x
    SET rho = coalesce(monitoring_set_policy.rho, x.rho), beta = coalesce(monitoring_set_policy.beta, x.beta),
        global_thresholds = coalesce(monitoring_set_policy.global_thresholds, x.global_thresholds),
        trigger_level = coalesce(monitoring_set_policy.trigger_level, x.trigger_level),
        return_level = coalesce(monitoring_set_policy.return_level, x.return_level),
        return_after = coalesce(monitoring_set_policy.return_after, x.return_after),
        schedule_standard = coalesce(monitoring_set_policy.schedule_standard, x.schedule_standard),
        schedule_reinforced = coalesce(monitoring_set_policy.schedule_reinforced, x.schedule_reinforced)
    WHERE x.policy_version_id = v_version;
    RETURN v.version;
END $$;
COMMENT ON FUNCTION nightjar.monitoring_set_policy(text, float8, float8[], float8[], integer, integer, integer, interval, interval) IS
    'changes rho, beta (points of L1..L5), global thresholds s1<s2<s3<s4, trigger level, return rule and schedules '
    '(NULL: unchanged) of a structure''s policy; a version a state used is copied first; returns the version edited';

-- monitoring_set_alpha sets one mode's KPI weights (they must sum to 1); returns the version edited.
CREATE FUNCTION nightjar.monitoring_set_alpha(structure text, mode_no integer, frequency float8, damping float8,
                                              mcf float8, mac float8) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint := nightjar._monitoring_structure_id(structure);
    v_version bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nightjar.monitoring_mode m WHERE m.structure_id = v_structure
                   AND m.mode_no = monitoring_set_alpha.mode_no) THEN
        PERFORM nightjar._monitoring_bad(format('structure %s has no mode %s', quote_literal(structure), coalesce(mode_no::text, 'NULL')));
    END IF;
    IF frequency IS NULL OR damping IS NULL OR mcf IS NULL OR mac IS NULL
       OR least(frequency, damping, mcf, mac) < 0 OR abs(frequency + damping + mcf + mac - 1) > 1e-9 THEN
        PERFORM nightjar._monitoring_bad(format('alpha of mode %s must be 4 weights >= 0 summing to 1, not (%s, %s, %s, %s)',
                                                mode_no, frequency, damping, mcf, mac));
    END IF;
    v_version := nightjar._monitoring_editable_version(v_structure);
    UPDATE nightjar.monitoring_policy_alpha a
    SET frequency = monitoring_set_alpha.frequency, damping = monitoring_set_alpha.damping,
        mcf = monitoring_set_alpha.mcf, mac = monitoring_set_alpha.mac
    WHERE a.policy_version_id = v_version AND a.mode_no = monitoring_set_alpha.mode_no;
    RETURN nightjar._monitoring_version_no(v_version);
END $$;

-- monitoring_set_phi sets every sensor's COMAC weight from {"<sensor_code>": weight, ...}.
CREATE FUNCTION nightjar.monitoring_set_phi(structure text, phi jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint := nightjar._monitoring_structure_id(structure);
    v_version bigint;
    v_missing text;
    v_unknown text;
    v_sum float8;
BEGIN
    IF phi IS NULL OR jsonb_typeof(phi) <> 'object' THEN
        PERFORM nightjar._monitoring_bad('phi must be a JSON object {"<sensor_code>": weight, ...}');
    END IF;
    SELECT string_agg(s.sensor_code, ', ' ORDER BY s.sensor_no) INTO v_missing
    FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_structure AND NOT phi ? s.sensor_code;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_unknown FROM jsonb_object_keys(phi) k
    WHERE NOT EXISTS (SELECT 1 FROM nightjar.monitoring_sensor s WHERE s.structure_id = v_structure AND s.sensor_code = k);
    IF v_missing IS NOT NULL OR v_unknown IS NOT NULL THEN
        PERFORM nightjar._monitoring_bad(left(format('phi must give a weight to every sensor of %s: missing %s; unknown %s',
                                                     quote_literal(structure), coalesce(v_missing, 'none'),
                                                     coalesce(v_unknown, 'none')), 300));
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_each(phi) e WHERE jsonb_typeof(e.value) <> 'number' OR e.value::float8 < 0) THEN
        PERFORM nightjar._monitoring_bad('phi weights must be numbers >= 0');
    END IF;
    SELECT sum(e.value::float8) INTO v_sum FROM jsonb_each(phi) e;
    IF abs(v_sum - 1) > 1e-9 THEN
        PERFORM nightjar._monitoring_bad(format('phi weights must sum to 1, not %s', round(v_sum::numeric, 9)::float8));
    END IF;
    v_version := nightjar._monitoring_editable_version(v_structure);
    UPDATE nightjar.monitoring_policy_phi p SET phi = (monitoring_set_phi.phi ->> s.sensor_code)::float8
    FROM nightjar.monitoring_sensor s
    WHERE p.policy_version_id = v_version AND s.structure_id = v_structure AND s.sensor_no = p.sensor_no;
    RETURN nightjar._monitoring_version_no(v_version);
END $$;

-- monitoring_set_threshold sets the thresholds t1..t4 of one KPI type for one mode (sensor
-- for comac), or for all of them when item_no is NULL; returns the version edited.
CREATE FUNCTION nightjar.monitoring_set_threshold(structure text, kpi text, item_no integer,
                                                  absolute float8[], relative float8[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_structure bigint := nightjar._monitoring_structure_id(structure);
    v_version bigint;
BEGIN
    IF kpi IS NULL OR kpi NOT IN ('frequency', 'damping', 'mcf', 'mac', 'comac') THEN
        PERFORM nightjar._monitoring_bad(format('kpi must be frequency, damping, mcf, mac or comac, not %s',
                                                coalesce(quote_literal(left(kpi, 64)), 'NULL')));
    END IF;
    IF NOT nightjar._monitoring_sorted(absolute, 4, false) OR NOT nightjar._monitoring_sorted(relative, 4, false)
       OR absolute IS NULL OR relative IS NULL THEN
        PERFORM nightjar._monitoring_bad(format('thresholds must be 4 finite non-decreasing values t1 <= t2 <= t3 <= t4, not %s and %s',
                                                coalesce(absolute::text, 'NULL'), coalesce(relative::text, 'NULL')));
    END IF;
    IF item_no IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM nightjar.monitoring_mode m WHERE kpi <> 'comac' AND m.structure_id = v_structure AND m.mode_no = item_no
           UNION ALL
           SELECT 1 FROM nightjar.monitoring_sensor s WHERE kpi = 'comac' AND s.structure_id = v_structure AND s.sensor_no = item_no) THEN
        PERFORM nightjar._monitoring_bad(format('structure %s has no %s %s', quote_literal(structure),
                                                CASE WHEN kpi = 'comac' THEN 'sensor' ELSE 'mode' END, item_no));
    END IF;
    v_version := nightjar._monitoring_editable_version(v_structure);
    UPDATE nightjar.monitoring_policy_threshold t
    SET absolute = monitoring_set_threshold.absolute, relative = monitoring_set_threshold.relative
    WHERE t.policy_version_id = v_version AND t.kpi = monitoring_set_threshold.kpi
      AND (monitoring_set_threshold.item_no IS NULL OR t.item_no = monitoring_set_threshold.item_no);
    RETURN nightjar._monitoring_version_no(v_version);
END $$;

-- monitoring_policy_at returns the policy version of a structure in force at `at`.
CREATE FUNCTION nightjar.monitoring_policy_at(structure_id bigint, at timestamptz) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT v.policy_version_id FROM nightjar.monitoring_policy_version v
    WHERE v.structure_id = monitoring_policy_at.structure_id AND v.valid_from <= at
    ORDER BY v.valid_from DESC LIMIT 1
$$;

-- _monitoring_policy_json renders policy versions as the core reads them (core/modal/policy.hpp).
-- One grouped scan per table (not a subquery per version): 1,000 versions in a fraction of a second.
CREATE FUNCTION nightjar._monitoring_policy_json(p_versions bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH a AS (
        SELECT x.policy_version_id, jsonb_agg(jsonb_build_array(x.frequency, x.damping, x.mcf, x.mac) ORDER BY x.mode_no) AS alpha
        FROM nightjar.monitoring_policy_alpha x WHERE x.policy_version_id = ANY (p_versions) GROUP BY 1),
    ph AS (
        SELECT x.policy_version_id, jsonb_agg(x.phi ORDER BY x.sensor_no) AS phi
        FROM nightjar.monitoring_policy_phi x WHERE x.policy_version_id = ANY (p_versions) GROUP BY 1),
    t AS (
        SELECT y.policy_version_id, jsonb_object_agg(y.kpi, y.list) AS thresholds
        FROM (SELECT x.policy_version_id, x.kpi,
                     jsonb_agg(jsonb_build_object('absolute', x.absolute, 'relative', x.relative) ORDER BY x.item_no) AS list
              FROM nightjar.monitoring_policy_threshold x WHERE x.policy_version_id = ANY (p_versions) GROUP BY 1, 2) y
        GROUP BY 1)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'version', v.policy_version_id, 'beta', to_jsonb(v.beta), 'rho', v.rho,
               'global', to_jsonb(v.global_thresholds), 'alpha', coalesce(a.alpha, '[]'), 'phi', coalesce(ph.phi, '[]'))
           || '{"frequency": [], "damping": [], "mcf": [], "mac": [], "comac": []}'::jsonb
           || coalesce(t.thresholds, '{}')), '[]')
    FROM nightjar.monitoring_policy_version v
    LEFT JOIN a USING (policy_version_id) LEFT JOIN ph USING (policy_version_id) LEFT JOIN t USING (policy_version_id)
    WHERE v.policy_version_id = ANY (p_versions)
$$;
