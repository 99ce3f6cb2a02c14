# runner_env.sh (sourced by runner_*.sh after `set -euo pipefail`): the runner binary in
# $BIN, a scratch directory $tmp removed on exit (with the runner in $runner_pid killed if
# it still runs), a unique $tag, and the helpers fail MESSAGE, q SQL (one value),
# dirsource NAME DIR PATTERN [LINE...] and dirconf NAME DIR BATCH_SIZE (configs for a
# directory source of NDJSON files, spool under $tmp). Needs NIGHTJAR_DATABASE_URL (and PG* for psql); NIGHTJAR_BIN or build/.
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

# dirsource NAME DIR PATTERN [LINE...] writes a config for a directory source of NDJSON
# files matching PATTERN, each LINE (e.g. "batch_size = 4") added to its [[source]] table.
dirsource() {
  cat <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$1"
kind = "dir"
location = "$2"
format = "ndjson"
pattern = "$3"
TOML
  shift 3
  local line
  for line in "$@"; do echo "$line"; done
}

# dirconf NAME DIR BATCH_SIZE writes a config for a directory source of *.ndjson files.
dirconf() { dirsource "$1" "$2" "*.ndjson" "batch_size = $3"; }
