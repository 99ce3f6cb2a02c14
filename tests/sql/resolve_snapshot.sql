-- resolve_snapshot.sql: the run snapshot an incremental resolve starts from
-- (sql/54_resolve_snapshot.sql). On 600 generated shops over two sources: a full run stores
-- a base; each incremental night that starts from it appends a delta and reads the base
-- and every delta before; after three nights (inserts, renames, deletes), the run from
-- base + deltas leaves exactly the rows -- members with their entity ids and fingerprints,
-- pairs with their probabilities, weights, statuses and levels -- that the same run reading
-- the tables leaves. The snapshot is not used when it is not the rows' own: a hand edit of
-- a partition deletes it (trigger), a rewrite of a partition (CLUSTER, trigger disabled)
-- gives it a file it does not name, corrupt bytes are refused; each time the run reads the
-- tables, says so, gives the same rows, and writes a new base.
-- Everything runs in one rolled-back transaction.
BEGIN;
SELECT plan(27);
SET LOCAL client_min_messages = warning;

CREATE SCHEMA t_snap;
-- w returns a pronounceable word for n (its digits spelt as syllables).
CREATE FUNCTION t_snap.w(n integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT initcap(string_agg((ARRAY['ba','ko','ri','mu','te','lo','sa','ni','vo','de'])[d::integer + 1], '' ORDER BY o))
    FROM unnest(string_to_array(lpad(n::text, 4, '0'), NULL)) WITH ORDINALITY AS x(d, o)
$$;
CREATE TABLE t_snap.a (id text PRIMARY KEY, name text, address text, postcode text);
CREATE TABLE t_snap.b (ref integer PRIMARY KEY, nom text, adresse text, cp text);
INSERT INTO t_snap.a SELECT 'a' || i, 'Boutique ' || t_snap.w(i * 7919 % 10000), i % 90 + 1 || ' rue ' || t_snap.w(i * 104729 % 10000),
                            (75001 + i % 20)::text
FROM generate_series(1, 350) i;
INSERT INTO t_snap.b SELECT i, upper('Boutique ' || t_snap.w(i * 7919 % 10000)), i % 90 + 1 || ' r. ' || t_snap.w(i * 104729 % 10000),
                            (75001 + i % 20)::text
FROM generate_series(1, 250) i;
SELECT nightjar.define_resolution('t_snap', '{
  "inputs": [
    {"source": "a", "relation": "t_snap.a", "key": "id"},
    {"source": "b", "relation": "t_snap.b", "key": "ref",
     "columns": {"name": "nom", "address": "adresse", "postcode": "cp"}}
  ],
  "fields": [
    {"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
    {"name": "postcode", "kind": "code"}
  ],
  "one_per_source": true}') \g /dev/null

-- rows returns a resolution's stored rows as sorted text: members, then pairs.
CREATE FUNCTION pg_temp.rows(p_name text) RETURNS text LANGUAGE sql AS $$
    SELECT (SELECT string_agg(format('%s/%s:%s:%s', source, key, entity_id, fingerprint), ' ' ORDER BY source, key)
            FROM nightjar.entity_member WHERE resolution = p_name)
        || ' || ' ||
           (SELECT string_agg(format('%s/%s-%s/%s:%s:%s:%s:%s', source_a, key_a, source_b, key_b, probability,
                                     match_weight, status, levels), ' '
                              ORDER BY source_a, key_a, source_b, key_b)
            FROM nightjar.match_pair WHERE resolution = p_name)
$$;
-- snapshot_rows returns the snapshot's rows as "base,delta,...".
CREATE FUNCTION pg_temp.snapshot_rows() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(CASE WHEN delta THEN 'delta' ELSE 'base' END, ',' ORDER BY part), '')
    FROM nightjar.resolution_snapshot WHERE resolution = 't_snap'
$$;
-- night changes the inputs: inserts 10 shops into a, renames 5 of b, deletes 5 of a.
CREATE FUNCTION pg_temp.night(n integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO t_snap.a SELECT 'n' || n || '_' || i, 'Boutique ' || t_snap.w((i + 50 * n) * 7919 % 10000),
                                i % 90 + 1 || ' rue ' || t_snap.w((i + 50 * n) * 104729 % 10000), (75001 + i % 20)::text
    FROM generate_series(1, 10) i;
    UPDATE t_snap.b SET nom = nom || ' ' || t_snap.w(n) WHERE ref % 50 = n;
    DELETE FROM t_snap.a WHERE id IN (SELECT id FROM t_snap.a WHERE id LIKE 'a%' ORDER BY id OFFSET 20 * n LIMIT 5);
$$;

-- ---- a full run writes a base; nights append deltas -----------------------------------------
CREATE TEMP TABLE run AS SELECT 0 AS night, nightjar.resolve('t_snap') AS r;
SELECT is((SELECT r -> 'snapshot' ->> 'written' FROM run), 'base', 'a full run writes a base');
SELECT is(pg_temp.snapshot_rows(), 'base', '... stored as one row');
SELECT cmp_ok((SELECT (r ->> 'matches')::int FROM run), '>', 100, 'the generated shops match across sources');
SELECT pg_temp.night(1);
INSERT INTO run SELECT 1, nightjar.resolve('t_snap', mode => 'incremental');
SELECT is((SELECT r -> 'snapshot' ->> 'read' FROM run WHERE night = 1), 'used', 'night 1 starts from the snapshot');
SELECT is((SELECT r -> 'snapshot' ->> 'written' FROM run WHERE night = 1), 'delta', '... and appends a delta');
SELECT cmp_ok((SELECT (r -> 'rows_written' ->> 'members')::int FROM run WHERE night = 1), '>=', 15,
              '... having rewritten the changed records');
SELECT is(pg_temp.snapshot_rows(), 'base,delta', '... kept beside the base');
SELECT pg_temp.night(2);
INSERT INTO run SELECT 2, nightjar.resolve('t_snap', mode => 'incremental');
SELECT is((SELECT (r -> 'snapshot' ->> 'deltas_read')::int FROM run WHERE night = 2), 1, 'night 2 reads the base and one delta');
SELECT is(pg_temp.snapshot_rows(), 'base,delta,delta', '... and appends its own');

-- ---- base + deltas = the tables ----------------------------------------------------------------
SELECT pg_temp.night(3);
-- (psql variables, not tables, carry the first run's output past the rollback)
SAVEPOINT before_night3;
SELECT nightjar.resolve('t_snap', mode => 'incremental') AS snap_r \gset
SELECT pg_temp.rows('t_snap') AS snap_rows \gset
ROLLBACK TO SAVEPOINT before_night3;
DELETE FROM nightjar.resolution_snapshot WHERE resolution = 't_snap';
CREATE TEMP TABLE from_tables AS SELECT nightjar.resolve('t_snap', mode => 'incremental') AS r;
SELECT pg_temp.rows('t_snap') AS table_rows \gset
SELECT is(:'snap_r'::jsonb -> 'snapshot' ->> 'read', 'used', 'night 3 from base + two deltas');
SELECT is((SELECT r -> 'snapshot' ->> 'read' FROM from_tables), 'none: read the tables', 'night 3 again without a snapshot reads the tables');
SELECT is(:'snap_rows'::text, :'table_rows'::text,
          'both leave the same members (entity ids, fingerprints) and pairs (weights, statuses, levels)');
SELECT is(:'snap_r'::jsonb - 'snapshot' - 'read_seconds' - 'read_previous_seconds' - 'write_seconds' - 'write_members_seconds' - 'timings' - 'total_seconds' - 'memory_bytes',
          (SELECT r - 'snapshot' - 'read_seconds' - 'read_previous_seconds' - 'write_seconds' - 'write_members_seconds' - 'timings' - 'total_seconds' - 'memory_bytes' FROM from_tables),
          '... and the same counts (rows written and deleted, entities changed)');
SELECT is((SELECT r -> 'snapshot' ->> 'written' FROM from_tables), 'base', 'a run that read the tables writes a new base');
SELECT is(pg_temp.snapshot_rows(), 'base', '... alone');

-- ---- the snapshot is used only while it is the rows' own -----------------------------------
SELECT pg_temp.night(4);
SAVEPOINT before_night4;
SELECT nightjar.resolve('t_snap', mode => 'incremental') -> 'snapshot' ->> 'read' AS night4_how \gset
SELECT pg_temp.rows('t_snap') AS night4_rows \gset
SELECT is(:'night4_how'::text, 'used', 'night 4 from the snapshot');
ROLLBACK TO SAVEPOINT before_night4;
-- A hand edit of a member row through the parent table: its trigger drops the snapshot.
UPDATE nightjar.entity_member SET fingerprint = fingerprint WHERE resolution = 't_snap' AND key = 'a1';
SELECT is(pg_temp.snapshot_rows(), '', 'an update by hand of a partition drops the snapshot');
SELECT is(nightjar.resolve('t_snap', mode => 'incremental') -> 'snapshot' ->> 'read', 'none: read the tables',
          '... and the next run reads the tables');
SELECT is(pg_temp.rows('t_snap'), :'night4_rows'::text, '... with the rows the snapshot gave');
SELECT is(pg_temp.snapshot_rows(), 'base', '... and a new base');
ROLLBACK TO SAVEPOINT before_night4;
-- A delete on the partition itself: its own trigger drops the snapshot.
DELETE FROM nightjar.match_pair_t_snap WHERE false;
SELECT is(pg_temp.snapshot_rows(), '', 'a statement on the partition itself drops the snapshot');
ROLLBACK TO SAVEPOINT before_night4;
-- A rewrite of the partition (trigger disabled, so only the file tells): not used.
ALTER TABLE nightjar.entity_member_t_snap DISABLE TRIGGER snapshot_stale;
CLUSTER nightjar.entity_member_t_snap USING entity_member_t_snap_source_key_idx;
ALTER TABLE nightjar.entity_member_t_snap ENABLE TRIGGER snapshot_stale;
SELECT is(pg_temp.snapshot_rows(), 'base', 'a rewrite with the trigger disabled leaves the snapshot');
SELECT is(nightjar.resolve('t_snap', mode => 'incremental') -> 'snapshot' ->> 'read', 'none: read the tables',
          '... but its file is not the partition''s any more: the run reads the tables');
SELECT is(pg_temp.rows('t_snap'), :'night4_rows'::text, '... with the same rows');
ROLLBACK TO SAVEPOINT before_night4;
-- Corrupt bytes: refused with the reason, the tables read.
UPDATE nightjar.resolution_snapshot SET data = substr(data, 1, 100) WHERE resolution = 't_snap';
SELECT alike(nightjar.resolve('t_snap', mode => 'incremental') -> 'snapshot' ->> 'read', '%cut short: read the tables',
             'a corrupt snapshot is refused, saying why');
SELECT is(pg_temp.rows('t_snap'), :'night4_rows'::text, '... and the rows are right');
ROLLBACK TO SAVEPOINT before_night4;
-- drop_resolution drops the snapshot.
SELECT nightjar.drop_resolution('t_snap');
SELECT is(pg_temp.snapshot_rows(), '', 'drop_resolution drops the snapshot');

SELECT * FROM finish();
ROLLBACK;
