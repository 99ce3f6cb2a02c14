#!/usr/bin/env bash
# engine_cron.sh: pg_cron itself runs CALL nightjar.dispatch() and a two-step pipeline
# completes. Needs PGHOST/PGPORT/PGUSER and PGDATABASE = cron.database_name (warehouse),
# with the extensions nightjar and pg_cron installed there. pg_cron fires on minute
# boundaries, so this waits up to 150 s. Also checks that nightjar installs in a database
# without pg_cron and that nightjar.schedule then fails with a clear error. A step that
# overruns its timeout under pg_cron is stopped by the step timer (the default dispatch
# and watchdog jobs are paused meanwhile).
set -euo pipefail
export PGDATABASE=${PGDATABASE:-warehouse}
fail() { echo "engine_cron: FAIL: $*" >&2; exit 1; }
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

job=engine-cron-test
nocron_db=nightjar_engine_nocron_test
cleanup() {
  q "SELECT nightjar.unschedule('$job')" >/dev/null 2>&1 || true
  q "SELECT nightjar.drop_pipeline('engine_cron')" >/dev/null 2>&1 || true
  q "DELETE FROM nightjar.event WHERE topic LIKE 'tcron.%'" >/dev/null 2>&1 || true
  q "DROP SCHEMA IF EXISTS engine_cron CASCADE" >/dev/null 2>&1 || true
  psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $nocron_db" >/dev/null 2>&1 || true
  q "UPDATE cron.job SET active = true WHERE jobname IN ('nightjar-dispatch', 'nightjar-watchdog')" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
q "UPDATE cron.job SET active = false WHERE jobname IN ('nightjar-dispatch', 'nightjar-watchdog')" >/dev/null

[[ $(q "SELECT count(*) FROM pg_extension WHERE extname IN ('nightjar', 'pg_cron')") == 2 ]] \
  || fail "extensions nightjar and pg_cron must be installed in $PGDATABASE"
[[ $(q "SELECT current_setting('cron.database_name')") == "$PGDATABASE" ]] \
  || fail "cron.database_name is not $PGDATABASE"

# A pipeline of two steps; the second records which backend ran it.
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA engine_cron;
CREATE TABLE engine_cron.done (step text, app text, pid int, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION engine_cron.first(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_cron.done (step, pid) VALUES ('first', pg_backend_pid());
    RETURN jsonb_build_object('rows_in', 1, 'rows_out', 1);
END $$;
CREATE FUNCTION engine_cron.second(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engine_cron.done (step, pid) VALUES ('second', pg_backend_pid());
    RETURN NULL;
END $$;
SELECT nightjar.define_pipeline('engine_cron');
SELECT nightjar.define_step('engine_cron', 'first', 'engine_cron.first(jsonb)', 'tcron.start', 'tcron.first_done');
SELECT nightjar.define_step('engine_cron', 'second', 'engine_cron.second(jsonb)', 'tcron.first_done');
-- A step that overruns its 2 s timeout, run by pg_cron's worker: the step timer must work there too.
CREATE FUNCTION engine_cron.slow(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(60);
    RETURN NULL;
END $$;
SELECT nightjar.define_step('engine_cron', 'slow', 'engine_cron.slow(jsonb)', 'tcron.slow',
                            max_attempts => 1, timeout => '2 seconds');
SQL

t0=$(q "SELECT now()")
event=$(q "SELECT nightjar.emit('tcron.start', '{\"source_id\": 1}')")
slow_event=$(q "SELECT nightjar.emit('tcron.slow', '{\"source_id\": 2}')")
q "SELECT nightjar.schedule('$job', '* * * * *', 'CALL nightjar.dispatch(pipeline => ''engine_cron'')')" >/dev/null \
  || fail "nightjar.schedule"
[[ $(q "SELECT count(*) FROM cron.job WHERE jobname = '$job' AND active") == 1 ]] || fail "job not in cron.job"

status=
for _ in $(seq 1 75); do
  status=$(q "SELECT status FROM nightjar.run WHERE trigger_event_id = $event")
  [[ "$status" == running ]] || break
  sleep 2
done
[[ "$status" == succeeded ]] || fail "run of event $event is '$status' after 150 s; cron: $(q "SELECT string_agg(status || ' ' || coalesce(return_message, ''), '; ') FROM cron.job_run_details WHERE start_time >= '$t0'")"

# Each step ran once, in a session of pg_cron (not this script), which the cron log shows.
[[ $(q "SELECT string_agg(step, ',' ORDER BY at) FROM engine_cron.done") == "first,second" ]] \
  || fail "steps: $(q "SELECT string_agg(step, ',' ORDER BY at) FROM engine_cron.done")"
[[ $(q "SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.run r USING (run_id)
        WHERE r.trigger_event_id = $event AND sr.status = 'succeeded'") == 2 ]] || fail "two successful step runs expected"
got=0
for _ in $(seq 1 30); do  # the run has succeeded; the CALL that ran it finishes just after
  got=$(q "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
           WHERE j.command LIKE 'CALL nightjar.dispatch(%' AND d.status = 'succeeded' AND d.start_time >= '$t0'
             AND d.job_pid IN (SELECT pid FROM engine_cron.done)")
  [[ "$got" -ge 1 ]] && break
  sleep 1
done
[[ "$got" -ge 1 ]] || fail "no succeeded pg_cron dispatch run ran the steps"
# The slow step was stopped by the step timer in pg_cron's worker, at its timeout (the
# default watchdog and dispatch jobs are paused, so nothing else could stop it early).
for _ in $(seq 1 30); do
  [[ $(q "SELECT status FROM nightjar.run WHERE trigger_event_id = $slow_event") != running ]] && break
  sleep 1
done
got=$(q "SELECT sr.status || ' ' || sr.sqlstate || ' ' || (sr.finished_at - sr.started_at < interval '10 seconds')
         FROM nightjar.step_run sr WHERE sr.event_id = $slow_event")
[[ "$got" == "dead 57014 true" ]] || fail "slow step under pg_cron: '$got' (want dead, 57014, stopped within 10 s)"
[[ $(q "SELECT nightjar.unschedule('$job')") == t ]] || fail "unschedule"
[[ $(q "SELECT count(*) FROM cron.job WHERE jobname = '$job'") == 0 ]] || fail "job still in cron.job"

# Without pg_cron: the extension installs, scheduling fails clearly.
psql -XAtq -d postgres -c "CREATE DATABASE $nocron_db" >/dev/null
psql -XAtq -v ON_ERROR_STOP=1 -d "$nocron_db" -c "CREATE EXTENSION nightjar" >/dev/null \
  || fail "CREATE EXTENSION nightjar without pg_cron"
err=$(psql -XAtq -d "$nocron_db" -c "SELECT nightjar.schedule('x', '* * * * *', 'SELECT 1')" 2>&1 || true)
[[ "$err" == *"nightjar: pg_cron is not installed in database $nocron_db"* ]] || fail "schedule without pg_cron said: $err"

echo "engine_cron: ok"
