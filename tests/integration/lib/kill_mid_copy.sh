# kill_mid_copy.sh (sourced): KillMidCopy SOURCE_ID OUT_FILE RUNNER_ARGS... starts the
# runner in the background, waits until one batch of SOURCE_ID is committed and the next
# batch's COPY into nightjar.raw_record is running, then kills the runner with SIGKILL and
# waits until the server's session of that COPY has ended.
# Needs the caller's `q` (one-value query), `fail` and $BIN; sets the caller's
# runner_pid while the runner lives, so the caller's EXIT trap can kill it on abort.
KillMidCopy() {
  local sid=$1 out=$2 n=0 c=0 pid
  shift 2
  "$BIN" "$@" > "$out" 2>&1 &
  pid=$!
  runner_pid=$pid
  for _ in $(seq 1 600); do
    n=$(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid AND status = 'staged'")
    c=$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%raw_record%' AND state = 'active'")
    [[ $n -ge 1 && $c -ge 1 ]] && break
    sleep 0.05
  done
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  runner_pid=
  [[ $n -ge 1 && $c -ge 1 ]] || fail "never saw a batch mid-COPY"
  # The server's session ends only when it has read what the socket still held (the runner
  # sends into a 4 MiB buffer) and met the closed connection; until then it keeps the run's
  # lock and the run is still "running". Wait for the COPY's session to end (30 s at most).
  for _ in $(seq 1 600); do
    c=$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%raw_record%' AND state = 'active'")
    [[ $c -eq 0 ]] && break
    sleep 0.05
  done
  [[ $c -eq 0 ]] || fail "the killed runner's COPY session did not end within 30 s"
}
