-- 06_storage.sql: who owns what (docs/architecture.md, "Data ownership").
--
-- The extension owns its code and the small catalog tables: they are members, dropped
-- with it and dumped through pg_extension_config_dump. Bulk data -- raw, valid, clean and
-- quarantined records, and every large table to come -- lives in tables the extension
-- creates on first use but does not own, so that DROP EXTENSION cannot take the
-- warehouse with it, an upgrade script never rewrites a big table, and pg_dump treats
-- them as the ordinary tables they are (a primary key on a partitioned parent, indexes
-- restored after the rows).
--
-- Each area declares its bulk tables in a function nightjar._storage_<area>() (no
-- argument, returns void) that creates what is missing: CREATE TABLE IF NOT EXISTS with
-- its indexes and guard. ensure_storage() finds these functions by name and calls each;
-- entry points that need bulk tables call it first, and so does every INSERT into
-- nightjar.source (12_ingest_storage.sql): a database has its data tables as soon as it
-- has a source to fill them. It is never called while CREATE EXTENSION runs: an object
-- created then would become a member.
--
-- Refusal: every bulk table carries the trigger storage_guard, which calls
-- nightjar._storage_guard(); that dependency makes DROP EXTENSION nightjar fail
-- (SQLSTATE 2BP01) while a bulk table exists. DROP EXTENSION ... CASCADE removes the
-- guards but no table and no row; CREATE EXTENSION afterwards finds the tables and uses
-- them as they are. No bulk table has a foreign key into the catalog (12_ingest_storage.sql).

-- _storage_guard does nothing: bulk tables reference it (trigger storage_guard) so that
-- DROP EXTENSION nightjar refuses while they exist.
CREATE FUNCTION nightjar._storage_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END $$;
COMMENT ON FUNCTION nightjar._storage_guard() IS
    'trigger function of every bulk data table (trigger storage_guard, BEFORE TRUNCATE, does nothing): '
    'its dependency makes DROP EXTENSION nightjar refuse while warehouse data exists';

-- _storage_missing says whether one of the tables is missing. When one seems to be, it
-- first takes the storage lock and looks again, so that two sessions never create the
-- same table: the lock is a relation lock (SHARE UPDATE EXCLUSIVE on nightjar.source,
-- which conflicts with itself, not with inserts), because acquiring one also reads the
-- catalog changes other sessions committed meanwhile; an advisory lock would not.
CREATE FUNCTION nightjar._storage_missing(VARIADIC tables text[]) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(tables) t WHERE to_regclass(format('nightjar.%I', t)) IS NULL) THEN
        RETURN false;  -- the common case: a few catalog lookups, no lock
    END IF;
    LOCK TABLE nightjar.source IN SHARE UPDATE EXCLUSIVE MODE;
    RETURN EXISTS (SELECT 1 FROM unnest(tables) t WHERE to_regclass(format('nightjar.%I', t)) IS NULL);
END $$;

-- _storage_guard_on adds the trigger storage_guard to one bulk table.
CREATE FUNCTION nightjar._storage_guard_on(p_table text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER storage_guard BEFORE TRUNCATE ON nightjar.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION nightjar._storage_guard()', p_table);
END $$;

-- ensure_storage creates every missing bulk data table by calling each nightjar._storage_<area>().
CREATE FUNCTION nightjar.ensure_storage() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'nightjar'::regnamespace AND p.proname LIKE '\_storage\_%'
          AND p.pronargs = 0 AND p.prorettype = 'void'::regtype AND p.prokind = 'f'
        ORDER BY p.proname
    LOOP
        EXECUTE format('SELECT %s', f);  -- regprocedure prints as nightjar._storage_x()
    END LOOP;
END $$;
COMMENT ON FUNCTION nightjar.ensure_storage() IS
    'creates the bulk data tables that are missing (raw, valid, clean, quarantined records, …) by calling every '
    'nightjar._storage_<area>(); they are not members of the extension; cheap when all exist';

-- _guard_bulk_tables puts storage_guard back on the bulk tables a DROP EXTENSION ...
-- CASCADE left unguarded: the tables of schema nightjar that are not members of the
-- extension (partitions excepted: their parent's guard covers them). The extension
-- script calls it below, when only bulk tables can exist; a restore creates the extension
-- before its tables, so it finds none and pg_restore creates the guards itself.
CREATE FUNCTION nightjar._guard_bulk_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'nightjar'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'storage_guard')
        ORDER BY c.relname
    LOOP
        PERFORM nightjar._storage_guard_on(t);
    END LOOP;
END $$;
SELECT nightjar._guard_bulk_tables();

-- _analyze_changed analyzes each of `tables` that this transaction changed by more than a
-- fifth of its rows (at least min_rows): a bulk step that fills a table the planner
-- believes empty (a first night, a table emptied since) would otherwise leave the next
-- night's joins planned on stale statistics until autovacuum passes — a nested loop over
-- 100,000 rows it took for none. Tables the current role does not own are left to
-- autovacuum (ANALYZE would only warn), and so are tables whose ShareUpdateExclusiveLock
-- another session holds: an autovacuum VACUUM of the table may be waiting for this very
-- transaction, and waiting for its lock was a deadlock that aborted a 1M-record
-- consolidate (the lock is taken with NOWAIT; a table skipped is analyzed by autovacuum
-- or by the next run). Returns the tables it analyzed.
CREATE FUNCTION nightjar._analyze_changed(tables regclass[], min_rows bigint DEFAULT 1000) RETURNS regclass[]
LANGUAGE plpgsql AS $$
DECLARE
    v_rel regclass;
    v_done regclass[] := '{}';
BEGIN
    FOR v_rel IN
        SELECT c.oid::regclass FROM pg_catalog.pg_class c
        WHERE c.oid = ANY (tables) AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
          AND pg_catalog.pg_stat_get_xact_tuples_inserted(c.oid) + pg_catalog.pg_stat_get_xact_tuples_updated(c.oid)
              + pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid) >= greatest(min_rows, 0.2 * greatest(c.reltuples, 0))
        ORDER BY c.oid
    LOOP
        BEGIN
            EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE NOWAIT', v_rel);
        EXCEPTION WHEN lock_not_available THEN
            CONTINUE;  -- autovacuum (or another session) holds it: do not wait, see above
        END;
        EXECUTE format('ANALYZE %s', v_rel);
        v_done := v_done || v_rel;
    END LOOP;
    RETURN v_done;
END $$;
