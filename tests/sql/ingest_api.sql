-- ingest_api.sql: the ingest catalog's SQL API (sql/11_ingest_api.sql), the runner's only
-- way to write the catalog: each function's effect, the batch.staged payload built in
-- SQL, the plan's batch statuses, and every refusal (SQLSTATE 22023, the argument named,
-- echoed values cut to 64 characters). One transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(61);

-- sources
SELECT is(nightjar.define_source('t_api_src', 'dir', '{"location": "/a"}'), 'created', 'define_source creates');
SELECT is(nightjar.define_source('t_api_src', 'dir', '{"location": "/a"}'), 'unchanged', 'the same definition is unchanged');
SELECT is(nightjar.define_source('t_api_src', 'dir', '{"location": "/b"}'), 'updated', 'another config updates');
SELECT is((SELECT config->>'location' FROM nightjar.source WHERE name = 't_api_src'), '/b', 'and is stored');
SELECT throws_ok($$SELECT nightjar.define_source('Bad Name', 'dir', '{}')$$, '22023',
                 'nightjar: source name must match ^[a-z][a-z0-9_]{0,62}$, not ''Bad Name''', 'a bad source name is refused');
SELECT throws_ok($$SELECT nightjar.define_source('t_api_x', 'ftp', '{}')$$, '22023',
                 'nightjar: source kind must be dir, http, s3 or sql, not ''ftp''', 'an unknown kind is refused');
SELECT throws_ok($$SELECT nightjar.define_source('t_api_x', 'dir', '[1]')$$, '22023',
                 'nightjar: source config must be a JSON object, not ''[1]''', 'a config that is not an object is refused');
SELECT throws_ok($$SELECT nightjar.define_source(repeat('x', 1000), 'dir', '{}')$$, '22023',
                 'nightjar: source name must match ^[a-z][a-z0-9_]{0,62}$, not ''' || repeat('x', 64) || '''…',
                 'an echoed value is cut to 64 characters');
SELECT nightjar.define_source('t_api_other', 'dir', '{}');
CREATE TEMP TABLE ids AS SELECT
    (SELECT source_id FROM nightjar.source WHERE name = 't_api_src') AS src,
    (SELECT source_id FROM nightjar.source WHERE name = 't_api_other') AS other;

-- runs and plans
SELECT throws_ok($$SELECT nightjar.begin_ingest_run(-5)$$, '22023', 'nightjar: source -5 does not exist', 'a run of no source is refused');
ALTER TABLE ids ADD COLUMN run bigint;
UPDATE ids SET run = nightjar.begin_ingest_run(src);
SELECT is(nightjar.ingest_run_state(run), 'running', 'a begun run is running (its session holds the lock)') FROM ids;
SELECT throws_ok(format('SELECT nightjar.begin_batch(%s, 1)', run), '22023',
                 format('nightjar: ingest run %s has no plan (record_plan first)', run), 'no batch before the plan') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_plan(%s, '{}')$$, run), '22023',
                 'nightjar: plan files must be a JSON array, not ''{}''', 'the plan is an array') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_plan(%s, '[{"batch": 2, "key": "a", "name": "a", "size": 1, "confidence": 1}]')$$, run), '22023',
                 'nightjar: plan batches must be numbered 1..N without gaps', 'batches without gaps') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_plan(%s, '[{"batch": 1, "key": "a", "name": "a", "size": 1, "confidence": 1},
                                                           {"batch": 1, "key": "a", "name": "b", "size": 1, "confidence": 1}]')$$, run), '22023',
                 'nightjar: plan file key ''a'' appears twice', 'a key appears once') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_plan(%s, '[{"batch": 1, "key": "a", "name": "a", "size": -1, "confidence": 1}]')$$, run), '22023',
                 NULL, 'a negative size is refused') FROM ids;
SELECT throws_like(format($$SELECT nightjar.record_plan(%s, '[{"batch": 1, "key": "", "name": "a", "size": 1, "confidence": 1}]')$$, run),
                   'nightjar: plan file 1: key must be a non-empty string: %', 'an empty key is refused, its element named') FROM ids;
ALTER TABLE ids ADD COLUMN plan bigint;
UPDATE ids SET plan = nightjar.record_plan(run, '[
    {"batch": 1, "key": "d/a.csv", "name": "a.csv", "size": 10, "confidence": 1},
    {"batch": 1, "key": "d/b.csv", "name": "b.csv", "size": 20, "confidence": 0.5},
    {"batch": 2, "key": "d/c.csv", "name": "c.csv", "size": 30, "confidence": 0.75, "extra": "2026-01-01"},
    {"batch": 3, "key": "d/e.csv", "name": "e.csv", "size": 5, "confidence": 1}]');
SELECT is((SELECT (batches, files, bytes)::text FROM nightjar.ingest_plan WHERE plan_id = plan), '(3,4,65)', 'the plan counts batches, files and bytes') FROM ids;
SELECT is((SELECT string_agg(plan_seq || ':' || position || ':' || key || ':' || coalesce(extra, '-'), ' ' ORDER BY plan_seq, position)
           FROM nightjar.ingest_plan_file WHERE plan_id = plan), '1:1:d/a.csv:- 1:2:d/b.csv:- 2:1:d/c.csv:2026-01-01 3:1:d/e.csv:-',
          'files are recorded in plan order with their batch and position') FROM ids;
SELECT is((SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = plan), 'planned,planned,planned',
          'every batch starts planned') FROM ids;
SELECT is((SELECT plan_id FROM nightjar.ingest_run r WHERE r.run_id = ids.run), plan, 'the run points at its plan') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_plan(%s, '[]')$$, run), '22023',
                 format('nightjar: ingest run %s already has plan %s', run, plan), 'one plan per run') FROM ids;
SELECT throws_ok(format('SELECT nightjar.begin_ingest_run(%s, %s)', other, plan), '22023',
                 format('nightjar: plan %s is not a plan of source %s', plan, other), 'a plan resumes only for its own source') FROM ids;

-- batch 1: a staged file, a file failed before staging, a file failed while staging
SELECT throws_ok(format('SELECT nightjar.begin_batch(%s, 4)', run), '22023',
                 format('nightjar: plan %s has no batch 4', plan), 'a batch outside the plan is refused') FROM ids;
ALTER TABLE ids ADD COLUMN b1 bigint, ADD COLUMN f1 bigint, ADD COLUMN f2 bigint, ADD COLUMN f3 bigint;
UPDATE ids SET b1 = nightjar.begin_batch(run, 1);
SELECT is((SELECT (status, run_id = ids.run, plan_id = ids.plan, plan_seq)::text FROM nightjar.batch WHERE batch_id = b1),
          '(staging,t,t,1)', 'begin_batch opens a staging batch of the run''s plan') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_file(%s, 'x', 'x', 'ABC', 1, 1)$$, b1), '22023',
                 'nightjar: checksum must be 64 lower-case hex digits (SHA-256), not ''ABC''', 'a bad checksum is refused') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_file(%s, 'x', 'x', repeat('a', 64), 1, 1.5)$$, b1), '22023',
                 'nightjar: confidence must be between 0 and 1, not 1.5', 'confidence is checked') FROM ids;
-- f1's checksum comes with finish_file (computed from the bytes staged, as the runner does).
UPDATE ids SET f1 = nightjar.record_file(b1, 'a.csv', 'd/a.csv', NULL, 10, 1),
               f2 = nightjar.record_file(b1, 'b.csv', 'd/b.csv', NULL, 0, 0.5, 'download failed: HTTP 500'),
               f3 = nightjar.record_file(b1, 'b2.csv', 'd/b2.csv', repeat('b', 64), 20, 0.5);
SELECT is((SELECT string_agg(status || ':' || coalesce(error, '-'), ',' ORDER BY file_id) FROM nightjar.file WHERE batch_id = b1),
          'staged:-,failed:download failed: HTTP 500,staged:-', 'record_file records files to stage and failed ones') FROM ids;
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT src, b1, f, n, '{}' FROM ids, LATERAL (VALUES (f1, 1), (f1, 2), (f3, 3)) v(f, n);
SELECT throws_ok(format('SELECT nightjar.finish_file(%s, -1)', f1), '22023', 'nightjar: records must be >= 0, not -1', 'records >= 0') FROM ids;
SELECT throws_ok(format('SELECT nightjar.finish_file(%s, 2)', f1), '22023',
                 format('nightjar: file %s: a staged file needs its checksum (record_file or finish_file)', f1),
                 'a file staged without a checksum needs one at finish_file') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.finish_file(%s, 2, NULL, 'ABC')$$, f1), '22023',
                 'nightjar: checksum must be 64 lower-case hex digits (SHA-256), not ''ABC''', 'finish_file checks the checksum') FROM ids;
SELECT is(nightjar.finish_file(f1, 2, NULL, repeat('a', 64), 10), 'staged', 'finish_file keeps a staged file''s count') FROM ids;
SELECT is((SELECT (checksum = repeat('a', 64), size, records)::text FROM nightjar.file WHERE file_id = f1), '(t,10,2)',
          'with the checksum and size of the bytes staged') FROM ids;
SELECT lives_ok(format($$SELECT nightjar.finish_file(%s, 0, 'b2.csv:3 (byte 40): bad')$$, f3), 'finish_file fails a file') FROM ids;
SELECT is((SELECT count(*) FROM nightjar.raw_record WHERE file_id = f3), 0::bigint, 'a failed file''s records are deleted') FROM ids;
SELECT throws_ok(format('SELECT nightjar.finish_file(%s, 1)', f3), '22023',
                 format('nightjar: file %s is failed, not being staged', f3), 'a file is finished once') FROM ids;
SELECT is(nightjar.finish_batch(b1) - 'batch_id' - 'run_id' - 'plan_id' - 'source_id',
          '{"source": "t_api_src", "plan_seq": 1, "files": 1, "records": 2, "bytes": 10, "status": "staged", "files_recorded": 3}'::jsonb,
          'finish_batch counts from the file rows and returns the payload with the status') FROM ids;
SELECT is((SELECT payload FROM nightjar.event WHERE topic = 'batch.staged' AND (payload->>'batch_id')::bigint = b1),
          jsonb_build_object('batch_id', b1, 'source', 't_api_src', 'source_id', src, 'run_id', run, 'plan_id', plan,
                             'plan_seq', 1, 'files', 1, 'records', 2, 'bytes', 10),
          'batch.staged carries batch_id, source, source_id, run_id, plan_id, plan_seq, files, records, bytes') FROM ids;
SELECT is((SELECT (status, files, bytes, records)::text FROM nightjar.batch WHERE batch_id = b1), '(staged,3,30,2)', 'the batch row') FROM ids;
SELECT is((SELECT status || ':' || batch_id FROM nightjar.ingest_plan_batch WHERE plan_id = plan AND plan_seq = 1), 'staged:' || b1,
          'the plan batch is staged with its batch') FROM ids;
SELECT throws_ok(format('SELECT nightjar.finish_batch(%s)', b1), '22023',
                 format('nightjar: batch %s is staged, not staging', b1), 'a batch is finished once') FROM ids;

-- batch 2: the same content again, then every file failed
ALTER TABLE ids ADD COLUMN b2 bigint;
UPDATE ids SET b2 = nightjar.begin_batch(run, 2);
SELECT is(nightjar.record_file(b2, 'c.csv', 'd/c.csv', repeat('a', 64), 10, 0.75), NULL,
          'record_file returns NULL for content already staged for the source') FROM ids;
SELECT ok(nightjar.record_file(b2, 'c.csv', 'd/c.csv', NULL, 0, 0.75, 'item c failed: HTTP 404') > 0, 'a failed file') FROM ids;
-- A file recorded without a checksum whose staged bytes turn out to be staged already.
ALTER TABLE ids ADD COLUMN f4 bigint;
UPDATE ids SET f4 = nightjar.record_file(b2, 'copy2.csv', 'd/copy2.csv', NULL, 10, 0.75);
INSERT INTO nightjar.raw_record (source_id, batch_id, file_id, record_no, payload)
SELECT src, b2, f4, n, '{}' FROM ids, generate_series(1, 2) n;
SELECT is(nightjar.finish_file(f4, 2, NULL, repeat('a', 64), 10), 'skipped',
          'finish_file skips a file whose checksum is already staged for the source') FROM ids;
SELECT is((SELECT (status, duplicate_of = ids.f1, error, records)::text FROM nightjar.file WHERE file_id = f4),
          '(skipped,t,"already staged",0)', 'as already staged, naming the file it duplicates') FROM ids;
SELECT is((SELECT count(*) FROM nightjar.raw_record WHERE file_id = f4), 0::bigint, 'and deletes its records') FROM ids;
SELECT is(nightjar.finish_batch(b2)->>'status', 'failed', 'a batch whose every file failed is failed') FROM ids;
SELECT is((SELECT count(*) FROM nightjar.event WHERE topic = 'batch.staged' AND (payload->>'batch_id')::bigint = b2), 0::bigint,
          'and announces nothing') FROM ids;

-- after COMMIT: archive, skipped files, skipped batches, bookmark
SELECT lives_ok(format($$SELECT nightjar.record_archive(%s, 'success/a.2026-12-03.csv')$$, f1), 'record_archive') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_archive(%s, '')$$, f1), '22023', 'nightjar: archive_location must not be empty', 'an empty location') FROM ids;
SELECT throws_ok($$SELECT nightjar.record_archive(-1, 'x')$$, '22023', 'nightjar: file -1 does not exist', 'archive of no file');
ALTER TABLE ids ADD COLUMN skipped bigint;
UPDATE ids SET skipped = nightjar.record_skipped_file(run, NULL, 'copy.csv', 'd/copy.csv', repeat('a', 64), 10, 1,
                                                      'already staged', 'success/copy.2026-12-03.csv');
SELECT is((SELECT (status, duplicate_of = ids.f1, error, archive_location)::text FROM nightjar.file WHERE file_id = skipped),
          '(skipped,t,"already staged",success/copy.2026-12-03.csv)', 'a skipped archived file names what it duplicates') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.record_skipped_file(%s, NULL, 'x', 'x', NULL, 1, 1, 'already staged', '')$$, run), '22023',
                 'nightjar: archive_location must be NULL (left in place) or say where the file went', 'an empty archive location') FROM ids;
-- A file left in place (below min_confidence) gets one row, however often runs skip it.
SELECT is(nightjar.record_skipped_file(run, NULL, 'irr.csv', 'd/irr.csv', repeat('b', 64), 5, 0.2, 'below min_confidence after header check', NULL),
          nightjar.record_skipped_file(run, NULL, 'irr.csv', 'd/irr.csv', repeat('b', 64), 5, 0.2, 'below min_confidence after header check', NULL),
          'a file left in place is recorded once per location and content') FROM ids;
SELECT is((SELECT count(*) FROM nightjar.file WHERE location = 'd/irr.csv' AND status = 'skipped' AND archive_location IS NULL),
          1::bigint, 'with no archive location') FROM ids;
SELECT lives_ok(format('SELECT nightjar.skip_batch(%s, 3)', run), 'skip_batch') FROM ids;
SELECT is((SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = plan), 'staged,failed,skipped',
          'the plan says how each batch ended') FROM ids;
SELECT throws_ok(format($$SELECT nightjar.save_bookmark(%s, '"x"')$$, src), '22023',
                 'nightjar: bookmark must be a JSON object, not ''"x"''', 'a bookmark is an object') FROM ids;

-- the end of the run
SELECT throws_ok(format($$SELECT nightjar.finish_ingest_run(%s, 3, '{}')$$, run), '22023',
                 'nightjar: exit_code must be 0, 1, 2 or 10..14, not 3', 'an unknown exit code') FROM ids;
SELECT lives_ok(format($$SELECT nightjar.finish_ingest_run(%s, 1, '{"totals": {}}')$$, run), 'finish_ingest_run') FROM ids;
SELECT is(nightjar.ingest_run_state(run), 'finished', 'the run is finished') FROM ids;
SELECT throws_ok(format('SELECT nightjar.begin_batch(%s, 1)', run), '22023',
                 format('nightjar: ingest run %s has finished', run), 'a finished run stages nothing') FROM ids;

SELECT * FROM finish();
ROLLBACK;
