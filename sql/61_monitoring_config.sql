-- 61_monitoring_config.sql: structure monitoring configuration (docs/monitoring.md) —
-- structures, their modes, sensors, reference state and experts, and the versioned
-- monitoring policy. Small catalog tables: extension members, dumped with their rows.
-- Invariants live in the tables (CHECK constraints, a deferred trigger for φ sums, a
-- trigger that freezes used policy versions) so that no path around the management
-- functions (62_monitoring_policy.sql) can break them.

-- _monitoring_sorted says whether `a` has `n` finite elements, non-decreasing (strictly
-- increasing when `strict`).
CREATE FUNCTION nightjar._monitoring_sorted(a float8[], n integer, strict boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT a IS NOT NULL AND array_ndims(a) = 1 AND cardinality(a) = n
       AND NOT EXISTS (SELECT 1 FROM unnest(a) x WHERE x IS NULL OR x IN ('NaN', 'Infinity', '-Infinity'))
       AND NOT EXISTS (SELECT 1 FROM generate_series(2, n) i
                       WHERE CASE WHEN strict THEN a[i] <= a[i - 1] ELSE a[i] < a[i - 1] END)
$$;

CREATE TABLE nightjar.monitoring_structure (
    structure_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id       text NOT NULL UNIQUE CHECK (external_id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    name              text,
    calculation_mode  text NOT NULL DEFAULT 'RELATIVE' CHECK (calculation_mode IN ('ABSOLUTE', 'RELATIVE')),
    monitoring_mode   text NOT NULL DEFAULT 'STANDARD' CHECK (monitoring_mode IN ('STANDARD', 'REINFORCED')),
    mode_changed_at   timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.monitoring_structure IS
    'a monitored structure (ouvrage): its provider id (external_id), how deviations are computed '
    '(ABSOLUTE or RELATIVE) and its monitoring mode (STANDARD or REINFORCED) with the time it last changed';

CREATE TABLE nightjar.monitoring_mode (
    structure_id  bigint NOT NULL REFERENCES nightjar.monitoring_structure ON DELETE CASCADE,
    mode_no       integer NOT NULL CHECK (mode_no BETWEEN 1 AND 1000),
    provider_no   integer NOT NULL CHECK (provider_no >= 0),
    PRIMARY KEY (structure_id, mode_no),
    UNIQUE (structure_id, provider_no)
);
COMMENT ON TABLE nightjar.monitoring_mode IS 'vibration modes of a structure: internal number (1..M) <-> the provider''s number';

CREATE TABLE nightjar.monitoring_sensor (
    structure_id  bigint NOT NULL REFERENCES nightjar.monitoring_structure ON DELETE CASCADE,
    sensor_no     integer NOT NULL CHECK (sensor_no BETWEEN 1 AND 10000),
    sensor_code   text NOT NULL CHECK (sensor_code ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    PRIMARY KEY (structure_id, sensor_no),
    UNIQUE (structure_id, sensor_code)
);
COMMENT ON TABLE nightjar.monitoring_sensor IS 'sensors of a structure (x, y, z components each): internal number <-> provider code';

CREATE TABLE nightjar.monitoring_reference_state (
    structure_id  bigint PRIMARY KEY REFERENCES nightjar.monitoring_structure ON DELETE CASCADE,
    measured_at   timestamptz NOT NULL,
    frequency     float8[] NOT NULL,
    damping       float8[] NOT NULL,
    mcf           float8[] NOT NULL,
    shape         float8[] NOT NULL,  -- modes × sensors × 3, flattened, internal order
    CHECK (cardinality(frequency) >= 1 AND cardinality(damping) = cardinality(frequency)
           AND cardinality(mcf) = cardinality(frequency) AND cardinality(shape) % (3 * cardinality(frequency)) = 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nightjar.monitoring_reference_state IS
    'the state every measurement of the structure is compared with, in internal mode and sensor order';

CREATE TABLE nightjar.monitoring_expert (
    expert_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name       text
);
CREATE TABLE nightjar.monitoring_subscription (
    structure_id  bigint NOT NULL REFERENCES nightjar.monitoring_structure ON DELETE CASCADE,
    expert_id     bigint NOT NULL REFERENCES nightjar.monitoring_expert ON DELETE CASCADE,
    PRIMARY KEY (structure_id, expert_id)
);
COMMENT ON TABLE nightjar.monitoring_subscription IS 'experts notified when a structure changes monitoring mode';

-- Policy scalars shared by the default and by every version.
CREATE TABLE nightjar.monitoring_default_policy (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    rho                  float8 NOT NULL DEFAULT 0.7 CHECK (rho BETWEEN 0 AND 1),
    beta                 float8[] NOT NULL DEFAULT '{0,1,2,4,8}'
                         CHECK (nightjar._monitoring_sorted(beta, 5, false) AND beta[1] >= 0 AND beta[5] > 0),
    global_thresholds    float8[] NOT NULL DEFAULT '{0.15,0.3,0.5,0.7}'
                         CHECK (nightjar._monitoring_sorted(global_thresholds, 4, true)),
    alpha                float8[] NOT NULL DEFAULT '{0.4,0.2,0.1,0.3}'
                         CHECK (array_ndims(alpha) = 1 AND cardinality(alpha) = 4 AND 0 <= ALL (alpha)
                                AND abs(alpha[1] + alpha[2] + alpha[3] + alpha[4] - 1) <= 1e-9),
    trigger_level        integer NOT NULL DEFAULT 4 CHECK (trigger_level BETWEEN 2 AND 5),
    return_level         integer NOT NULL DEFAULT 3 CHECK (return_level BETWEEN 2 AND 5),
    return_after         integer NOT NULL DEFAULT 3 CHECK (return_after >= 1),
    schedule_standard    interval NOT NULL DEFAULT '1 day' CHECK (schedule_standard > '0'),
    schedule_reinforced  interval NOT NULL DEFAULT '1 hour' CHECK (schedule_reinforced > '0'),
    CHECK (return_level <= trigger_level)
);
INSERT INTO nightjar.monitoring_default_policy DEFAULT VALUES;
COMMENT ON TABLE nightjar.monitoring_default_policy IS
    'the policy copied to each new structure (one row): alpha is the per-mode weight row (frequency, damping, '
    'MCF, MAC) given to every mode; phi is uniform over the sensors; thresholds from monitoring_default_threshold';

CREATE TABLE nightjar.monitoring_default_threshold (
    kpi       text PRIMARY KEY CHECK (kpi IN ('frequency', 'damping', 'mcf', 'mac', 'comac')),
    absolute  float8[] NOT NULL CHECK (nightjar._monitoring_sorted(absolute, 4, false)),
    relative  float8[] NOT NULL CHECK (nightjar._monitoring_sorted(relative, 4, false))
);
INSERT INTO nightjar.monitoring_default_threshold VALUES
    ('frequency', '{0.02,0.05,0.1,0.2}', '{0.01,0.02,0.05,0.1}'),
    ('damping',   '{0.005,0.01,0.02,0.05}', '{0.1,0.25,0.5,1}'),
    ('mcf',       '{0.05,0.1,0.2,0.3}', '{0.1,0.25,0.5,1}'),
    ('mac',       '{0.02,0.05,0.1,0.2}', '{0.02,0.05,0.1,0.2}'),
    ('comac',     '{0.02,0.05,0.1,0.2}', '{0.02,0.05,0.1,0.2}');
COMMENT ON TABLE nightjar.monitoring_default_threshold IS
    'default thresholds t1..t4 per KPI type (a value v is at level 1 + #{k : v >= t_k}); for mac and comac '
    'the value compared is 1 - MAC and 1 - COMAC';

CREATE TABLE nightjar.monitoring_policy_version (
    policy_version_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id         bigint NOT NULL REFERENCES nightjar.monitoring_structure ON DELETE CASCADE,
    version              integer NOT NULL CHECK (version >= 1),
    valid_from           timestamptz NOT NULL,
    rho                  float8 NOT NULL CHECK (rho BETWEEN 0 AND 1),
    beta                 float8[] NOT NULL CHECK (nightjar._monitoring_sorted(beta, 5, false) AND beta[1] >= 0 AND beta[5] > 0),
    global_thresholds    float8[] NOT NULL CHECK (nightjar._monitoring_sorted(global_thresholds, 4, true)),
    trigger_level        integer NOT NULL CHECK (trigger_level BETWEEN 2 AND 5),
    return_level         integer NOT NULL CHECK (return_level BETWEEN 2 AND 5),
    return_after         integer NOT NULL CHECK (return_after >= 1),
    schedule_standard    interval NOT NULL CHECK (schedule_standard > '0'),
    schedule_reinforced  interval NOT NULL CHECK (schedule_reinforced > '0'),
    used_at              timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (structure_id, version),
    UNIQUE (structure_id, valid_from),
    CHECK (return_level <= trigger_level)
);
COMMENT ON TABLE nightjar.monitoring_policy_version IS
    'one version of a structure''s monitoring policy, in force from valid_from until the next version; '
    'used_at: first used by a KPI computation, after which it is frozen (edits create a new version)';
COMMENT ON COLUMN nightjar.monitoring_policy_version.return_level IS
    'REINFORCED returns to STANDARD after return_after consecutive states whose global level is below return_level';

CREATE TABLE nightjar.monitoring_policy_alpha (
    policy_version_id  bigint NOT NULL REFERENCES nightjar.monitoring_policy_version ON DELETE CASCADE,
    mode_no            integer NOT NULL,
    frequency          float8 NOT NULL CHECK (frequency >= 0),
    damping            float8 NOT NULL CHECK (damping >= 0),
    mcf                float8 NOT NULL CHECK (mcf >= 0),
    mac                float8 NOT NULL CHECK (mac >= 0),
    PRIMARY KEY (policy_version_id, mode_no),
    CONSTRAINT alpha_row_sums_to_1 CHECK (abs(frequency + damping + mcf + mac - 1) <= 1e-9)
);
COMMENT ON TABLE nightjar.monitoring_policy_alpha IS 'alpha: per mode, the weights of its frequency, damping, MCF and MAC KPIs (sum 1)';

CREATE TABLE nightjar.monitoring_policy_phi (
    policy_version_id  bigint NOT NULL REFERENCES nightjar.monitoring_policy_version ON DELETE CASCADE,
    sensor_no          integer NOT NULL,
    phi                float8 NOT NULL CHECK (phi >= 0 AND phi <= 1),
    PRIMARY KEY (policy_version_id, sensor_no)
);
COMMENT ON TABLE nightjar.monitoring_policy_phi IS 'phi: per sensor, the weight of its COMAC (sum 1 over the version, checked at commit)';

CREATE TABLE nightjar.monitoring_policy_threshold (
    policy_version_id  bigint NOT NULL REFERENCES nightjar.monitoring_policy_version ON DELETE CASCADE,
    kpi                text NOT NULL CHECK (kpi IN ('frequency', 'damping', 'mcf', 'mac', 'comac')),
    item_no            integer NOT NULL,  -- mode_no, or sensor_no for comac
    absolute           float8[] NOT NULL CHECK (nightjar._monitoring_sorted(absolute, 4, false)),
    relative           float8[] NOT NULL CHECK (nightjar._monitoring_sorted(relative, 4, false)),
    PRIMARY KEY (policy_version_id, kpi, item_no)
);
COMMENT ON TABLE nightjar.monitoring_policy_threshold IS
    'local thresholds t1..t4 per KPI type and mode (per sensor for comac), absolute and relative';

-- _monitoring_phi_sum checks, at commit, that each touched version's phi sums to 1 (or is empty).
CREATE FUNCTION nightjar._monitoring_phi_sum() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.policy_version_id ELSE NEW.policy_version_id END;
    v_sum float8;
BEGIN
    SELECT sum(phi) INTO v_sum FROM nightjar.monitoring_policy_phi WHERE policy_version_id = v_id;
    IF v_sum IS NOT NULL AND abs(v_sum - 1) > 1e-9 THEN
        RAISE EXCEPTION 'nightjar: phi weights of policy version % sum to %, not 1', v_id, v_sum
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER phi_sums_to_1 AFTER INSERT OR UPDATE OR DELETE ON nightjar.monitoring_policy_phi
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nightjar._monitoring_phi_sum();

-- _monitoring_frozen refuses changes to a policy version a state has used, and to its rows.
CREATE FUNCTION nightjar._monitoring_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.policy_version_id ELSE NEW.policy_version_id END;
BEGIN
    IF TG_TABLE_NAME = 'monitoring_policy_version' THEN
        -- Marking first use is the one change allowed; deleting the structure cascades.
        IF OLD.used_at IS NOT NULL
           AND (TG_OP = 'DELETE' AND pg_trigger_depth() = 1
                OR TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'used_at') IS DISTINCT FROM (to_jsonb(OLD) - 'used_at')) THEN
            RAISE EXCEPTION 'nightjar: policy version % (structure %, version %) was used by a KPI computation and is frozen',
                OLD.policy_version_id, OLD.structure_id, OLD.version
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'edit it with the nightjar.monitoring_set_* functions, which create a new version';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF EXISTS (SELECT 1 FROM nightjar.monitoring_policy_version v WHERE v.policy_version_id = v_id AND v.used_at IS NOT NULL)
       AND pg_trigger_depth() = 1 THEN
        RAISE EXCEPTION 'nightjar: policy version % was used by a KPI computation and is frozen', v_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'edit it with the nightjar.monitoring_set_* functions, which create a new version';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON nightjar.monitoring_policy_version
    FOR EACH ROW EXECUTE FUNCTION nightjar._monitoring_frozen();
CREATE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON nightjar.monitoring_policy_alpha
    FOR EACH ROW EXECUTE FUNCTION nightjar._monitoring_frozen();
CREATE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON nightjar.monitoring_policy_phi
    FOR EACH ROW EXECUTE FUNCTION nightjar._monitoring_frozen();
CREATE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON nightjar.monitoring_policy_threshold
    FOR EACH ROW EXECUTE FUNCTION nightjar._monitoring_frozen();

-- Not the two default tables: CREATE EXTENSION fills them, so restoring dumped rows
-- would collide with its own; a customised default is configuration to re-apply.
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_structure', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_mode', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_sensor', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_reference_state', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_expert', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_subscription', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_policy_version', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_policy_alpha', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_policy_phi', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_policy_threshold', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_structure_structure_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_expert_expert_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nightjar.monitoring_policy_version_policy_version_id_seq', '');
