-- storage.sql: data ownership (docs/architecture.md). The bulk data tables are created by
-- nightjar.ensure_storage (and by a first source), are not members of the extension and
-- are not dumped through pg_extension_config_dump; DROP EXTENSION nightjar refuses while
-- they exist; DROP EXTENSION ... CASCADE keeps them and their rows, and a new CREATE
-- EXTENSION finds and reuses them. One transaction, rolled back: the extension and its
-- data are back as they were at the end.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(35);

CREATE TEMP TABLE bulk (name text PRIMARY KEY);
INSERT INTO bulk VALUES ('raw_record'), ('valid_record'), ('quarantine'), ('clean_record');

SELECT lives_ok('SELECT nightjar.ensure_storage()', 'ensure_storage runs');
SELECT lives_ok('SELECT nightjar.ensure_storage()', 'and again: nothing left to create');
SELECT is((SELECT count(*) FROM bulk WHERE to_regclass('nightjar.' || name) IS NOT NULL), 4::bigint,
          'raw_record, valid_record, quarantine and clean_record exist');
-- members lists the relations of schema nightjar that belong to the extension.
CREATE TEMP VIEW members AS
SELECT c.relname::text AS name FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'nightjar');
SELECT is((SELECT count(*) FROM members WHERE name IN (SELECT name FROM bulk)), 0::bigint,
          'no bulk table is a member of the extension');
SELECT ok((SELECT bool_and(name IN (SELECT name FROM members)) FROM unnest(ARRAY['source', 'batch', 'file', 'pipeline',
           'step', 'event', 'run', 'step_run', 'validation_rule', 'normalization_rule', 'source_schema']) name), 'the catalog tables are members');
SELECT is((SELECT count(*) FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
           WHERE e.extname = 'nightjar' AND c.relname IN (SELECT name FROM bulk)), 0::bigint,
          'no bulk table is dumped through pg_extension_config_dump (pg_dump dumps it as an ordinary table)');
SELECT ok((SELECT bool_and(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass('nightjar.' || name)
                                   AND t.tgname = 'storage_guard')) FROM bulk), 'every bulk table carries storage_guard');
SELECT is((SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = 'nightjar.valid_record'::regclass AND a.attnum = k.attnum
           WHERE c.conrelid = 'nightjar.valid_record'::regclass AND c.contype = 'p'),
          ARRAY['source_id', 'batch_id', 'record_no'], 'valid_record''s parent has its primary key');
SELECT is((SELECT count(*) FROM pg_constraint WHERE conrelid = 'nightjar.raw_record'::regclass AND contype = 'f'), 0::bigint,
          'raw_record has no per-row foreign key (the COPY pays none)');

-- Some warehouse data.
INSERT INTO nightjar.source (name, kind) VALUES ('t_store', 'sql');
INSERT INTO nightjar.batch (source_id, status) SELECT source_id, 'staged' FROM nightjar.source WHERE name = 't_store';
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload)
SELECT b.source_id, b.batch_id, g, jsonb_build_object('id', g)
FROM nightjar.batch b JOIN nightjar.source s USING (source_id), generate_series(1, 3) g WHERE s.name = 't_store';
SELECT nightjar.define_fields('t_store', ARRAY['id']);

-- What the foreign keys checked per row, _check_raw_batch (finish_batch) checks per batch.
SELECT lives_ok($$SELECT nightjar._check_raw_batch(max(batch_id)) FROM nightjar.batch b JOIN nightjar.source s USING (source_id)
                  WHERE s.name = 't_store'$$, 'a batch whose rows name its source and no file passes');
SAVEPOINT wrong_rows;
INSERT INTO nightjar.source (name, kind) VALUES ('t_store_other', 'sql');
INSERT INTO nightjar.batch (source_id, status) SELECT source_id, 'staging' FROM nightjar.source WHERE name = 't_store_other';
INSERT INTO nightjar.file (source_id, batch_id, name, location, status, records)
SELECT b.source_id, b.batch_id, 'f.csv', '/x', 'staged', 1 FROM nightjar.batch b JOIN nightjar.source s USING (source_id)
WHERE s.name = 't_store_other';
CREATE TEMP TABLE ids AS
SELECT (SELECT max(batch_id) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_store') AS store_batch,
       (SELECT max(batch_id) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_store_other') AS other_batch,
       (SELECT max(file_id) FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name = 't_store_other') AS other_file,
       (SELECT source_id FROM nightjar.source WHERE name = 't_store_other') AS other_source;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT other_source, other_batch, other_file, 1, '{}' FROM ids;
SELECT lives_ok('SELECT nightjar._check_raw_batch(other_batch) FROM ids', 'a runner batch whose rows match its file rows passes');
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT other_source, other_batch, other_file, 2, '{}' FROM ids;
SELECT throws_like('SELECT nightjar._check_raw_batch(other_batch) FROM ids', '%has 2 staged rows of file %, which is staged with 1 records',
                   'a file holding more rows than it was closed with is refused');
INSERT INTO nightjar.raw_record (source_id, batch_id, record_no, payload) SELECT other_source, store_batch, 9, '{}' FROM ids;
SELECT throws_ok('SELECT nightjar._check_raw_batch(store_batch) FROM ids', '23503', NULL,
                 'rows of another source in a batch are refused (23503)');
DELETE FROM nightjar.raw_record r USING ids WHERE r.batch_id = ids.store_batch AND r.record_no = 9;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT b.source_id, b.batch_id, ids.other_file, 10, '{}' FROM ids, nightjar.batch b WHERE b.batch_id = ids.store_batch;
SELECT throws_like('SELECT nightjar._check_raw_batch(store_batch) FROM ids', '%staged rows of file %, which is not a file of this batch',
                   'rows naming a file of another batch are refused');
ROLLBACK TO SAVEPOINT wrong_rows;
-- The check counts in a hash table: finish_batch's batch is new to the planner's
-- statistics, which guessed one row and sorted 1,000,000 on disk (12_ingest_storage.sql).
-- Which plan a guess brings depends on the table's statistics, so the setting is checked.
SELECT ok((SELECT p.proconfig @> ARRAY['enable_sort=off', 'enable_seqscan=off'] FROM pg_proc p
           WHERE p.oid = 'nightjar._check_raw_batch(bigint)'::regprocedure),
          '_check_raw_batch reads the batch by its key and groups by hashing (enable_seqscan, enable_sort off)');
SELECT nightjar.validate_batch(max(batch_id)) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = 't_store';
SELECT is((SELECT count(*) FROM nightjar.valid_t_store), 3::bigint, 'a source''s partition inherits the primary key and takes rows');
SELECT throws_ok($$INSERT INTO nightjar.valid_record SELECT * FROM nightjar.valid_t_store LIMIT 1$$, '23505', NULL,
                 'the inherited primary key refuses a duplicate');
CREATE TEMP TABLE before AS
SELECT name, to_regclass('nightjar.' || name)::oid AS oid FROM bulk
UNION ALL SELECT 'valid_t_store', 'nightjar.valid_t_store'::regclass::oid;
CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM nightjar.raw_record) AS raw, (SELECT count(*) FROM nightjar.valid_record) AS valid;

-- DROP EXTENSION refuses while the data tables exist.
SELECT throws_ok('DROP EXTENSION nightjar', '2BP01', 'cannot drop extension nightjar because other objects depend on it',
                 'DROP EXTENSION nightjar refuses while bulk data tables exist');
SELECT ok(EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'nightjar'), 'the extension is still there');

-- CASCADE is the explicit override: the catalog goes, the data stays.
DROP EXTENSION nightjar CASCADE;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'nightjar') AND to_regclass('nightjar.source') IS NULL,
          'DROP EXTENSION ... CASCADE drops the extension and its catalog');
SELECT is((SELECT count(*) FROM before b WHERE to_regclass('nightjar.' || b.name)::oid = b.oid), 5::bigint,
          'but no bulk table (nor the source''s partition)');
SELECT is((SELECT ((SELECT count(*) FROM nightjar.raw_record), (SELECT count(*) FROM nightjar.valid_record))::text),
          (SELECT (raw, valid)::text FROM counts_before), 'and no row');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgname = 'storage_guard'
           AND tgrelid IN (SELECT oid FROM before)), 0::bigint, 'only the guards went with it');

-- CREATE again: the extension finds the tables and uses them as they are.
CREATE EXTENSION nightjar;
SELECT lives_ok('SELECT nightjar.ensure_storage()', 'CREATE EXTENSION again, then ensure_storage');
SELECT is((SELECT count(*) FROM before b WHERE to_regclass('nightjar.' || b.name)::oid = b.oid), 5::bigint,
          'reuses the same tables (same oids), creates none');
SELECT is((SELECT count(*) FROM nightjar.raw_record), (SELECT raw FROM counts_before), 'with their rows');
-- The new catalog's ids start past the old rows': a new source and batch own no old record.
INSERT INTO nightjar.source (name, kind) VALUES ('t_store_new', 'sql');
INSERT INTO nightjar.batch (source_id, status) SELECT source_id, 'staged' FROM nightjar.source WHERE name = 't_store_new';
SELECT ok((SELECT s.source_id > (SELECT max(source_id) FROM nightjar.raw_record) AND b.batch_id > (SELECT max(batch_id) FROM nightjar.raw_record)
           FROM nightjar.source s JOIN nightjar.batch b USING (source_id) WHERE s.name = 't_store_new'),
          'the re-created catalog hands out source and batch ids past those of the kept rows');
SELECT ok((SELECT bool_and(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass('nightjar.' || name)
                                   AND t.tgname = 'storage_guard')) FROM bulk), 'and guards them again');
SELECT throws_ok('DROP EXTENSION nightjar', '2BP01', 'cannot drop extension nightjar because other objects depend on it',
                 'so DROP EXTENSION refuses again');

-- A new area adds its own _storage_<area>() and ensure_storage finds it by name.
CREATE FUNCTION nightjar._storage_tap() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE IF NOT EXISTS nightjar.tap_bulk (id bigint PRIMARY KEY);
END $$;
SELECT nightjar.ensure_storage();
SELECT ok(to_regclass('nightjar.tap_bulk') IS NOT NULL, 'ensure_storage discovers a new _storage_<area>() function');

-- A first source creates the missing tables (the runner's COPY needs raw_record).
DROP TABLE nightjar.raw_record;
INSERT INTO nightjar.source (name, kind) VALUES ('t_store_2', 'sql');
SELECT ok(to_regclass('nightjar.raw_record') IS NOT NULL, 'inserting a source creates a missing bulk table');

-- A bulk step that filled a table the planner believes empty analyzes it; a small change
-- (under min_rows, or under a fifth of the table) is left to autovacuum.
CREATE TABLE public.t_an_big (x int);
CREATE TABLE public.t_an_small (x int);
INSERT INTO public.t_an_big SELECT generate_series(1, 5000);
INSERT INTO public.t_an_small SELECT generate_series(1, 10);
SELECT is(nightjar._analyze_changed(ARRAY['public.t_an_big', 'public.t_an_small']::regclass[]),
          ARRAY['public.t_an_big']::regclass[], '_analyze_changed analyzes the table this transaction filled');
SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'public.t_an_big'::regclass), 5000::real,
          'its statistics count the rows');
SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'public.t_an_small'::regclass), -1::real,
          'a change under min_rows is left to autovacuum');
SELECT is(nightjar._analyze_changed(ARRAY['public.t_an_small']::regclass[], min_rows => 5),
          ARRAY['public.t_an_small']::regclass[], 'min_rows sets the floor');

SELECT * FROM finish();
ROLLBACK;
