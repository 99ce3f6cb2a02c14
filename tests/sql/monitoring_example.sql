-- monitoring_example.sql: the hand-worked example of docs/monitoring.md through the real
-- steps (validate, match, KPI): every level and the global score as computed by hand.
BEGIN;
SELECT plan(9);
SET LOCAL client_min_messages = warning;
SELECT nightjar.ensure_storage();
SELECT nightjar.monitoring_define_structure('DOC-TAP', 'RELATIVE', 'worked example');
SELECT nightjar.monitoring_define_mode('DOC-TAP', 1, 11), nightjar.monitoring_define_mode('DOC-TAP', 2, 12);
SELECT nightjar.monitoring_define_sensor('DOC-TAP', 1, 'A'), nightjar.monitoring_define_sensor('DOC-TAP', 2, 'B');
SELECT nightjar.monitoring_set_reference('DOC-TAP', '2026-01-01', '{2, 5}', '{0.02, 0.03}', '{0.1, 0.2}',
    '{{{1,0,0},{1,0,0}}, {{0,1,0},{0,-1,0}}}');
SELECT nightjar.monitoring_set_policy('DOC-TAP', rho => 0.75, global_thresholds => '{0.1, 0.25, 0.5, 0.75}');
SELECT nightjar.monitoring_set_alpha('DOC-TAP', 2, 0.25, 0.25, 0.25, 0.25);
SELECT nightjar.monitoring_set_phi('DOC-TAP', '{"A": 0.6, "B": 0.4}');
CREATE TEMP TABLE doc_load AS SELECT nightjar.monitoring_load_states('[{"structure": "DOC-TAP", "state_id": "doc-tap-1",
    "measured_at": "2026-11-30T02:00:00Z", "sensors": ["A", "B"],
    "modes": [{"number": 11, "frequency": 1.94, "damping": 0.02,   "mcf": 0.12, "shape": [[1, 0, 0], [1, 0, 0]]},
              {"number": 12, "frequency": 4.4,  "damping": 0.0345, "mcf": 0.2,  "shape": [[0.25, 1, 0], [0.5, -1, 0]]}]}]',
    emit => false) AS load_id;
SELECT nightjar.monitoring_validate_states(jsonb_build_object('load_id', load_id)) FROM doc_load;
SELECT nightjar.monitoring_match_states(jsonb_build_object('load_id', load_id)) FROM doc_load;
SELECT nightjar.monitoring_compute_kpis(jsonb_build_object('load_id', load_id)) FROM doc_load;

SELECT is(k.frequency_level, '{3,5}', 'frequency: 3 % → L3, 12 % → L5') FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT is(k.damping_level || k.mcf_level, '{1,2,2,1}', 'damping L1, L2; MCF L2, L1') FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT ok(abs(k.mac[2] - 32.0 / 37) < 1e-12, 'MAC of mode 2: 2² / (2 · 2.3125) = 32/37') FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT is(k.mac_level, '{1,4}', 'MAC levels L1, L4 (1 − 32/37 = 0.135)') FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT ok(abs(k.comac[1] - 32.0 / 33) < 1e-12 AND abs(k.comac[2] - 8.0 / 9) < 1e-12, 'COMAC A = 4 / (2 · 2.0625), B = 4 / (2 · 2.25)')
FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT is(k.comac_level, '{2,4}', 'COMAC levels L2, L4') FROM nightjar.monitoring_kpi k JOIN doc_load USING (load_id);
SELECT ok(abs(l.local_points - 2.075) < 1e-12 AND abs(l.comac_points - 2.2) < 1e-12, 'local points 2.075, COMAC points 2.2')
FROM nightjar.monitoring_level l JOIN doc_load USING (load_id);
SELECT ok(abs(l.global_score - 0.26328125) < 1e-12, 'global score (0.75 · 2.075 + 0.25 · 2.2) / 8 = 0.26328125')
FROM nightjar.monitoring_level l JOIN doc_load USING (load_id);
SELECT is(l.global_level, 3, 'global level L3 (0.25 ≤ S < 0.5)') FROM nightjar.monitoring_level l JOIN doc_load USING (load_id);

SELECT * FROM finish();
ROLLBACK;
