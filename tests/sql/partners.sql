-- partners.sql: the partner loader of examples/partner-loaders over files staged as the
-- runner stages them (one raw record per JSON file): name and header checks, partial
-- import with reasons, never an id twice, a report per file in the outbox, re-import
-- skipped; row-level security (a partner's role cannot read, update, delete, insert or
-- infer another partner's rows, through tables, views and aggregates, and reaches no
-- engine table); a removal flag erases the declarant everywhere (every table's text
-- grepped), a replayed old file does not bring it back, a new file does (reported).
-- One transaction, rolled back (roles included).
BEGIN;
SELECT plan(41);
SELECT nightjar.ensure_storage();
SET LOCAL client_min_messages = warning;
\i examples/partner-loaders/schema.sql
\i examples/partner-loaders/import.sql
SELECT partner.add_partner('acme', 'Acme', 'reports@acme.example');
SELECT partner.add_partner('globex', 'Globex', 'webhook:globex');

INSERT INTO nightjar.source (name, kind) VALUES ('partner_drops', 's3'), ('partner_backfill', 's3');
CREATE TEMP TABLE src AS SELECT (SELECT source_id FROM nightjar.source WHERE name = 'partner_drops') AS s,
                                (SELECT source_id FROM nightjar.source WHERE name = 'partner_backfill') AS bf;
-- stage(source, name, checksum letter, document) stages one file in a new batch; returns the batch.
CREATE FUNCTION pg_temp.stage(p_source bigint, p_name text, p_sum text, p_doc jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_batch bigint; v_file bigint;
BEGIN
    INSERT INTO nightjar.batch (source_id, status) VALUES (p_source, 'staged') RETURNING batch_id INTO v_batch;
    INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, status, archive_location)
    VALUES (p_source, v_batch, p_name, 'incoming/' || p_name, repeat(p_sum, 64), 'staged', 'success/' || p_name)
    RETURNING file_id INTO v_file;
    INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload) VALUES (p_source, v_batch, v_file, 1, p_doc);
    RETURN v_batch;
END $$;
CREATE TEMP TABLE acme1 (doc jsonb);
INSERT INTO acme1 VALUES ('{"header": {"partner": "acme", "date": "2026-03-10", "version": "1"},
  "declarants": [{"declarant_id": "D-1", "name": "Ada Removable", "email": "ada.removable@acme.example"},
                 {"declarant_id": "D-2", "name": "Bob Staying"},
                 {"declarant_id": "D-3"},
                 {"declarant_id": "D-1", "name": "Ada Again"}],
  "properties": [{"property_id": "P-1", "declarant_id": "D-1", "address": "1 rue Removable"},
                 {"property_id": "P-2", "declarant_id": "D-9", "address": "2 rue Nowhere"},
                 {"property_id": "P-3", "declarant_id": "D-2", "address": "3 rue Staying"}],
  "documents": [{"document_id": "DOC-1", "declarant_id": "D-2", "kind": "deed"}],
  "transactions": [{"transaction_id": "T-1", "property_id": "P-1", "declarant_id": "D-1", "amount": 1000.5, "date": "2026-03-01"},
                   {"transaction_id": "T-2", "property_id": "P-3", "declarant_id": "D-2", "amount": "lots", "date": "2026-03-01"},
                   {"transaction_id": "T-3", "property_id": "P-404", "declarant_id": "D-2", "amount": 5, "date": "2026-03-02"},
                   {"transaction_id": "T-4", "property_id": "P-3", "declarant_id": "D-2", "amount": 200, "date": "2026-02-30"},
                   {"transaction_id": "T-5", "property_id": "P-3", "declarant_id": "D-2", "amount": 300, "date": "2026-03-03"}]}');
CREATE TEMP TABLE b AS SELECT pg_temp.stage(s, 'acme_20260310_v1.json', 'a', (SELECT doc FROM acme1)) AS b1,
    pg_temp.stage(s, 'globex_20260310_v2.json', 'b', '{"header": {"partner": "globex", "date": "2026-03-10", "version": "2"},
      "declarants": [{"declarant_id": "D-1", "name": "Gina Globex", "email": "gina@globex.example"},
                     {"declarant_id": "G-7", "name": "Gus Globex"}],
      "properties": [{"property_id": "GP-1", "declarant_id": "D-1", "address": "9 Globex Way"}],
      "transactions": [{"transaction_id": "GT-1", "property_id": "GP-1", "declarant_id": "D-1", "amount": 99999, "date": "2026-03-05"}]}') AS b2,
    pg_temp.stage(s, 'acme-march.json', 'c', '{"header": {"partner": "acme", "date": "2026-03-10", "version": "1"}}') AS b3,
    pg_temp.stage(s, 'acme_20260311_v1.json', 'd', '{"header": {"partner": "acme", "date": "2026-03-12", "version": "1"},
      "declarants": [{"declarant_id": "D-50", "name": "Never Imported"}]}') AS b4
FROM src;

-- Import.
SELECT is(partner.import_step(jsonb_build_object('batch_id', b1)) -> 'counts',
          '{"partial": 1, "refused": 0, "skipped": 0, "imported": 0, "items_imported": 7, "items_rejected": 5}'::jsonb,
          'the acme file is imported in part') FROM b;
SELECT is((SELECT counts FROM partner.import_file WHERE name = 'acme_20260310_v1.json'),
          '{"documents": {"erased": 0, "removed": 0, "imported": 1, "rejected": 0, "reappeared": 0, "already_exists": 0},
            "declarants": {"erased": 0, "removed": 0, "imported": 2, "rejected": 1, "reappeared": 0, "already_exists": 1},
            "properties": {"erased": 0, "removed": 0, "imported": 2, "rejected": 1, "reappeared": 0, "already_exists": 0},
            "transactions": {"erased": 0, "removed": 0, "imported": 2, "rejected": 3, "reappeared": 0, "already_exists": 0}}'::jsonb,
          'per section: imported, rejected, an id given twice created once');
SELECT is((SELECT array_agg(section || ' ' || item_no || ': ' || reason ORDER BY section, item_no) FROM partner.rejection),
          ARRAY['declarants 3: missing name', 'properties 2: unknown declarant', 'transactions 2: amount is not a number',
                'transactions 3: unknown property', 'transactions 4: date is not a valid YYYY-MM-DD'],
          'each rejected item has its reason');
SELECT is((SELECT name FROM partner.declarant WHERE partner = 'acme' AND declarant_id = 'D-1'), 'Ada Removable',
          'the first occurrence of an id wins');
SELECT is(partner.import_step(jsonb_build_object('batch_id', b2)) -> 'counts' ->> 'imported', '1', 'the globex file is imported whole') FROM b;
SELECT is(partner.import_step(jsonb_build_object('batch_id', b3)) -> 'counts' ->> 'refused', '1', 'a bad file name is refused') FROM b;
SELECT is((SELECT reason FROM partner.import_file WHERE name = 'acme-march.json'), 'file name must be <partner>_<YYYYMMDD>_v<N>.json', 'and says why');
SELECT is(partner.import_step(jsonb_build_object('batch_id', b4)) -> 'counts' ->> 'refused', '1', 'a header that contradicts the name is refused') FROM b;
SELECT is((SELECT reason FROM partner.import_file WHERE name = 'acme_20260311_v1.json'),
          'header date differs from the file name or is not a date', 'and says why');
SELECT is((SELECT count(*) FROM partner.declarant WHERE declarant_id = 'D-50'), 0::bigint, 'nothing of a refused file is imported');
SELECT is(partner.import_step(jsonb_build_object('batch_id', b1)) -> 'counts' ->> 'skipped', '1', 'importing a file again is skipped') FROM b;
SELECT is((SELECT count(*) FROM partner.declarant), 4::bigint, 'and creates nothing');
SELECT is((SELECT array_agg(recipient || ' ' || (payload ->> 'outcome') ORDER BY notification_id) FROM nightjar.notification
           WHERE kind = 'partner_file_processed' AND dedup_key IN (SELECT 'partner_file:' || file_id FROM partner.import_file)),
          ARRAY['reports@acme.example partial', 'webhook:globex imported', 'reports@acme.example refused'],
          'a report per file to its partner (a file naming no partner has nobody to tell)');
SELECT is((SELECT subject FROM nightjar.notification WHERE dedup_key = 'partner_file:' || (SELECT max(file_id) FROM nightjar.file f, b WHERE f.batch_id = b.b1)),
          'nightjar: partner file acme_20260310_v1.json from acme: partial', 'the report says which file and how it went');
SELECT ok(NOT EXISTS (SELECT 1 FROM nightjar.raw_record r, src WHERE r.source_id = s AND r.payload ? 'declarants'),
          'the raw records keep the header, not the content');

-- Row-level security, as acme's role.
SET LOCAL ROLE partner_acme;
SELECT is((SELECT array_agg(DISTINCT partner) FROM partner.declarant), ARRAY['acme'], 'acme sees only its declarants');
SELECT is((SELECT count(*) FROM partner.declarant WHERE partner = 'globex'), 0::bigint, 'asking for globex''s rows finds none');
SELECT is((SELECT count(*) FROM partner.transaction WHERE declarant_id = 'D-1'), 1::bigint, 'a shared id shows only acme''s row');
SELECT is((SELECT sum(amount) FROM partner.transaction), 1300.5, 'aggregates count acme''s rows only');
SELECT is((SELECT (transactions, amount)::text FROM partner.totals), '(2,1300.5)', 'through a view too');
SELECT is((SELECT array_agg(name ORDER BY name) FROM partner.file_summary),
          ARRAY['acme_20260310_v1.json', 'acme_20260311_v1.json'], 'acme sees its files only');
SELECT is((SELECT count(*) FROM partner.partner), 1::bigint, 'and only its own partner row');
UPDATE partner.declarant SET name = 'hacked' WHERE partner = 'globex';
DELETE FROM partner.transaction WHERE partner = 'globex';
SELECT throws_ok($$INSERT INTO partner.declarant (partner, declarant_id, name, file_id) VALUES ('globex', 'X-1', 'x', 0)$$,
                 '42501', NULL, 'acme cannot write a row for globex');
SELECT lives_ok($$INSERT INTO partner.declarant (partner, declarant_id, name, file_id) VALUES ('acme', 'G-7', 'acme''s G-7', 0)$$,
                'an id globex already uses is free for acme: no unique violation to infer it from');
SELECT throws_ok($$UPDATE partner.declarant SET partner = 'globex' WHERE declarant_id = 'G-7'$$, '42501', NULL,
                 'acme cannot hand a row over to globex');
SELECT throws_ok($$SELECT count(*) FROM nightjar.raw_record$$, '42501', NULL, 'staged raw records are out of reach');
SELECT throws_ok($$SELECT count(*) FROM nightjar.notification$$, '42501', NULL, 'so are the outbox''s reports');
SELECT throws_ok($$SELECT count(*) FROM nightjar.step_run$$, '42501', NULL, 'and the engine''s history');
SELECT throws_ok($$SELECT count(*) FROM nightjar_api.run_status$$, '42501', NULL,
                 'and the webapp''s nightjar_api views (a partner role is not nightjar_webapp_reader)');
RESET ROLE;
SELECT is((SELECT (name, (SELECT count(*) FROM partner.transaction WHERE partner = 'globex'))::text FROM partner.declarant
           WHERE partner = 'globex' AND declarant_id = 'D-1'), '("Gina Globex",1)', 'globex''s rows were neither updated nor deleted');
DELETE FROM partner.declarant WHERE partner = 'acme' AND declarant_id = 'G-7';

-- The removal flag erases acme's D-1 everywhere (not globex's D-1).
CREATE TEMP TABLE ada (v text);
INSERT INTO ada VALUES ('Ada Removable'), ('ada.removable@acme.example'), ('rue Removable');
CREATE TEMP TABLE removal AS SELECT partner.import_step(jsonb_build_object('batch_id', pg_temp.stage(s, 'acme_20260312_v1.json', 'e',
              '{"header": {"partner": "acme", "date": "2026-03-12", "version": "1"},
                "declarants": [{"declarant_id": "D-1", "remove": true}]}'))) AS r FROM src;
SELECT is((SELECT r -> 'counts' ->> 'imported' FROM removal), '1', 'a file with a removal flag is imported');
SELECT is((SELECT r -> 'files_to_scrub' FROM removal), '["success/acme_20260310_v1.json"]'::jsonb,
          'the step names the archived file that still holds the declarant');
SELECT is((SELECT counts -> 'declarants' ->> 'removed' FROM partner.import_file WHERE name = 'acme_20260312_v1.json'), '1',
          'and counts the removal');
CREATE FUNCTION pg_temp.rows_containing(vals text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r regclass; n bigint; total bigint := 0;
BEGIN
    FOR r IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
             WHERE c.relkind = 'r' AND ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname !~ '^pg_(temp|toast)' LOOP
        EXECUTE format('SELECT count(*) FROM %s t WHERE EXISTS (SELECT 1 FROM unnest($1) v WHERE strpos(lower(t::text), lower(v)) > 0)', r)
            INTO n USING vals;
        total := total + n;
    END LOOP;
    RETURN total;
END $$;
SELECT is(pg_temp.rows_containing(ARRAY(SELECT v FROM ada)), 0::bigint, 'no row of any table holds the removed declarant''s values');
SELECT is((SELECT count(*) FROM partner.transaction WHERE partner = 'acme' AND declarant_id = 'D-1')
          + (SELECT count(*) FROM partner.property WHERE partner = 'acme' AND declarant_id = 'D-1'), 0::bigint,
          'its properties and transactions are gone');
SELECT is((SELECT count(*) FROM partner.declarant WHERE declarant_id = 'D-1'), 1::bigint, 'globex''s D-1 is untouched');
SELECT is((SELECT count(*) FROM partner.declarant WHERE partner = 'acme'), 1::bigint, 'acme''s other declarant stays');

-- A backfill of the first file (same checksum) does not bring it back; a new file does, reported.
SELECT is((SELECT partner.import_step(jsonb_build_object('batch_id', pg_temp.stage(bf, 'acme_20260310_v1.json', 'a',
              (SELECT doc FROM acme1)))) -> 'counts' ->> 'items_imported' FROM src), '0', 'replaying the old file imports nothing new');
SELECT is(pg_temp.rows_containing(ARRAY(SELECT v FROM ada)), 0::bigint, 'and does not resurrect the removed declarant');
SELECT is((SELECT partner.import_step(jsonb_build_object('batch_id', pg_temp.stage(s, 'acme_20260313_v1.json', 'f',
              '{"header": {"partner": "acme", "date": "2026-03-13", "version": "1"},
                "declarants": [{"declarant_id": "D-1", "name": "Ada Returning"}]}'))) IS NOT NULL FROM src), true,
          'a new file naming the declarant again is imported');
SELECT is((SELECT counts -> 'declarants' ->> 'reappeared' FROM partner.import_file WHERE name = 'acme_20260313_v1.json'), '1',
          'as new data, reported as reappeared');

SELECT * FROM finish();
ROLLBACK;
