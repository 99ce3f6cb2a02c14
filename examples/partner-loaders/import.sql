-- examples/partner-loaders/import.sql: the import step of the partner loader
-- (docs/partners.md). One raw record per staged file (format json: the whole document).
--   partner.import_step(event)   the pipeline step (batch.staged of source partner_drops)
--   partner.import_file(...)     one file: name, header, then each section item by item
-- Never the same id twice (ON CONFLICT DO NOTHING: counted already_exists); a removal flag
-- ({"declarant_id": …, "remove": true}) erases the declarant with nightjar.erase_subject;
-- a declarant erased earlier that comes back in a replayed file (a checksum its tombstone
-- lists) is skipped, in a new file it is imported and counted as reappeared. After the
-- import the raw record keeps the header and the counts only: the content lives in the
-- partner tables (where erasure reaches it) and the file in the archive.

-- _date reads text as a date in the format given; NULL when it is not one (2026-02-30).
CREATE FUNCTION partner._date(p_text text, p_format text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF to_char(to_date(p_text, p_format), p_format) = p_text THEN
        RETURN to_date(p_text, p_format);
    END IF;
    RETURN NULL;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RETURN NULL;
END $$;

-- _item_reason says why an item is refused (NULL: acceptable): not an object, a missing field, a bad type.
CREATE FUNCTION partner._item_reason(item jsonb, required text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    f text;
BEGIN
    IF jsonb_typeof(item) IS DISTINCT FROM 'object' THEN
        RETURN 'not an object';
    END IF;
    FOREACH f IN ARRAY required LOOP
        IF jsonb_typeof(item -> f) IS NULL OR jsonb_typeof(item -> f) = 'null' OR btrim(item ->> f) = '' THEN
            RETURN 'missing ' || f;
        END IF;
    END LOOP;
    IF item ? 'amount' AND jsonb_typeof(item -> 'amount') <> 'number' THEN
        RETURN 'amount is not a number';
    END IF;
    IF item ? 'date' AND partner._date(item ->> 'date', 'YYYY-MM-DD') IS NULL THEN
        RETURN 'date is not a valid YYYY-MM-DD';
    END IF;
    RETURN NULL;
END $$;

-- _erased says whether a declarant was erased: 'replay' when this file was processed before
-- its erasure, 'new' when it was erased but this file is new, NULL when it was not erased.
CREATE FUNCTION partner._erased(p_partner text, p_declarant text, p_checksum text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_checksum = ANY (t.file_checksums) THEN 'replay' ELSE 'new' END
    FROM nightjar.erased_subject t
    WHERE t.kind = 'declarant' AND t.subject_hash = nightjar.subject_hash('declarant', p_partner || ':' || lower(p_declarant));
$$;

-- _remove erases one declarant, adds its files' checksums to its tombstone and returns
-- the archived files that still hold it (for the runner or a person to scrub).
CREATE FUNCTION partner._remove(p_partner text, p_declarant text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    v_key text := p_partner || ':' || lower(p_declarant);
    v_files bigint[];
    v_checksums text[];
BEGIN
    v_files := ARRAY(SELECT file_id FROM partner.declarant WHERE subject_key = v_key
                     UNION SELECT file_id FROM partner.property WHERE subject_key = v_key
                     UNION SELECT file_id FROM partner.document WHERE subject_key = v_key
                     UNION SELECT file_id FROM partner.transaction WHERE subject_key = v_key);
    v_checksums := ARRAY(SELECT DISTINCT f.checksum FROM partner.import_file f
                         WHERE f.checksum IS NOT NULL AND f.file_id = ANY (v_files));
    PERFORM nightjar.erase_subject('declarant', v_key);
    UPDATE nightjar.erased_subject t
    SET file_checksums = ARRAY(SELECT DISTINCT c FROM unnest(t.file_checksums || v_checksums) c ORDER BY c)
    WHERE t.kind = 'declarant' AND t.subject_hash = nightjar.subject_hash('declarant', v_key);
    RETURN ARRAY(SELECT coalesce(f.archive_location, f.location) FROM nightjar.file f
                 WHERE f.file_id = ANY (v_files) ORDER BY f.file_id);
END $$;

-- import_file imports one partner file; returns its counts. A file already imported is skipped.
CREATE FUNCTION partner.import_file(p_file_id bigint, p_name text, p_checksum text, p_doc jsonb,
                                    p_moved_to text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    m text[];
    h jsonb := p_doc -> 'header';
    v_partner partner.partner;
    v_reason text;
    v_counts jsonb := '{}';
    v_section text;
    v_required text[];
    v_item jsonb;
    v_no integer;
    v_why text;
    v_erased text;
    v_n integer;
    v_imported integer := 0;
    v_rejected integer := 0;
    v_outcome text;
    v_scrub text[] := '{}';
    c jsonb;
BEGIN
    IF EXISTS (SELECT 1 FROM partner.import_file f WHERE f.file_id = p_file_id) THEN
        RETURN jsonb_build_object('file_id', p_file_id, 'skipped', 'already imported');
    END IF;
    -- The name: <partner>_<YYYYMMDD>_v<N>.json; the header must say the same.
    m := regexp_match(regexp_replace(p_name, '^.*/', ''), '^([a-z][a-z0-9]{1,30})_([0-9]{8})_v([0-9]+)\.json$');
    IF m IS NULL THEN
        v_reason := 'file name must be <partner>_<YYYYMMDD>_v<N>.json';
    ELSE
        SELECT * INTO v_partner FROM partner.partner p WHERE p.code = m[1];
        IF v_partner.code IS NULL THEN
            v_reason := 'unknown partner in the file name';
        ELSIF jsonb_typeof(h) IS DISTINCT FROM 'object' THEN
            v_reason := 'no header object';
        ELSIF h ->> 'partner' IS DISTINCT FROM m[1] THEN
            v_reason := 'header partner differs from the file name';
        ELSIF partner._date(m[2], 'YYYYMMDD') IS NULL
              OR h ->> 'date' IS DISTINCT FROM to_char(partner._date(m[2], 'YYYYMMDD'), 'YYYY-MM-DD') THEN
            v_reason := 'header date differs from the file name or is not a date';
        ELSIF h ->> 'version' IS DISTINCT FROM m[3] THEN
            v_reason := 'header version differs from the file name';
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        FOR v_section, v_required IN VALUES ('declarants', '{declarant_id,name}'::text[]),
                                            ('properties', '{property_id,declarant_id,address}'),
                                            ('documents', '{document_id,declarant_id,kind}'),
                                            ('transactions', '{transaction_id,property_id,declarant_id,amount,date}') LOOP
            c := '{"imported": 0, "rejected": 0, "already_exists": 0, "erased": 0, "reappeared": 0, "removed": 0}';
            IF jsonb_typeof(p_doc -> v_section) = 'array' THEN
                FOR v_item, v_no IN SELECT e, n FROM jsonb_array_elements(p_doc -> v_section) WITH ORDINALITY AS x(e, n) LOOP
                    IF v_section = 'declarants' AND (v_item ->> 'remove') = 'true' AND btrim(coalesce(v_item ->> 'declarant_id', '')) <> '' THEN
                        v_scrub := v_scrub || partner._remove(v_partner.code, v_item ->> 'declarant_id');
                        c := jsonb_set(c, '{removed}', to_jsonb((c ->> 'removed')::int + 1));
                        CONTINUE;
                    END IF;
                    v_why := partner._item_reason(v_item, v_required);
                    v_erased := CASE WHEN v_why IS NULL THEN partner._erased(v_partner.code, v_item ->> 'declarant_id', p_checksum) END;
                    IF v_erased = 'replay' THEN  -- erased after this file was processed: stays erased
                        c := jsonb_set(c, '{erased}', to_jsonb((c ->> 'erased')::int + 1));
                        CONTINUE;
                    END IF;
                    IF v_why IS NULL AND v_section <> 'declarants' AND NOT EXISTS (
                        SELECT 1 FROM partner.declarant d WHERE d.partner = v_partner.code AND d.declarant_id = v_item ->> 'declarant_id') THEN
                        v_why := 'unknown declarant';
                    END IF;
                    IF v_why IS NULL AND v_section = 'transactions' AND NOT EXISTS (
                        SELECT 1 FROM partner.property p WHERE p.partner = v_partner.code AND p.property_id = v_item ->> 'property_id') THEN
                        v_why := 'unknown property';
                    END IF;
                    IF v_why IS NOT NULL THEN
                        INSERT INTO partner.rejection (partner, file_id, section, item_no, item_id, declarant_id, reason)
                        VALUES (v_partner.code, p_file_id, v_section, v_no,
                                v_item ->> (v_required[1]), v_item ->> 'declarant_id', v_why);
                        c := jsonb_set(c, '{rejected}', to_jsonb((c ->> 'rejected')::int + 1));
                        CONTINUE;
                    END IF;
                    CASE v_section
                    WHEN 'declarants' THEN
                        INSERT INTO partner.declarant (partner, declarant_id, name, email, file_id)
                        VALUES (v_partner.code, v_item ->> 'declarant_id', v_item ->> 'name', v_item ->> 'email', p_file_id)
                        ON CONFLICT DO NOTHING;
                    WHEN 'properties' THEN
                        INSERT INTO partner.property (partner, property_id, declarant_id, address, file_id)
                        VALUES (v_partner.code, v_item ->> 'property_id', v_item ->> 'declarant_id', v_item ->> 'address', p_file_id)
                        ON CONFLICT DO NOTHING;
                    WHEN 'documents' THEN
                        INSERT INTO partner.document (partner, document_id, declarant_id, kind, file_id)
                        VALUES (v_partner.code, v_item ->> 'document_id', v_item ->> 'declarant_id', v_item ->> 'kind', p_file_id)
                        ON CONFLICT DO NOTHING;
                    WHEN 'transactions' THEN
                        INSERT INTO partner.transaction (partner, transaction_id, property_id, declarant_id, amount, date, file_id)
                        VALUES (v_partner.code, v_item ->> 'transaction_id', v_item ->> 'property_id', v_item ->> 'declarant_id',
                                (v_item ->> 'amount')::numeric, (v_item ->> 'date')::date, p_file_id)
                        ON CONFLICT DO NOTHING;
                    END CASE;
                    GET DIAGNOSTICS v_n = ROW_COUNT;
                    IF v_n = 0 THEN
                        c := jsonb_set(c, '{already_exists}', to_jsonb((c ->> 'already_exists')::int + 1));
                    ELSE
                        c := jsonb_set(c, '{imported}', to_jsonb((c ->> 'imported')::int + 1));
                        IF v_erased = 'new' AND v_section = 'declarants' THEN
                            c := jsonb_set(c, '{reappeared}', to_jsonb((c ->> 'reappeared')::int + 1));
                        END IF;
                    END IF;
                END LOOP;
            END IF;
            v_counts := v_counts || jsonb_build_object(v_section, c);
            v_imported := v_imported + (c ->> 'imported')::int;
            v_rejected := v_rejected + (c ->> 'rejected')::int;
        END LOOP;
    END IF;

    v_outcome := CASE WHEN v_reason IS NOT NULL THEN 'refused' WHEN v_rejected > 0 THEN 'partial' ELSE 'imported' END;
    INSERT INTO partner.import_file (file_id, partner, name, file_date, version, checksum, outcome, imported, rejected, counts, reason)
    VALUES (p_file_id, v_partner.code, p_name, CASE WHEN v_reason IS NULL THEN (h ->> 'date')::date END,
            CASE WHEN v_reason IS NULL THEN h ->> 'version' END, p_checksum, v_outcome, v_imported, v_rejected, v_counts, v_reason);
    -- The verdict decides the archive folder: `nightjar archive --require-verdict` moves a
    -- refused file to failure/, the others to success/ (docs/partners.md).
    PERFORM nightjar.set_file_verdict(p_file_id, v_outcome <> 'refused', v_reason);
    IF v_partner.code IS NOT NULL THEN
        PERFORM nightjar.queue_notification('partner_file_processed', v_partner.notify, jsonb_build_object(
            'partner', v_partner.code, 'file', p_name, 'file_date', coalesce(h ->> 'date', m[2]),
            'processed_at', to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ'), 'outcome', v_outcome,
            'imported', v_imported, 'rejected', v_rejected, 'moved_to', coalesce(p_moved_to, CASE WHEN v_outcome = 'refused' THEN 'failure/' ELSE 'success/' END),
            'details', coalesce('Refused: ' || v_reason || '.',
                                (SELECT string_agg(format('%s: %s imported, %s rejected, %s already there, %s removed',
                                                          k, v ->> 'imported', v ->> 'rejected', v ->> 'already_exists',
                                                          v ->> 'removed'), E'\n')
                                 FROM jsonb_each(v_counts) AS s(k, v)))),
            'partner_file:' || p_file_id);
    END IF;
    -- The raw record keeps the header and the counts; the content is in the partner tables.
    UPDATE nightjar.raw_record r SET payload = jsonb_build_object('header', h, 'imported_into', 'partner', 'outcome', v_outcome)
    WHERE r.file_id = p_file_id;
    RETURN jsonb_build_object('file_id', p_file_id, 'outcome', v_outcome, 'imported', v_imported,
                              'rejected', v_rejected, 'reason', v_reason, 'counts', v_counts,
                              'files_to_scrub', to_jsonb(ARRAY(SELECT DISTINCT x FROM unnest(v_scrub) x ORDER BY x)));
END $$;

-- import_step imports every file of a staged batch (the step protocol's result, payload passed on).
CREATE FUNCTION partner.import_step(event jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_one jsonb;
    v_files integer := 0;
    v_by jsonb := '{"imported": 0, "partial": 0, "refused": 0, "skipped": 0}';
    v_items integer := 0;
    v_rejected integer := 0;
    v_scrub jsonb := '[]';
BEGIN
    FOR r IN SELECT rr.file_id, f.name, f.checksum, f.archive_location, rr.payload
             FROM nightjar.raw_record rr JOIN nightjar.file f ON f.file_id = rr.file_id
             WHERE rr.batch_id = (event ->> 'batch_id')::bigint ORDER BY rr.record_no LOOP
        v_one := partner.import_file(r.file_id, r.name, r.checksum, r.payload, r.archive_location);
        v_files := v_files + 1;
        v_by := jsonb_set(v_by, ARRAY[coalesce(v_one ->> 'outcome', 'skipped')],
                          to_jsonb((v_by ->> coalesce(v_one ->> 'outcome', 'skipped'))::int + 1));
        v_items := v_items + coalesce((v_one ->> 'imported')::int, 0);
        v_rejected := v_rejected + coalesce((v_one ->> 'rejected')::int, 0);
        v_scrub := v_scrub || coalesce(v_one -> 'files_to_scrub', '[]');
    END LOOP;
    RETURN jsonb_build_object('rows_in', v_files, 'rows_out', v_files - (v_by ->> 'refused')::int,
        'counts', v_by || jsonb_build_object('items_imported', v_items, 'items_rejected', v_rejected),
        'files_to_scrub', v_scrub,  -- archived files still holding a removed declarant
        'payload', event || jsonb_build_object('files', v_files));
END $$;
