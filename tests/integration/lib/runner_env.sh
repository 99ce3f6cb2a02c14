# runner_env.sh (sourced by runner_*.sh after `set -euo pipefail`): the runner binary in
# $BIN, a scratch directory $tmp removed on exit (with the runner in $runner_pid killed if
# it still runs), a unique $tag, and the helpers fail MESSAGE, q SQL (one value) and
# dirconf NAME DIR BATCH_SIZE (a config for a directory source of *.ndjson files, spool
# under $tmp). Needs NIGHTJAR_DATABASE_URL (and PG* for psql); NIGHTJAR_BIN or build/.
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
BIN=$(readlink -f "$BIN")
: "${NIGHTJAR_DATABASE_URL:?NIGHTJAR_DATABASE_URL must be set}"
tmp=$(mktemp -d)
runner_pid=
cleanup() {
  if [[ -n "$runner_pid" ]] && kill -0 "$runner_pid" 2>/dev/null; then kill -9 "$runner_pid" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "$(basename "$0" .sh): FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
tag=$$_$RANDOM

# dirconf NAME DIR BATCH_SIZE writes a config for a directory source of NDJSON files.
dirconf() {
  cat <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$1"
kind = "dir"
location = "$2"
format = "ndjson"
pattern = "*.ndjson"
batch_size = $3
TOML
}
