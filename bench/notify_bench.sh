#!/usr/bin/env bash
# notify_bench.sh: delivery throughput of `nightjar notify` and its peak RSS.
#  1. 10,000 webhooks (template run_failed, ~500-byte signed JSON bodies) to the local
#     receiver (tests/integration/servers/webhook_receiver.js, which verifies every
#     signature with npm standardwebhooks and appends the request to a file);
#  2. 1,000 e-mails over STARTTLS + AUTH to the local smtp-server sink.
# Each is timed end to end (claim, send, mark, commit per message) and compared with a
# baseline measured in the same run against the same receiver: Python sending the same
# number of requests / messages on one keep-alive connection (http.client, smtplib)
# with no database at all -- the receivers' own ceiling. Ratio = nightjar / baseline.
# Peak RSS of the runner from /usr/bin/time -v. Empties nightjar.notification first.
# Env: PG*, NIGHTJAR_BIN, BENCH_WEBHOOKS (10000), BENCH_EMAILS (1000).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
NW=${BENCH_WEBHOOKS:-10000}
NE=${BENCH_EMAILS:-1000}
here=tests/integration
tmp=$(mktemp -d)
source $here/lib/notify_servers.sh
trap 'stop_notify_servers; rm -rf "$tmp"' EXIT
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
start_notify_servers
sed -i 's/^batch = 10/batch = 100/' "$tmp/notify.toml"

# run_case NAME COUNT RECIPIENT_SQL: queue COUNT messages, deliver them, print rate and RSS.
run_case() {
  q "DELETE FROM nightjar.notification" >/dev/null
  q "SELECT count(nightjar.queue_notification('run_failed', $3,
       jsonb_build_object('run_id', i, 'pipeline', 'bench_pipeline', 'finished_at', now(), 'step', 'validate',
                          'attempts', 3, 'error', 'P0001 ' || repeat('x', 120)), 'bench:' || i))
     FROM generate_series(1, $2) i" >/dev/null
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v "$BIN" notify -c "$tmp/notify.toml" > "$tmp/$1.out" 2> "$tmp/$1.time"
  t1=$(date +%s.%N)
  local sent rss
  sent=$(q "SELECT count(*) FROM nightjar.notification WHERE status = 'sent'")
  [[ $sent == "$2" ]] || { echo "notify_bench: only $sent of $2 $1 delivered" >&2; tail -3 "$tmp/$1.time" >&2; exit 1; }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/$1.time")
  python3 -c "import sys; print('%s %.3f %s' % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2]), sys.argv[4]))" "$1" "$t0" "$t1" "$rss"
}

web=$(run_case webhooks "$NW" "'webhook:ok'")
mail=$(run_case emails "$NE" "'ops' || (i % 50) || '@example.org'")
q "SELECT webhook_body FROM (SELECT jsonb_build_object('type', 'nightjar.run_failed', 'data', jsonb_build_object('body', repeat('x', 400)))::text AS webhook_body) b" > "$tmp/body.json"

python3 - "$hook_port" "$NW" "$smtp_port" "$NE" "$tmp/smtp.crt" "$NJ_TEST_SMTP_PASSWORD" "$tmp/body.json" "$web" "$mail" <<'PY'
import http.client, smtplib, ssl, sys, time
from email.message import EmailMessage
hook_port, nw, smtp_port, ne, ca, pw, body_file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
web, mail = sys.argv[8].split(), sys.argv[9].split()
body = open(body_file).read().strip().encode()
# The receiver verifies signatures: the baseline signs like Standard Webhooks too.
import base64, hashlib, hmac, os
secret = base64.b64decode(os.environ["NJ_TEST_WEBHOOK_SECRET"][len("whsec_"):])
c = http.client.HTTPConnection("127.0.0.1", hook_port)
t0 = time.time()
for i in range(nw):
    mid, ts = "base_%d" % i, str(int(time.time()))
    sig = base64.b64encode(hmac.new(secret, ("%s.%s." % (mid, ts)).encode() + body, hashlib.sha256).digest()).decode()
    c.request("POST", "/ok", body, {"content-type": "application/json", "webhook-id": mid,
                                    "webhook-timestamp": ts, "webhook-signature": "v1," + sig})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
base_web = time.time() - t0
ctx = ssl.create_default_context(cafile=ca)
t0 = time.time()
s = smtplib.SMTP("127.0.0.1", smtp_port)
s.starttls(context=ctx); s.login("nightjar", pw)
for i in range(ne):
    m = EmailMessage(); m["From"] = "nightjar@example.org"; m["To"] = "ops%d@example.org" % (i % 50)
    m["Subject"] = "baseline %d" % i; m.set_content("x" * 300)
    s.send_message(m)
s.quit()
base_mail = time.time() - t0
def line(name, n, t, base, rss):
    rate, brate = n / t, n / base
    print("%-9s %6d messages: nightjar notify %7.1f msg/s (%.2f s, peak RSS %.1f MB); baseline %7.1f msg/s; ratio %.2f"
          % (name, n, rate, t, int(rss) / 1024, brate, rate / brate))
line("webhooks", nw, float(web[1]), base_web, web[2])
line("e-mails", ne, float(mail[1]), base_mail, mail[2])
PY
q "DELETE FROM nightjar.notification" >/dev/null
