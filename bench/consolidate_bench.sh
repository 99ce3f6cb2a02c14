#!/usr/bin/env bash
# consolidate_bench.sh: full and incremental resolution with consolidation on the actor
# generator (examples/consolidation/generate_actors.py), for each size in
# CONSOLIDATE_SIZES, printing wall time, the backend's peak memory (VmHWM of a fresh
# backend, read from /proc: the server runs on this machine) and pairwise precision,
# recall and F1 against the generator's truth:
#   1. full resolve (model estimated), then a full consolidate (every entity new);
#   2. an incremental resolve + consolidate where nothing changed: the number of entity
#      ids that changed (must be 0);
#   3. a night with ~1% of the records touched: ~1/3 new (held back from step 1), ~1/3
#      renamed (two letters of the name swapped), ~1/3 deleted; incremental resolve (its
#      counts) and consolidate;
#   4. a full resolve with the same frozen model on the same data: how many records are
#      in an entity that differs from the incremental run's (partition agreement);
#   5. incremental resolve + consolidate again with nothing changed: ids changed (must be 0).
# Env: PG* (scripts/bench.sh sets them), CONSOLIDATE_SIZES (default "100000"),
# CONSOLIDATE_CHANGE_PER_MILLE (records per 1000 touched by each of the three kinds of
# change; default 3.33, i.e. ~1% in all), RESOLVE_SEED (default 1), BENCH_DIR (default
# /tmp). Leaves nothing behind (schema rb_cons dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${CONSOLIDATE_SIZES:-100000}
MOD=$(echo "scale=0; 1000 / ${CONSOLIDATE_CHANGE_PER_MILLE:-3.33}" | bc)
SEED=${RESOLVE_SEED:-1}
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/nj-consolidate-bench.XXXXXX")
cleanup() {
  psql -qX -c "SELECT nightjar.drop_consolidation('rb_cons')" >/dev/null 2>&1 || true
  psql -qX -c "SELECT nightjar.drop_resolution('rb_cons')" -c "DROP SCHEMA IF EXISTS rb_cons CASCADE" \
       >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

# timed SQL runs one statement in a fresh backend; prints "seconds peak_MB result".
timed() {
  NJ_MEMFILE=$tmp/mem q -v stmt="$1" <<'SQL' >"$tmp/timed.out"
SELECT pg_backend_pid() AS pid \gset
\setenv NJ_PID :pid
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT (:stmt)::text AS result \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 2) AS secs \gset
\! grep -E '^VmHWM' /proc/$NJ_PID/status | tr -s ' ' | cut -d' ' -f2 > $NJ_MEMFILE
\echo :secs
\echo :result
SQL
  echo "$(sed -n 1p "$tmp/timed.out") $(( $(cat "$tmp/mem") / 1024 )) $(sed -n 2p "$tmp/timed.out")"
}

source bench/lib/pairwise_f1.sh
# f1 prints "precision recall f1" of entity_member against the truth.
f1() {
  pairwise_f1 "(SELECT source, key, entity_id AS entity FROM nightjar.entity_member WHERE resolution = 'rb_cons')" rb_cons.truth
}

# ids_snapshot NAME keeps (source, key, entity_id) of the consolidated entities.
ids_snapshot() {
  q -c "DROP TABLE IF EXISTS rb_cons.$1" \
    -c "CREATE UNLOGGED TABLE rb_cons.$1 AS SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 'rb_cons'"  2>/dev/null
}
# ids_changed A B counts the records present in both snapshots whose entity id differs.
ids_changed() {
  q -c "SELECT count(*) FROM rb_cons.$1 a JOIN rb_cons.$2 b USING (source, key) WHERE a.entity_id <> b.entity_id"
}
# partition_snapshot NAME keeps each record's entity as its smallest member.
partition_snapshot() {
  q -c "DROP TABLE IF EXISTS rb_cons.$1" \
    -c "CREATE UNLOGGED TABLE rb_cons.$1 AS SELECT source, key,
          min(source || '/' || key) OVER (PARTITION BY entity_id) AS canon
        FROM nightjar.entity_member WHERE resolution = 'rb_cons'"  2>/dev/null
}
# counts JSON FILTER prints a jq filter of a jsonb result.
counts() { jq -c "$2" <<<"$1" 2>/dev/null || echo "$1"; }

# change_inputs KIND applies one kind of change to every input (hold, insert, rename, delete).
change_inputs() {
  q -v kind="$1" -v mod="$MOD" <<'SQL'
SELECT set_config('rb.kind', :'kind', false), set_config('rb.mod', :'mod', false) \gset
DO $$
DECLARE
  i jsonb;
  rel text;
  k text;
  nm text;
  n bigint;
  total bigint := 0;
  kind text := current_setting('rb.kind');
  m int := current_setting('rb.mod')::int;
BEGIN
  FOR i IN SELECT jsonb_array_elements(config -> 'inputs') FROM nightjar.resolution WHERE name = 'rb_cons' LOOP
    rel := i ->> 'relation';
    k := i ->> 'key';
    nm := coalesce(i -> 'columns' ->> 'name', 'name');
    IF kind = 'hold' THEN
      EXECUTE format('CREATE TABLE rb_cons.%I (LIKE %s)', 'held_' || (i ->> 'source'), rel);
      EXECUTE format('WITH d AS (DELETE FROM %s WHERE hashtext(%I::text || ''h'') %% %s = 0 RETURNING *) '
                     'INSERT INTO rb_cons.%I SELECT * FROM d', rel, k, m, 'held_' || (i ->> 'source'));
    ELSIF kind = 'insert' THEN
      EXECUTE format('INSERT INTO %s SELECT * FROM rb_cons.%I', rel, 'held_' || (i ->> 'source'));
    ELSIF kind = 'rename' THEN
      EXECUTE format('UPDATE %1$s SET %2$I = left(%2$I, 1) || substr(%2$I, 3, 1) || substr(%2$I, 2, 1) || substr(%2$I, 4) '
                     'WHERE hashtext(%3$I::text || ''r'') %% %4$s = 0 AND length(%2$I) > 4', rel, nm, k, m);
    ELSIF kind = 'delete' THEN
      EXECUTE format('DELETE FROM %s WHERE hashtext(%I::text || ''d'') %% %s = 0', rel, k, m);
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
  END LOOP;
  RAISE NOTICE '%', total;
END $$;
SQL
}

for n in $SIZES; do
  echo "-- $n records: generating and loading"
  python3 examples/consolidation/generate_actors.py "$tmp/$n" --records "$n" --seed "$SEED" --schema rb_cons >/dev/null
  psql -qX -v ON_ERROR_STOP=1 -f "$tmp/$n/load.sql" >/dev/null 2>&1
  q -v cfg="$(cat "$tmp/$n/resolution.json")" <<<"SELECT nightjar.define_resolution('rb_cons', :'cfg'::jsonb)" >/dev/null
  held=$(change_inputs hold 2>&1 | grep -o '[0-9]*$')
  q -c "ANALYZE" >/dev/null
  q -c "SELECT nightjar.define_consolidation('rb_cons')" >/dev/null

  read -r secs mem result <<<"$(timed "nightjar.resolve('rb_cons')")"
  read -r p r f <<<"$(f1)"
  echo "full resolve         n=$n  time=${secs}s  peak_rss=${mem}MB  precision=$p recall=$r F1=$f  $(counts "$result" '{records, candidate_pairs, matches, entities}')"
  read -r secs mem result <<<"$(timed "nightjar.consolidate('rb_cons')")"
  echo "full consolidate     n=$n  time=${secs}s  peak_rss=${mem}MB  $(counts "$result" '.counts | {created, golden_recomputed}')"
  ids_snapshot ids0
  # The first consolidate filled nightjar.entity and entity_record; until autovacuum
  # analyses them, the next consolidate's write phase plans a nested loop over them (135 s
  # at 50,000 records instead of 0.3 s): analyse them now, as consolidate itself does not.
  q -c "ANALYZE nightjar.entity, nightjar.entity_record, nightjar.entity_event" >/dev/null

  read -r secs mem result <<<"$(timed "nightjar.resolve('rb_cons', mode => 'incremental')")"
  echo "incremental, no change  time=${secs}s  peak_rss=${mem}MB  $(counts "$result" '{mode, new_records, changed_records, deleted_records, compared_pairs, entities_changed}')"
  read -r secs mem result <<<"$(timed "nightjar.consolidate('rb_cons')")"
  ids_snapshot ids1
  echo "consolidate, no change  time=${secs}s  entity ids changed=$(ids_changed ids0 ids1) (must be 0)  $(counts "$result" '.counts | {unchanged, changed}')"

  ins=$(change_inputs insert 2>&1 | grep -o '[0-9]*$'); ren=$(change_inputs rename 2>&1 | grep -o '[0-9]*$')
  del=$(change_inputs delete 2>&1 | grep -o '[0-9]*$')
  q -c "ANALYZE" >/dev/null
  echo "-- a night's changes: $ins inserted, $ren renamed, $del deleted"
  read -r secs mem result <<<"$(timed "nightjar.resolve('rb_cons', mode => 'incremental')")"
  read -r p r f <<<"$(f1)"
  inc_secs=$secs
  echo "incremental resolve  n=$n  time=${secs}s  peak_rss=${mem}MB  precision=$p recall=$r F1=$f"
  echo "         $(counts "$result" '{new_records, changed_records, deleted_records, compared_pairs, kept_pairs, entities_changed, timings, read_seconds, read_previous_seconds, write_seconds, rows_written, rows_deleted, snapshot}')"
  partition_snapshot inc_part
  read -r secs mem result <<<"$(timed "nightjar.consolidate('rb_cons')")"
  ids_snapshot ids2
  echo "incremental consolidate  time=${secs}s  $(counts "$result" '.counts | {unchanged, member_added, member_removed, content_changed, created, merged, split, retired}')"

  read -r secs mem result <<<"$(timed "nightjar.resolve('rb_cons', model => 'frozen')")"
  partition_snapshot full_part
  diff=$(q -c "SELECT count(*) FROM rb_cons.inc_part a FULL JOIN rb_cons.full_part b USING (source, key)
               WHERE a.canon IS DISTINCT FROM b.canon")
  total=$(q -c "SELECT count(*) FROM rb_cons.full_part")
  echo "full resolve, frozen model  time=${secs}s  records whose entity differs from the incremental run's: $diff of $total"
  echo "         ratio full (frozen) / incremental time: $(echo "scale=2; $secs / $inc_secs" | bc -l)"

  q -c "SELECT nightjar.consolidate('rb_cons')" >/dev/null
  ids_snapshot ids3
  read -r secs mem result <<<"$(timed "nightjar.resolve('rb_cons', mode => 'incremental')")"
  read -r csecs cmem cresult <<<"$(timed "nightjar.consolidate('rb_cons')")"
  ids_snapshot ids4
  echo "again, nothing changed: incremental ${secs}s (compared_pairs $(counts "$result" .compared_pairs)), consolidate ${csecs}s, entity ids changed=$(ids_changed ids3 ids4) (must be 0)"
  cleanup
  tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/nj-consolidate-bench.XXXXXX")
done
