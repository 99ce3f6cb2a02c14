#!/usr/bin/env bash
# webapp_fdw_scripts.sh: the DBA scripts of fdw/ do what `nightjar webapp link` does:
# 10_warehouse_role.sql (role, membership, \password fed on stdin), 20_webapp_link.sql
# twice (idempotent; server nightjar_wh_sql, schema nightjar_api_sql so as not to touch
# the CLI's link), reads of every view as the webapp role, the password nowhere in the
# outputs, then 30_webapp_unlink.sql twice. Needs PG*, NIGHTJAR_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
source tests/integration/lib/webapp_hba.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "webapp_fdw_scripts: FAIL: $*" >&2; exit 1; }
export NIGHTJAR_WEBAPP_PASSWORD="sql-$RANDOM$RANDOM"
psql -qAtX -d webapp -c "DO \$\$ BEGIN CREATE ROLE webapp_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
require_password_for nightjar_webapp_sql
printf '%s\n%s\n' "$NIGHTJAR_WEBAPP_PASSWORD" "$NIGHTJAR_WEBAPP_PASSWORD" | \
  psql -qX -d warehouse -v link_role=nightjar_webapp_sql -f fdw/10_warehouse_role.sql > "$tmp/out" 2>&1 || fail "10: $(cat "$tmp/out")"
host=$(psql -qAtX -c "SELECT current_setting('unix_socket_directories')")
port=$(psql -qAtX -c "SHOW port")
link() {
  psql -qX -d webapp -v warehouse_host="$host" -v warehouse_port="$port" -v warehouse_db=warehouse \
    -v local_role=webapp_app -v link_role=nightjar_webapp_sql -v server=nightjar_wh_sql -v schema=nightjar_api_sql \
    -f fdw/20_webapp_link.sql >> "$tmp/out" 2>&1 || fail "20: $(cat "$tmp/out")"
}
link; link
views=$(psql -qAtX -c "SELECT relname FROM pg_class WHERE relnamespace = 'nightjar_api'::regnamespace AND relkind = 'v' ORDER BY 1")
for v in $views; do
  psql -qAtX -d webapp -U webapp_app -c "SELECT count(*) FROM nightjar_api_sql.$v" >/dev/null 2>"$tmp/err" \
    || fail "webapp_app cannot read nightjar_api_sql.$v: $(cat "$tmp/err")"
done
grep -qF -- "$NIGHTJAR_WEBAPP_PASSWORD" "$tmp/out" && fail "the password was printed"
psql -qX -d webapp -v server=nightjar_wh_sql -v schema=nightjar_api_sql -f fdw/30_webapp_unlink.sql >/dev/null || fail "30"
psql -qX -d webapp -v server=nightjar_wh_sql -v schema=nightjar_api_sql -f fdw/30_webapp_unlink.sql >/dev/null || fail "30 again"
[[ $(psql -qAtX -d webapp -c "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'nightjar_wh_sql'") == 0 ]] || fail "server left"
psql -qAtX -c "DROP ROLE nightjar_webapp_sql" >/dev/null
echo "webapp_fdw_scripts: OK ($(echo $views | wc -w) views)"
