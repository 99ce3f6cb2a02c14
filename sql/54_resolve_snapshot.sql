-- 54_resolve_snapshot.sql: the run snapshot an incremental resolve starts from
-- (extension/core/resolve/run_snapshot.cpp), and what keeps it true.
--
-- Every resolve run stores, beside its rows of match_pair and entity_member and in the
-- same transaction, a compact binary record of what it stored: per record its identity
-- hash, fingerprint, entity id and row address; per pair its records, levels, status,
-- weights and row address. A full run writes a base (~90 MB at 1M records); an incremental
-- run that started from the snapshot appends a delta of what it changed (~1.5 MB for a 1%
-- night), until the deltas reach a quarter of the base or eight of them, when it writes a
-- new base. The next incremental run reads base and deltas (well under a second at 1M
-- records) instead of scanning the ~3M rows back (~3 s).
-- The snapshot is used only while it is provably the rows' own:
--   - it names the files (relfilenode) of the two partitions it describes: TRUNCATE,
--     VACUUM FULL, CLUSTER or a restore give them new files, and the snapshot is ignored;
--   - a statement trigger on each partition deletes it when anything but resolve itself
--     inserts, updates or deletes rows (an erasure, a hand edit), and one on each parent
--     table deletes every snapshot when a statement writes through the parent (the
--     partition's own triggers do not fire then; resolve writes the partitions directly);
--   - drop_resolution deletes it.
-- Without a usable snapshot an incremental run reads the partitions, as before, and stores
-- a fresh snapshot for the next night.

-- _storage_resolve_snapshot creates nightjar.resolution_snapshot if it is missing.
CREATE FUNCTION nightjar._storage_resolve_snapshot() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT nightjar._storage_missing('resolution_snapshot') THEN
        RETURN;
    END IF;
    CREATE TABLE IF NOT EXISTS nightjar.resolution_snapshot (
        resolution  text    NOT NULL,
        part        integer NOT NULL,  -- a base in parts of at most 256 MB, then one part per delta
        delta       boolean NOT NULL,  -- false: a part of the base; true: one later run's changes
        member_file oid     NOT NULL,  -- relfilenode of the entity_member partition it describes
        pair_file   oid     NOT NULL,  -- relfilenode of the match_pair partition
        data        bytea   NOT NULL,
        PRIMARY KEY (resolution, part)
    );
    -- Stored uncompressed: the arrays are mostly hashes, and compressing 90 MB costs more
    -- than writing it.
    ALTER TABLE nightjar.resolution_snapshot ALTER COLUMN data SET STORAGE EXTERNAL;
    COMMENT ON TABLE nightjar.resolution_snapshot IS 'per resolution, a compact binary record of the rows its last run stored in match_pair and entity_member, from which the next incremental run starts (sql/54_resolve_snapshot.sql). Derived data: deleting it only makes the next incremental run read the partitions. Bulk data: not a member of the extension (nightjar._storage_resolve_snapshot)';
    PERFORM nightjar._storage_guard_on('resolution_snapshot');
END $$;

-- _resolution_snapshot_stale (trigger function of both partitions of a resolution, the
-- resolution's name as argument) deletes the resolution's snapshot when a statement that
-- is not resolve's own writes the partition.
CREATE FUNCTION nightjar._resolution_snapshot_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_writer text := coalesce(current_setting('nightjar.resolving', true), '');
BEGIN
    IF to_regclass('nightjar.resolution_snapshot') IS NULL THEN
        RETURN NULL;
    ELSIF TG_ARGV[0] = '*' THEN  -- a write through a parent table: it may touch any resolution
        IF v_writer = '' THEN
            DELETE FROM nightjar.resolution_snapshot;
        END IF;
    ELSIF v_writer IS DISTINCT FROM TG_ARGV[0] THEN
        DELETE FROM nightjar.resolution_snapshot WHERE resolution = TG_ARGV[0];
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION nightjar._resolution_snapshot_stale() IS
    'trigger function (after each insert, update, delete or truncate statement on a resolution''s partitions): '
    'drops the resolution''s run snapshot unless nightjar.resolve is the writer';

-- _resolution_guard_triggers creates (p_on) or drops the snapshot_stale trigger of a
-- resolution's two partitions (and creates the parents' when they lack it). resolve drops them before a full run's load (the load
-- appends rows as COPY does, which an index or trigger would forbid) and creates them
-- after every run.
CREATE FUNCTION nightjar._resolution_guard_triggers(p_name text, p_on boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_part regclass;
    v_parent text;
BEGIN
    FOREACH v_parent IN ARRAY ARRAY['match_pair', 'entity_member'] LOOP
        IF p_on AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                                WHERE g.tgrelid = format('nightjar.%I', v_parent)::regclass AND g.tgname = 'snapshot_stale') THEN
            EXECUTE format('CREATE TRIGGER snapshot_stale AFTER INSERT OR UPDATE OR DELETE ON nightjar.%I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION nightjar._resolution_snapshot_stale(%L)', v_parent, '*');
        END IF;
    END LOOP;
    FOR v_part IN SELECT nightjar._resolution_partition(t, p_name)
                  FROM unnest(ARRAY['match_pair', 'entity_member']) t LOOP
        CONTINUE WHEN v_part IS NULL;
        IF NOT p_on THEN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = v_part AND g.tgname = 'snapshot_stale') THEN
                EXECUTE format('DROP TRIGGER snapshot_stale ON %s', v_part);
            END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                          WHERE g.tgrelid = v_part AND g.tgname = 'snapshot_stale') THEN
            EXECUTE format('CREATE TRIGGER snapshot_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION nightjar._resolution_snapshot_stale(%L)',
                           v_part, p_name);
        END IF;
    END LOOP;
END $$;
