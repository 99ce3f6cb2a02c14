#!/usr/bin/env bash
# notify.sh: `nightjar notify` and `nightjar worker` against real servers on 127.0.0.1
# (lib/notify_servers.sh): e-mail over STARTTLS with AUTH (the password from the
# environment), MIME checked by Python's email package (UTF-8 encoded-word subject,
# text/plain; charset=utf-8 body, Message-ID from the message key); webhooks verified by
# npm standardwebhooks in the receiver; a receiver failing twice (retried, same
# webhook-id each time), answering slowly, never answering (bounded timeout, dead letter
# after max_attempts), answering 410 (endpoint disabled, its next message dead without a
# send); a refused recipient (550: dead at once); the worker woken by NOTIFY and stopped by
# SIGTERM in the middle of a slow send (finishes it, exits 0) and reconnecting after a
# warehouse restart; secrets in no log, error, catalog row or pg_stat_activity. Needs PG*, NIGHTJAR_BIN, node, openssl.
set -euo pipefail
source "$(dirname "$0")/lib/notify_env.sh"

start_notify_servers 2 1500
q "DELETE FROM nightjar.notification; DELETE FROM nightjar.webhook_endpoint"

# The messages: templates rendered by queue_notification (values with quotes and UTF-8).
q "SELECT nightjar.queue_notification('deadline_missed', 'ops@example.org',
     jsonb_build_object('pipeline', 'fournisseurs', 'day', '2026-12-03', 'deadline', '06:00',
                        'deadline_tz', 'Europe/Paris — échéance ''dépassée''', 'last_run_status', 'failed'),
     'it:mail:1')" >/dev/null
q "SELECT nightjar.queue_notification('run_failed', 'reject@example.org',
     '{\"run_id\":7,\"pipeline\":\"p\",\"finished_at\":\"x\",\"step\":\"s\",\"attempts\":3,\"error\":\"e\"}', 'it:mail:2')" >/dev/null
for ep in ok ok ok fail gone gone slow timeout; do
  q "SELECT nightjar.queue_notification('partner_file_processed', 'webhook:$ep',
       jsonb_build_object('partner', 'acme', 'file', 'f.json', 'file_date', '2026-12-03', 'processed_at', now(),
                          'outcome', 'partial', 'imported', 3, 'rejected', 1, 'moved_to', 'success/'),
       'it:hook:$ep:' || nextval('nightjar.notification_notification_id_seq'))" >/dev/null
done
# The second 'gone' message must come after the first was refused: delay it.
q "UPDATE nightjar.notification SET next_attempt_at = now() + interval '2 seconds'
   WHERE notification_id = (SELECT max(notification_id) FROM nightjar.notification WHERE recipient = 'webhook:gone')"
[[ $(q "SELECT nightjar.queue_notification('deadline_missed', 'ops@example.org',
         '{\"pipeline\":\"x\",\"day\":\"d\",\"deadline\":\"t\",\"deadline_tz\":\"z\",\"last_run_status\":\"s\"}', 'it:mail:1')") == "" ]] \
  || fail "a second message with the same dedup key was queued"

# Deliver until nothing is pending (retries are due after 1-2 s).
for i in $(seq 1 30); do
  "$BIN" notify -c "$tmp/notify.toml" >> "$tmp/notify.out" 2>> "$tmp/notify.err" || true
  [[ $(q "SELECT count(*) FROM nightjar.notification WHERE status IN ('pending', 'sending')") == 0 ]] && break
  sleep 1
done
st() { q "SELECT status || '/' || attempts FROM nightjar.notification WHERE dedup_key = '$1'"; }
[[ $(st it:mail:1) == sent/1 ]] || fail "mail 1: $(st it:mail:1)"
[[ $(st it:mail:2) == failed/1 ]] || fail "refused recipient should be dead after one attempt: $(st it:mail:2)"
q "SELECT last_error FROM nightjar.notification WHERE dedup_key = 'it:mail:2'" | grep -q 550 || fail "550 not in last_error"
[[ $(q "SELECT string_agg(status || '/' || attempts, ' ' ORDER BY notification_id) FROM nightjar.notification WHERE recipient = 'webhook:ok'") == "sent/1 sent/1 sent/1" ]] || fail "ok webhooks"
[[ $(q "SELECT status || '/' || attempts FROM nightjar.notification WHERE recipient = 'webhook:fail'") == sent/3 ]] || fail "fail webhook: $(q "SELECT status || '/' || attempts FROM nightjar.notification WHERE recipient = 'webhook:fail'")"
[[ $(q "SELECT status || '/' || attempts FROM nightjar.notification WHERE recipient = 'webhook:slow'") == sent/1 ]] || fail "slow webhook"
[[ $(q "SELECT status || '/' || attempts FROM nightjar.notification WHERE recipient = 'webhook:timeout'") == failed/3 ]] || fail "timeout webhook: $(q "SELECT status || '/' || attempts || last_error FROM nightjar.notification WHERE recipient = 'webhook:timeout'")"
q "SELECT last_error FROM nightjar.notification WHERE recipient = 'webhook:timeout'" | grep -qi "timeout\|timed out" || fail "timeout not named in last_error"
[[ $(q "SELECT string_agg(status || '/' || attempts, ' ' ORDER BY notification_id) FROM nightjar.notification WHERE recipient = 'webhook:gone'") == "failed/1 failed/0" ]] || fail "gone webhooks: $(q "SELECT string_agg(status || '/' || attempts, ' ' ORDER BY notification_id) FROM nightjar.notification WHERE recipient = 'webhook:gone'")"
[[ $(q "SELECT disabled_at IS NOT NULL FROM nightjar.webhook_endpoint WHERE name = 'gone'") == t ]] || fail "endpoint gone not disabled"
[[ $(q "SELECT count(*) FROM nightjar.notification_dead_letters") == 4 ]] || fail "dead letter view: $(q "SELECT count(*) FROM nightjar.notification_dead_letters")"

# What the receivers got, checked by the reference implementations.
python3 - "$tmp/hooks.jsonl" "$tmp/mail.jsonl" "$(q "SELECT subject FROM nightjar.notification WHERE dedup_key = 'it:mail:1'")" \
  "$(q "SELECT nightjar.notification_message_key(notification_id, dedup_key) FROM nightjar.notification WHERE dedup_key = 'it:mail:1'")" \
  "$(q "SELECT body FROM nightjar.notification WHERE dedup_key = 'it:mail:1'")" <<'PY' || fail "receivers"
import json, sys, collections, email
from email import policy
hooks = [json.loads(l) for l in open(sys.argv[1])]
assert hooks and all(h["verified"] for h in hooks), [h for h in hooks if not h["verified"]]
by_path = collections.Counter(h["path"] for h in hooks)
assert by_path["/ok"] == 3 and by_path["/fail"] == 3 and by_path["/gone"] == 1 and by_path["/slow"] == 1, by_path
assert by_path["/timeout"] == 3, by_path
fail_ids = {h["id"] for h in hooks if h["path"] == "/fail"}
assert len(fail_ids) == 1, "a retried webhook must keep its webhook-id: %s" % fail_ids
ok_ids = {h["id"] for h in hooks if h["path"] == "/ok"}
assert len(ok_ids) == 3
body = json.loads(hooks[0]["body"])
assert body["type"] == "nightjar.partner_file_processed" and body["data"]["values"]["partner"] == "acme", body
mails = [json.loads(l) for l in open(sys.argv[2])]
assert len(mails) == 1, len(mails)
m = mails[0]
assert m["secure"] and m["user"] == "nightjar" and m["to"] == ["ops@example.org"], (m["secure"], m["user"], m["to"])
msg = email.message_from_string(m["raw"], policy=policy.default)
subject, key, text = sys.argv[3], sys.argv[4], sys.argv[5]
assert str(msg["Subject"]) == subject, (str(msg["Subject"]), subject)
assert "=?UTF-8?B?" in m["raw"], "the UTF-8 subject must be an encoded-word"
assert msg["Message-ID"] == "<%s@example.org>" % key, msg["Message-ID"]
assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == text.rstrip("\n"), (msg.get_content(), text)  # canonical CRLF on the wire
print("receivers: %d webhooks verified by standardwebhooks, 1 e-mail parsed" % len(hooks))
PY

# A wrong SMTP password: retried, and the password appears in no error.
sed "s/password_env = .*/password_env = \"NJ_TEST_WRONG\"/" "$tmp/notify.toml" > "$tmp/wrong.toml"
export NJ_TEST_WRONG="wrong-$RANDOM-secret"
q "SELECT nightjar.queue_notification('deadline_missed', 'ops@example.org',
     '{\"pipeline\":\"x\",\"day\":\"d\",\"deadline\":\"t\",\"deadline_tz\":\"z\",\"last_run_status\":\"s\"}', 'it:mail:3')" >/dev/null
"$BIN" notify -c "$tmp/wrong.toml" >> "$tmp/notify.out" 2>> "$tmp/notify.err" && fail "a refused login should exit 1"
[[ $(st it:mail:3) == pending/1 ]] || fail "refused login should be retried: $(st it:mail:3)"

# The worker: woken by NOTIFY (poll_s = 60), stopped by SIGTERM in the middle of a slow send.
"$BIN" worker -c "$tmp/notify.toml" > "$tmp/worker.out" 2> "$tmp/worker.err" &
worker_pid=$!
for _ in $(seq 1 50); do grep -q listening "$tmp/worker.err" && break; sleep 0.1; done
for _ in $(seq 1 100); do [[ $(st it:mail:3) == sent/* ]] && break; sleep 0.1; done
[[ $(st it:mail:3) == sent/2 ]] || fail "worker did not deliver the retried mail: $(st it:mail:3)"
q "SELECT nightjar.queue_notification('run_failed', 'webhook:ok',
     '{\"run_id\":8,\"pipeline\":\"p\",\"finished_at\":\"x\",\"step\":\"s\",\"attempts\":3,\"error\":\"e\"}', 'it:w:1')" >/dev/null
for _ in $(seq 1 50); do [[ $(st it:w:1) == sent/1 ]] && break; sleep 0.1; done
[[ $(st it:w:1) == sent/1 ]] || fail "NOTIFY did not wake the worker within 5 s (poll is 60 s)"
q "SELECT nightjar.queue_notification('run_failed', 'webhook:slow',
     '{\"run_id\":9,\"pipeline\":\"p\",\"finished_at\":\"x\",\"step\":\"s\",\"attempts\":3,\"error\":\"e\"}', 'it:w:2')" >/dev/null
for _ in $(seq 1 50); do [[ $(grep -c '"path":"/slow"' "$tmp/hooks.jsonl") == 2 ]] && break; sleep 0.1; done
# pg_stat_activity while the worker holds its connection: no secret there.
q "SELECT coalesce(string_agg(query || ' ' || application_name, ' '), '') FROM pg_stat_activity" > "$tmp/activity.txt"
kill -TERM "$worker_pid"
rc=0; wait "$worker_pid" || rc=$?
worker_pid=
[[ $rc == 0 ]] || fail "worker exited $rc after SIGTERM"
[[ $(st it:w:2) == sent/1 ]] || fail "the message in hand at SIGTERM was not finished: $(st it:w:2)"

# The worker survives a restart of the warehouse: it reconnects and delivers what comes next.
"$BIN" worker -c "$tmp/notify.toml" >> "$tmp/worker.out" 2>> "$tmp/worker.err" &
worker_pid=$!
for _ in $(seq 1 50); do [[ $(grep -c listening "$tmp/worker.err") == 2 ]] && break; sleep 0.1; done
"$BIN" db down >/dev/null 2>&1
"$BIN" db up >/dev/null 2>&1
q "SELECT nightjar.queue_notification('run_failed', 'webhook:ok',
     '{\"run_id\":10,\"pipeline\":\"p\",\"finished_at\":\"x\",\"step\":\"s\",\"attempts\":3,\"error\":\"e\"}', 'it:w:3')" >/dev/null
for _ in $(seq 1 150); do [[ $(st it:w:3) == sent/1 ]] && break; sleep 0.2; done
[[ $(st it:w:3) == sent/1 ]] || fail "the worker did not deliver after a warehouse restart: $(st it:w:3)"
grep -q "reconnecting" "$tmp/worker.err" || fail "the worker did not report the lost connection"
kill -TERM "$worker_pid"; rc=0; wait "$worker_pid" || rc=$?; worker_pid=
[[ $rc == 0 ]] || fail "worker exited $rc after SIGTERM (after a restart)"

# Secrets: not in the runner's output, the catalog, errors or pg_stat_activity.
pg_dump -a -n nightjar > "$tmp/catalog.sql" 2>/dev/null || q "SELECT * FROM nightjar.notification" > "$tmp/catalog.sql"
for secret in "$NJ_TEST_SMTP_PASSWORD" "$NJ_TEST_WEBHOOK_SECRET" "${NJ_TEST_WEBHOOK_SECRET#whsec_}" "$NJ_TEST_WRONG"; do
  for f in notify.out notify.err worker.out worker.err catalog.sql activity.txt; do
    grep -qF -- "$secret" "$tmp/$f" && fail "a secret appears in $f"
  done
done
echo "notify: OK ($(wc -l < "$tmp/hooks.jsonl") webhook requests, $(wc -l < "$tmp/mail.jsonl") e-mails, retries, timeouts, 410, dead letters, SIGTERM, restart)"
