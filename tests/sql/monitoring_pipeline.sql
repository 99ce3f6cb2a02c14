-- monitoring_pipeline.sql: the structure-monitoring pipeline end to end under the
-- dispatcher — a full night on a small fleet (validation reasons, unmatched states with
-- their reason, KPI levels, a structure switched to REINFORCED with its history row and
-- its expert's notification), a failing KPI step that leaves validation and matching
-- intact and succeeds when the dispatcher retries it, the return-to-standard rule (N
-- consecutive states below the return level; a state at the level resets the count),
-- and a manual change.
-- dispatch COMMITs, so this file runs outside a transaction block: everything it creates
-- is named TAP-F* / monitoring_tap* and removed at the start (after a crash) and the end.
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION pg_temp.cleanup() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.ensure_storage();
    DELETE FROM nightjar.notification WHERE dedup_key LIKE 'monitoring:TAP-F%';
    DELETE FROM nightjar.event WHERE topic LIKE 'monitoring.%' AND (payload ->> 'load_id')::bigint IN
        (SELECT load_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_state_history WHERE structure_id IN
        (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_level WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_kpi WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_state_match WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_state_validation WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%');
    DELETE FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'TAP-F%';
    DELETE FROM nightjar.monitoring_structure WHERE external_id LIKE 'TAP-F%';
    DELETE FROM nightjar.monitoring_expert WHERE email LIKE 'tap-%@example.org';
    PERFORM nightjar.drop_pipeline('monitoring_tap');
    DROP SCHEMA IF EXISTS monitoring_tap CASCADE;
END $$;
SELECT pg_temp.cleanup();

SELECT plan(33);

CREATE SCHEMA monitoring_tap;
-- shape: sine modes, orthogonal over the sensors (so pairing is exact), x/y/z per sensor.
CREATE FUNCTION monitoring_tap.shape(m integer, s integer, n_sensors integer) RETURNS float8[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[sin(m * s * pi() / (n_sensors + 1)), 0.3 * sin(m * s * pi() / (n_sensors + 1)),
                 0.05 * sin(m * s * pi() / (n_sensors + 1))]
$$;
-- state: a provider state of structure ext whose frequencies drifted by `drift` (relative).
CREATE FUNCTION monitoring_tap.state(ext text, sid text, at timestamptz, drift float8) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('structure', ext, 'state_id', sid, 'measured_at', at,
        'sensors', (SELECT jsonb_agg('C' || s ORDER BY s) FROM generate_series(1, 4) s),
        'modes', (SELECT jsonb_agg(jsonb_build_object('number', 100 + m, 'frequency', (1.7 * m) * (1 - drift),
                                                      'damping', 0.02, 'mcf', 0.05,
                                                      'shape', (SELECT jsonb_agg(to_jsonb(monitoring_tap.shape(m, s, 4)) ORDER BY s)
                                                                FROM generate_series(1, 4) s)) ORDER BY m)
                  FROM generate_series(1, 3) m))
$$;
CREATE PROCEDURE monitoring_tap.drain(p text) LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    FOR i IN 1..300 LOOP
        CALL nightjar.dispatch(pipeline => p, steps_run => n);
        EXIT WHEN NOT EXISTS (SELECT 1 FROM nightjar.step_task t JOIN nightjar.run r USING (run_id)
                              JOIN nightjar.pipeline pp USING (pipeline_id) WHERE pp.name = p AND t.status = 'pending');
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
CREATE FUNCTION monitoring_tap.reference(ext text) RETURNS void LANGUAGE sql AS $$
    SELECT nightjar.monitoring_set_reference(ext, '2026-01-01', '{1.7,3.4,5.1}', '{0.02,0.02,0.02}', '{0.05,0.05,0.05}',
        ARRAY(SELECT x FROM generate_series(1, 3) m, generate_series(1, 4) s, unnest(monitoring_tap.shape(m, s, 4)) x))
$$;
CREATE TABLE monitoring_tap.loads (night text PRIMARY KEY, load_id bigint);
-- load: states for this test's pipeline only (another monitoring pipeline, e.g. the demo's, ignores them).
CREATE FUNCTION monitoring_tap.load(states jsonb) RETURNS bigint LANGUAGE sql AS $$
    SELECT nightjar.monitoring_load_states(states, pipeline => 'monitoring_tap')
$$;

SELECT nightjar.monitoring_define_structure('TAP-F' || i, 'RELATIVE') FROM generate_series(1, 4) i;
SELECT nightjar.monitoring_define_mode('TAP-F' || i, m, 100 + m) FROM generate_series(1, 4) i, generate_series(1, 3) m;
SELECT nightjar.monitoring_define_sensor('TAP-F' || i, s, 'C' || s) FROM generate_series(1, 4) i, generate_series(1, 4) s;
SELECT monitoring_tap.reference('TAP-F' || i) FROM generate_series(1, 4) i;
SELECT nightjar.monitoring_set_policy('TAP-F' || i, global_thresholds => '{0.05,0.1,0.2,0.25}', trigger_level => 4,
                                      return_level => 3, return_after => 2) FROM generate_series(1, 4) i;
SELECT nightjar.monitoring_add_expert('tap-expert@example.org', 'Expert'), nightjar.monitoring_add_expert('tap-other@example.org');
SELECT nightjar.monitoring_subscribe('TAP-F' || i, 'tap-expert@example.org') FROM generate_series(1, 4) i;
SELECT nightjar.monitoring_subscribe('TAP-F2', 'tap-other@example.org');
SELECT nightjar.monitoring_define_pipeline('monitoring_tap', max_attempts => 3, backoff => '0.2 seconds');

-- Night 1: F1 steady (L1), F2 drifted 12 % (L5), F3 6 % (L3), F4 without sensor C4,
-- a state of an unknown structure, and a state breaking coherence rules.
INSERT INTO monitoring_tap.loads SELECT 'night1', monitoring_tap.load(jsonb_build_array(
    monitoring_tap.state('TAP-F1', 'n1-f1', '2026-11-30 02:00', 0),
    monitoring_tap.state('TAP-F2', 'n1-f2', '2026-11-30 02:00', 0.12),
    monitoring_tap.state('TAP-F3', 'n1-f3', '2026-11-30 02:00', 0.06),
    jsonb_set(monitoring_tap.state('TAP-F4', 'n1-f4', '2026-11-30 02:00', 0), '{sensors,3}', '"C9"'),
    monitoring_tap.state('TAP-F9', 'n1-f9', '2026-11-30 02:00', 0),
    jsonb_set(monitoring_tap.state('TAP-F1', 'n1-bad', '2026-11-30 03:00', 0), '{modes,0,frequency}', '-1')));
CALL monitoring_tap.drain('monitoring_tap');

SELECT is((SELECT array_agg(status ORDER BY run_id) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'monitoring_tap'), '{succeeded}', 'night 1: the run succeeded');
SELECT is((SELECT array_agg(s.name || ':' || sr.status ORDER BY sr.step_run_id) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
           JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'monitoring_tap'),
          '{validate:succeeded,match:succeeded,kpi:succeeded,postcalc:succeeded}', 'four steps, in order');
SELECT is((SELECT sr.result -> 'counts' FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) WHERE s.name = 'validate'
           AND s.pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'monitoring_tap')),
          '{"in_error": 1, "to_match": 5}', 'validation: 5 to match, 1 in error');
SELECT is((SELECT v.reasons FROM nightjar.monitoring_state_validation v JOIN nightjar.monitoring_state_raw r USING (state_id)
           WHERE r.provider_state_id = 'n1-bad'), '{"mode 1 (number 101): frequency must be a finite number > 0, not -1"}', 'the reason of the state in error');
SELECT is((SELECT array_agg(r.provider_state_id || ': ' || m.reason ORDER BY r.provider_state_id) FROM nightjar.monitoring_state_match m
           JOIN nightjar.monitoring_state_raw r USING (state_id) WHERE m.status = 'unmatched' AND r.structure_ref LIKE 'TAP-F%'),
          ARRAY['n1-f4: missing sensor ''C4''', 'n1-f9: unknown structure ''TAP-F9'''], 'unmatched states keep their reason');
SELECT is((SELECT array_agg(r.structure_ref || ':L' || l.global_level ORDER BY r.structure_ref) FROM nightjar.monitoring_level l
           JOIN nightjar.monitoring_state_raw r USING (state_id) WHERE l.load_id = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night1')),
          '{TAP-F1:L1,TAP-F2:L5,TAP-F3:L3}', 'global levels: steady L1, 12 % drift L5, 6 % drift L3');
SELECT is((SELECT k.frequency_level FROM nightjar.monitoring_kpi k JOIN nightjar.monitoring_state_raw r USING (state_id)
           WHERE r.provider_state_id = 'n1-f3'), '{4,4,4}', 'F3: a 6 % frequency deviation is L4 per mode (relative t3 = 0.05)');
SELECT ok((SELECT bool_and(abs(m - 1) < 1e-12) FROM nightjar.monitoring_kpi k JOIN nightjar.monitoring_state_raw r USING (state_id),
                  unnest(k.mac || k.comac) m WHERE r.structure_ref LIKE 'TAP-F%'), 'unchanged mode shapes: MAC and COMAC 1');
SELECT is((SELECT count(*) FROM nightjar.monitoring_kpi k JOIN nightjar.monitoring_policy_version v USING (policy_version_id)
           JOIN nightjar.monitoring_state_raw r USING (state_id)
           WHERE r.structure_ref LIKE 'TAP-F%' AND v.structure_id = k.structure_id AND v.version = 1 AND v.used_at IS NOT NULL),
          3::bigint, 'every KPI row names the policy version used, now frozen');
SELECT is((SELECT array_agg(external_id || ':' || monitoring_mode ORDER BY external_id) FROM nightjar.monitoring_structure
           WHERE external_id LIKE 'TAP-F%'), '{TAP-F1:STANDARD,TAP-F2:REINFORCED,TAP-F3:STANDARD,TAP-F4:STANDARD}',
          'F2 reached the trigger level (L4): REINFORCED');
SELECT is((SELECT (h.from_mode, h.to_mode, h.rule, r.provider_state_id, h.global_level)::text FROM nightjar.monitoring_state_history h
           JOIN nightjar.monitoring_state_raw r USING (state_id) JOIN nightjar.monitoring_structure s ON s.structure_id = h.structure_id
           WHERE s.external_id = 'TAP-F2'), '(STANDARD,REINFORCED,trigger,n1-f2,5)', 'history row with the triggering state and level');
SELECT is((SELECT array_agg(recipient || ' | ' || subject ORDER BY recipient) FROM nightjar.notification WHERE dedup_key LIKE 'monitoring:TAP-F%'),
          ARRAY['tap-expert@example.org | TAP-F2: reinforced monitoring (global level L5)',
                'tap-other@example.org | TAP-F2: reinforced monitoring (global level L5)'], 'one notification per subscribed expert');
SELECT is((SELECT (payload -> 'kpi' ->> 'global_level')::int FROM nightjar.notification WHERE recipient = 'tap-other@example.org'
           AND dedup_key LIKE 'monitoring:TAP-F2:%'), 5, 'the notification carries the KPIs');
SELECT is(nightjar.monitoring_postcalc(jsonb_build_object('load_id', (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night1'))) -> 'counts',
          '{"to_standard": 0, "notifications": 0, "to_reinforced": 0}', 'post-calculation again: nothing new');
SELECT is((SELECT count(*) FROM nightjar.notification WHERE dedup_key LIKE 'monitoring:TAP-F%'), 2::bigint, 'no duplicate notification');

-- Night 2: the KPI step fails (a reference mode shape is zero): validation and matching
-- results stay; once fixed, the dispatcher's retry computes the KPIs.
UPDATE nightjar.monitoring_reference_state SET shape = array_fill(0::float8, ARRAY[12]) || shape[13:36]
WHERE structure_id = (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'TAP-F1');
INSERT INTO monitoring_tap.loads SELECT 'night2', monitoring_tap.load(jsonb_build_array(
    monitoring_tap.state('TAP-F1', 'n2-f1', '2026-12-01 02:00', 0.03),
    monitoring_tap.state('TAP-F2', 'n2-f2', '2026-12-01 02:00', 0)));
CALL nightjar.dispatch(max_steps => 1, pipeline => 'monitoring_tap');
CALL nightjar.dispatch(max_steps => 1, pipeline => 'monitoring_tap');
CALL nightjar.dispatch(max_steps => 1, pipeline => 'monitoring_tap');
CREATE VIEW monitoring_tap.kpi_runs AS
    SELECT sr.* FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
    WHERE p.name = 'monitoring_tap' AND s.name = 'kpi'
      AND (SELECT payload ->> 'load_id' FROM nightjar.event e WHERE e.event_id = sr.event_id)::bigint
          = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night2');
SELECT is((SELECT (status, sqlstate)::text FROM monitoring_tap.kpi_runs ORDER BY attempt LIMIT 1), '(failed,22023)',
          'night 2: the KPI step failed with 22023');
SELECT ok((SELECT error_message FROM monitoring_tap.kpi_runs ORDER BY attempt LIMIT 1)
          ~ '^nightjar: state [0-9]+: mode shape a of mode 1 is all zero$', 'its message names the state and the cause');
SELECT is((SELECT count(*) FROM nightjar.monitoring_state_validation WHERE load_id = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night2')),
          2::bigint, 'validation results are intact');
SELECT is((SELECT count(*) FROM nightjar.monitoring_state_match WHERE status = 'matched'
           AND load_id = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night2')), 2::bigint, 'matching results are intact');
SELECT is((SELECT count(*) FROM nightjar.monitoring_kpi WHERE load_id = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night2')),
          0::bigint, 'no partial KPI rows');
SELECT monitoring_tap.reference('TAP-F1');  -- the fix
SELECT pg_sleep(0.5);                        -- past the backoff
CALL monitoring_tap.drain('monitoring_tap');
SELECT is((SELECT (status, attempt > 1)::text FROM monitoring_tap.kpi_runs ORDER BY attempt DESC LIMIT 1), '(succeeded,t)',
          'the dispatcher retried the KPI step and it succeeded');
SELECT is((SELECT count(*) FROM nightjar.monitoring_kpi WHERE load_id = (SELECT load_id FROM monitoring_tap.loads WHERE night = 'night2')),
          2::bigint, 'the KPIs of night 2 are there');
SELECT is((SELECT array_agg(status ORDER BY run_id) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'monitoring_tap'), '{succeeded,succeeded}', 'both runs succeeded');
SELECT is((SELECT monitoring_mode FROM nightjar.monitoring_structure WHERE external_id = 'TAP-F2'), 'REINFORCED',
          'F2: one state below the return level is not enough (return_after = 2)');

-- Nights 3 and 4: F2 at L3 (= return level: resets the count), L1, then L1 again.
INSERT INTO monitoring_tap.loads SELECT 'night3', monitoring_tap.load(jsonb_build_array(
    monitoring_tap.state('TAP-F2', 'n3-f2a', '2026-12-02 02:00', 0.06),
    monitoring_tap.state('TAP-F2', 'n3-f2b', '2026-12-02 14:00', 0)));
CALL monitoring_tap.drain('monitoring_tap');
SELECT is((SELECT array_agg(l.global_level ORDER BY l.measured_at) FROM nightjar.monitoring_level l JOIN nightjar.monitoring_state_raw r USING (state_id)
           WHERE r.structure_ref = 'TAP-F2'), '{5,1,3,1}', 'F2 levels: L5, L1, L3, L1');
SELECT is((SELECT monitoring_mode FROM nightjar.monitoring_structure WHERE external_id = 'TAP-F2'), 'REINFORCED',
          'a state at the return level resets the count: still REINFORCED');
INSERT INTO monitoring_tap.loads SELECT 'night4', monitoring_tap.load(jsonb_build_array(
    monitoring_tap.state('TAP-F2', 'n4-f2', '2026-12-03 02:00', 0)));
CALL monitoring_tap.drain('monitoring_tap');
SELECT is((SELECT monitoring_mode FROM nightjar.monitoring_structure WHERE external_id = 'TAP-F2'), 'STANDARD',
          'two consecutive states below L3: back to STANDARD');
SELECT is((SELECT (h.from_mode, h.to_mode, h.rule, r.provider_state_id, h.global_level, h.reason)::text
           FROM nightjar.monitoring_state_history h JOIN nightjar.monitoring_state_raw r USING (state_id)
           JOIN nightjar.monitoring_structure s ON s.structure_id = h.structure_id
           WHERE s.external_id = 'TAP-F2' ORDER BY h.history_id DESC LIMIT 1),
          '(REINFORCED,STANDARD,return_rule,n4-f2,1,"2 consecutive states below L3")', 'recorded the same way, with the state');
SELECT is((SELECT count(*) FROM nightjar.notification WHERE dedup_key LIKE 'monitoring:TAP-F2:%'), 4::bigint,
          'and both experts are notified again');

-- By a person.
SELECT is(nightjar.monitoring_set_mode('TAP-F3', 'REINFORCED', 'alice', 'visual inspection'), 1, 'a manual change notifies the expert');
SELECT is((SELECT (h.to_mode, h.rule, h.state_id, h.changed_by, h.reason)::text FROM nightjar.monitoring_state_history h
           JOIN nightjar.monitoring_structure s ON s.structure_id = h.structure_id WHERE s.external_id = 'TAP-F3'),
          '(REINFORCED,manual,,alice,"visual inspection")', 'and is recorded with who and why');
SELECT is(nightjar.monitoring_set_mode('TAP-F3', 'REINFORCED', 'alice'), 0, 'setting the current mode again records nothing');
SELECT throws_ok($$SELECT nightjar.monitoring_set_mode('TAP-F3', 'STANDARD', '')$$, '22023',
                 'nightjar: changed_by must name the person changing the mode', 'a manual change needs a name');

SELECT * FROM finish();
SELECT pg_temp.cleanup();
