#!/usr/bin/env bash
# run_per_structure.sh: one night of structure monitoring fetched by the runner's per-entity
# HTTP listing (nightjar_per_structure.toml of this folder). Usage:
#   run_per_structure.sh FLEETDIR NIGHT     (FLEETDIR from generate_fleet.py, its config.sql loaded)
# Starts provider.py (stopped by its PID on exit), publishes nights 1..NIGHT, defines the
# pipeline structure_monitoring_per_structure (import from the source provider_structures,
# then validate -> match -> kpi -> postcalc), runs `nightjar run --dispatch`, prints the
# failed structures by class and the run's step counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
dir=$1 night=$2
pipeline=structure_monitoring_per_structure
rm -f "$dir/port"
echo "$(seq -f 'night%g' 1 "$night" | tr '\n' ' ')" > "$dir/published"
python3 examples/structure-monitoring/provider.py "$dir/port" "$dir" &
provider=$!
trap 'kill $provider 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s $dir/port ]] && break; sleep 0.1; done
sed -e "s#@PORT@#$(cat "$dir/port")#g" -e "s#@SPOOL@#$dir/spool#g" \
    examples/structure-monitoring/nightjar_per_structure.toml > "$dir/nightjar_per_structure.toml"
export PROVIDER_PASSWORD=pw
"$BIN" apply -c "$dir/nightjar_per_structure.toml" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -c "SELECT nightjar.monitoring_define_pipeline('$pipeline', source => 'provider_structures')" >/dev/null
set +e
"$BIN" run -c "$dir/nightjar_per_structure.toml" --report-json "$dir/report.json" --dispatch
rc=$?
set -e
echo "runner exit $rc (1: partial success, a structure or a state failed)"
for _ in $(seq 120); do
  [[ $(psql -qXAt -c "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                      WHERE p.name = '$pipeline' AND r.status = 'running'") == 0 ]] && break
  psql -qX -c "CALL nightjar.dispatch(pipeline => '$pipeline')" >/dev/null
  sleep 1
done
psql -qX -c "SELECT r.run_id, r.status, s.name AS step, sr.rows_in, sr.rows_out, sr.result -> 'counts' AS counts
             FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
             JOIN nightjar.step_run sr ON sr.run_id = r.run_id AND sr.status = 'succeeded'
             JOIN nightjar.step s ON s.step_id = sr.step_id
             WHERE p.name = '$pipeline' ORDER BY sr.step_run_id DESC LIMIT 5"
