#!/usr/bin/env bash
# least_role.sh: the runner works with the least role docs/security.md describes. A login
# role that is only a member of nightjar_runner (granted through nightjar.grant_role)
# stages a directory source with `nightjar run` (COPY into raw_record, the ingest API)
# and delivers the outbox with `nightjar notify`; `nightjar apply` (administrative) is
# refused to it, and so is reading bulk data or writing the catalog directly. The source
# itself is applied by a superuser. Needs PG*, NIGHTJAR_BIN, node, openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
here=tests/integration
tmp=$(mktemp -d)
source $here/lib/notify_servers.sh
trap 'stop_notify_servers; rm -rf "$tmp"' EXIT
fail() { echo "least_role: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

role=nj_it_runner
q "DO \$\$ BEGIN CREATE ROLE $role LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
q "SELECT nightjar.grant_role('nightjar_runner', '$role')" >/dev/null 2>&1
runner_url="$("$BIN" db url warehouse | sed 's/user=[^&]*/user='$role'/')"

mkdir -p "$tmp/src"
for i in 1 2 3; do
  python3 -c "import json,sys; [print(json.dumps({'uid': $i * 100 + j, 'v': j})) for j in range(50)]" > "$tmp/src/f$i.ndjson"
done
name=itleast_$$
cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$name"
kind = "dir"
location = "$tmp/src"
format = "ndjson"
pattern = "*.ndjson"
batch_size = 2
TOML
"$BIN" apply -c "$tmp/nj.toml" >/dev/null   # as the superuser: an administrative action
NIGHTJAR_DATABASE_URL=$runner_url "$BIN" apply -c "$tmp/nj.toml" > "$tmp/apply.out" 2>&1 \
  && fail "the runner role could apply the configuration"
grep -q "permission denied" "$tmp/apply.out" || fail "apply as the runner: $(cat "$tmp/apply.out")"
NIGHTJAR_DATABASE_URL=$runner_url "$BIN" run -c "$tmp/nj.toml" > "$tmp/run.out" 2>&1 || fail "run as the runner role: $(tail -5 "$tmp/run.out")"
[[ $(q "SELECT count(*) FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 150 ]] \
  || fail "the runner role did not stage 150 records"
[[ $(q "SELECT count(DISTINCT session_user_name) FROM nightjar.audit_log WHERE object_type = 'source' AND object_key = '$name'") -ge 1 ]] \
  || fail "the source's creation is not audited"
for stmt in "SELECT count(*) FROM nightjar.raw_record" "UPDATE nightjar.source SET config = '{}' WHERE name = '$name'" \
            "SELECT nightjar.emit('x')"; do
  psql -qAtX -d "$runner_url" -c "$stmt" >/dev/null 2>"$tmp/err" && fail "the runner role could run: $stmt"
  grep -q "permission denied" "$tmp/err" || fail "$stmt: $(cat "$tmp/err")"
done

start_notify_servers
q "DELETE FROM nightjar.notification"
q "SELECT nightjar.queue_notification('partner_file_processed', r, jsonb_build_object('partner', 'p', 'file', 'f',
     'file_date', 'd', 'processed_at', 'now', 'outcome', 'ok', 'imported', 1, 'rejected', 0, 'moved_to', 'success/'), 'least:' || r)
   FROM unnest(ARRAY['webhook:ok', 'ops@example.org']) r" >/dev/null
NIGHTJAR_DATABASE_URL=$runner_url "$BIN" notify -c "$tmp/notify.toml" > "$tmp/notify.out" 2>&1 || fail "notify as the runner role: $(cat "$tmp/notify.out")"
[[ $(q "SELECT count(*) FROM nightjar.notification WHERE status = 'sent'") == 2 ]] || fail "the runner role did not deliver"
echo "least_role: OK (run and notify as a nightjar_runner member; apply, bulk reads and direct writes refused)"
