#!/usr/bin/env bash
# runner_entities.sh: the runner's per-entity HTTP listing (issue 14) against the
# structure-monitoring provider (examples/structure-monitoring/provider.py) with a small
# generated fleet of 10 structures. The source's entities_query reads the monitored
# structures from nightjar.monitoring_structure; per structure the runner logs in, lists its
# states after its own bookmark and fetches each. The provider's failure classes are each
# named in the run's report (nightjar.ingest_run.report): OUV0003's login fails, OUV0005's
# listing is malformed, OUV0007's states fail to download; the 7 other structures are staged
# (partial success, exit 1). The bookmark is per structure (a failed state holds back its
# own structure only); the next night's run lists and stages only the new states. Needs PG* / NIGHTJAR_DATABASE_URL, NIGHTJAR_BIN, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
tmp=$(mktemp -d)
provider=
created=
cleanup() {
  if [[ -n "$provider" ]]; then kill "$provider" 2>/dev/null || true; fi
  # The structures this test defined go again (other tests and the demo use the same ids).
  if [[ -n "$created" ]]; then
    psql -qAtX -c "DELETE FROM nightjar.monitoring_structure WHERE external_id = ANY (string_to_array('$created', ','))" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runner_entities: FAIL: $*" >&2; [[ -f "$tmp/out" ]] && tail -30 "$tmp/out" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

python3 examples/structure-monitoring/generate_fleet.py "$tmp/fleet" --structures 10 --modes 2 --sensors 3 --nights 2 >/dev/null
ids=$(python3 -c 'print(",".join("%s" % ("OUV%04d" % i) for i in range(1, 11)))')
created=$(q "SELECT string_agg(x, ',') FROM unnest(string_to_array('$ids', ',')) x
               WHERE NOT EXISTS (SELECT 1 FROM nightjar.monitoring_structure s WHERE s.external_id = x)")
q "SELECT nightjar.monitoring_define_structure(x) FROM unnest(string_to_array('$created', ',')) x" >/dev/null
states() {  # states NIGHTS...: how many states the good structures publish in those nights
  python3 - "$tmp/fleet" "$@" <<'PY'
import json, os, sys
d, nights = sys.argv[1], sys.argv[2:]
bad = {"OUV0003", "OUV0005", "OUV0007"}
print(sum(len(json.load(open(os.path.join(d, "states", n, f)))) for n in nights
          for f in os.listdir(os.path.join(d, "states", n)) if f[:-5] not in bad))
PY
}

echo night1 > "$tmp/fleet/published"
python3 examples/structure-monitoring/provider.py "$tmp/port" "$tmp/fleet" &
provider=$!
for _ in $(seq 50); do [[ -s $tmp/port ]] && break; sleep 0.1; done
[[ -s $tmp/port ]] || fail "provider did not start"
port=$(cat "$tmp/port")
src=ent_$$_$RANDOM
cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$src"
kind = "http"
format = "json"
batch_size = 1000
[source.http]
entities_query = "SELECT external_id FROM nightjar.monitoring_structure WHERE external_id = ANY (string_to_array('$ids', ',')) ORDER BY external_id"
login_url = "http://127.0.0.1:$port/login"
login_entity_field = "structure"
password_env = "PROVIDER_PASSWORD"
list_url = "http://127.0.0.1:$port/structures/{external_id}/states"
items_field = "states"
id_field = "state_id"
bookmark_field = "measured_at"
bookmark_param = "since"
item_url = "http://127.0.0.1:$port/structures/{external_id}/states/{id}"
[source.retry]
attempts = 2
base_delay_ms = 10
TOML
export PROVIDER_PASSWORD=pw
"$BIN" apply -c "$tmp/nj.toml" > "$tmp/out" 2>&1 || fail "apply"
set +e; "$BIN" run -c "$tmp/nj.toml" >> "$tmp/out" 2>&1; rc=$?; set -e
[[ $rc == 1 ]] || fail "first night: exit $rc, expected 1 (partial success)"
staged() { q "SELECT count(*) FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name = '$src' AND f.status = 'staged'"; }
want=$(states night1)
[[ $(staged) == "$want" ]] || fail "night 1: $(staged) states staged, expected $want"
report=$(q "SELECT r.report::text FROM nightjar.ingest_run r JOIN nightjar.source s USING (source_id) WHERE s.name = '$src' ORDER BY r.run_id DESC LIMIT 1")
for want_text in 'entity OUV0003.*login failed (HTTP 401)' 'entity OUV0005.*listing malformed: not JSON' 'entity OUV0007: item [^"]* failed: HTTP 500'; do
  grep -q "$want_text" <<<"$report" || fail "report lacks /$want_text/: $report"
done
grep -q 'entity OUV0003: login failed (HTTP 401)' "$tmp/out" || fail "the run's text report does not name the login failure"
# The bookmark is per structure: every structure staged advanced, OUV0007's failed state
# holds back its own bookmark only.
bm=$(q "SELECT bookmark::text FROM nightjar.source WHERE name = '$src'")
for s in OUV0001 OUV0006 OUV0008 OUV0010; do grep -q "\"$s\"" <<<"$bm" || fail "no bookmark for $s: $bm"; done
grep -q '"OUV0003"\|"OUV0005"\|"OUV0007"' <<<"$bm" && fail "a failed structure has a bookmark: $bm"

# Night 2: only the new states are listed for the structures whose bookmark advanced.
echo "night1 night2" > "$tmp/fleet/published"
set +e; "$BIN" run -c "$tmp/nj.toml" > "$tmp/out2" 2>&1; rc=$?; set -e
cat "$tmp/out2" >> "$tmp/out"
[[ $rc == 1 ]] || fail "second night: exit $rc"
want=$(states night1 night2)
[[ $(staged) == "$want" ]] || fail "night 2: $(staged) states staged in all, expected $want"
fetched=$(grep -o '[0-9]* files staged' "$tmp/out2" | head -1 | cut -d' ' -f1)
[[ $fetched == $(states night2) ]] || fail "night 2 staged $fetched files, expected $(states night2) (only the new states)"
grep -q ', 0 skipped' "$tmp/out2" || fail "night 2 listed states already staged again: $(grep skipped "$tmp/out2")"

# Every login failing is critical: exit 10, naming the class.
set +e; PROVIDER_PASSWORD=wrong "$BIN" run -c "$tmp/nj.toml" > "$tmp/out3" 2>&1; rc=$?; set -e
[[ $rc == 10 ]] && grep -q 'every entity failed.*login failed' "$tmp/out3" || fail "wrong password: exit $rc: $(cat "$tmp/out3")"
[[ -z ${KEEP_OUT:-} ]] || cat "$tmp/out" "$tmp/out3"  # KEEP_OUT=1 shows the runs
echo "runner_entities: ok"
