#!/usr/bin/env bash
# webapp_link.sh: `nightjar webapp link` on the local cluster (databases warehouse and
# webapp). As the webapp role (webapp_app, a plain login role of the webapp database)
# every nightjar_api view reads through postgres_fdw; writes are refused (locally, and by
# the warehouse when the local grant is there); the link role logged in directly to the
# warehouse cannot read schema nightjar nor call its functions, and needs its password;
# link is idempotent; the link works again after a restart of the cluster; the password is
# in no output, no nightjar table, not in pg_stat_activity nor in the server log; the
# optional copy (--copy-schema) equals the views, is swapped atomically under concurrent
# readers and outlives the link; unlink removes everything and is idempotent. Needs PG*, NIGHTJAR_BIN, NIGHTJAR_HOME.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
here=tests/integration
source $here/lib/webapp_hba.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "webapp_link: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
qa() { psql -qAtX -v ON_ERROR_STOP=1 -d webapp -U webapp_app -c "$1"; }  # as the webapp role

export NIGHTJAR_WEBAPP_PASSWORD="link-$RANDOM$RANDOM-'quote\"-secret"
webapp_url=$("$BIN" db url webapp)
q "SELECT nightjar.ensure_storage()" >/dev/null
psql -qAtX -d webapp -c "DO \$\$ BEGIN CREATE ROLE webapp_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
require_password_for nightjar_webapp
q "DELETE FROM nightjar.stats_snapshot WHERE scope = 'it_link'"
q "INSERT INTO nightjar.stats_snapshot (scope, subject, metric, value) VALUES ('it_link', 'x', 'm', 42)"

"$BIN" webapp link --webapp-url "$webapp_url" --local-role webapp_app > "$tmp/link1.out" 2>&1 || fail "link: $(cat "$tmp/link1.out")"
"$BIN" webapp link --webapp-url "$webapp_url" --local-role webapp_app > "$tmp/link2.out" 2>&1 || fail "second link: $(cat "$tmp/link2.out")"
[[ $(cat "$tmp/link1.out") == $(cat "$tmp/link2.out") ]] || fail "link is not idempotent: $(cat "$tmp/link1.out") / $(cat "$tmp/link2.out")"

views=$(q "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'nightjar_api'::regnamespace AND c.relkind IN ('v', 'm')")
tables=$(psql -qAtX -d webapp -c "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'nightjar_api'::regnamespace AND c.relkind = 'f'")
[[ -n $views && $views == "$tables" ]] || fail "foreign tables [$tables] differ from the views [$views]"
read_all() {
  for v in $views; do
    qa "SELECT count(*) FROM nightjar_api.$v" >/dev/null 2>"$tmp/err" || fail "webapp_app cannot read $v: $(cat "$tmp/err")"
  done
  [[ $(qa "SELECT value FROM nightjar_api.stats_snapshot WHERE scope = 'it_link'") == 42 ]] || fail "the snapshot row did not come through"
}
read_all

# Writes: refused locally (no grant), and by the warehouse when the local grant exists.
qa "INSERT INTO nightjar_api.stats_snapshot (scope, subject, metric, value) VALUES ('it_link', 'y', 'm', 1)" 2>"$tmp/err" \
  && fail "webapp_app could insert"; grep -q "permission denied" "$tmp/err" || fail "insert: $(cat "$tmp/err")"
psql -qAtX -d webapp -c "GRANT INSERT, UPDATE, DELETE ON nightjar_api.stats_snapshot TO webapp_app"
qa "DELETE FROM nightjar_api.stats_snapshot" 2>"$tmp/err" && fail "the warehouse let the link delete"
grep -q "permission denied for view stats_snapshot" "$tmp/err" || fail "remote delete: $(cat "$tmp/err")"
psql -qAtX -d webapp -c "REVOKE INSERT, UPDATE, DELETE ON nightjar_api.stats_snapshot FROM webapp_app"
# The link role itself, logged in to the warehouse: nightjar_api only, and only with its password.
link() { PGPASSWORD=$NIGHTJAR_WEBAPP_PASSWORD psql -qAtX -d warehouse -U nightjar_webapp -c "$1"; }
link "SELECT count(*) FROM nightjar_api.run_status" >/dev/null || fail "link role cannot read nightjar_api directly"
for stmt in "SELECT * FROM nightjar.source" "SELECT nightjar.emit('x')" "SELECT * FROM nightjar.notification" \
            "CALL nightjar.dispatch()" "CREATE TABLE nightjar_api.x (i int)" "SELECT nightjar.apply_grants()"; do
  link "$stmt" >/dev/null 2>"$tmp/err" && fail "link role could run: $stmt"
  grep -q "permission denied" "$tmp/err" || fail "$stmt: $(cat "$tmp/err")"
done
PGPASSWORD=wrong psql -qAtX -d warehouse -U nightjar_webapp -c "SELECT 1" >/dev/null 2>&1 && fail "the link role logged in with a wrong password"

# pg_stat_activity while the link's connection is open, the catalog, outputs, server log: no password.
psql -qAtX -d webapp -U webapp_app -c "SELECT count(*) FROM nightjar_api.run_status; SELECT pg_sleep(1.5)" >/dev/null &
sleep 0.7
q "SELECT coalesce(string_agg(query, ' '), '') FROM pg_stat_activity" > "$tmp/activity.txt"
wait
pg_dump -a -n nightjar > "$tmp/catalog.sql"
for f in "$tmp/activity.txt" "$tmp/catalog.sql" "$tmp/link1.out" "$NIGHTJAR_HOME"/*.log; do
  [[ -f $f ]] || continue
  grep -qF -- "$NIGHTJAR_WEBAPP_PASSWORD" "$f" && fail "the password appears in $f"
done

# A failing link (no such local role) names the problem, not the password.
"$BIN" webapp link --webapp-url "$webapp_url" --local-role no_such_role_$$ > "$tmp/badlink.out" 2>&1 && fail "a link for a missing role succeeded"
grep -q "no_such_role_$$" "$tmp/badlink.out" || fail "the failing link does not name the role: $(cat "$tmp/badlink.out")"
for f in "$tmp/badlink.out" "$NIGHTJAR_HOME"/*.log; do
  [[ -f $f ]] || continue
  grep -qF -- "$NIGHTJAR_WEBAPP_PASSWORD" "$f" && fail "the password appears in $f after a failed link"
done
read_all  # the failed link changed nothing

# The link survives a restart of the warehouse.
"$BIN" db down >/dev/null 2>&1
"$BIN" db up >/dev/null 2>&1
read_all

# The optional copy (--copy-schema): equal to the views, swapped atomically under readers,
# and still readable once the link is gone.
copy_link() { "$BIN" webapp link --webapp-url "$webapp_url" --local-role webapp_app --copy-schema nightjar_api_copy >/dev/null || fail "link --copy-schema"; }
copy_link
for v in $views; do
  [[ $(qa "SELECT count(*) FROM nightjar_api_copy.$v") == $(qa "SELECT count(*) FROM nightjar_api.$v") ]] || fail "the copy of $v differs"
done
(for _ in $(seq 1 60); do qa "SELECT value FROM nightjar_api_copy.stats_snapshot WHERE scope = 'it_link'" 2>&1 || true; done) > "$tmp/readers.txt" &
readers=$!
copy_link; copy_link; copy_link
wait "$readers"
[[ $(grep -vc '^42$' "$tmp/readers.txt") == 0 ]] || fail "a reader saw something else while the copy was swapped: $(grep -v '^42$' "$tmp/readers.txt" | head -2)"

# unlink, twice; then link again.
"$BIN" webapp unlink --webapp-url "$webapp_url" >/dev/null || fail "unlink"
"$BIN" webapp unlink --webapp-url "$webapp_url" >/dev/null || fail "second unlink"
[[ $(psql -qAtX -d webapp -c "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'nightjar_warehouse'") == 0 ]] || fail "server left"
[[ $(psql -qAtX -d webapp -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'nightjar_api'") == 0 ]] || fail "schema left"
[[ $(qa "SELECT value FROM nightjar_api_copy.stats_snapshot WHERE scope = 'it_link'") == 42 ]] || fail "the copy needs the link"
psql -qAtX -d webapp -c "SET client_min_messages = warning" -c "DROP SCHEMA nightjar_api_copy CASCADE" >/dev/null
"$BIN" webapp link --webapp-url "$webapp_url" --local-role webapp_app >/dev/null || fail "relink"
read_all
echo "webapp_link: OK ($(echo $views | wc -w) views read through the link)"
