-- 97_reuse.sql: a catalog re-created over the bulk data of an earlier one.
--
-- DROP EXTENSION nightjar CASCADE keeps the bulk tables and their rows (06_storage.sql);
-- a following CREATE EXTENSION starts its identity sequences again at 1, so the first new
-- batch would take the id of an old batch still in raw_record (its COPY refused on the
-- primary key) and a new source the id of an old one whose records are still there (read
-- as its own). Run last in the extension script: each catalog sequence moves past the
-- largest id of the same name in the bulk tables. On a fresh install, and in a restore
-- (the extension comes before its tables), there is no bulk table and nothing to do.

-- _ids_past_bulk_data moves every identity sequence of the catalog past the largest value
-- of the column of the same name in the bulk tables (schema nightjar's tables that are
-- not members of the extension). Returns the sequences it moved.
CREATE FUNCTION nightjar._ids_past_bulk_data() RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_max bigint;
    v_last bigint;
    v_moved text[] := '{}';
BEGIN
    FOR r IN
        WITH tables AS (
            SELECT c.oid, c.relname, EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                               AND d.deptype = 'e') AS member
            FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'nightjar'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition)
        SELECT pg_catalog.pg_get_serial_sequence(format('nightjar.%I', t.relname), a.attname) AS seq,
               a.attname, array_agg(format('nightjar.%I', b.relname) ORDER BY b.relname) AS bulk
        FROM tables t
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN tables b ON NOT b.member
        JOIN pg_catalog.pg_attribute ba ON ba.attrelid = b.oid AND ba.attname = a.attname AND NOT ba.attisdropped
                                        AND ba.atttypid IN ('int4'::regtype, 'int8'::regtype)
        WHERE t.member AND pg_catalog.pg_get_serial_sequence(format('nightjar.%I', t.relname), a.attname) IS NOT NULL
        GROUP BY 1, 2
    LOOP
        EXECUTE format('SELECT max(m) FROM (%s) u',
                       (SELECT string_agg(format('SELECT max(%I)::bigint AS m FROM %s', r.attname, x), ' UNION ALL ')
                        FROM unnest(r.bulk) AS x))
            INTO v_max;
        -- The last value handed out (a fresh sequence has handed out none).
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', r.seq) INTO v_last;
        IF v_max > v_last THEN
            PERFORM pg_catalog.setval(r.seq, v_max, true);
            v_moved := v_moved || format('%s > %s', r.seq, v_max);
        END IF;
    END LOOP;
    RETURN v_moved;
END $$;
SELECT nightjar._ids_past_bulk_data();
