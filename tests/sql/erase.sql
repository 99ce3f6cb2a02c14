-- erase.sql: nightjar.erase_subject over raw, valid, clean and quarantined records, a
-- declared application table, notifications and consolidation rows; the dry run changes
-- nothing; afterwards no row of any table (every user table's rows cast to text) holds an
-- identifying or personal value, the other subject is intact, the audit row holds no
-- value, tombstones are salted hashes; drop_erased drops the subject from a backfill of
-- an old file and reports it in a new one. Test descriptions never quote the values
-- (pgTAP keeps them in a table). One transaction, rolled back.
BEGIN;
SELECT plan(31);
SELECT nightjar.ensure_storage();

CREATE SCHEMA er_test;
-- rows_containing counts, per table of every schema (partitions as themselves), the rows
-- whose text contains one of vals (case-insensitive).
CREATE FUNCTION er_test.rows_containing(vals text[]) RETURNS TABLE (tbl text, n bigint) LANGUAGE plpgsql AS $$
DECLARE
    r regclass;
BEGIN
    FOR r IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
             WHERE c.relkind = 'r' AND ns.nspname NOT IN ('pg_catalog', 'information_schema')
               AND ns.nspname !~ '^pg_(temp|toast)' LOOP
        tbl := r::text;
        EXECUTE format('SELECT count(*) FROM %s t WHERE EXISTS (SELECT 1 FROM unnest($1) v WHERE strpos(lower(t::text), lower(v)) > 0)', r)
            INTO n USING vals;
        IF n > 0 THEN RETURN NEXT; END IF;
    END LOOP;
END $$;
CREATE TEMP TABLE subject_values (v text);  -- temp: not scanned by rows_containing
INSERT INTO subject_values VALUES ('ER-0001'), ('zoe.erasable@example.org'), ('Zoé Erasable-Tanaka');

-- Two sources of people; a file each; subject ER-0001 appears in both (by id in one, by e-mail only in the other).
INSERT INTO nightjar.source (name, kind) VALUES ('er_people', 'sql'), ('er_crm', 'sql'), ('er_backfill', 'sql');
CREATE TEMP TABLE ids AS
SELECT (SELECT source_id FROM nightjar.source WHERE name = 'er_people') AS people,
       (SELECT source_id FROM nightjar.source WHERE name = 'er_crm') AS crm,
       (SELECT source_id FROM nightjar.source WHERE name = 'er_backfill') AS backfill;
INSERT INTO nightjar.batch (source_id, status) SELECT people, 'staged' FROM ids;
INSERT INTO nightjar.batch (source_id, status) SELECT crm, 'staged' FROM ids;
CREATE TEMP TABLE b AS SELECT (SELECT max(batch_id) FROM nightjar.batch WHERE source_id = people) AS b1,
                              (SELECT max(batch_id) FROM nightjar.batch WHERE source_id = crm) AS b2 FROM ids;
INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, status, archive_location)
SELECT people, b1, 'people.json', '/spool/people.json', repeat('a', 64), 'staged', 'success/people.2026-03-01.json' FROM ids, b;
INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, status)
SELECT crm, b2, 'crm.json', '/spool/crm.json', repeat('b', 64), 'staged' FROM ids, b;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT people, b1, (SELECT file_id FROM nightjar.file WHERE name = 'people.json'), n, p FROM ids, b, (VALUES
    (1, '{"id": "ER-0001", "email": "Zoe.Erasable@example.org", "name": "Zoé Erasable-Tanaka", "city": "Lyon"}'::jsonb),
    (2, '{"id": "ER-0002", "email": "keep.me@example.org", "name": "Kept Person", "city": "Lyon"}'),
    (3, '{"id": "ER-0003", "email": "", "name": "Bad Record", "city": "Nantes"}')) v(n, p);
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT crm, b2, (SELECT file_id FROM nightjar.file WHERE name = 'crm.json'), n, p FROM ids, b, (VALUES
    (1, '{"ref": "C-9", "mail": " zoe.erasable@example.org ", "fullname": "Zoé Erasable-Tanaka"}'::jsonb),
    (2, '{"ref": "C-10", "mail": "keep.me@example.org", "fullname": "Kept Person"}')) v(n, p);
SELECT nightjar._valid_partition(people, 'er_people'), nightjar._valid_partition(crm, 'er_crm') FROM ids;
INSERT INTO nightjar.valid_record (source_id, batch_id, record_no, payload)
SELECT r.source_id, r.batch_id, r.record_no, r.payload FROM nightjar.raw_record r, ids
WHERE r.source_id IN (people, crm) AND r.record_no <> 3;
INSERT INTO nightjar.quarantine (source_id, batch_id, record_no, rule, field, value, message)
SELECT people, b1, 3, 'email_required', 'email', '', 'email is empty' FROM ids, b
UNION ALL SELECT people, b1, 1, 'name_short', 'name', 'Zoé Erasable-Tanaka', 'name is long' FROM ids, b;
INSERT INTO nightjar.clean_record (source_id, record_id, batch_id, record_no, payload)
SELECT r.source_id, 'people:' || (r.payload ->> 'id'), r.batch_id, r.record_no,
       r.payload || '{"email": "zoe.erasable@example.org"}'::jsonb - CASE WHEN r.record_no = 1 THEN '' ELSE 'email' END
FROM nightjar.raw_record r, ids WHERE r.source_id = people AND r.record_no <> 3;

-- An application table and its child, a notification, consolidation rows.
CREATE TABLE er_test.customer (customer_id text PRIMARY KEY, email text, name text);
CREATE TABLE er_test.visit (visit_id int PRIMARY KEY, customer_id text REFERENCES er_test.customer, note text);
INSERT INTO er_test.customer VALUES ('ER-0001', 'zoe.erasable@example.org', 'Zoé Erasable-Tanaka'), ('ER-0002', 'keep.me@example.org', 'Kept Person');
INSERT INTO er_test.visit VALUES (1, 'ER-0001', 'first'), (2, 'ER-0002', 'second');
SELECT nightjar.queue_notification('deadline_reminder', 'zoe.erasable@example.org',
    '{"label": "timesheet", "deadline": "2026-03-14", "days_left": 4, "task": "t"}', 'er:1');
SELECT nightjar.queue_notification('deadline_reminder', 'boss@example.org',
    '{"label": "timesheet of Zoé Erasable-Tanaka", "deadline": "2026-03-14", "days_left": 4, "task": "t"}', 'er:2');
SELECT nightjar.queue_notification('deadline_reminder', 'keep.me@example.org',
    '{"label": "timesheet", "deadline": "2026-03-14", "days_left": 4, "task": "t"}', 'er:3');
INSERT INTO nightjar.entity_record (resolution, source, key, entity_id) VALUES
    ('er_res', 'er_people', 'people:ER-0001', 900001), ('er_res', 'er_people', 'people:ER-0002', 900001);
INSERT INTO nightjar.golden_record (entity_id, resolution, parent_source, parent_key, fields) VALUES
    (900001, 'er_res', 'er_people', 'people:ER-0001', '{"name": "Zoé Erasable-Tanaka", "city": "Lyon"}');
INSERT INTO nightjar.entity_field_source (entity_id, field, source, key, rule) VALUES
    (900001, 'name', 'er_people', 'people:ER-0001', 'parent'), (900001, 'city', 'er_people', 'people:ER-0002', 'first_non_empty');

-- Declarations.
SELECT throws_like($$SELECT nightjar.erase_subject('customer', 'x')$$, '%no source or table declares subjects of kind%',
                   'nothing is guessed: an undeclared kind is refused');
SELECT nightjar.declare_subject('customer', 'er_people', '{id,email}', '{name}');
SELECT nightjar.declare_subject('customer', 'er_crm', '{mail}', '{fullname}');
SELECT nightjar.declare_subject('customer', 'er_backfill', '{id,email}', '{name}');
SELECT nightjar.declare_subject_table('customer', 'er_test.customer', '{customer_id,email}');
SELECT nightjar.declare_subject_table('customer', 'er_test.visit', '{customer_id}');
SELECT throws_like($$SELECT nightjar.declare_subject_table('customer', 'er_test.visit', '{"no such; column"}')$$,
                   '%has no column%', 'a declared column must exist');
SELECT throws_like($$SELECT nightjar.declare_subject('customer', 'er_nope', '{id}')$$, '%source ''er_nope'' does not exist%',
                   'a declared source must exist');
SELECT is((SELECT array_agg(tbl ORDER BY tbl) FROM er_test.rows_containing(ARRAY(SELECT v FROM subject_values))),
          '{er_test.customer,er_test.visit,nightjar.clean_record,nightjar.entity_field_source,nightjar.entity_record,nightjar.golden_record,nightjar.notification,nightjar.quarantine,nightjar.raw_record,nightjar.valid_er_crm,nightjar.valid_er_people}'::text[],
          'before: these tables hold the subject');

-- Dry run: the plan, nothing changed.
CREATE TEMP TABLE plan AS SELECT nightjar.erase_subject('customer', 'ER-0001', dry_run => true) AS p;
SELECT is((SELECT jsonb_object_agg(e ->> 'table', (e ->> 'rows')::int) FROM plan, jsonb_array_elements(p -> 'tables') e),
          '{"nightjar.golden_record": 1, "nightjar.entity_field_source": 1, "nightjar.entity_record": 1,
            "nightjar.clean_record": 1, "nightjar.valid_record": 2, "nightjar.quarantine": 1, "nightjar.raw_record": 2, "er_test.visit": 1,
            "er_test.customer": 1, "nightjar.notification": 2}'::jsonb,
          'the dry run plans every table from the declaration (the e-mail found through the id reaches the other source)');
SELECT is((SELECT jsonb_array_length(p -> 'files') FROM plan), 2, 'and lists the two files that held the subject');
SELECT is((SELECT p -> 'dry_run' FROM plan), 'true'::jsonb, 'marked as a dry run');
SELECT is((SELECT count(*) FROM er_test.rows_containing(ARRAY(SELECT v FROM subject_values))), 11::bigint,
          'the dry run changed nothing');
SELECT is((SELECT count(*) FROM nightjar.erasure_log WHERE kind = 'customer'), 0::bigint, 'and audited nothing');

-- The erasure.
CREATE TEMP TABLE done AS SELECT nightjar.erase_subject('customer', ' er-0001 ') AS r;
SELECT is((SELECT r -> 'rows' FROM done), (SELECT p -> 'rows' FROM plan), 'the erasure removes what the plan said (key trimmed, any case)');
SELECT is((SELECT count(*) FROM er_test.rows_containing(ARRAY(SELECT v FROM subject_values))), 0::bigint,
          'afterwards no row of any table contains an identifying or personal value');
SELECT is((SELECT count(*) FROM nightjar.raw_record r, ids WHERE r.source_id IN (people, crm)), 3::bigint,
          'the other records are still there (raw)');
SELECT is((SELECT count(*) FROM nightjar.valid_record v, ids WHERE v.source_id IN (people, crm)), 2::bigint, 'valid');
SELECT is((SELECT count(*) FROM nightjar.quarantine q, ids WHERE q.source_id = people), 1::bigint, 'quarantined');
SELECT is((SELECT payload ->> 'name' FROM nightjar.clean_record c, ids WHERE c.source_id = people), 'Kept Person', 'clean');
SELECT is((SELECT array_agg(customer_id) FROM er_test.customer), ARRAY['ER-0002'], 'the other customer is intact');
SELECT is((SELECT count(*) FROM er_test.visit), 1::bigint, 'with its visit');
SELECT is((SELECT count(*) FROM nightjar.notification WHERE dedup_key = 'er:3'), 1::bigint, 'and its notification');
SELECT is((SELECT (fields, stale, parent_key)::text FROM nightjar.golden_record WHERE entity_id = 900001),
          '("{""city"": ""Lyon""}",t,)', 'the golden record loses the erased record''s field and parent, and is stale');
SELECT is((SELECT array_agg(key) FROM nightjar.entity_record WHERE entity_id = 900001), ARRAY['people:ER-0002'],
          'the entity keeps its other record');

-- Audit and tombstones: counts and hashes, never the values.
SELECT is((SELECT (files, values, erased_by = session_user)::text FROM nightjar.erasure_log WHERE kind = 'customer'),
          '(2,2,t)', 'one audit row: two files, two identifying values, who');
SELECT is((SELECT count(*) FROM nightjar.erased_subject WHERE kind = 'customer'), 2::bigint, 'one tombstone per identifying value');
SELECT ok((SELECT bool_and(subject_hash ~ '^[0-9a-f]{64}$') FROM nightjar.erased_subject WHERE kind = 'customer'), 'tombstones are hashes');
SELECT isnt(nightjar.subject_hash('customer', 'ER-0001'), encode(sha256(convert_to('customer:er-0001', 'UTF8')), 'hex'),
            'salted: not the plain hash of the value');

-- Backfill of the old file (same checksum) into another source: the subject is dropped, the others stay.
INSERT INTO nightjar.batch (source_id, status) SELECT backfill, 'staged' FROM ids;
CREATE TEMP TABLE b3 AS SELECT max(batch_id) AS b3 FROM nightjar.batch, ids WHERE source_id = backfill;
INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, status)
SELECT backfill, b3, 'people.json', '/spool/people.json', repeat('a', 64), 'staged' FROM ids, b3;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT backfill, b3, (SELECT max(file_id) FROM nightjar.file WHERE source_id = backfill), n, p FROM ids, b3, (VALUES
    (1, '{"id": "ER-0001", "email": "Zoe.Erasable@example.org", "name": "Zoé Erasable-Tanaka", "city": "Lyon"}'::jsonb),
    (2, '{"id": "ER-0002", "email": "keep.me@example.org", "name": "Kept Person", "city": "Lyon"}')) v(n, p);
SELECT is((SELECT nightjar.drop_erased(jsonb_build_object('batch_id', b3)) -> 'counts' FROM b3),
          '{"reappeared": 0, "dropped_erased": 1}'::jsonb, 'replaying a file processed before the erasure drops the subject');
SELECT is((SELECT count(*) FROM er_test.rows_containing(ARRAY(SELECT v FROM subject_values))), 0::bigint,
          'the replay brought nothing back');
SELECT is((SELECT count(*) FROM nightjar.raw_record, b3 WHERE batch_id = b3), 1::bigint, 'the other record of the replayed file stays');

-- A new file naming the subject again: imported as new data, reported.
INSERT INTO nightjar.batch (source_id, status) SELECT backfill, 'staged' FROM ids;
CREATE TEMP TABLE b4 AS SELECT max(batch_id) AS b4 FROM nightjar.batch, ids WHERE source_id = backfill;
INSERT INTO nightjar.file (source_id, batch_id, name, location, checksum, status)
SELECT backfill, b4, 'people-new.json', '/spool/people-new.json', repeat('c', 64), 'staged' FROM ids, b4;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT backfill, b4, (SELECT max(file_id) FROM nightjar.file WHERE source_id = backfill), 1,
       '{"id": "ER-0001", "email": "new.address@example.org", "name": "Zoé Erasable-Tanaka"}' FROM ids, b4;
SELECT is((SELECT r -> 'counts' FROM (SELECT nightjar.drop_erased(jsonb_build_object('batch_id', b4)) AS r FROM b4) x),
          '{"reappeared": 1, "dropped_erased": 0}'::jsonb, 'a new file naming the subject is imported and reported');
SELECT is((SELECT count(*) FROM nightjar.raw_record, b4 WHERE batch_id = b4), 1::bigint, 'its record is kept');

-- Declared names are quoted: a table and column with quotes and a semicolon.
CREATE TABLE er_test."odd ""t"";" ("key; DROP TABLE er_test.customer" text, other text);
INSERT INTO er_test."odd ""t"";" VALUES ('ER-0042', 'x'), ('ER-0043', 'y');
SELECT nightjar.declare_subject_table('customer', 'er_test."odd ""t"";"', ARRAY['key; DROP TABLE er_test.customer']);
SELECT is((nightjar.erase_subject('customer', 'ER-0042') -> 'tables' -> 0 ->> 'rows'), '1', 'a hostile table and column name are quoted');
SELECT is((SELECT array_agg(other) FROM er_test."odd ""t"";"), ARRAY['y'], 'only the subject''s row went, the rest stands');

SELECT * FROM finish();
ROLLBACK;
