#!/usr/bin/env bash
# runner_apply.sh: `nightjar apply` of [[pipeline]] tables on the real cluster. First
# apply creates the pipeline and its steps; re-applying changes nothing; an edited step
# is updated and a removed one dropped; a definition the database refuses (unknown
# function, bad interval) exits 2 naming file and line, and nothing of the file is
# applied (sources and pipelines commit together). `nightjar dispatch` runs the due
# steps and reports each run; a dead step makes it exit 1.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
: "${NIGHTJAR_DATABASE_URL:?NIGHTJAR_DATABASE_URL must be set}"
tmp=$(mktemp -d)
tag=$$_$RANDOM
p=itapply_$tag
schema=itapply_$tag
cleanup() {
  psql -qX -c "SELECT nightjar.drop_pipeline('$p')" -c "DROP SCHEMA IF EXISTS $schema CASCADE" \
       -c "DELETE FROM nightjar.source WHERE name = 'itapply_src_$tag'" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runner_apply: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

q "CREATE SCHEMA $schema;
   CREATE FUNCTION $schema.check(p jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';
   CREATE FUNCTION $schema.publish(p jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';"

write_config() {  # write_config MAX_ATTEMPTS WITH_PUBLISH FUNCTION_OF_CHECK
  cat > "$tmp/n.toml" <<TOML
[[pipeline]]
name = "$p"
deadline = "07:00"
deadline_tz = "Europe/Paris"

[[pipeline.step]]
name = "check"
function = "$3"
subscribes = "itapply.$tag.staged"
emits = "itapply.$tag.checked"
max_attempts = $1
TOML
  if [[ $2 == yes ]]; then cat >> "$tmp/n.toml" <<TOML

[[pipeline.step]]
name = "publish"
function = "$schema.publish(jsonb)"
subscribes = "itapply.$tag.checked"
backoff = "5 seconds"
match = { source = "itapply_src", n = 2 }
TOML
  fi
}

# --- 1. create, then re-apply: unchanged ------------------------------------------
write_config 3 yes "$schema.check(jsonb)"
out=$("$BIN" apply -c "$tmp/n.toml")
grep -qx "created pipeline $p" <<<"$out" || fail "first apply: $out"
grep -qx "created step $p.check" <<<"$out" || fail "first apply: $out"
grep -qx "created step $p.publish" <<<"$out" || fail "first apply: $out"
[[ $(q "SELECT deadline || ' ' || deadline_tz FROM nightjar.pipeline WHERE name = '$p'") == "07:00:00 Europe/Paris" ]] \
  || fail "deadline not recorded"
[[ $(q "SELECT max_attempts || ' ' || backoff FROM nightjar.step s JOIN nightjar.pipeline USING (pipeline_id)
        WHERE pipeline.name = '$p' AND s.name = 'publish'") == "3 00:00:05" ]] || fail "publish settings"
[[ $(q "SELECT match = '{\"source\": \"itapply_src\", \"n\": 2}'::jsonb FROM nightjar.step s JOIN nightjar.pipeline USING (pipeline_id)
        WHERE pipeline.name = '$p' AND s.name = 'publish'") == t ]] || fail "publish match not recorded"
out=$("$BIN" apply -c "$tmp/n.toml")
grep -qx "unchanged pipeline $p" <<<"$out" || fail "re-apply: $out"
grep -qx "unchanged step $p.check" <<<"$out" || fail "re-apply: $out"
grep -q "created\|updated\|dropped" <<<"$out" && fail "re-apply changed something: $out"

# --- 2. edit one step, remove the other ---------------------------------------------
write_config 7 no "$schema.check(jsonb)"
out=$("$BIN" apply -c "$tmp/n.toml")
grep -qx "updated step $p.check" <<<"$out" || fail "edit: $out"
grep -qx "dropped step $p.publish" <<<"$out" || fail "edit: $out"
[[ $(q "SELECT count(*) FROM nightjar.step JOIN nightjar.pipeline USING (pipeline_id) WHERE pipeline.name = '$p'") == 1 ]] \
  || fail "publish not dropped"

# --- 3. refused definitions: exit 2, file:line, nothing applied ----------------------
write_config 7 yes "$schema.missing(jsonb)"
cat >> "$tmp/n.toml" <<TOML

[[source]]
name = "itapply_src_$tag"
kind = "dir"
location = "$tmp"
TOML
rc=0; err=$("$BIN" apply -c "$tmp/n.toml" 2>&1) || rc=$?
[[ $rc -eq 2 ]] || fail "unknown function: exit $rc, want 2 ($err)"
grep -q "n.toml:6: step $p.check: .*$schema.missing" <<<"$err" || fail "unknown function message: $err"
[[ $(q "SELECT count(*) FROM nightjar.source WHERE name = 'itapply_src_$tag'") == 0 ]] || fail "source applied despite the error"
[[ $(q "SELECT count(*) FROM nightjar.step JOIN nightjar.pipeline USING (pipeline_id) WHERE pipeline.name = '$p'") == 1 ]] \
  || fail "steps changed despite the error"
write_config 7 no "$schema.check(jsonb)"
sed -i 's/^max_attempts = 7/max_attempts = 7\nbackoff = "soon"/' "$tmp/n.toml"
rc=0; err=$("$BIN" apply -c "$tmp/n.toml" 2>&1) || rc=$?
[[ $rc -eq 2 ]] || fail "bad interval: exit $rc ($err)"
grep -q "n.toml:6: step $p.check: .*soon" <<<"$err" || fail "bad interval message: $err"

# --- 4. nightjar dispatch runs the due steps and reports the runs ---------------------
write_config 1 no "$schema.check(jsonb)"
"$BIN" apply -c "$tmp/n.toml" >/dev/null
q "SELECT nightjar.emit('itapply.$tag.staged', '{\"source_id\": 1}')" >/dev/null
out=$(cd "$tmp" && "$BIN" dispatch --pipeline "$p") || fail "dispatch exit $? ($out)"
grep -q "^dispatched 1 step(s)$" <<<"$out" || fail "dispatch: $out"
grep -q "^run [0-9]* $p: succeeded, steps 1/1, attempts 1" <<<"$out" || fail "dispatch run line: $out"
q "CREATE OR REPLACE FUNCTION $schema.check(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS
   \$\$ BEGIN RAISE EXCEPTION 'provider down' USING ERRCODE = '08006'; END \$\$"
q "SELECT nightjar.emit('itapply.$tag.staged', '{\"source_id\": 2}')" >/dev/null
rc=0; out=$(cd "$tmp" && "$BIN" dispatch --pipeline "$p") || rc=$?
[[ $rc -eq 1 ]] || fail "a dead step: exit $rc, want 1 ($out)"
grep -q "^run [0-9]* $p: failed, .*last error: check attempt 1: 08006 provider down" <<<"$out" || fail "failed run line: $out"
echo "runner_apply: ok"
