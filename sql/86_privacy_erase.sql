-- 86_privacy_erase.sql: nightjar.erase_subject and nightjar.drop_erased (the design is in
-- 85_privacy.sql and docs/privacy.md). Work sets live in temporary tables dropped at
-- commit: _erase_val (identifying and personal values, trimmed and lower-cased),
-- _erase_rec (the matched raw records: source, batch, record number, file) and _erase_key
-- (the matched clean records' (source name, record id), the consolidation's record keys).
-- Cost: one scan of each declared source's raw, valid and clean records (payload fields
-- are not indexed) and of each declared table, twice for the closure.

-- _erase_collect fills _erase_val and _erase_rec for kind, starting from the key.
CREATE FUNCTION nightjar._erase_collect(p_kind text, p_key text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    d nightjar.subject_field;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS _erase_val (v text PRIMARY KEY, identifying boolean NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS _erase_rec (source_id bigint NOT NULL, batch_id bigint NOT NULL,
        record_no bigint NOT NULL, file_id bigint, PRIMARY KEY (batch_id, record_no)) ON COMMIT DROP;
    CREATE TEMP TABLE IF NOT EXISTS _erase_key (source text NOT NULL, key text NOT NULL,
        PRIMARY KEY (source, key)) ON COMMIT DROP;
    TRUNCATE _erase_val, _erase_rec, _erase_key;
    INSERT INTO _erase_val VALUES (lower(btrim(p_key)), true);
    -- Two passes: a subject found by one key field is found again by the others' values.
    FOR pass IN 1..2 LOOP
        FOR d IN SELECT * FROM nightjar.subject_field f WHERE f.kind = p_kind
                   AND (f.table_oid IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = f.table_oid))
                 ORDER BY f.source_id, f.table_oid LOOP
            IF d.source_id IS NOT NULL THEN
                INSERT INTO _erase_rec
                SELECT r.source_id, r.batch_id, r.record_no, r.file_id FROM nightjar.raw_record r
                WHERE r.source_id = d.source_id
                  AND EXISTS (SELECT 1 FROM unnest(d.key_fields) f JOIN _erase_val e
                              ON e.identifying AND e.v = lower(btrim(r.payload ->> f)))
                ON CONFLICT DO NOTHING;
                INSERT INTO _erase_val
                SELECT DISTINCT lower(btrim(r.payload ->> f)), true
                FROM _erase_rec x JOIN nightjar.raw_record r USING (batch_id, record_no) CROSS JOIN unnest(d.key_fields) f
                WHERE x.source_id = d.source_id AND btrim(coalesce(r.payload ->> f, '')) <> ''
                ON CONFLICT (v) DO UPDATE SET identifying = true;
            ELSE
                EXECUTE format('INSERT INTO _erase_val SELECT DISTINCT lower(btrim(x.v)), true FROM %s t '
                               'CROSS JOIN LATERAL (VALUES %s) x(v) WHERE btrim(coalesce(x.v, %L)) <> %L '
                               'AND EXISTS (SELECT 1 FROM _erase_val e WHERE e.identifying AND e.v IN (%s)) '
                               'ON CONFLICT (v) DO UPDATE SET identifying = true',
                               d.table_oid,
                               (SELECT string_agg(format('(t.%I::text)', c), ', ') FROM unnest(d.key_fields) c),
                               '', '',
                               (SELECT string_agg(format('lower(btrim(t.%I::text))', c), ', ') FROM unnest(d.key_fields) c));
            END IF;
        END LOOP;
    END LOOP;
    -- Personal values (names, addresses) of the matched records: scrubbed from notifications.
    INSERT INTO _erase_val
    SELECT DISTINCT lower(btrim(r.payload ->> f)), false
    FROM _erase_rec x JOIN nightjar.raw_record r USING (batch_id, record_no)
    JOIN nightjar.subject_field sf ON sf.kind = p_kind AND sf.source_id = x.source_id
    CROSS JOIN unnest(sf.personal_fields) f
    WHERE length(btrim(coalesce(r.payload ->> f, ''))) >= 3
    ON CONFLICT (v) DO NOTHING;
END $$;

-- _erase_field_cond is the SQL condition "record t of a declared source carries an identifying value".
CREATE FUNCTION nightjar._erase_field_cond(p_kind text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('(t.source_id = %s AND EXISTS (SELECT 1 FROM unnest(%L::text[]) f '
                                      'JOIN pg_temp._erase_val e ON e.identifying AND e.v = lower(btrim(t.payload ->> f))))',
                                      d.source_id, d.key_fields), ' OR '), 'false')
    FROM nightjar.subject_field d WHERE d.kind = p_kind AND d.source_id IS NOT NULL;
$$;

-- _erase_consolidation removes the erased records from the resolution and consolidation
-- tables that exist; golden fields taken from them are removed and the golden record is
-- marked stale (nightjar.consolidate recomputes it from the remaining records).
CREATE FUNCTION nightjar._erase_consolidation(p_dry boolean, INOUT p_plan jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_one text := '((t.%1$I, t.%2$I) IN (SELECT source, key FROM pg_temp._erase_key) '
                  'OR lower(btrim(t.%2$I)) IN (SELECT v FROM pg_temp._erase_val WHERE identifying))';
    v_pair text;
    v_n bigint;
BEGIN
    v_pair := format(v_one, 'source_a', 'key_a') || ' OR ' || format(v_one, 'source_b', 'key_b');
    IF to_regclass('nightjar.golden_record') IS NOT NULL AND to_regclass('nightjar.entity_field_source') IS NOT NULL THEN
        IF p_dry THEN
            EXECUTE format('SELECT count(DISTINCT t.entity_id) FROM nightjar.entity_field_source t WHERE %s',
                           format(v_one, 'source', 'key')) INTO v_n;
        ELSE
            EXECUTE format('WITH gone AS (SELECT t.entity_id, array_agg(t.field) AS fields '
                           'FROM nightjar.entity_field_source t WHERE %s GROUP BY t.entity_id), '
                           'u AS (UPDATE nightjar.golden_record g SET fields = g.fields - gone.fields, stale = true, '
                           'updated_at = now() FROM gone WHERE g.entity_id = gone.entity_id RETURNING 1) '
                           'SELECT count(*) FROM u', format(v_one, 'source', 'key')) INTO v_n;
        END IF;
        IF v_n > 0 THEN
            p_plan := p_plan || jsonb_build_array(jsonb_build_object('table', 'nightjar.golden_record',
                                                  'what', 'golden fields removed, marked stale', 'rows', v_n));
        END IF;
        IF NOT p_dry THEN
            EXECUTE format('UPDATE nightjar.golden_record t SET parent_source = NULL, parent_key = NULL, stale = true '
                           'WHERE %s', format(v_one, 'parent_source', 'parent_key'));
        END IF;
        p_plan := nightjar._erase_count('nightjar.entity_field_source', format(v_one, 'source', 'key'),
                                        'provenance of golden fields', p_dry, p_plan);
    END IF;
    p_plan := nightjar._erase_count(to_regclass('nightjar.entity_record'), format(v_one, 'source', 'key'),
                                    'entity memberships', p_dry, p_plan);
    p_plan := nightjar._erase_count(to_regclass('nightjar.entity_member'), format(v_one, 'source', 'key'),
                                    'resolution memberships', p_dry, p_plan);
    p_plan := nightjar._erase_count(to_regclass('nightjar.entity_event'),
                                    't.key IS NOT NULL AND ' || format(v_one, 'source', 'key'),
                                    'entity history', p_dry, p_plan);
    p_plan := nightjar._erase_count(to_regclass('nightjar.match_pair'), v_pair, 'scored pairs', p_dry, p_plan);
    p_plan := nightjar._erase_count(to_regclass('nightjar.suggestion'), v_pair, 'review suggestions', p_dry, p_plan);
    p_plan := nightjar._erase_count(to_regclass('nightjar.link_constraint'), v_pair, 'link constraints', p_dry, p_plan);
END $$;

-- erase_subject removes a subject everywhere its declaration says; returns the plan (dry run) or what it did.
CREATE FUNCTION nightjar.erase_subject(kind text, key text, dry_run boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    d nightjar.subject_field;
    v_plan jsonb := '[]';
    v_field_cond text;
    v_lineage text := 'EXISTS (SELECT 1 FROM pg_temp._erase_rec x WHERE x.source_id = t.source_id '
                      'AND x.batch_id = t.batch_id AND x.record_no = t.record_no)';
    v_files jsonb;
    v_checksums text[];
    v_erasure_id bigint;
    v_values integer;
BEGIN
    IF key IS NULL OR btrim(key) = '' THEN
        RAISE EXCEPTION 'nightjar: erase_subject needs a key' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'nightjar: dry_run must be true or false, not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nightjar.subject_field f WHERE f.kind = erase_subject.kind) THEN
        RAISE EXCEPTION 'nightjar: no source or table declares subjects of kind %',
                        coalesce(left(quote_literal(kind), 64), 'NULL') USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'Declare them with nightjar.declare_subject or nightjar.declare_subject_table.';
    END IF;
    PERFORM nightjar.ensure_storage();
    PERFORM nightjar._privacy_salt_ensure();
    PERFORM nightjar._erase_collect(kind, key);
    v_field_cond := nightjar._erase_field_cond(kind);

    SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('file_id', f.file_id, 'source', s.name, 'name', f.name,
                                                          'location', f.location, 'archive_location', f.archive_location)), '[]'),
           coalesce(array_agg(DISTINCT f.checksum) FILTER (WHERE f.checksum IS NOT NULL), '{}')
    INTO v_files, v_checksums
    FROM pg_temp._erase_rec x JOIN nightjar.file f ON f.file_id = x.file_id JOIN nightjar.source s ON s.source_id = f.source_id;

    -- Records, from the most derived to the raw ones (lineage: batch and record number).
    EXECUTE format('INSERT INTO pg_temp._erase_key SELECT DISTINCT s.name, t.record_id FROM nightjar.clean_record t '
                   'JOIN nightjar.source s USING (source_id) '
                   'WHERE (t.batch_id, t.record_no) IN (SELECT batch_id, record_no FROM pg_temp._erase_rec) OR %s '
                   'ON CONFLICT DO NOTHING', v_field_cond);
    v_plan := nightjar._erase_consolidation(dry_run, v_plan);
    v_plan := nightjar._erase_count('nightjar.clean_record',
        format('(t.batch_id, t.record_no) IN (SELECT batch_id, record_no FROM pg_temp._erase_rec) OR %s', v_field_cond),
        'clean records', dry_run, v_plan);
    v_plan := nightjar._erase_count('nightjar.valid_record', format('%s OR %s', v_lineage, v_field_cond),
                                    'valid records', dry_run, v_plan);
    v_plan := nightjar._erase_count('nightjar.quarantine',
        '(t.batch_id, t.record_no) IN (SELECT batch_id, record_no FROM pg_temp._erase_rec) '
        'OR lower(btrim(t.value)) IN (SELECT v FROM pg_temp._erase_val WHERE identifying)',
        'quarantined records', dry_run, v_plan);
    v_plan := nightjar._erase_count('nightjar.raw_record', v_lineage, 'raw records', dry_run, v_plan);

    -- Declared application tables: the rows that reference others first.
    FOR d IN SELECT f.* FROM nightjar.subject_field f WHERE f.kind = erase_subject.kind AND f.table_oid IS NOT NULL
               AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = f.table_oid)  -- a dropped table is skipped
             ORDER BY (SELECT count(*) FROM pg_catalog.pg_constraint c
                       WHERE c.confrelid = f.table_oid AND c.contype = 'f' AND c.conrelid <> f.table_oid), f.table_oid::text LOOP
        v_plan := nightjar._erase_count(d.table_oid,
            format('EXISTS (SELECT 1 FROM pg_temp._erase_val e WHERE e.identifying AND e.v IN (%s))',
                   (SELECT string_agg(format('lower(btrim(t.%I::text))', c), ', ') FROM unnest(d.key_fields) c)),
            'declared table', dry_run, v_plan);
    END LOOP;

    -- Notifications: matched by value, since templates copy values into their text.
    v_plan := nightjar._erase_count('nightjar.notification',
        'lower(btrim(t.recipient)) IN (SELECT v FROM pg_temp._erase_val) OR EXISTS (SELECT 1 FROM pg_temp._erase_val e '
        'WHERE length(e.v) >= 3 AND strpos(lower(t.subject || '' '' || t.body || '' '' || t.payload::text), e.v) > 0)',
        'notifications', dry_run, v_plan);

    SELECT count(*) INTO v_values FROM pg_temp._erase_val WHERE identifying;
    IF NOT dry_run THEN
        INSERT INTO nightjar.erasure_log (kind, tables, files, values)
        VALUES (kind, v_plan, jsonb_array_length(v_files), v_values)
        RETURNING erasure_id INTO v_erasure_id;
        INSERT INTO nightjar.erased_subject AS t (kind, subject_hash, erasure_id, file_checksums)
        SELECT erase_subject.kind, nightjar.subject_hash(erase_subject.kind, e.v), v_erasure_id, v_checksums
        FROM pg_temp._erase_val e WHERE e.identifying
        ON CONFLICT ON CONSTRAINT erased_subject_pkey DO UPDATE
            SET erasure_id = EXCLUDED.erasure_id, erased_at = now(),
                file_checksums = ARRAY(SELECT DISTINCT c FROM unnest(t.file_checksums || EXCLUDED.file_checksums) c ORDER BY c);
    END IF;
    TRUNCATE pg_temp._erase_val, pg_temp._erase_rec, pg_temp._erase_key;
    RETURN jsonb_build_object('kind', kind, 'dry_run', dry_run, 'erasure_id', v_erasure_id, 'tables', v_plan,
                              'rows', (SELECT coalesce(sum((e ->> 'rows')::bigint), 0) FROM jsonb_array_elements(v_plan) e),
                              'files', v_files, 'identifying_values', v_values,
                              'files_note', CASE WHEN jsonb_array_length(v_files) > 0 THEN
                                  'these files held the subject''s records: run `nightjar scrub --json <this result>` to delete their '
                                  'stored copies (docs/runner.md; whole files, an HTTP provider keeps its items)' END);
END $$;
COMMENT ON FUNCTION nightjar.erase_subject(text, text, boolean) IS
    'erases subject key of kind as declared (nightjar.declare_subject, declare_subject_table): raw, valid, clean and '
    'quarantined records, declared tables, notifications, consolidation rows; lists the files that held it; leaves '
    'salted-hash tombstones and an audit row (nightjar.erasure_log). dry_run: the plan, nothing changed';

-- drop_erased is a step run after staging: it drops the records of erased subjects that come
-- back in a replayed file (a checksum the tombstone lists) and reports those in new files.
CREATE FUNCTION nightjar.drop_erased(event jsonb) RETURNS jsonb
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    v_batch bigint := (event ->> 'batch_id')::bigint;
    v_records bigint;
    v_dropped bigint := 0;
    v_reappeared bigint := 0;
BEGIN
    IF v_batch IS NULL THEN
        RAISE EXCEPTION 'nightjar: drop_erased needs a payload with batch_id' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM nightjar.ensure_storage();
    SELECT count(*) INTO v_records FROM nightjar.raw_record r WHERE r.batch_id = v_batch;
    CREATE TEMP TABLE IF NOT EXISTS _erased_hit (batch_id bigint, record_no bigint, replay boolean) ON COMMIT DROP;
    TRUNCATE _erased_hit;
    INSERT INTO _erased_hit
    SELECT r.batch_id, r.record_no, bool_or(f.checksum IS NOT NULL AND f.checksum = ANY (t.file_checksums))
    FROM nightjar.raw_record r
    JOIN nightjar.subject_field d ON d.source_id = r.source_id
    CROSS JOIN LATERAL unnest(d.key_fields) k
    JOIN nightjar.erased_subject t ON t.kind = d.kind AND t.subject_hash = nightjar.subject_hash(d.kind, r.payload ->> k)
    LEFT JOIN nightjar.file f ON f.file_id = r.file_id
    WHERE r.batch_id = v_batch AND btrim(coalesce(r.payload ->> k, '')) <> ''
    GROUP BY r.batch_id, r.record_no;
    SELECT count(*) FILTER (WHERE replay), count(*) FILTER (WHERE NOT replay) INTO v_dropped, v_reappeared FROM _erased_hit;
    IF v_dropped > 0 THEN
        DELETE FROM nightjar.quarantine q USING _erased_hit h
        WHERE h.replay AND q.batch_id = h.batch_id AND q.record_no = h.record_no;
        DELETE FROM nightjar.clean_record c USING _erased_hit h
        WHERE h.replay AND c.batch_id = h.batch_id AND c.record_no = h.record_no;
        DELETE FROM nightjar.valid_record v USING _erased_hit h
        WHERE h.replay AND v.batch_id = h.batch_id AND v.record_no = h.record_no;
        DELETE FROM nightjar.raw_record r USING _erased_hit h
        WHERE h.replay AND r.batch_id = h.batch_id AND r.record_no = h.record_no;
    END IF;
    RETURN jsonb_build_object('rows_in', v_records, 'rows_out', v_records - v_dropped,
        'counts', jsonb_build_object('dropped_erased', v_dropped, 'reappeared', v_reappeared),
        'reappeared_records', (SELECT coalesce(jsonb_agg(h.record_no ORDER BY h.record_no), '[]')
                               FROM _erased_hit h WHERE NOT h.replay),
        'payload', event || jsonb_build_object('dropped_erased', v_dropped, 'reappeared', v_reappeared));
END $$;
COMMENT ON FUNCTION nightjar.drop_erased(jsonb) IS
    'step after staging (payload batch_id): deletes the batch''s records of erased subjects that come from a file '
    'processed before the erasure (a replay or backfill); records of erased subjects in a new file are kept and '
    'reported (counts.reappeared, reappeared_records); passes the payload on';
