#!/usr/bin/env bash
# runner_http.sh: the runner against a local JSON web service (servers/json_api.py):
# login call, paginated listing, a 503 retried, one fetch per item, a failing item named in the report
# (partial success, exit 1), the bookmark makes the next run incremental, wrong password
# exits 10 ("login failed"), a malformed listing exits 13.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
tmp=$(mktemp -d)
srv_pid=
cleanup() {
  if [[ -n "$srv_pid" ]]; then kill "$srv_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runner_http: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

mkdir -p "$tmp/data"
python3 - "$tmp/data/items.json" 1 8 <<'PY'
import json, sys
items = [{"id": f"i{n}", "updated_at": f"2026-01-{n:02d}T00:00:00Z", "body": {"n": n, "v": n * 1.5}} for n in range(int(sys.argv[2]), int(sys.argv[3]) + 1)]
json.dump(items, open(sys.argv[1], "w"))
PY
echo i5 > "$tmp/data/broken"
echo i3 > "$tmp/data/flaky"   # 503 once: the retry (backoff with jitter) fetches it
python3 tests/integration/servers/json_api.py "$tmp/port" "$tmp/data" &
srv_pid=$!
for _ in $(seq 1 100); do [[ -s "$tmp/port" ]] && break; sleep 0.05; done
port=$(cat "$tmp/port")
name=ithttp_$$_$RANDOM
cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$name"
kind = "http"
format = "ndjson"
batch_size = 3
[source.http]
list_url = "http://127.0.0.1:$port/items"
item_url = "http://127.0.0.1:$port/item/{id}"
bookmark_field = "updated_at"
login_url = "http://127.0.0.1:$port/login"
username = "runner"
password_env = "NJ_TEST_HTTP_PASSWORD"
[source.retry]
attempts = 2
base_delay_ms = 10
TOML
export NJ_TEST_HTTP_PASSWORD=pw
"$BIN" apply -c "$tmp/nj.toml" >/dev/null
sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
set +e; "$BIN" run -c "$tmp/nj.toml" --report-json "$tmp/r1.json" > "$tmp/out1" 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || { cat "$tmp/out1"; fail "exit $rc, want 1 (item i5 fails)"; }
grep -q "failed: i5: item i5 failed: HTTP 500" "$tmp/out1" || { cat "$tmp/out1"; fail "failed item not named"; }
[[ $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid") == 7 ]] || fail "want 7 records"
# The bookmark stops before the failed item, so the next incremental run offers it again.
[[ $(q "SELECT bookmark->>'since' FROM nightjar.source WHERE source_id = $sid") == "2026-01-04T00:00:00Z" ]] || fail "bookmark"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert [f['file'] for f in r['failed_files']]==['i5'], r" "$tmp/r1.json" || fail "report"
# Incremental: i5 recovered and two new items; i6..i8 are listed again but skipped by checksum.
rm "$tmp/data/broken"
python3 - "$tmp/data/items.json" 1 10 <<'PY'
import json, sys
items = [{"id": f"i{n}", "updated_at": f"2026-01-{n:02d}T00:00:00Z", "body": {"n": n, "v": n * 1.5}} for n in range(int(sys.argv[2]), int(sys.argv[3]) + 1)]
json.dump(items, open(sys.argv[1], "w"))
PY
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out2" 2>&1 || { cat "$tmp/out2"; fail "incremental run"; }
grep -q "3 files staged, 0 failed, 3 skipped" "$tmp/out2" || { cat "$tmp/out2"; fail "incremental run: want i5, i9, i10 staged and 3 skipped"; }
[[ $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid") == 10 ]] || fail "want 10 records"
[[ $(q "SELECT count(DISTINCT payload->>'n') FROM nightjar.raw_record WHERE source_id = $sid") == 10 ]] || fail "a record twice"
[[ $(q "SELECT bookmark->>'since' FROM nightjar.source WHERE source_id = $sid") == "2026-01-10T00:00:00Z" ]] || fail "bookmark after recovery"
# Critical failures of the provider.
set +e; NJ_TEST_HTTP_PASSWORD=wrong "$BIN" run -c "$tmp/nj.toml" > "$tmp/out3" 2>&1; rc=$?; set -e
[[ $rc -eq 10 ]] && grep -q "critical: source $name: login failed" "$tmp/out3" || { cat "$tmp/out3"; fail "wrong password: exit $rc"; }
grep -q "wrong" "$tmp/out3" && fail "password printed"
touch "$tmp/data/malformed"
set +e; "$BIN" run -c "$tmp/nj.toml" > "$tmp/out4" 2>&1; rc=$?; set -e
[[ $rc -eq 13 ]] && grep -q "listing malformed" "$tmp/out4" || { cat "$tmp/out4"; fail "malformed listing: exit $rc"; }
echo "runner_http: ok"
