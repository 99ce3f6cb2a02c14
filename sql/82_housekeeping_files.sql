-- 82_housekeeping_files.sql: orphan files (docs/housekeeping.md#orphan-files). A file in
-- a watched folder that no row references — not nightjar.file.location or
-- archive_location, not a column the task declares — and that is older than the grace
-- period is an orphan. The listing of local folders comes from pg_ls_dir/pg_stat_file
-- (superuser, or a role granted EXECUTE on them); any other listing (an S3 prefix the
-- runner lists) can be passed to nightjar.orphan_files as JSON. Deleting a local file
-- needs adminpack's pg_file_unlink; without it, or for remote objects, the report is the
-- list for the runner or a person to delete. Dry run by default.

-- _hk_list_dir lists the regular files under root, recursively, with their modification time.
CREATE FUNCTION nightjar._hk_list_dir(root text) RETURNS TABLE (path text, modified timestamptz, size bigint)
LANGUAGE sql VOLATILE AS $$
    WITH RECURSIVE walk(path, isdir, modified, size) AS (
        SELECT root, true, NULL::timestamptz, NULL::bigint
        UNION ALL
        SELECT w.path || '/' || e.name, st.isdir, st.modification, st.size
        FROM walk w
        CROSS JOIN LATERAL pg_catalog.pg_ls_dir(w.path, true, false) AS e(name)
        CROSS JOIN LATERAL pg_catalog.pg_stat_file(w.path || '/' || e.name, true) AS st
        WHERE w.isdir)
    SELECT w.path, w.modified, w.size FROM walk w WHERE NOT w.isdir AND w.modified IS NOT NULL;
$$;

-- _hk_orphan_check checks an orphan_files configuration: folders and referencing columns.
CREATE FUNCTION nightjar._hk_orphan_check(c jsonb) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_ref jsonb;
BEGIN
    IF jsonb_typeof(c -> 'dirs') IS DISTINCT FROM 'array' OR jsonb_array_length(c -> 'dirs') = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(c -> 'dirs') d
                  WHERE jsonb_typeof(d) <> 'string' OR d #>> '{}' !~ '^/') THEN
        RAISE EXCEPTION 'nightjar: housekeeping orphan_files needs "dirs", a list of absolute folder paths'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar._hk_interval(c, 'grace', '7 days');
    FOR v_ref IN SELECT * FROM jsonb_array_elements(coalesce(c -> 'references', '[]')) LOOP
        PERFORM nightjar._hk_column(nightjar._hk_table(v_ref, 'table'), v_ref ->> 'column', 'references.column');
    END LOOP;
END $$;

-- orphan_files returns the entries of a listing that nothing references and that are older
-- than grace: listing is [{"path": …, "root": …, "modified": …}], config may add
-- "references": [{"table": …, "column": …}] (values matched as the full path or the path
-- relative to root).
CREATE FUNCTION nightjar.orphan_files(listing jsonb, grace interval DEFAULT '7 days', config jsonb DEFAULT '{}',
                                      at timestamptz DEFAULT now())
RETURNS TABLE (path text, relative_path text, modified timestamptz)
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    v_ref jsonb;
    v_rel regclass;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS _hk_orphan (path text, relative_path text, modified timestamptz) ON COMMIT DROP;
    TRUNCATE _hk_orphan;
    INSERT INTO _hk_orphan
    SELECT e ->> 'path', CASE WHEN e ? 'root' AND left(e ->> 'path', length(e ->> 'root') + 1) = (e ->> 'root') || '/'
                              THEN substr(e ->> 'path', length(e ->> 'root') + 2) ELSE e ->> 'path' END,
           (e ->> 'modified')::timestamptz
    FROM jsonb_array_elements(listing) e
    WHERE (e ->> 'modified')::timestamptz < at - grace;
    -- A dir source records locations relative to its folder (config location): matched as
    -- such, or relative to the listed root (the safe side: never deleted).
    DELETE FROM _hk_orphan o
    WHERE EXISTS (SELECT 1 FROM nightjar.file f JOIN nightjar.source s ON s.source_id = f.source_id
                  WHERE f.location IN (o.path, o.relative_path) OR f.archive_location IN (o.path, o.relative_path)
                     OR (s.kind = 'dir' AND rtrim(s.config ->> 'location', '/') || '/' || f.location = o.path)
                     OR (s.kind = 'dir' AND rtrim(s.config ->> 'location', '/') || '/' || f.archive_location = o.path));
    FOR v_ref IN SELECT * FROM jsonb_array_elements(coalesce(config -> 'references', '[]')) LOOP
        v_rel := nightjar._hk_table(v_ref, 'table');
        EXECUTE format('DELETE FROM _hk_orphan o WHERE EXISTS (SELECT 1 FROM %s r WHERE r.%I::text IN (o.path, o.relative_path))',
                       v_rel, nightjar._hk_column(v_rel, v_ref ->> 'column', 'references.column'));
    END LOOP;
    RETURN QUERY SELECT o.path, o.relative_path, o.modified FROM _hk_orphan o ORDER BY o.path;
END $$;
COMMENT ON FUNCTION nightjar.orphan_files(jsonb, interval, jsonb, timestamptz) IS
    'the entries of a file listing ([{"path", "root", "modified"}]) older than grace that no nightjar.file row '
    'and no declared reference column names; for local folders and for any listing a caller provides (S3)';

-- _hk_orphan_files lists the task's folders, finds the orphans and, unless dry run, deletes them.
CREATE FUNCTION nightjar._hk_orphan_files(p_task text, c jsonb, p_day date, p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_listing jsonb;
    v_files bigint;
    v_orphans jsonb;
    v_deleted bigint := 0;
    v_unlink boolean := to_regprocedure('pg_file_unlink(text)') IS NOT NULL;
    v_path text;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('path', l.path, 'root', d, 'modified', l.modified)), '[]'), count(*)
    INTO v_listing, v_files
    FROM jsonb_array_elements_text(c -> 'dirs') d CROSS JOIN LATERAL nightjar._hk_list_dir(rtrim(d, '/')) l;
    SELECT coalesce(jsonb_agg(o.path ORDER BY o.path), '[]') INTO v_orphans
    FROM nightjar.orphan_files(v_listing, nightjar._hk_interval(c, 'grace', '7 days'), c,
                               (p_day + 1)::timestamptz) o;
    IF NOT p_dry_run AND v_unlink THEN
        FOR v_path IN SELECT jsonb_array_elements_text(v_orphans) LOOP
            EXECUTE 'SELECT pg_file_unlink($1)' USING v_path;
            v_deleted := v_deleted + 1;
        END LOOP;
    END IF;
    RETURN jsonb_build_object('rows_in', v_files, 'rows_out', v_deleted,
        'counts', jsonb_build_object('listed', v_files, 'orphans', jsonb_array_length(v_orphans),
                                     'deleted', v_deleted),
        'dry_run', p_dry_run,
        'orphans', v_orphans,
        'note', CASE WHEN NOT p_dry_run AND NOT v_unlink
                     THEN 'adminpack (pg_file_unlink) is not installed: nothing deleted, delete the listed files' END);
END $$;
