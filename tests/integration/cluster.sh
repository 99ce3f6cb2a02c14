#!/usr/bin/env bash
# cluster.sh: `nightjar db up|down|status|url` on fresh homes — as root in a directory
# the postgres user can reach, as root in a 0700 directory (server files relocated), and
# as an ordinary user. Each: up twice (idempotent), the databases and extensions exist,
# pg_cron is preloaded with the socket as cron.host, the default schedules exist once
# (dispatch and watchdog every minute, a daily prune), down stops the PID, down again is
# harmless.
set -euo pipefail
bin=${NIGHTJAR_BIN:-$PWD/build/bin/nightjar}
fail() { echo "cluster: FAIL: $*" >&2; exit 1; }

# check_cluster HOME [USER]: runs the whole life cycle of one cluster.
check_cluster() {
  local home=$1 user=${2:-} run=()
  [[ -n "$user" ]] && run=(runuser -u "$user" --)
  "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db up 2>/dev/null || fail "db up ($home ${user:-root})"
  "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db up 2>/dev/null || fail "second db up is not harmless"
  local url; url=$("${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db url)
  [[ "$url" != *":5432"* && "$url" != *"port=5432&"* ]] || fail "port 5432 used"
  local got
  got=$("${run[@]}" psql "$url" -XtAc "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('nightjar', 'pg_cron')")
  [[ "$got" == "nightjar,pg_cron" ]] || fail "extensions in warehouse: '$got'"
  got=$("${run[@]}" psql "$url" -XtAc "SELECT count(*) FROM pg_database WHERE datname IN ('warehouse', 'webapp')")
  [[ "$got" == 2 ]] || fail "databases: $got"
  got=$("${run[@]}" psql "$url" -XtAc "SELECT current_setting('shared_preload_libraries') || '|' || current_setting('cron.host')")
  local sock=${url#*host=}; sock=${sock%%&*}
  [[ "$got" == "pg_cron|$sock" ]] || fail "settings: '$got' (socket $sock)"
  got=$("${run[@]}" psql "$url" -XtAc "SELECT string_agg(jobname || ' ' || schedule, ',' ORDER BY jobname) FROM cron.job")
  [[ "$got" == "nightjar-dispatch * * * * *,nightjar-prune 17 3 * * *,nightjar-watchdog * * * * *" ]] \
    || fail "default schedules (dispatch every minute, daily prune, watchdog): '$got'"
  "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db status >/dev/null || fail "status says not running"
  local pid; pid=$("${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db status | sed -n 's/.*pid \([0-9]*\).*/\1/p')
  "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db down 2>/dev/null || fail "db down"
  kill -0 "$pid" 2>/dev/null && fail "server pid $pid still alive after db down"
  if "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db status >/dev/null; then fail "status says running after down"; fi
  "${run[@]}" env NIGHTJAR_HOME="$home" "$bin" db down 2>/dev/null || fail "second db down is not harmless"
}

work=$(mktemp -d)   # 0700: the postgres user cannot reach it
trap 'rm -rf "$work"' EXIT
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p /tmp/nightjar-cluster-test && chmod 755 /tmp/nightjar-cluster-test
  check_cluster /tmp/nightjar-cluster-test/home
  rm -rf /tmp/nightjar-cluster-test
  check_cluster "$work/home"
  loc=$(cat "$work/home/location") || fail "no relocation recorded for a 0700 directory"
  rm -rf "$loc"
  id nightjar_test >/dev/null 2>&1 || useradd -m nightjar_test
  uhome=$(getent passwd nightjar_test | cut -d: -f6)
  # The clone may sit in a directory the user cannot enter: give them their own copy.
  ubin=$(mktemp -d /tmp/nightjar-bin.XXXXXX) && chmod 755 "$ubin" && install -m 755 "$bin" "$ubin/nightjar"
  (cd / && bin=$ubin/nightjar check_cluster "$uhome/nightjar-home" nightjar_test)
  rm -rf "$uhome/nightjar-home" "$ubin"
else
  check_cluster "$work/home"
fi
echo "cluster: ok"
