#!/usr/bin/env bash
# analyze_lock.sh: nightjar._analyze_changed never waits for a table's
# ShareUpdateExclusiveLock. An autovacuum VACUUM holding that lock while it waited for the
# consolidate transaction made the consolidate's ANALYZE a deadlock (a 1M-record bench run
# aborted). Here a second session holds the lock (as autovacuum would) while a transaction
# that filled the table calls _analyze_changed: the call must return at once, leave that
# table out, analyze the other one it filled, and the whole transaction must commit.
# Needs PGHOST/PGPORT/PGUSER of a cluster where nightjar is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "analyze_lock: FAIL: $*" >&2; exit 1; }
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.t_lock_held, public.t_lock_free;
CREATE TABLE public.t_lock_held (n integer);
CREATE TABLE public.t_lock_free (n integer);
SQL
# The holder: takes the lock, says so through a file, and keeps it for 30 s at most.
ready=$(mktemp /tmp/nj-analyze-lock.XXXXXX)
rm -f "$ready"
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<SQL &
BEGIN;
LOCK TABLE public.t_lock_held IN SHARE UPDATE EXCLUSIVE MODE;
\! touch $ready
SELECT pg_sleep(30);
COMMIT;
SQL
holder=$!
cleanup() { kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; rm -f "$ready"
            psql -XAtq -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS public.t_lock_held, public.t_lock_free" >/dev/null 2>&1 || true; }
trap cleanup EXIT
for _ in $(seq 100); do [[ -e $ready ]] && break; sleep 0.1; done
[[ -e $ready ]] || fail "the holder session did not take the lock"

start=$(date +%s.%N)
out=$(psql -XAtq -v ON_ERROR_STOP=1 <<'SQL'
SET lock_timeout = '20s';  -- a wait would show as a long call, not a hang
BEGIN;
INSERT INTO public.t_lock_held SELECT generate_series(1, 5000);
INSERT INTO public.t_lock_free SELECT generate_series(1, 5000);
SELECT nightjar._analyze_changed(ARRAY['public.t_lock_held', 'public.t_lock_free']::regclass[]);
COMMIT;
SELECT count(*) FROM public.t_lock_held;
SQL
) || fail "the transaction failed: $out"
secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
[[ $(echo "$out" | sed -n 1p) == "{t_lock_free}" ]] || fail "analyzed $(echo "$out" | sed -n 1p), expected {t_lock_free} only"
[[ $(echo "$out" | sed -n 2p) == 5000 ]] || fail "the transaction did not commit its rows"
(( $(echo "$secs < 10" | bc) )) || fail "the call waited ${secs}s for the held lock"
reltuples=$(psql -XAtq -c "SELECT reltuples FROM pg_class WHERE oid = 'public.t_lock_free'::regclass")
[[ $reltuples == 5000 ]] || fail "t_lock_free was not analyzed (reltuples $reltuples)"
echo "analyze_lock: ok (returned in ${secs} s with the locked table left out)"
