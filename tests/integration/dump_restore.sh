#!/usr/bin/env bash
# dump_restore.sh: the catalog survives pg_dump / pg_restore. A database with nightjar,
# staged records, files, a runner report, rules, a validated batch (valid partition and
# quarantine), a pipeline run and its step runs is dumped (-Fc) and restored with
# --exit-on-error into a new database; every catalog table must hold the same rows, the
# identity sequences must go on after the restored rows, and the restored valid
# partition must still refuse a duplicate record (its primary key, inherited from the
# valid_record parent, came back); the bulk tables come back as non-members, guarded.
# Needs PGHOST/PGPORT/PGUSER of a cluster where nightjar is installed (no pg_cron needed).
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "dump_restore: FAIL: $*" >&2; exit 1; }
src=nightjar_dump_src dst=nightjar_dump_dst
dump=$(mktemp /tmp/nightjar_dump.XXXXXX)
cleanup() {
  rm -f "$dump"
  for db in $src $dst; do psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
cleanup
for db in $src $dst; do psql -XAtq -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null; done

psql -XAtq -d $src -v ON_ERROR_STOP=1 -v rows=300 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION nightjar;
\ir bench/quality_data.sql
INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, size, confidence, status, records)
VALUES (:bench_source_id, :bench_batch_id, 'quality.ndjson', '/inbox/quality.ndjson', repeat('ab', 32), 1234, 0.9, 'staged', :rows);
INSERT INTO nightjar.ingest_run (source_id, exit_code, report) VALUES (:bench_source_id, 0, '{"batches": 1}');
SELECT nightjar.define_fields('bench_quality', ARRAY['id', 'amount', 'day', 'code', 'email']);
SELECT nightjar.define_validation_rule('bench_quality', 'id_integer', 'type', 'id', '{"type": "integer"}');
SELECT nightjar.define_validation_rule('bench_quality', 'code_enum', 'enum', 'code', '{"values": ["A", "B", "C", "D", "E"]}');
SELECT nightjar.define_validation_rule('bench_quality', 'email_shape', 'regex', 'email', '{"pattern": "@"}', severity => 'warning');
SELECT nightjar.define_pipeline('dump_quality');
SELECT nightjar.define_step('dump_quality', 'validate', 'nightjar.validate_step(jsonb)', 'batch.staged');
SELECT nightjar.emit('batch.staged', jsonb_build_object('batch_id', :bench_batch_id));
CALL nightjar.dispatch();
SQL

tables=(source batch file raw_record ingest_run source_schema validation_rule valid_record quarantine
        normalization_rule clean_record pipeline step event run step_task step_run notification)
# fingerprint prints one line per catalog table: its name, row count and a digest of its rows.
fingerprint() {
  for t in "${tables[@]}"; do
    psql -XAtq -d "$1" -v ON_ERROR_STOP=1 \
      -c "SELECT '$t', count(*), md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) FROM nightjar.$t x"
  done
}
before=$(fingerprint $src)
grep -q '^valid_record|[1-9]' <<<"$before" || fail "nothing validated before the dump: $before"
grep -q '^quarantine|[1-9]' <<<"$before" || fail "nothing quarantined before the dump"
grep -q '^step_run|1|' <<<"$before" || fail "the pipeline did not run before the dump"

pg_dump -Fc -d $src -f "$dump" || fail "pg_dump failed"
pg_restore --exit-on-error -d $dst "$dump" || fail "pg_restore of the dump failed"
after=$(fingerprint $dst)
[[ "$after" == "$before" ]] || fail "catalog differs after restore:
$(diff <(echo "$before") <(echo "$after"))"

# Ownership survives the restore: the bulk tables are ordinary tables again (not members
# of the extension), with their guards, so DROP EXTENSION still refuses.
members=$(psql -XAtq -d $dst -c "SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
  WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass AND d.classid = 'pg_class'::regclass
    AND c.relname IN ('raw_record', 'valid_record', 'quarantine', 'clean_record')")
[[ $members == 0 ]] || fail "$members bulk tables became members of the extension in the restore"
# Every area's bulk tables carry a guard: the restore has as many as the source.
guards_src=$(psql -XAtq -d $src -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'storage_guard'")
guards=$(psql -XAtq -d $dst -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'storage_guard'")
(( guards_src >= 4 )) || fail "the source has $guards_src storage_guard triggers, fewer than the 4 quality/ingest tables"
[[ $guards == "$guards_src" ]] || fail "the restore has $guards storage_guard triggers, the source $guards_src"
refusal=$(psql -XAtq -d $dst -c "DROP EXTENSION nightjar" 2>&1 || true)
grep -q 'other objects depend on it' <<<"$refusal" || fail "DROP EXTENSION did not refuse after the restore: $refusal"
psql -XAtq -d $dst -v ON_ERROR_STOP=1 -c "SELECT nightjar.ensure_storage()" >/dev/null || fail "ensure_storage after restore"

# Sequences: new rows get ids after the restored ones.
max_source=$(psql -XAtq -d $dst -c "SELECT max(source_id) FROM nightjar.source")
new_source=$(psql -XAtq -d $dst -v ON_ERROR_STOP=1 \
  -c "INSERT INTO nightjar.source (name, kind) VALUES ('after_restore', 'sql') RETURNING source_id")
(( new_source > max_source )) || fail "source id $new_source reused after restore (max was $max_source)"
new_event=$(psql -XAtq -d $dst -v ON_ERROR_STOP=1 -c "SELECT nightjar.emit('t.after', '{}')")
(( new_event > $(psql -XAtq -d $src -c "SELECT max(event_id) FROM nightjar.event") )) \
  || fail "event id $new_event reused after restore"
# The restored partition still has its primary key.
dup=$(psql -XAtq -d $dst -c "INSERT INTO nightjar.valid_record SELECT * FROM nightjar.valid_record LIMIT 1" 2>&1 || true)
grep -q 'duplicate key' <<<"$dup" || fail "the restored valid partition accepts a duplicate record: $dup"
# And validation works on the restored catalog (re-validating replaces the batch's rows).
psql -XAtq -d $dst -v ON_ERROR_STOP=1 \
  -c "SELECT nightjar.validate_batch(max(batch_id)) ->> 'rows_in' FROM nightjar.batch" | grep -qx 300 \
  || fail "validate_batch does not work after restore"
echo "dump_restore: ok"
