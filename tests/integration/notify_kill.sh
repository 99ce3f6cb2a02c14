#!/usr/bin/env bash
# notify_kill.sh: the delivery guarantee under kill -9. 1,000 messages (600 webhooks, 400
# e-mails) are delivered by `nightjar worker`, which is killed with SIGKILL at random
# points (0.01-0.49 s apart) and restarted until the outbox is empty. Then the receivers'
# logs are counted: every message arrived (nothing lost), and every extra copy carries a
# webhook-id / Message-ID already seen, with the same content (so the receiver could drop
# it). The lease is 4 s, so the messages a killed worker held are retried soon.
# Needs PG*, NIGHTJAR_BIN, node, openssl.
set -euo pipefail
source "$(dirname "$0")/lib/notify_env.sh"
fail_log=$tmp/worker.err

start_notify_servers
sed -i 's/^poll_s = 60/poll_s = 60\nlease_s = 4/; s/^timeout_s = 10/timeout_s = 3/; s/^max_attempts = 3/max_attempts = 50/' "$tmp/notify.toml"
q "DELETE FROM nightjar.notification; DELETE FROM nightjar.webhook_endpoint"
q "SELECT count(nightjar.queue_notification('run_failed', CASE WHEN i % 5 < 3 THEN 'webhook:ok' ELSE 'ops' || i || '@example.org' END,
          jsonb_build_object('run_id', i, 'pipeline', 'p', 'finished_at', now(), 'step', 's', 'attempts', 1, 'error', 'e' || i),
          'kill:' || i)) FROM generate_series(1, 1000) i" >/dev/null

kills=0
for round in $(seq 1 200); do
  left=$(q "SELECT count(*) FROM nightjar.notification WHERE status <> 'sent'")
  [[ $left == 0 ]] && break
  "$BIN" worker -c "$tmp/notify.toml" >> "$tmp/worker.out" 2>> "$tmp/worker.err" &
  worker_pid=$!
  sleep "0.$((RANDOM % 5))$((RANDOM % 9 + 1))"  # 0.01 to 0.49 s
  if kill -9 "$worker_pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=
  # Let the leases of the killed worker expire now and then, so the tail gets done.
  if (( round % 4 == 0 )); then sleep 4; fi
done
[[ $(q "SELECT count(*) FROM nightjar.notification WHERE status = 'sent'") == 1000 ]] \
  || fail "not everything was delivered: $(q "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM nightjar.notification GROUP BY 1) s")"
(( kills >= 5 )) || fail "only $kills kills happened: the run was too fast to test anything"
q "SELECT CASE WHEN channel = 'webhook' THEN 'W' ELSE 'M' END || ' ' || nightjar.notification_message_key(notification_id, dedup_key)
   FROM nightjar.notification" > "$tmp/expected.txt"
python3 - "$tmp/expected.txt" "$tmp/hooks.jsonl" "$tmp/mail.jsonl" "$kills" <<'PY' || fail "receivers"
import json, sys, email, collections
from email import policy
expected = {"W": set(), "M": set()}
for line in open(sys.argv[1]):
    kind, key = line.split()
    expected[kind].add(key)
got = {"W": collections.defaultdict(list), "M": collections.defaultdict(list)}
for line in open(sys.argv[2]):
    h = json.loads(line)
    assert h["verified"], h
    got["W"][h["id"]].append(json.loads(h["body"]))
domain = "@example.org>"
for line in open(sys.argv[3]):
    m = email.message_from_string(json.loads(line)["raw"], policy=policy.default)
    mid = m["Message-ID"]
    assert mid.endswith(domain), mid
    got["M"][mid[1:-len(domain)]].append(m.get_content())
dups = {}
for kind in "WM":
    seen = set(got[kind])
    missing = expected[kind] - seen
    assert not missing, "%d %s messages lost, e.g. %s" % (len(missing), kind, sorted(missing)[:3])
    unknown = seen - expected[kind]
    assert not unknown, "ids nobody sent: %s" % sorted(unknown)[:3]
    for key, copies in got[kind].items():
        assert all(c == copies[0] for c in copies), "duplicate %s of %s differs" % (kind, key)
    dups[kind] = sum(len(c) - 1 for c in got[kind].values())
print("notify_kill: %s kills; %d webhooks and %d e-mails all received; duplicates (same id, same content): "
      "%d webhooks, %d e-mails" % (sys.argv[4], len(expected["W"]), len(expected["M"]), dups["W"], dups["M"]))
PY
echo "notify_kill: OK"
