#!/usr/bin/env bash
# demo.sh runs nightjar's demo on the project cluster (.nightjar): sample measurements
# and the statistics aggregates next to the built-ins. Later stages of the nightly
# pipeline add their own sections below.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export NIGHTJAR_BIN=$PWD/$build/bin/nightjar
source scripts/cluster_env.sh
# The demo always runs on the freshly built extension.
psql -qX -v ON_ERROR_STOP=1 -c 'DROP EXTENSION IF EXISTS nightjar CASCADE' -c 'CREATE EXTENSION nightjar' 2>/dev/null
if psql -qXtA -c "SELECT 1 FROM pg_proc WHERE proname = 'install_default_schedules'" | grep -q 1; then
  psql -qX -c 'SELECT nightjar.install_default_schedules()' >/dev/null
fi

echo "== 1. statistics on a sample measurement series (examples/structure_monitoring)"
psql -qX -v ON_ERROR_STOP=1 -f examples/structure_monitoring/measurements.sql >/dev/null
psql -qX -v ON_ERROR_STOP=1 -f examples/structure_monitoring/statistics.sql

for stage in examples/demo.d/*.sh; do
  [[ -e "$stage" ]] && bash "$stage"
done
echo "== demo done; connect with: psql \"$NIGHTJAR_DATABASE_URL\""
