#!/usr/bin/env bash
# runner_http.sh: the runner against a local JSON web service (servers/json_api.py):
# login call, paginated listing, a 503 retried, one fetch per item, a failing item named in the report
# (partial success, exit 1), the bookmark makes the next run incremental, wrong password
# exits 10 ("login failed"), a malformed listing exits 13. The bookmark never passes an
# item cut by max_files, declined with --interactive or skipped by --resume-from-batch;
# token auth, 429 with Retry-After and a timeout retried, --no-cleanup keeps the fetched
# items, a wrong token (listing 401) exits 10, a listing answering 500 exits 13.
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
# --- the bookmark never passes a relevant item this run did not stage ------------------
# Items in plan order (key): a (Feb 3), b (Feb 1), c (Feb 2). A run that stages a and b
# but not c must not store Feb 2 or later, or c would never be listed again.
rm "$tmp/data/malformed"
python3 - "$tmp/data/items.json" <<'PY'
import json, sys
items = [{"id": k, "updated_at": f"2026-02-0{d}T00:00:00Z", "body": {"k": k}} for k, d in (("a", 3), ("b", 1), ("c", 2))]
json.dump(items, open(sys.argv[1], "w"))
PY
# httpconf NAME EXTRA-SOURCE-KEYS writes a config for a token-authenticated http source.
httpconf() {
  cat <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$1"
kind = "http"
format = "ndjson"
batch_size = 1
$2
[source.http]
list_url = "http://127.0.0.1:$port/items"
item_url = "http://127.0.0.1:$port/item/{id}"
bookmark_field = "updated_at"
token_env = "NJ_TEST_HTTP_TOKEN"
[source.retry]
attempts = 2
base_delay_ms = 10
[source.timeouts]
total_s = 1
TOML
}
export NJ_TEST_HTTP_TOKEN=tok-123
bm() { q "SELECT coalesce(bookmark->>'since', 'none') FROM nightjar.source WHERE name = '$1'"; }
recs() { q "SELECT coalesce(string_agg(payload->>'k', ',' ORDER BY payload->>'k'), '') FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id) WHERE s.name = '$1'"; }
# Cut by max_files.
nb=${name}_cut
httpconf "$nb" "max_files = 2" > "$tmp/cut.toml"
"$BIN" apply -c "$tmp/cut.toml" >/dev/null
"$BIN" run -c "$tmp/cut.toml" > "$tmp/out5" 2>&1 || { cat "$tmp/out5"; fail "max_files run"; }
[[ $(recs "$nb") == "a,b" ]] || fail "max_files: want a,b staged, got $(recs "$nb")"
[[ $(bm "$nb") == "2026-02-01T00:00:00Z" ]] || fail "max_files: bookmark $(bm "$nb") passes the cut item c"
"$BIN" run -c "$tmp/cut.toml" > "$tmp/out6" 2>&1 || { cat "$tmp/out6"; fail "max_files second run"; }
[[ $(recs "$nb") == "a,b,c" ]] || fail "max_files: c never staged: $(recs "$nb")"
# Declined with --interactive (y, n, y: b declined).
ni=${name}_ask
httpconf "$ni" "" > "$tmp/ask.toml"
"$BIN" apply -c "$tmp/ask.toml" >/dev/null
printf 'y\nn\ny\n' | "$BIN" run -c "$tmp/ask.toml" --interactive > "$tmp/out7" 2>&1 || { cat "$tmp/out7"; fail "interactive run"; }
[[ $(recs "$ni") == "a,c" ]] || fail "interactive: want a,c, got $(recs "$ni")"
[[ $(bm "$ni") == none ]] || fail "interactive: bookmark $(bm "$ni") passes the declined item b"
"$BIN" run -c "$tmp/ask.toml" > "$tmp/out8" 2>&1 || { cat "$tmp/out8"; fail "run after interactive"; }
[[ $(recs "$ni") == "a,b,c" ]] || fail "interactive: b never staged: $(recs "$ni")"
[[ $(bm "$ni") == "2026-02-01T00:00:00Z" ]] || fail "interactive: bookmark after b: $(bm "$ni")"
# Skipped by --resume-from-batch 3 of the recorded plan (a and b skipped).
nr=${name}_res
httpconf "$nr" "" > "$tmp/res.toml"
"$BIN" apply -c "$tmp/res.toml" >/dev/null
# A run stopped before its first batch records the plan that --resume-from-batch resumes.
printf 'q\n' | "$BIN" run -c "$tmp/res.toml" --interactive > "$tmp/out9a" 2>&1 && rc=0 || rc=$?
[[ $rc -eq 14 ]] || { cat "$tmp/out9a"; fail "q before batch 1: exit $rc, want 14"; }
"$BIN" run -c "$tmp/res.toml" --resume-from-batch 3 > "$tmp/out9" 2>&1 || { cat "$tmp/out9"; fail "resume run"; }
[[ $(recs "$nr") == "c" ]] || fail "resume: want c, got $(recs "$nr")"
[[ $(bm "$nr") == none ]] || fail "resume: bookmark $(bm "$nr") passes the skipped item b"

# --- token auth, 429 with Retry-After, a timeout, --no-cleanup ------------------------
echo a > "$tmp/data/ratelimited"   # 429 + Retry-After: 1; a retry before 1 s is refused again
echo b > "$tmp/data/slow"          # first answer after 3 s > total_s = 1: retried
nt=${name}_tok
httpconf "$nt" "" > "$tmp/tok.toml"
"$BIN" apply -c "$tmp/tok.toml" >/dev/null
"$BIN" run -c "$tmp/tok.toml" --no-cleanup > "$tmp/out10" 2>&1 || { cat "$tmp/out10"; fail "429/timeout run"; }
[[ $(recs "$nt") == "a,b,c" ]] || { cat "$tmp/out10"; fail "429/timeout: got $(recs "$nt")"; }
[[ $(bm "$nt") == "2026-02-03T00:00:00Z" ]] || fail "token source bookmark $(bm "$nt")"
# --no-cleanup: the fetched items are still in this run's spool.
[[ $(ls "$tmp/spool/$nt"-*/ | wc -l) == 3 ]] || fail "--no-cleanup: want 3 spooled items: $(ls -R "$tmp/spool")"
rm -rf "$tmp/spool/$nt"-*
rm "$tmp/data/ratelimited" "$tmp/data/slow"
set +e; NJ_TEST_HTTP_TOKEN=not-the-token "$BIN" run -c "$tmp/tok.toml" > "$tmp/out11" 2>&1; rc=$?; set -e
[[ $rc -eq 10 ]] && grep -q "critical: source $nt: authentication refused by the listing (HTTP 401)" "$tmp/out11" \
  || { cat "$tmp/out11"; fail "wrong token: exit $rc, want 10"; }
grep -q "not-the-token" "$tmp/out11" && fail "token printed"
touch "$tmp/data/listfail"
set +e; "$BIN" run -c "$tmp/tok.toml" > "$tmp/out12" 2>&1; rc=$?; set -e
[[ $rc -eq 13 ]] && grep -q "critical: source $nt: listing failed: HTTP 500" "$tmp/out12" || { cat "$tmp/out12"; fail "listing 500: exit $rc, want 13"; }
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind: $(ls -R "$tmp/spool")"
echo "runner_http: ok"
