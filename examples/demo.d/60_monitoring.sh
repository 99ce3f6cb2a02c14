#!/usr/bin/env bash
# 60_monitoring.sh: demo stage — structure monitoring, three nights on a small fleet
# (examples/structure-monitoring/: 30 structures x 10 modes x 30 sensors; MONITORING_STRUCTURES
# overrides, the generator goes to 1,000). A local provider web service (started here,
# stopped by its PID) publishes one night at a time; each night the runner fetches it with
# its per-entity HTTP listing (nightjar_per_structure.toml; docs/runner.md, "Per-entity
# listing"): per structure it logs in, lists after that structure's bookmark and downloads
# each state; a structure whose login fails, one whose listing is malformed and one whose
# download fails are named by class in the run's report and never block the others. The
# night is staged as one batch and `--dispatch` runs the pipeline import -> validate ->
# match -> kpi -> postcalc. Prints, per night, the fetch outcome by failure class (from the
# runner's --report-json), the step counts, and each structure whose global level changed:
# its KPIs, its level and the notification queued.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
dir=$home/demo-monitoring
structures=${MONITORING_STRUCTURES:-30}
source_name=provider_structures  # the source of nightjar_per_structure.toml
echo "== 6. structure monitoring: $structures structures x 10 modes x 30 sensors, three nights ($dir)"
rm -rf "$dir"
# A second run starts over: the previous demo fleet's rows go (structures OUV*, their data),
# and the runner's source forgets its bookmark and the state files it staged.
psql -qX -v ON_ERROR_STOP=1 -v src="$source_name" >/dev/null <<'SQL'
SELECT nightjar.ensure_storage();
DELETE FROM nightjar.notification WHERE dedup_key LIKE 'monitoring:OUV%';
DELETE FROM nightjar.monitoring_state_history WHERE structure_id IN
    (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id LIKE 'OUV%');
DELETE FROM nightjar.monitoring_level WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'OUV%');
DELETE FROM nightjar.monitoring_kpi WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'OUV%');
DELETE FROM nightjar.monitoring_state_match WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'OUV%');
DELETE FROM nightjar.monitoring_state_validation WHERE state_id IN (SELECT state_id FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'OUV%');
DELETE FROM nightjar.monitoring_state_raw WHERE structure_ref LIKE 'OUV%';
DELETE FROM nightjar.monitoring_structure WHERE external_id LIKE 'OUV%';
DELETE FROM nightjar.file WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name = :'src');
UPDATE nightjar.source SET bookmark = NULL WHERE name = :'src';
SQL
python3 examples/structure-monitoring/generate_fleet.py "$dir" --structures "$structures" --nights 3
psql -qX -v ON_ERROR_STOP=1 -c 'SELECT nightjar.ensure_storage()' -f "$dir/config.sql" >/dev/null
psql -qXAt -c "SELECT format('configured: %s structures, %s modes, %s sensors, %s experts; default policy: rho %s, trigger L%s',
                             (SELECT count(*) FROM nightjar.monitoring_structure), (SELECT count(*) FROM nightjar.monitoring_mode),
                             (SELECT count(*) FROM nightjar.monitoring_sensor), (SELECT count(*) FROM nightjar.monitoring_expert),
                             rho, trigger_level) FROM nightjar.monitoring_default_policy"

touch "$dir/published"
python3 examples/structure-monitoring/provider.py "$dir/port" "$dir" &
provider=$!
trap 'kill $provider 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s $dir/port ]] && break; sleep 0.1; done
sed -e "s#@PORT@#$(cat "$dir/port")#g" -e "s#@SPOOL@#$dir/spool#g" \
    examples/structure-monitoring/nightjar_per_structure.toml > "$dir/nightjar_per_structure.toml"
export PROVIDER_PASSWORD=pw
"$BIN" apply -c "$dir/nightjar_per_structure.toml" >/dev/null
# The pipeline: an import step turns the source's staged batch into a load, then validate,
# match, kpi and postcalc run on that load.
psql -qX -v ON_ERROR_STOP=1 \
     -c "SELECT nightjar.monitoring_define_pipeline('structure_monitoring', source => '$source_name')" >/dev/null

for night in 1 2 3; do
  echo "-- night $night"
  echo "$(cat "$dir/published") night$night" > "$dir/published"
  set +e
  "$BIN" run -c "$dir/nightjar_per_structure.toml" --report-json "$dir/report$night.json" --dispatch > "$dir/run$night.log" 2>&1
  rc=$?
  set -e
  [[ -s $dir/report$night.json ]] || { cat "$dir/run$night.log" >&2; echo "ERROR: runner exit $rc, no report" >&2; exit 1; }
  # The fetch outcome by failure class, from the run's report: "entity <id>" with login
  # failed / listing failed / listing malformed, or "entity <id>: item <id> failed".
  python3 - "$dir/report$night.json" "$rc" "$(psql -qXAt -c 'SELECT count(*) FROM nightjar.monitoring_structure')" <<'PY'
import json, re, sys
report, rc, structures = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
classes = {"login failed": "login_failed", "listing failed": "listing_failed", "listing malformed": "listing_malformed"}
failed = {c: set() for c in ("login_failed", "listing_failed", "listing_malformed", "state_failed")}
for f in report["failed_files"]:
    m = re.match(r"entity (\S+): item \S+ failed", f["error"])
    if m:
        failed["state_failed"].add(m.group(1))
        continue
    m = re.match(r"entity (\S+)$", f["file"])
    c = next((v for k, v in classes.items() if f["error"].startswith(k)), None)
    if m and c:
        failed[c].add(m.group(1))
status = {0: "ok", 1: "partial"}.get(rc, "failed")
print(json.dumps({"status": status, "runner_exit": rc, "structures": structures,
                  "states": report["totals"]["files_staged"],
                  "failed": {k: sorted(v) for k, v in failed.items() if v}}))
PY
  batches=$(python3 -c 'import json, sys
print(",".join(str(b["batch_id"]) for b in json.load(open(sys.argv[1]))["batches"] if b["batch_id"]) or "0")' \
            "$dir/report$night.json")
  # pg_cron's dispatcher may have taken a step: wait until the night's run is over.
  for _ in $(seq 120); do
    [[ $(psql -qXAt -c "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                        WHERE p.name = 'structure_monitoring' AND r.status = 'running'") == 0 ]] && break
    psql -qX -c "CALL nightjar.dispatch(pipeline => 'structure_monitoring')" >/dev/null
    sleep 1
  done
  # The load the import step made of the night's batch, and the steps of its run.
  load=$(psql -qXAt -c "SELECT coalesce(max((sr.result -> 'payload' ->> 'load_id')::bigint), 0)
                        FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                        JOIN nightjar.event e ON e.event_id = r.trigger_event_id
                        JOIN nightjar.step_run sr ON sr.run_id = r.run_id AND sr.status = 'succeeded'
                        JOIN nightjar.step s ON s.step_id = sr.step_id
                        WHERE p.name = 'structure_monitoring' AND s.name = 'import'
                          AND (e.payload ->> 'batch_id')::bigint IN ($batches)")
  psql -qXAt -c "SELECT format('load %s: run %s; %s', $load, r.status,
                               string_agg(format('%s %s/%s %s', s.name, sr.rows_out, sr.rows_in, sr.result -> 'counts'), '; '
                                          ORDER BY sr.step_run_id) FILTER (WHERE s.name <> 'import'))
                        || format(' (imported from batch %s: %s)', $batches,
                                  string_agg(format('%s/%s %s', sr.rows_out, sr.rows_in, sr.result -> 'counts'), '')
                                  FILTER (WHERE s.name = 'import'))
                 FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                 JOIN nightjar.event e ON e.event_id = r.trigger_event_id
                 JOIN nightjar.step_run sr ON sr.run_id = r.run_id AND sr.status = 'succeeded'
                 JOIN nightjar.step s ON s.step_id = sr.step_id
                 WHERE p.name = 'structure_monitoring' AND (e.payload ->> 'batch_id')::bigint IN ($batches)
                 GROUP BY r.status"
  psql -qXAt -c "SELECT format('  %s: %s', r.provider_state_id, coalesce(array_to_string(v.reasons, '; '), m.reason))
                 FROM nightjar.monitoring_state_raw r
                 LEFT JOIN nightjar.monitoring_state_validation v USING (state_id)
                 LEFT JOIN nightjar.monitoring_state_match m USING (state_id)
                 WHERE r.load_id = $load AND (v.status = 'in_error' OR m.status = 'unmatched')"
  echo "   structures whose global level changed (previous state, or L1 for the first):"
  psql -qX -c "SELECT s.external_id AS structure, 'L' || coalesce(p.global_level, 1) || ' -> L' || l.global_level AS level,
                      round(l.global_score::numeric, 3) AS score,
                      round((SELECT max(x) FROM unnest(k.frequency_dev) x)::numeric, 3) AS max_freq_dev,
                      round((SELECT min(x) FROM unnest(k.mac) x)::numeric, 3) AS min_mac,
                      round((SELECT min(x) FROM unnest(k.comac) x)::numeric, 3) AS min_comac,
                      array_to_string(k.frequency_level, '') AS f_lvl, array_to_string(k.mac_level, '') AS mac_lvl,
                      array_to_string(k.comac_level, '') AS comac_lvl, s.monitoring_mode AS mode,
                      (SELECT string_agg(n.recipient || ': ' || n.subject, '; ') FROM nightjar.notification n
                       JOIN nightjar.monitoring_state_history h ON n.payload ->> 'history_id' = h.history_id::text
                       WHERE h.state_id = l.state_id) AS notification_queued
               FROM nightjar.monitoring_level l JOIN nightjar.monitoring_kpi k USING (state_id)
               JOIN nightjar.monitoring_structure s ON s.structure_id = l.structure_id
               LEFT JOIN LATERAL (SELECT q.global_level FROM nightjar.monitoring_level q
                                  WHERE q.structure_id = l.structure_id AND q.measured_at < l.measured_at
                                  ORDER BY q.measured_at DESC LIMIT 1) p ON true
               WHERE l.load_id = $load AND l.global_level <> coalesce(p.global_level, 1)
               ORDER BY s.external_id"
done
kill "$provider" 2>/dev/null || true
trap - EXIT
echo "-- monitoring mode history (nightjar.monitoring_state_history) and outbox"
psql -qX -c "SELECT s.external_id AS structure, h.from_mode || ' -> ' || h.to_mode AS change, h.rule, h.global_level AS level,
                    h.reason, (SELECT count(*) FROM nightjar.notification n WHERE n.payload ->> 'history_id' = h.history_id::text) AS notifications
             FROM nightjar.monitoring_state_history h JOIN nightjar.monitoring_structure s USING (structure_id)
             ORDER BY h.history_id"
