#!/usr/bin/env bash
# run_with_runner.sh: one night of structure monitoring through the runner's HTTP source
# (nightjar.toml of this folder) instead of fetch_night.py. Usage:
#   run_with_runner.sh FLEETDIR NIGHT     (FLEETDIR from generate_fleet.py, its config.sql loaded)
# Starts provider.py (stopped by its PID on exit), publishes nights 1..NIGHT, applies the
# configuration, runs `nightjar run --dispatch` and prints the run's step counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
dir=$1 night=$2
rm -f "$dir/port"
echo "$(seq -f 'night%g' 1 "$night" | tr '\n' ' ')" > "$dir/published"
python3 examples/structure-monitoring/provider.py "$dir/port" "$dir" &
provider=$!
trap 'kill $provider 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s $dir/port ]] && break; sleep 0.1; done
sed -e "s#@PORT@#$(cat "$dir/port")#g" -e "s#@SPOOL@#$dir/spool#g" \
    examples/structure-monitoring/nightjar.toml > "$dir/nightjar.toml"
export PROVIDER_PASSWORD=pw
"$BIN" apply -c "$dir/nightjar.toml" >/dev/null
set +e
"$BIN" run -c "$dir/nightjar.toml" --dispatch
rc=$?
set -e
echo "runner exit $rc (1: partial success, a state failed)"
for _ in $(seq 120); do
  [[ $(psql -qXAt -c "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                      WHERE p.name = 'structure_monitoring_runner' AND r.status = 'running'") == 0 ]] && break
  psql -qX -c "CALL nightjar.dispatch(pipeline => 'structure_monitoring_runner')" >/dev/null
  sleep 1
done
psql -qX -c "SELECT r.run_id, r.status, s.name AS step, sr.rows_in, sr.rows_out, sr.result -> 'counts' AS counts
             FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
             JOIN nightjar.step_run sr ON sr.run_id = r.run_id AND sr.status = 'succeeded'
             JOIN nightjar.step s ON s.step_id = sr.step_id
             WHERE p.name = 'structure_monitoring_runner' ORDER BY sr.step_run_id DESC LIMIT 5"
