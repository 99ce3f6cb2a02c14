# notify_servers.sh: shared setup of the notification tests (sourced). Starts the test
# SMTP server (servers/smtp_sink.js: STARTTLS with a throwaway certificate, AUTH required)
# and the webhook receiver (servers/webhook_receiver.js: verifies signatures with npm
# standardwebhooks) on free ports of 127.0.0.1, records their PIDs for the caller's
# cleanup (stop_notify_servers), and writes $tmp/notify.toml. Needs $tmp, $here.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {  # wait_ready FILE: until the server printed "ready"
  for _ in $(seq 1 100); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server did not start: $(cat "$1")" >&2; return 1
}
start_notify_servers() {  # start_notify_servers [FAILS] [SLOW_MS]
  if [[ ! -d $here/node_modules/standardwebhooks ]]; then (cd $here && npm ci --no-audit --no-fund >/dev/null 2>&1); fi
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/smtp.key" -out "$tmp/smtp.crt" 2>/dev/null
  export NJ_TEST_SMTP_PASSWORD="pw'; DROP TABLE nightjar.pipeline; --$RANDOM$RANDOM"
  export NJ_TEST_WEBHOOK_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
  smtp_port=$(free_port); hook_port=$(free_port)
  : > "$tmp/mail.jsonl"; : > "$tmp/hooks.jsonl"
  node $here/servers/smtp_sink.js "$smtp_port" "$tmp/mail.jsonl" "$tmp/smtp.key" "$tmp/smtp.crt" \
    nightjar "$NJ_TEST_SMTP_PASSWORD" > "$tmp/smtp.out" 2>&1 &
  smtp_pid=$!
  node $here/servers/webhook_receiver.js "$hook_port" "$tmp/hooks.jsonl" "$NJ_TEST_WEBHOOK_SECRET" \
    "${1:-2}" "${2:-1500}" > "$tmp/hooks.out" 2>&1 &
  hook_pid=$!
  wait_ready "$tmp/smtp.out" && wait_ready "$tmp/hooks.out"
  cat > "$tmp/notify.toml" <<TOML
[notify]
batch = 10
max_attempts = 3
retry_base = "1 second"
retry_cap = "2 seconds"
poll_s = 60

[notify.smtp]
url = "smtp://127.0.0.1:$smtp_port"
from = "nightjar <nightjar@example.org>"
username = "nightjar"
password_env = "NJ_TEST_SMTP_PASSWORD"
tls = "require"
ca_file = "$tmp/smtp.crt"
timeout_s = 10

TOML
  for ep in ok fail gone slow timeout flaky; do
    cat >> "$tmp/notify.toml" <<TOML
[[notify.webhook]]
name = "$ep"
url = "http://127.0.0.1:$hook_port/$ep"
secret_env = "NJ_TEST_WEBHOOK_SECRET"
connect_timeout_s = 2
timeout_s = 3

TOML
  done
}
stop_notify_servers() {
  if [[ -n "${smtp_pid:-}" ]]; then kill "$smtp_pid" 2>/dev/null || true; fi
  if [[ -n "${hook_pid:-}" ]]; then kill "$hook_pid" 2>/dev/null || true; fi
}
