#!/usr/bin/env bash
# demo.sh runs nightjar's demo on the project cluster (.nightjar) with a freshly
# installed extension: the stages of examples/demo.d/ in name order.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export NIGHTJAR_BIN=$PWD/$build/bin/nightjar
source scripts/cluster_env.sh
# The demo always runs on the freshly built extension and an empty warehouse: DROP SCHEMA,
# not DROP EXTENSION, which refuses while the bulk data tables exist (docs/architecture.md).
psql -qX -v ON_ERROR_STOP=1 -c 'DROP SCHEMA IF EXISTS nightjar CASCADE' -c 'CREATE EXTENSION nightjar' 2>/dev/null
if psql -qXtA -c "SELECT 1 FROM pg_proc WHERE proname = 'install_default_schedules'" | grep -q 1; then
  psql -qX -c 'SELECT nightjar.install_default_schedules()' >/dev/null
fi

# The stages (examples/demo.d/, in name order): statistics, ingestion, the nightly pipeline.
# tests/integration/demo.sh runs the same stages on the test cluster.
for stage in examples/demo.d/*.sh; do
  [[ -e "$stage" ]] && bash "$stage"
done
echo "== demo done; connect with: psql \"$NIGHTJAR_DATABASE_URL\""
