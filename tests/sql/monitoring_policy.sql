-- monitoring_policy.sql: structure monitoring configuration — the default policy copied
-- to a new structure, every policy invariant (through the API: 22023; around it: the
-- tables' constraints), copy-on-write versioning of a used policy, the version in force
-- at a date, and the configuration API's errors.
BEGIN;
SELECT plan(43);
SET LOCAL client_min_messages = warning;

UPDATE nightjar.monitoring_default_policy SET rho = 0.6;
SELECT isnt(nightjar.monitoring_define_structure('TAP-P1', 'ABSOLUTE', 'tap bridge'), NULL, 'a structure is created');
SELECT nightjar.monitoring_define_mode('TAP-P1', m, 100 + m) FROM generate_series(1, 3) m;
SELECT nightjar.monitoring_define_sensor('TAP-P1', s, 'C' || s) FROM generate_series(1, 4) s;
CREATE TEMP VIEW v1 AS
    SELECT v.* FROM nightjar.monitoring_policy_version v JOIN nightjar.monitoring_structure s USING (structure_id)
    WHERE s.external_id = 'TAP-P1';
SELECT is((SELECT (version, valid_from, rho, beta, global_thresholds)::text FROM v1),
          (1, '-infinity'::timestamptz, 0.6::float8, '{0,1,2,4,8}'::float8[], '{0.15,0.3,0.5,0.7}'::float8[])::text,
          'the default policy is copied as version 1, valid from always');
SELECT is((SELECT count(*) FROM nightjar.monitoring_policy_alpha a JOIN v1 USING (policy_version_id)
           WHERE (a.frequency, a.damping, a.mcf, a.mac) = (0.4, 0.2, 0.1, 0.3)), 3::bigint, 'each mode gets the default alpha');
SELECT is((SELECT array_agg(p.phi ORDER BY p.sensor_no) FROM nightjar.monitoring_policy_phi p JOIN v1 USING (policy_version_id)),
          '{0.25,0.25,0.25,0.25}'::float8[], 'phi is uniform over the sensors');
SELECT is((SELECT count(*) FROM nightjar.monitoring_policy_threshold t JOIN v1 USING (policy_version_id)),
          (4 * 3 + 4)::bigint, 'thresholds per KPI type and mode, and per sensor for COMAC');

-- Invariants through the API.
SELECT throws_ok($$SELECT nightjar.monitoring_set_alpha('TAP-P1', 1, 0.5, 0.2, 0.2, 0.2)$$, '22023',
                 'nightjar: alpha of mode 1 must be 4 weights >= 0 summing to 1, not (0.5, 0.2, 0.2, 0.2)', 'alpha row must sum to 1');
SELECT throws_ok($$SELECT nightjar.monitoring_set_alpha('TAP-P1', 1, 1.1, -0.1, 0, 0)$$, '22023', NULL, 'alpha weights must be >= 0');
SELECT throws_ok($$SELECT nightjar.monitoring_set_phi('TAP-P1', '{"C1": 0.5, "C2": 0.2, "C3": 0.2, "C4": 0.2}')$$, '22023',
                 'nightjar: phi weights must sum to 1, not 1.1', 'phi must sum to 1');
SELECT throws_ok($$SELECT nightjar.monitoring_set_phi('TAP-P1', '{"C1": 0.5, "C2": 0.5, "C9": 0}')$$, '22023',
                 'nightjar: phi must give a weight to every sensor of ''TAP-P1'': missing C3, C4; unknown C9', 'phi covers exactly the sensors');
SELECT throws_ok($$SELECT nightjar.monitoring_set_policy('TAP-P1', rho => 1.5)$$, '22023', 'nightjar: rho must be in [0, 1], not 1.5', 'rho in [0, 1]');
SELECT throws_ok($$SELECT nightjar.monitoring_set_policy('TAP-P1', global_thresholds => '{0.1,0.3,0.3,0.7}')$$, '22023',
                 'nightjar: global thresholds must be s1 < s2 < s3 < s4 (4 finite values), not {0.1,0.3,0.3,0.7}', 's1 < s2 < s3 < s4');
SELECT throws_ok($$SELECT nightjar.monitoring_set_policy('TAP-P1', beta => '{0,2,1,4,8}')$$, '22023', NULL, 'beta non-decreasing');
SELECT throws_ok($$SELECT nightjar.monitoring_set_policy('TAP-P1', trigger_level => 2, return_level => 3)$$, '22023',
                 'nightjar: return_level (3) must not exceed trigger_level (2)', 'return level <= trigger level');
SELECT throws_ok($$SELECT nightjar.monitoring_set_threshold('TAP-P1', 'frequency', 1, '{0.1,0.05,0.2,0.3}', '{0.1,0.2,0.3,0.4}')$$, '22023',
                 NULL, 'local thresholds non-decreasing');
SELECT throws_ok($$SELECT nightjar.monitoring_set_threshold('TAP-P1', 'comac', 5, '{0.1,0.2,0.3,0.4}', '{0.1,0.2,0.3,0.4}')$$, '22023',
                 'nightjar: structure ''TAP-P1'' has no sensor 5', 'comac thresholds name an existing sensor');
-- Invariants around the API: the tables refuse the same things.
SELECT throws_ok($$UPDATE nightjar.monitoring_policy_alpha SET frequency = 0.9
                   WHERE policy_version_id = (SELECT policy_version_id FROM v1) AND mode_no = 1$$, '23514', NULL,
                 'a direct update breaking an alpha row is refused');
SAVEPOINT phi;
UPDATE nightjar.monitoring_policy_phi SET phi = 0.5 WHERE policy_version_id = (SELECT policy_version_id FROM v1) AND sensor_no = 1;
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, '23514', NULL, 'phi not summing to 1 is refused at commit (deferred check)');
ROLLBACK TO SAVEPOINT phi;
SELECT throws_ok($$UPDATE nightjar.monitoring_policy_version SET rho = 2 WHERE policy_version_id = (SELECT policy_version_id FROM v1)$$,
                 '23514', NULL, 'rho outside [0, 1] is refused by the table');

-- An unused version is edited in place.
SELECT is(nightjar.monitoring_set_alpha('TAP-P1', 2, 0.25, 0.25, 0.25, 0.25), 1, 'unused version: edited in place (version 1)');
SELECT is(nightjar.monitoring_set_phi('TAP-P1', '{"C1": 0.4, "C2": 0.3, "C3": 0.2, "C4": 0.1}'), 1, 'phi edited in place');
SELECT is(nightjar.monitoring_set_policy('TAP-P1', rho => 0.75, global_thresholds => '{0.1,0.25,0.5,0.75}'), 1, 'scalars edited in place');
SELECT is((SELECT count(*) FROM v1), 1::bigint, 'still one version');

-- Once a state has used it (the KPI step sets used_at), it is frozen and edits copy it.
UPDATE nightjar.monitoring_policy_version SET used_at = now() WHERE policy_version_id = (SELECT policy_version_id FROM v1);
SELECT throws_ok($$UPDATE nightjar.monitoring_policy_version SET rho = 0.5 WHERE policy_version_id = (SELECT policy_version_id FROM v1 WHERE version = 1)$$,
                 '55000', NULL, 'a used version cannot be changed directly');
SELECT throws_ok($$UPDATE nightjar.monitoring_policy_alpha SET frequency = 0.4, damping = 0.1
                   WHERE policy_version_id = (SELECT policy_version_id FROM v1 WHERE version = 1) AND mode_no = 2$$,
                 '55000', NULL, 'nor its rows');
SELECT is(nightjar.monitoring_set_alpha('TAP-P1', 2, 0.7, 0.1, 0.1, 0.1), 2, 'editing a used version creates version 2');
SELECT is(nightjar.monitoring_set_policy('TAP-P1', rho => 0.5), 2, 'version 2 is not used yet: further edits go to it');
SELECT is((SELECT array_agg((version, rho)::text ORDER BY version) FROM v1), '{"(1,0.75)","(2,0.5)"}', 'version 1 kept its rho');
SELECT is((SELECT array_agg((v.version, a.frequency)::text ORDER BY v.version) FROM v1 v
           JOIN nightjar.monitoring_policy_alpha a USING (policy_version_id) WHERE a.mode_no = 2),
          '{"(1,0.25)","(2,0.7)"}', 'each version keeps its own alpha rows');
SELECT is((SELECT array_agg(p.phi ORDER BY p.sensor_no) FROM nightjar.monitoring_policy_phi p JOIN v1 USING (policy_version_id) WHERE version = 2),
          '{0.4,0.3,0.2,0.1}'::float8[], 'the copy carries phi');
SELECT is((SELECT valid_from FROM v1 WHERE version = 2), now(), 'version 2 is in force from now');
SELECT is(nightjar.monitoring_policy_at((SELECT structure_id FROM v1 LIMIT 1), now() - interval '1 day'),
          (SELECT policy_version_id FROM v1 WHERE version = 1), 'a state measured yesterday uses version 1');
SELECT is(nightjar.monitoring_policy_at((SELECT structure_id FROM v1 LIMIT 1), now() + interval '1 hour'),
          (SELECT policy_version_id FROM v1 WHERE version = 2), 'a state measured from now on uses version 2');

-- Modes and sensors in one call each (how a large fleet is configured).
SELECT nightjar.monitoring_define_structure('TAP-P3');
SELECT nightjar.monitoring_define_modes('TAP-P3', '{15,16,17}');
SELECT nightjar.monitoring_define_sensors('TAP-P3', '{a,b}');
SELECT is((SELECT array_agg(m.provider_no ORDER BY m.mode_no) FROM nightjar.monitoring_mode m
           JOIN nightjar.monitoring_structure s USING (structure_id) WHERE s.external_id = 'TAP-P3'), '{15,16,17}',
          'monitoring_define_modes numbers the modes 1..n');
SELECT is((SELECT array_agg(p.phi ORDER BY p.sensor_no) FROM nightjar.monitoring_policy_phi p
           JOIN nightjar.monitoring_policy_version v USING (policy_version_id)
           JOIN nightjar.monitoring_structure s USING (structure_id) WHERE s.external_id = 'TAP-P3'), '{0.5,0.5}'::float8[],
          'monitoring_define_sensors: phi uniform');
SELECT is((SELECT count(*) FROM nightjar.monitoring_policy_threshold t JOIN nightjar.monitoring_policy_version v USING (policy_version_id)
           JOIN nightjar.monitoring_structure s USING (structure_id) WHERE s.external_id = 'TAP-P3'), (4 * 3 + 2)::bigint,
          'and the default thresholds of every mode and sensor');
SELECT throws_ok($$SELECT nightjar.monitoring_define_modes('TAP-P3', '{15,15}')$$, '22023',
                 'nightjar: provider_nos must be 1 to 1000 distinct numbers >= 0, not {15,15}', 'provider numbers distinct');

-- Configuration errors.
SELECT throws_ok($$SELECT nightjar.monitoring_define_structure('TAP-P2', 'SIDEWAYS')$$, '22023',
                 'nightjar: calculation_mode must be ABSOLUTE or RELATIVE, not ''SIDEWAYS''', 'calculation mode');
SELECT throws_ok($$SELECT nightjar.monitoring_define_mode('TAP-P1', 5, 105)$$, '22023',
                 'nightjar: modes are numbered 1, 2, ... without gaps: mode 4 of structure ''TAP-P1'' comes first', 'mode numbering without gaps');
SELECT throws_ok($$SELECT nightjar.monitoring_define_mode('TAP-P1', 4, 101)$$, '22023',
                 'nightjar: provider mode 101 is already mapped to another mode of structure ''TAP-P1''', 'provider numbers are unique');
SELECT throws_ok($$SELECT nightjar.monitoring_set_reference('TAP-P1', now(), '{1,2,3}', '{0.1,0.1,0.1}', '{0,0,0}', '{1,2,3}')$$, '22023',
                 'nightjar: shape must hold modes × sensors × 3 = 36 values, not 3', 'reference shape dimensions');
SELECT throws_ok($$SELECT nightjar.monitoring_set_reference('TAP-P1', now(), '{1,2,3}', '{0.1,0.1,0.1}', '{0,0,0}',
                                                           array_fill(0::float8, ARRAY[36]))$$, '22023',
                 'nightjar: the reference shape of mode 1 is all zero', 'reference shapes must not be all zero');
SELECT throws_ok($$SELECT nightjar.monitoring_set_mode('TAP-NOPE', 'REINFORCED', 'me')$$, '22023',
                 'nightjar: structure ''TAP-NOPE'' does not exist', 'unknown structure');
SELECT throws_ok($$SELECT nightjar.monitoring_subscribe('TAP-P1', 'nobody@example.org')$$, '22023',
                 'nightjar: expert ''nobody@example.org'' does not exist (nightjar.monitoring_add_expert)', 'unknown expert');

SELECT * FROM finish();
ROLLBACK;
