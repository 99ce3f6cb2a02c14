#!/usr/bin/env bash
# 90_delivery.sh: demo stage — the night's notifications leave the outbox, and the webapp
# reads the run status through the link. Starts a local SMTP server (npm smtp-server,
# tests/integration/servers/smtp_sink.js) on a free port of 127.0.0.1, delivers what the
# earlier stages queued with `nightjar notify` (e-mails; webhook recipients stay pending:
# no endpoint is configured here), prints what the server received, stops it by its PID.
# Then links the webapp database (`nightjar webapp link`, after the pg_hba line a DBA
# adds, docs/webapp.md) and reads nightjar_api.run_status there as the role webapp_app.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
here=tests/integration
echo "== 9. delivery: the night's notifications, and the webapp reading through postgres_fdw"
if [[ ! -d $here/node_modules/smtp-server ]]; then (cd $here && npm ci --no-audit --no-fund >/dev/null 2>&1); fi
mkdir -p "$home/demo-mail"
mail_log=$home/demo-mail/received.jsonl
: > "$mail_log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
node $here/servers/smtp_sink.js "$port" "$mail_log" > "$home/demo-mail/server.out" 2>&1 &
smtp_pid=$!
trap 'kill "$smtp_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q ready "$home/demo-mail/server.out" 2>/dev/null && break; sleep 0.1; done
cat > "$home/notify.toml" <<TOML
[notify]
batch = 50

[notify.smtp]
url = "smtp://127.0.0.1:$port"
from = "nightjar demo <nightjar@demo.invalid>"
tls = "off"
TOML
# A recipient for a run failure the demo may not have produced: one sample, idempotent.
psql -qAtX -v ON_ERROR_STOP=1 -c "SELECT nightjar.queue_notification('deadline_missed', 'ops@demo.invalid',
  jsonb_build_object('pipeline', 'supplier_quality', 'day', current_date, 'deadline', '06:00',
                     'deadline_tz', 'Europe/Paris', 'last_run_status', 'succeeded (late)'),
  'demo:deadline_missed:' || current_date)" >/dev/null
echo "-- the outbox before (nightjar.notification_queue)"
psql -qX -c "SELECT channel, status, messages FROM nightjar.notification_queue ORDER BY 1, 2"
"$BIN" notify -c "$home/notify.toml" || true
echo "-- what the SMTP server received (decoded with Python's email package)"
python3 - "$mail_log" <<'PY'
import email, json, sys
from email import policy
for line in open(sys.argv[1]):
    m = email.message_from_string(json.loads(line)["raw"], policy=policy.default)
    print("  %-22s %s\n  %-22s Message-ID %s" % (m["To"], m["Subject"], "", m["Message-ID"]))
PY
kill "$smtp_pid" 2>/dev/null || true
wait "$smtp_pid" 2>/dev/null || true
trap - EXIT

echo "-- the webapp link (nightjar webapp link) and a read as webapp_app in database webapp"
psql -qAtX -d webapp -c "DO \$\$ BEGIN CREATE ROLE webapp_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
source $here/lib/webapp_hba.sh
require_password_for nightjar_webapp   # the DBA's pg_hba.conf line (docs/webapp.md)
"$BIN" webapp link --webapp-url "$("$BIN" db url webapp)" --local-role webapp_app
psql -qX -d webapp -U webapp_app -c "SELECT run_id, pipeline, status, steps_succeeded AS ok, steps, round(duration_s::numeric, 2) AS seconds
                                     FROM nightjar_api.run_status ORDER BY run_id DESC LIMIT 5"
psql -qAtX -d webapp -U webapp_app -c "SELECT format('webapp: %s runs read through the link (%s succeeded)', count(*),
                                                      count(*) FILTER (WHERE status = 'succeeded'))
                                       FROM nightjar_api.run_status"
