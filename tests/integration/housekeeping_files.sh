#!/usr/bin/env bash
# housekeeping_files.sh: the orphan_files task on a real folder of the server. Files that
# a row references (nightjar.file.location, a declared column) stay, a recent orphan
# stays (grace period), an old orphan is reported by the dry run and deleted by the real
# run (adminpack's pg_file_unlink); a second run finds nothing. Uses the cluster of
# scripts/cluster_env.sh; cleans up its schema, task and folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/cluster_env.sh
fail() { echo "housekeeping_files: FAIL: $*" >&2; exit 1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
# The server lists this folder itself, so it lives outside the checkout: a clone may sit in
# a 0700 directory the server's user cannot enter (the cluster then keeps its data elsewhere).
dir=$(mktemp -d "${TMPDIR:-/tmp}/nj-hk-files.XXXXXX")
chmod 755 "$dir"
cleanup() {
  q -c "SELECT nightjar.drop_housekeeping('hk_files_test')" -c 'DROP SCHEMA IF EXISTS hk_files_test CASCADE' >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/a b" "$dir/spool"
echo x > "$dir/a b/kept'1.json"       # referenced by a declared column (relative path)
echo x > "$dir/spool/staged.csv"      # referenced by nightjar.file.location (absolute path)
echo x > "$dir/spool/orphan;rm -rf.csv"   # old and unreferenced: goes
echo x > "$dir/spool/fresh.csv"       # unreferenced but recent: stays
mkdir -p "$dir/inbox/success" && echo x > "$dir/inbox/success/old.2026-01-01.csv"  # archived by a dir source

touch -d '20 days ago' "$dir/a b/kept'1.json" "$dir/spool/staged.csv" "$dir/spool/orphan;rm -rf.csv" "$dir/inbox/success/old.2026-01-01.csv"
owner=$(stat -c %U "$(q -c "SHOW data_directory")" 2>/dev/null || echo "")  # the server deletes the files
[[ -n "$owner" && "$owner" != "$(id -un)" ]] && chown -R "$owner" "$dir"

q -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS adminpack' >/dev/null
q -v dir="$dir" >/dev/null <<'SQL'
CREATE SCHEMA hk_files_test;
CREATE TABLE hk_files_test.doc (path text);
INSERT INTO hk_files_test.doc VALUES ('a b/kept''1.json');
INSERT INTO nightjar.source (name, kind) VALUES ('hk_files_test', 'sql') ON CONFLICT DO NOTHING;
INSERT INTO nightjar.source (name, kind, config) VALUES ('hk_files_test_dir', 'dir', jsonb_build_object('location', :'dir' || '/inbox/'))
ON CONFLICT DO NOTHING;
INSERT INTO nightjar.file (source_id, name, location, status, archive_location)
SELECT source_id, 'old.csv', 'old.csv', 'failed', 'success/old.2026-01-01.csv' FROM nightjar.source WHERE name = 'hk_files_test_dir';
INSERT INTO nightjar.file (source_id, name, location, status)
SELECT source_id, 'staged.csv', :'dir' || '/spool/staged.csv', 'failed' FROM nightjar.source WHERE name = 'hk_files_test';
SELECT nightjar.define_housekeeping('hk_files_test', 'orphan_files', jsonb_build_object(
    'dirs', jsonb_build_array(:'dir'), 'grace', '7 days',
    'references', jsonb_build_array(jsonb_build_object('table', 'hk_files_test.doc', 'column', 'path'))));
SQL
dry=$(q -c "SELECT result FROM nightjar.run_housekeeping('hk_files_test')")
[[ $(jq -c .counts <<<"$dry") == '{"listed":5,"deleted":0,"orphans":1}' ]] || fail "dry run counts: $dry"
[[ $(jq -r '.orphans[0]' <<<"$dry") == "$dir/spool/orphan;rm -rf.csv" ]] || fail "dry run orphan: $dry"
[[ -f "$dir/spool/orphan;rm -rf.csv" ]] || fail "the dry run deleted a file"
real=$(q -c "SELECT result FROM nightjar.run_housekeeping('hk_files_test', dry_run => false)")
[[ $(jq -c .counts <<<"$real") == '{"listed":5,"deleted":1,"orphans":1}' ]] || fail "real run counts: $real"
[[ ! -e "$dir/spool/orphan;rm -rf.csv" ]] || fail "the orphan is still there"
for f in "a b/kept'1.json" spool/staged.csv spool/fresh.csv inbox/success/old.2026-01-01.csv; do [[ -f "$dir/$f" ]] || fail "$f was deleted"; done
again=$(q -c "SELECT result -> 'counts' FROM nightjar.run_housekeeping('hk_files_test', dry_run => false)")
[[ $(jq -c . <<<"$again") == '{"listed":4,"deleted":0,"orphans":0}' ]] || fail "second run: $again"
q -c "DELETE FROM nightjar.file WHERE source_id IN (SELECT source_id FROM nightjar.source WHERE name LIKE 'hk_files_test%')" \
  -c "DELETE FROM nightjar.source WHERE name LIKE 'hk_files_test%'" >/dev/null
echo "housekeeping_files: ok"
