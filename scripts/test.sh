#!/usr/bin/env bash
# test.sh runs every test layer against a throwaway cluster in $BUILD/test-cluster: the
# format check (scripts/check_format.sh, clang-format with .clang-format),
# GoogleTest (ctest), pgTAP (pg_prove tests/sql), then tests/integration/*.sh. The
# cluster is stopped by PID on exit, also when a test fails. Every layer runs even if an
# earlier one failed; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
export NIGHTJAR_BIN=$PWD/$build/bin/nightjar
export NIGHTJAR_HOME=$PWD/$build/test-cluster
export NIGHTJAR_SOURCE_DIR=$PWD

"$NIGHTJAR_BIN" db down 2>/dev/null || true
rm -rf "$NIGHTJAR_HOME"
trap '"$NIGHTJAR_BIN" db down' EXIT
"$NIGHTJAR_BIN" db up || exit 1
source scripts/cluster_env.sh

passed=0 failed=0 failures=()
record() {  # record NAME STATUS
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

echo "== format (clang-format, .clang-format)"
scripts/check_format.sh
record format $?

echo "== unit tests (ctest)"
ctest --test-dir "$build" --no-tests=error --output-on-failure -j2 --timeout 300
record ctest $?

echo "== SQL tests (pgTAP)"
psql -qX -v ON_ERROR_STOP=1 -f tests/pgtap_setup.sql >/dev/null
pg_prove --ext .sql -r tests/sql
record pg_prove $?

echo "== integration tests"
for t in tests/integration/*.sh; do
  [[ -e "$t" ]] || continue
  echo "-- $t"
  timeout 900 bash "$t"
  record "$t" $?
done

echo
((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
