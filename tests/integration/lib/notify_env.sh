# notify_env.sh (sourced by notify*.sh after `set -euo pipefail`): the runner binary in
# $BIN, a scratch directory $tmp removed on exit with the test servers stopped and the worker
# in $worker_pid killed if it still runs, lib/notify_servers.sh loaded, and the helpers
# fail MESSAGE (also prints the end of $fail_log, $tmp/notify.err unless the caller sets
# it) and q SQL (one value). Needs PG* for psql; NIGHTJAR_BIN or build/.
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
here=tests/integration
tmp=$(mktemp -d)
worker_pid=
fail_log=$tmp/notify.err
source $here/lib/notify_servers.sh
cleanup() {
  if [[ -n "$worker_pid" ]]; then kill -9 "$worker_pid" 2>/dev/null || true; fi
  stop_notify_servers
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "$(basename "$0" .sh): FAIL: $*" >&2; tail -5 "$fail_log" >&2 2>/dev/null || true; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
