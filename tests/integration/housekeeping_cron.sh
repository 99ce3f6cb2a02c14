#!/usr/bin/env bash
# housekeeping_cron.sh: pg_cron itself runs a housekeeping task declared with a cron
# expression (job housekeeping.<name>, every minute): a reminder is queued once by the
# scheduled run, which is a succeeded step run of pipeline housekeeping; a second
# scheduled run the same day queues nothing. pg_cron fires on minute boundaries: this
# waits up to ~150 s. Needs PGDATABASE = cron.database_name (warehouse) with nightjar
# and pg_cron installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGDATABASE=${PGDATABASE:-warehouse}
fail() { echo "housekeeping_cron: FAIL: $*" >&2; exit 1; }
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
  q "SELECT nightjar.drop_housekeeping('hk_cron_test')" >/dev/null 2>&1 || true
  q "DELETE FROM nightjar.notification WHERE dedup_key LIKE 'reminder:hk_cron_test:%'" >/dev/null 2>&1 || true
  q "DROP SCHEMA IF EXISTS hk_cron_test CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
[[ $(q "SELECT count(*) FROM pg_extension WHERE extname IN ('nightjar', 'pg_cron')") == 2 ]] \
  || fail "extensions nightjar and pg_cron must be installed in $PGDATABASE"
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA hk_cron_test;
CREATE TABLE hk_cron_test.item (id int PRIMARY KEY, due date, owner text);
INSERT INTO hk_cron_test.item VALUES (1, current_date + 2, 'owner1@example.org'), (2, current_date + 30, 'owner2@example.org');
SELECT nightjar.define_housekeeping('hk_cron_test', 'reminder',
    '{"table": "hk_cron_test.item", "key": "id", "deadline": "due", "recipient": "owner", "days_before": 3}', '* * * * *');
SQL
[[ $(q "SELECT command FROM cron.job WHERE jobname = 'housekeeping.hk_cron_test'") == "SELECT nightjar.run_housekeeping('hk_cron_test')" ]] \
  || fail "the pg_cron job is missing"
runs() { q "SELECT count(*) FROM nightjar.housekeeping_runs WHERE task = 'hk_cron_test' AND status = 'succeeded'"; }
for _ in $(seq 150); do (( $(runs) >= 2 )) && break; sleep 1; done
(( $(runs) >= 2 )) || fail "pg_cron ran the task $(runs) time(s) in 150 s, want 2: $(q "SELECT status || ' ' || coalesce(return_message, '') FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'housekeeping.hk_cron_test' ORDER BY runid DESC LIMIT 1")"
[[ $(q "SELECT count(*) FROM nightjar.notification WHERE dedup_key LIKE 'reminder:hk_cron_test:%'") == 1 ]] || fail "want exactly one reminder"
[[ $(q "SELECT string_agg(counts ->> 'queued', ',' ORDER BY step_run_id) FROM (SELECT * FROM nightjar.housekeeping_runs WHERE task = 'hk_cron_test' ORDER BY step_run_id LIMIT 2) r") == "1,0" ]] \
  || fail "first scheduled run queues 1, the second 0"
echo "housekeeping_cron: ok"
