-- 81_housekeeping_tasks.sql: the table-driven housekeeping kinds (docs/housekeeping.md).
-- Each _hk_<kind>(task, config, day) builds one statement from the checked configuration
-- (regclass and %I only; values as parameters) and returns the step protocol's result.
-- Idempotent per day: reminders and archival notices carry a dedup key per item (and
-- deadline), archival selects only rows not yet in their final state, recomputation only
-- rows whose stamp column is not yet the day, retention only rows older than day - keep.

-- _hk_check resolves every table, column and function a task's configuration names.
CREATE FUNCTION nightjar._hk_check(p_kind text, c jsonb) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_rel regclass;
    v_arch regclass;
BEGIN
    IF p_kind IN ('reminder', 'recompute', 'archive') OR (p_kind = 'retention' AND NOT coalesce((c ->> 'engine')::boolean, false)) THEN
        v_rel := nightjar._hk_table(c, 'table');
    END IF;
    CASE p_kind
    WHEN 'reminder' THEN
        PERFORM nightjar._hk_column(v_rel, c ->> 'key', 'key'), nightjar._hk_expr(v_rel, c -> 'deadline', 'deadline'),
                nightjar._hk_expr(v_rel, c -> 'recipient', 'recipient');
        IF c ? 'label' THEN PERFORM nightjar._hk_expr(v_rel, c -> 'label', 'label'); END IF;
        IF coalesce((c ->> 'days_before')::int, 0) NOT BETWEEN 0 AND 366 THEN
            RAISE EXCEPTION 'nightjar: housekeeping "days_before" must be between 0 and 366, not %', nightjar._cut((c ->> 'days_before')::text)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    WHEN 'recompute' THEN
        PERFORM nightjar._hk_column(v_rel, c ->> 'key', 'key'), nightjar._hk_column(v_rel, c ->> 'stamp', 'stamp'),
                nightjar._hk_function(c ->> 'function', ARRAY['text[]', 'date']::regtype[], 'function');
    WHEN 'archive' THEN
        PERFORM nightjar._hk_column(v_rel, c ->> 'key', 'key'), nightjar._hk_expr(v_rel, c -> 'date', 'date');
        IF c ? 'recipient' THEN PERFORM nightjar._hk_expr(v_rel, c -> 'recipient', 'recipient'); END IF;
        IF c ? 'label' THEN PERFORM nightjar._hk_expr(v_rel, c -> 'label', 'label'); END IF;
        IF c ? 'archive_table' THEN
            v_arch := nightjar._hk_table(c, 'archive_table');
            PERFORM nightjar._hk_same_columns(v_rel, v_arch);
        ELSE
            PERFORM nightjar._hk_column(v_rel, c ->> 'state_column', 'state_column');
            IF c ->> 'to_state' IS NULL THEN
                RAISE EXCEPTION 'nightjar: housekeeping archive needs "archive_table" or "state_column" and "to_state"'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END IF;
    WHEN 'retention' THEN
        IF nightjar._hk_interval(c, 'keep', NULL) IS NULL THEN
            RAISE EXCEPTION 'nightjar: housekeeping retention needs "keep" (an interval)' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF v_rel IS NOT NULL THEN
            PERFORM nightjar._hk_column(v_rel, c ->> 'date_column', 'date_column');
            IF c ? 'archive_table' THEN
                PERFORM nightjar._hk_same_columns(v_rel, nightjar._hk_table(c, 'archive_table'));
            END IF;
        END IF;
    WHEN 'orphan_files' THEN
        PERFORM nightjar._hk_orphan_check(c);
    WHEN 'call' THEN
        PERFORM nightjar._hk_function(c ->> 'function', ARRAY['date']::regtype[], 'function');
    WHEN 'publish_reference' THEN
        IF to_regclass('nightjar.reference') IS NULL
           OR NOT EXISTS (SELECT 1 FROM nightjar.reference r WHERE r.name = c ->> 'reference') THEN
            RAISE EXCEPTION 'nightjar: housekeeping publish_reference: no reference %',
                            coalesce(left(quote_literal(c ->> 'reference'), 64), 'NULL')
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Declare it with nightjar.define_reference.';
        END IF;
    END CASE;
END $$;

-- _hk_function resolves a function by signature text and checks its argument types; returns
-- it as a callable qualified name.
CREATE FUNCTION nightjar._hk_function(p_sig text, p_args regtype[], p_what text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_proc regprocedure;
    v_name text;
BEGIN
    BEGIN
        v_proc := to_regprocedure(p_sig);
    EXCEPTION WHEN OTHERS THEN
        v_proc := NULL;
    END;
    IF v_proc IS NULL OR ARRAY(SELECT t::regtype FROM pg_catalog.pg_proc p, unnest(p.proargtypes::oid[]) t WHERE p.oid = v_proc)
                         IS DISTINCT FROM p_args THEN
        RAISE EXCEPTION 'nightjar: housekeeping "%" must name a function taking (%), not %', nightjar._cut((p_what)::text),
                        array_to_string(p_args, ', '), coalesce(left(quote_literal(p_sig), 64), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT format('%I.%I', n.nspname, p.proname) INTO v_name
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = v_proc;
    RETURN v_name;
END $$;

-- _hk_same_columns checks that an archive table starts with the columns of its table, in order.
CREATE FUNCTION nightjar._hk_same_columns(p_rel regclass, p_arch regclass) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_cols text[] := ARRAY(SELECT format('%I %s', a.attname, a.atttypid::regtype) FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = p_rel AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum);
    v_arch text[] := ARRAY(SELECT format('%I %s', a.attname, a.atttypid::regtype) FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = p_arch AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum);
BEGIN
    IF v_arch[1:cardinality(v_cols)] IS DISTINCT FROM v_cols THEN
        RAISE EXCEPTION 'nightjar: archive table % must start with the columns of %, in the same order and types',
                        p_arch, p_rel USING ERRCODE = 'invalid_parameter_value',
                        HINT = format('CREATE TABLE %s (LIKE %s)', p_arch, p_rel);
    END IF;
END $$;

-- _hk_reminder queues one reminder per item whose deadline falls in [day, day + days_before].
CREATE FUNCTION nightjar._hk_reminder(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_rel regclass := nightjar._hk_table(c, 'table');
    v_key text := format('t.%I', nightjar._hk_column(v_rel, c ->> 'key', 'key'));
    v_label text;
    v_due bigint;
    v_queued bigint;
    v_no_recipient bigint;
BEGIN
    v_label := CASE WHEN c ? 'label' THEN nightjar._hk_expr(v_rel, c -> 'label', 'label') ELSE v_key END;
    EXECUTE format($q$
        WITH due AS (SELECT (%1$s)::text AS k, (%2$s)::date AS d, (%3$s)::text AS rcp, (%4$s)::text AS label
                     FROM %5$s t),
        win AS (SELECT * FROM due WHERE d >= $1 AND d <= $1 + $2),
        q AS (SELECT rcp, CASE WHEN rcp IS NOT NULL THEN nightjar.queue_notification('deadline_reminder', rcp,
                  jsonb_build_object('label', coalesce(label, k), 'deadline', d, 'days_left', d - $1,
                                     'task', $3, 'item', k),
                  format('reminder:%%s:%%s:%%s', $3, k, d)) END AS id
              FROM win)
        SELECT count(*), count(id), count(*) FILTER (WHERE rcp IS NULL) FROM q$q$,
        v_key, nightjar._hk_expr(v_rel, c -> 'deadline', 'deadline'),
        nightjar._hk_expr(v_rel, c -> 'recipient', 'recipient'), v_label, v_rel)
    INTO v_due, v_queued, v_no_recipient
    USING p_day, coalesce((c ->> 'days_before')::int, 0), p_task;
    RETURN jsonb_build_object('rows_in', v_due, 'rows_out', v_queued,
        'counts', jsonb_build_object('due', v_due, 'queued', v_queued,
                                     'already_reminded', v_due - v_queued - v_no_recipient,
                                     'no_recipient', v_no_recipient));
END $$;

-- _hk_recompute calls the registered function over the rows not yet stamped with day, in chunks.
CREATE FUNCTION nightjar._hk_recompute(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_rel regclass := nightjar._hk_table(c, 'table');
    v_key text := nightjar._hk_column(v_rel, c ->> 'key', 'key');
    v_stamp text := nightjar._hk_column(v_rel, c ->> 'stamp', 'stamp');
    v_fn text := nightjar._hk_function(c ->> 'function', ARRAY['text[]', 'date']::regtype[], 'function');
    v_chunk int := greatest(coalesce((c ->> 'chunk')::int, 1000), 1);
    v_select text;
    v_keys text[];
    v_last text;
    v_n bigint;
    v_chunks bigint := 0;
    v_rows bigint := 0;
    v_updated bigint := 0;
BEGIN
    -- Keyset over the key's text: rows the function failed to stamp are not selected twice.
    v_select := format('SELECT array_agg(k ORDER BY k) FROM (SELECT t.%1$I::text AS k FROM %2$s t '
                       'WHERE t.%3$I IS DISTINCT FROM $1 AND ($2::text IS NULL OR t.%1$I::text > $2) '
                       'ORDER BY 1 LIMIT $3) s', v_key, v_rel, v_stamp);
    LOOP
        EXECUTE v_select INTO v_keys USING p_day, v_last, v_chunk;
        EXIT WHEN v_keys IS NULL;
        EXECUTE format('SELECT %s($1, $2)', v_fn) INTO v_n USING v_keys, p_day;
        v_chunks := v_chunks + 1;
        v_rows := v_rows + cardinality(v_keys);
        v_updated := v_updated + coalesce(v_n, 0);
        v_last := v_keys[cardinality(v_keys)];
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_rows, 'rows_out', v_updated,
        'counts', jsonb_build_object('chunks', v_chunks, 'selected', v_rows, 'updated', v_updated));
END $$;

-- _hk_archive closes the rows whose date has passed: a new state, or a move to the archive table.
CREATE FUNCTION nightjar._hk_archive(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_rel regclass := nightjar._hk_table(c, 'table');
    v_key text := format('t.%I', nightjar._hk_column(v_rel, c ->> 'key', 'key'));
    v_date text := nightjar._hk_expr(v_rel, c -> 'date', 'date');
    v_rcp text := CASE WHEN c ? 'recipient' THEN nightjar._hk_expr(v_rel, c -> 'recipient', 'recipient') ELSE 'NULL' END;
    v_label text := CASE WHEN c ? 'label' THEN nightjar._hk_expr(v_rel, c -> 'label', 'label') ELSE v_key END;
    v_notify text := $n$count(CASE WHEN rcp IS NOT NULL THEN nightjar.queue_notification('item_archived', rcp,
        jsonb_build_object('label', coalesce(label, k), 'day', $1, 'outcome', $2, 'date', d, 'task', $4, 'item', k),
        format('archived:%s:%s', $4, k)) END)$n$;
    v_from text[];
    v_rows bigint;
    v_notified bigint;
BEGIN
    IF c ? 'archive_table' THEN
        EXECUTE format($q$
            WITH due AS (SELECT (%1$s)::text AS k, (%2$s)::date AS d, (%3$s)::text AS rcp, (%4$s)::text AS label
                         FROM %5$s t WHERE (%2$s)::date < $1),
            moved AS (DELETE FROM %5$s t USING due WHERE (%1$s)::text = due.k RETURNING t.*),
            ins AS (INSERT INTO %6$s SELECT * FROM moved RETURNING 1)
            SELECT (SELECT count(*) FROM ins), %7$s FROM due$q$,
            v_key, v_date, v_rcp, v_label, v_rel, nightjar._hk_table(c, 'archive_table'), v_notify)
        INTO v_rows, v_notified USING p_day, 'archived', NULL::text[], p_task;
    ELSE
        IF c ? 'from_states' THEN
            v_from := ARRAY(SELECT jsonb_array_elements_text(c -> 'from_states'));
        END IF;
        EXECUTE format($q$
            WITH due AS (SELECT (%1$s)::text AS k, (%2$s)::date AS d, (%3$s)::text AS rcp, (%4$s)::text AS label
                         FROM %5$s t
                         WHERE (%2$s)::date < $1 AND t.%6$I IS DISTINCT FROM $2
                           AND ($3::text[] IS NULL OR t.%6$I::text = ANY ($3))),
            upd AS (UPDATE %5$s t SET %6$I = $2 FROM due WHERE (%1$s)::text = due.k RETURNING due.*)
            SELECT count(*), %7$s FROM upd$q$,
            v_key, v_date, v_rcp, v_label, v_rel, nightjar._hk_column(v_rel, c ->> 'state_column', 'state_column'),
            v_notify)
        INTO v_rows, v_notified USING p_day, c ->> 'to_state', v_from, p_task;
    END IF;
    RETURN jsonb_build_object('rows_in', v_rows, 'rows_out', v_rows,
        'counts', jsonb_build_object(CASE WHEN c ? 'archive_table' THEN 'moved' ELSE 'changed' END, v_rows,
                                     'notified', v_notified));
END $$;

-- _hk_retention deletes (or moves) the rows older than day - keep, in chunks; engine: prune.
CREATE FUNCTION nightjar._hk_retention(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_keep interval := nightjar._hk_interval(c, 'keep', NULL);
    v_cutoff timestamp := p_day::timestamp - v_keep;
    v_rel regclass;
    v_col text;
    v_chunk int := greatest(coalesce((c ->> 'chunk')::int, 10000), 1);
    v_sql text;
    v_n bigint;
    v_rows bigint := 0;
    v_chunks bigint := 0;
    v_pruned jsonb;
BEGIN
    IF coalesce((c ->> 'engine')::boolean, false) THEN
        -- The engine's own history: runs, step runs, work items, events, delivered
        -- notifications and cron.job_run_details, through nightjar.prune.
        v_pruned := nightjar.prune(v_keep);
        SELECT coalesce(sum(value::bigint), 0) INTO v_rows FROM jsonb_each_text(v_pruned) WHERE value IS NOT NULL;
        RETURN jsonb_build_object('rows_in', v_rows, 'rows_out', v_rows, 'counts', v_pruned);
    END IF;
    v_rel := nightjar._hk_table(c, 'table');
    v_col := nightjar._hk_column(v_rel, c ->> 'date_column', 'date_column');
    IF c ? 'archive_table' THEN
        v_sql := format('WITH moved AS (DELETE FROM %1$s t WHERE t.ctid = ANY (ARRAY(SELECT x.ctid FROM %1$s x '
                        'WHERE x.%2$I < $1 LIMIT $2)) RETURNING t.*) INSERT INTO %3$s SELECT * FROM moved',
                        v_rel, v_col, nightjar._hk_table(c, 'archive_table'));
    ELSE
        v_sql := format('DELETE FROM %1$s t WHERE t.ctid = ANY (ARRAY(SELECT x.ctid FROM %1$s x '
                        'WHERE x.%2$I < $1 LIMIT $2))', v_rel, v_col);
    END IF;
    LOOP
        EXECUTE v_sql USING v_cutoff, v_chunk;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        EXIT WHEN v_n = 0;
        v_rows := v_rows + v_n;
        v_chunks := v_chunks + 1;
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_rows, 'rows_out', v_rows,
        'counts', jsonb_build_object(CASE WHEN c ? 'archive_table' THEN 'moved' ELSE 'deleted' END, v_rows,
                                     'chunks', v_chunks, 'cutoff', v_cutoff));
END $$;

-- _hk_call runs a registered function(day date) RETURNS jsonb (e.g. a weekly reference
-- refresh and publish) and returns its result as the step's.
CREATE FUNCTION nightjar._hk_call(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb;
BEGIN
    EXECUTE format('SELECT to_jsonb(%s($1))',
                   nightjar._hk_function(c ->> 'function', ARRAY['date']::regtype[], 'function'))
    INTO v_result USING p_day;
    IF v_result IS NULL OR jsonb_typeof(v_result) <> 'object' THEN
        v_result := jsonb_build_object('result', v_result);
    END IF;
    RETURN v_result;
END $$;

-- _hk_publish_reference publishes the newest version of a reference registered (loaded)
-- after the published one, through nightjar.publish_reference (atomic, validated); a
-- refused version is not tried again (its status is refused), so a second run does nothing.
CREATE FUNCTION nightjar._hk_publish_reference(p_task text, c jsonb, p_day date) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_version text;
    v_result jsonb;
BEGIN
    EXECUTE 'SELECT v.version FROM nightjar.reference_version v WHERE v.name = $1 AND v.status = ''loaded'' '
            'ORDER BY v.registered_at DESC, v.version DESC LIMIT 1' INTO v_version USING c ->> 'reference';
    IF v_version IS NULL THEN
        RETURN jsonb_build_object('rows_in', 0, 'rows_out', 0,
                                  'counts', jsonb_build_object('published', 0, 'refused', 0, 'nothing_new', 1));
    END IF;
    EXECUTE 'SELECT nightjar.publish_reference($1, $2)' INTO v_result USING c ->> 'reference', v_version;
    RETURN jsonb_build_object('rows_in', 1, 'rows_out', CASE WHEN (v_result ->> 'published')::boolean THEN 1 ELSE 0 END,
        'counts', jsonb_build_object('published', CASE WHEN (v_result ->> 'published')::boolean THEN 1 ELSE 0 END,
                                     'refused', CASE WHEN (v_result ->> 'published')::boolean THEN 0 ELSE 1 END,
                                     'nothing_new', 0),
        'reference', c ->> 'reference', 'version', v_version, 'publication', v_result);
END $$;
