-- 63_monitoring_storage.sql: structure monitoring's bulk data, outside the extension (see
-- 06_storage.sql). One table per stage, so that a failing stage leaves the earlier ones
-- for audit: raw states as the provider sent them -> validation (in error with reasons, or
-- to match) -> matching (attached to the configuration, or unmatched with the reason) ->
-- KPI values -> levels (global score and level) -> state history (monitoring mode
-- changes). Every table carries load_id (one load = the states fetched together) and the
-- ids that lead back; no foreign keys (bulk writes; the ids are enough for audit).

-- _storage_monitoring creates the monitoring data tables if they are missing.
CREATE FUNCTION nightjar._storage_monitoring() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('monitoring_state_raw', 'monitoring_state_validation', 'monitoring_state_match',
                                     'monitoring_kpi', 'monitoring_level', 'monitoring_state_history') THEN
        RETURN;
    END IF;
    IF to_regclass('nightjar.monitoring_state_raw') IS NULL THEN
        CREATE SEQUENCE IF NOT EXISTS nightjar.monitoring_load_seq;
        CREATE TABLE nightjar.monitoring_state_raw (
            state_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            load_id            bigint NOT NULL,
            structure_ref      text,          -- payload ->> 'structure'
            provider_state_id  text,          -- payload ->> 'state_id'
            payload            jsonb NOT NULL,
            loaded_at          timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX monitoring_state_raw_load_idx ON nightjar.monitoring_state_raw (load_id);
        -- A state the provider sends again is not stored twice (idempotent loads).
        CREATE UNIQUE INDEX monitoring_state_raw_provider_key
            ON nightjar.monitoring_state_raw (structure_ref, provider_state_id);
        COMMENT ON TABLE nightjar.monitoring_state_raw IS 'measurement states as the provider sent them. Bulk data: not a member of the extension (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_state_raw');
    END IF;
    IF to_regclass('nightjar.monitoring_state_validation') IS NULL THEN
        CREATE TABLE nightjar.monitoring_state_validation (
            state_id        bigint PRIMARY KEY,
            load_id         bigint NOT NULL,
            status          text NOT NULL CHECK (status IN ('in_error', 'to_match')),
            reasons         text[],       -- in_error: every coherence rule the state breaks
            structure_ref   text,
            measured_at     timestamptz,
            provider_modes  integer[],    -- to_match: the state's values, in the provider's order
            sensor_codes    text[],
            frequency       float8[],
            damping         float8[],
            mcf             float8[],
            shape           float8[],     -- modes × sensors × 3, flattened
            validated_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX monitoring_state_validation_load_idx ON nightjar.monitoring_state_validation (load_id);
        COMMENT ON TABLE nightjar.monitoring_state_validation IS 'validation of each state: in_error with its reasons, or to_match with its values. Bulk data (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_state_validation');
    END IF;
    IF to_regclass('nightjar.monitoring_state_match') IS NULL THEN
        CREATE TABLE nightjar.monitoring_state_match (
            state_id           bigint PRIMARY KEY,
            load_id            bigint NOT NULL,
            status             text NOT NULL CHECK (status IN ('matched', 'unmatched')),
            reason             text,      -- unmatched: why
            structure_id       bigint,
            policy_version_id  bigint,    -- the version in force at measured_at
            measured_at        timestamptz,
            frequency          float8[],  -- matched: in internal mode order
            damping            float8[],
            mcf                float8[],
            shape              float8[],  -- internal modes × internal sensors × 3
            matched_at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX monitoring_state_match_load_idx ON nightjar.monitoring_state_match (load_id);
        COMMENT ON TABLE nightjar.monitoring_state_match IS 'each validated state attached to its structure, modes, sensors, reference state and policy version, or unmatched with the reason. Bulk data (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_state_match');
    END IF;
    IF to_regclass('nightjar.monitoring_kpi') IS NULL THEN
        CREATE TABLE nightjar.monitoring_kpi (
            state_id           bigint PRIMARY KEY,
            load_id            bigint NOT NULL,
            structure_id       bigint NOT NULL,
            policy_version_id  bigint NOT NULL,
            measured_at        timestamptz NOT NULL,
            pairing            integer[] NOT NULL,  -- state mode paired with each reference mode (1-based)
            frequency_dev      float8[] NOT NULL,   -- per reference mode; absolute or relative deviation
            damping_dev        float8[] NOT NULL,
            mcf_dev            float8[] NOT NULL,
            mac                float8[] NOT NULL,   -- MAC of each pair
            comac              float8[] NOT NULL,   -- per sensor
            frequency_level    integer[] NOT NULL,
            damping_level      integer[] NOT NULL,
            mcf_level          integer[] NOT NULL,
            mac_level          integer[] NOT NULL,
            comac_level        integer[] NOT NULL,
            computed_at        timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX monitoring_kpi_load_idx ON nightjar.monitoring_kpi (load_id);
        COMMENT ON TABLE nightjar.monitoring_kpi IS 'local KPIs and their levels per state (arrays in internal mode / sensor order), with the policy version used. Bulk data (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_kpi');
    END IF;
    IF to_regclass('nightjar.monitoring_level') IS NULL THEN
        CREATE TABLE nightjar.monitoring_level (
            state_id           bigint PRIMARY KEY,
            load_id            bigint NOT NULL,
            structure_id       bigint NOT NULL,
            policy_version_id  bigint NOT NULL,
            measured_at        timestamptz NOT NULL,
            local_points       float8 NOT NULL,  -- (1/M) Σ α β
            comac_points       float8 NOT NULL,  -- Σ φ β
            global_score       float8 NOT NULL,
            global_level       integer NOT NULL CHECK (global_level BETWEEN 1 AND 5),
            computed_at        timestamptz NOT NULL DEFAULT now(),
            postcalc_at        timestamptz       -- set once post-calculation has looked at it
        );
        CREATE INDEX monitoring_level_load_idx ON nightjar.monitoring_level (load_id);
        CREATE INDEX monitoring_level_structure_idx ON nightjar.monitoring_level (structure_id, measured_at);
        COMMENT ON TABLE nightjar.monitoring_level IS 'global score and level per state, with the policy version used. Bulk data (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_level');
    END IF;
    IF to_regclass('nightjar.monitoring_state_history') IS NULL THEN
        CREATE TABLE nightjar.monitoring_state_history (
            history_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            structure_id  bigint NOT NULL,
            changed_at    timestamptz NOT NULL DEFAULT now(),
            from_mode     text NOT NULL,
            to_mode       text NOT NULL,
            rule          text NOT NULL CHECK (rule IN ('trigger', 'return_rule', 'manual')),
            state_id      bigint,     -- the state that triggered it (NULL: by a person)
            global_level  integer,
            changed_by    text NOT NULL,
            reason        text
        );
        CREATE INDEX monitoring_state_history_structure_idx ON nightjar.monitoring_state_history (structure_id, changed_at);
        COMMENT ON TABLE nightjar.monitoring_state_history IS 'every change of a structure''s monitoring mode: by rule (with the triggering state and level) or by a person. Bulk data (nightjar._storage_monitoring)';
        PERFORM nightjar._storage_guard_on('monitoring_state_history');
    END IF;
END $$;
