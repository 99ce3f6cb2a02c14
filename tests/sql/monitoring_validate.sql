-- monitoring_validate.sql: the validation step's coherence rules, one reason each, values
-- a float8 cannot hold refused as reasons (not as a failing step), and the arrays of a
-- valid state in the provider's order.
BEGIN;
SELECT plan(12);
SET LOCAL client_min_messages = warning;
SELECT nightjar.ensure_storage();
CREATE TEMP TABLE good AS SELECT '{"structure": "TAP-V1", "state_id": "v1", "measured_at": "2026-11-30T02:00:00Z",
    "sensors": ["B", "A"],
    "modes": [{"number": 12, "frequency": 5.5, "damping": 0.03, "mcf": 0.2, "shape": [[0, 0, 1], [0, 1e-5, 0]]},
              {"number": 11, "frequency": 1.9, "damping": 0.02, "mcf": 0.1, "shape": [[0, 1, 0], [1, 0, 0]]}]}'::jsonb AS p;
CREATE FUNCTION pg_temp.errors(patch text, value jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT nightjar._monitoring_state_errors(jsonb_set(p, patch::text[], value)) FROM good
$$;

SELECT is(nightjar._monitoring_state_errors(p), '{}', 'a coherent state breaks no rule') FROM good;
SELECT is(pg_temp.errors('{modes,1,number}', '12'), '{"mode 2 (number 12) appears twice"}', 'mode numbers are distinct');
SELECT is(pg_temp.errors('{modes,0,number}', '1.5'), '{"mode 1 (number 1.5): number must be an integer >= 0, not 1.5"}', 'mode numbers are integers');
SELECT is(pg_temp.errors('{modes,0,number}', '99999999999'), '{"mode 1 (number 99999999999): number must be an integer >= 0, not 99999999999"}',
          'a mode number beyond integer is a reason, not an error');
SELECT ok((SELECT e[1] LIKE 'mode 1 (number 12): frequency must be a finite number > 0, not 1000000000%' AND cardinality(e) = 1
           FROM pg_temp.errors('{modes,0,frequency}', '1e400') e), 'a frequency a float8 cannot hold (1e400) is a reason');
SELECT is(pg_temp.errors('{modes,1,damping}', '1'), '{"mode 2 (number 11): damping must be in [0, 1), not 1"}', 'damping in [0, 1)');
SELECT is(pg_temp.errors('{modes,1,mcf}', '"x"'), '{"mode 2 (number 11): mcf must be in [0, 1], not \"x\""}', 'MCF a number in [0, 1]');
SELECT is(pg_temp.errors('{modes,0,shape}', '[[0, 0, 1]]'), '{"mode 1 (number 12): shape must hold one [x, y, z] per sensor (2), not 1"}',
          'one shape vector per sensor');
SELECT is(pg_temp.errors('{modes,0,shape,1}', '[0, 1e-400, 0]'), '{"mode 1 (number 12): shape components must be [x, y, z] finite numbers"}',
          'shape components a float8 holds');
SELECT is(pg_temp.errors('{modes,1,shape}', '[[0, 0, 0], [0, 0, 0]]'), '{"mode 2 (number 11): shape is all zero"}', 'no all-zero shape');
SELECT is(pg_temp.errors('{measured_at}', '"yesterday"'), '{"measured_at is not an ISO 8601 timestamp: yesterday"}', 'measured_at ISO 8601');

CREATE TEMP TABLE l AS SELECT nightjar.monitoring_load_states(jsonb_build_array(p), emit => false) AS load_id FROM good;
SELECT nightjar.monitoring_validate_states(jsonb_build_object('load_id', load_id)) FROM l;
SELECT is((SELECT (status, provider_modes, sensor_codes, frequency, shape)::text FROM nightjar.monitoring_state_validation v JOIN l USING (load_id)),
          '(to_match,"{12,11}","{B,A}","{5.5,1.9}","{0,0,1,0,1e-05,0,0,1,0,1,0,0}")', 'a valid state''s values, in the provider''s order');

SELECT * FROM finish();
ROLLBACK;
