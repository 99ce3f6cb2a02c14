#!/usr/bin/env bash
# 80_housekeeping.sh: demo stage — scheduled housekeeping (docs/housekeeping.md). A small
# application (examples/housekeeping: people, HR periods with deadlines, campaigns,
# requests, uploaded files) with generated data; the DBA's tasks are declared and
# scheduled with pg_cron, then each is run once by hand (and the reminders twice, to
# show that a second run the same day does nothing); prints what each did, from the
# step runs, and the notifications it queued.
set -euo pipefail
cd "$(dirname "$0")/../.."
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
uploads=$home/demo-uploads
echo "== 8. scheduled housekeeping (examples/housekeeping)"
psql -qX -v ON_ERROR_STOP=1 -f examples/housekeeping/schema.sql -f examples/housekeeping/generate.sql 2>/dev/null

# The upload folder: files the rows reference, and two that nothing references (one of
# them recent, inside the grace period). The server must be able to read it.
rm -rf "$uploads"
psql -qXAt -c "SELECT path FROM hk_app.upload WHERE upload_id <= 5" | while read -r p; do
  mkdir -p "$uploads/$(dirname "$p")" && echo "pdf" > "$uploads/$p"
done
mkdir -p "$uploads/tmp" && echo "left behind" > "$uploads/tmp/abandoned.pdf" && echo "new" > "$uploads/tmp/fresh.pdf"
touch -d '30 days ago' "$uploads/tmp/abandoned.pdf" "$uploads"/req*/*.pdf
owner=$(stat -c %U "$home/data" 2>/dev/null || echo "")
[[ -n "$owner" && "$owner" != "$(id -un)" ]] && chown -R "$owner" "$uploads" 2>/dev/null || true

psql -qX -v ON_ERROR_STOP=1 -v upload_dir="$uploads" -f examples/housekeeping/tasks.sql
echo "-- scheduled (nightjar.scheduled_job)"
psql -qX -c "SELECT job, cron, command FROM nightjar.scheduled_job WHERE job LIKE 'housekeeping.%' ORDER BY job"

for task in period_reminders period_reminders request_ages refuse_stale_requests old_uploads audit_retention \
            engine_history orphan_uploads reference_refresh postcodes_publish; do
  psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT status FROM nightjar.run_housekeeping('$task')" >/dev/null
done
echo "-- what each run did (nightjar.housekeeping_runs; period_reminders ran twice)"
psql -qX -c "SELECT task, status, rows_in, rows_out, counts FROM nightjar.housekeeping_runs ORDER BY step_run_id"
echo "-- orphan files (dry run: nothing deleted)"
psql -qX -c "SELECT jsonb_array_elements_text(result -> 'orphans') AS would_delete
             FROM nightjar.housekeeping_runs WHERE task = 'orphan_uploads' ORDER BY step_run_id DESC LIMIT 1"
echo "-- notifications queued (outbox)"
psql -qX -c "SELECT kind, count(*), min(subject) AS example FROM nightjar.notification
             WHERE kind IN ('deadline_reminder', 'item_archived') GROUP BY kind ORDER BY kind"
