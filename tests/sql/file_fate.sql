-- file_fate.sql: where a file goes once the database has judged it and which stored copies
-- an erasure asks the runner to delete (sql/13_file_fate.sql, sql/84_orphan_objects.sql).
-- File rows are inserted directly (superuser); one transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(21);

SELECT nightjar.define_source('t_fate', 's3', '{"location": "s3://b/in/"}');
CREATE TEMP TABLE f (tag text, id bigint);
WITH ins AS (
    INSERT INTO nightjar.file (source_id, name, location, status, checksum)
    SELECT s.source_id, x.tag || '.json', 'in/' || x.tag || '.json', x.status,
           CASE WHEN x.status = 'staged' THEN encode(sha256(x.tag::bytea), 'hex') END
    FROM nightjar.source s,
         (VALUES (1, 'ok', 'staged'), (2, 'refused', 'staged'), (3, 'pending', 'staged'), (4, 'bad', 'failed'),
                 (5, 'dup', 'skipped')) x(n, tag, status)
    WHERE s.name = 't_fate' ORDER BY x.n
    RETURNING file_id, name)
INSERT INTO f SELECT replace(name, '.json', ''), file_id FROM ins;
SELECT nightjar.set_file_verdict((SELECT id FROM f WHERE tag = 'ok'), true);
SELECT nightjar.set_file_verdict((SELECT id FROM f WHERE tag = 'refused'), true);
SELECT nightjar.set_file_verdict((SELECT id FROM f WHERE tag = 'refused'), false, 'bad header');

SELECT is(nightjar.archive_destination(id), 'success', 'a file judged successful goes to success/') FROM f WHERE tag = 'ok';
SELECT is(nightjar.archive_destination(id), 'failure', 'the last verdict wins: refused goes to failure/') FROM f WHERE tag = 'refused';
SELECT is((SELECT reason FROM nightjar.file_verdict v WHERE v.file_id = f.id), 'bad header', 'with its reason') FROM f WHERE tag = 'refused';
SELECT is(nightjar.archive_destination(id), 'success', 'a staged file without verdict: success/ by default') FROM f WHERE tag = 'pending';
SELECT is(nightjar.archive_destination(id, true), NULL, 'pending when a verdict is required') FROM f WHERE tag = 'pending';
SELECT is(nightjar.archive_destination(id, true), 'failure', 'failed at staging: failure/, verdict or not') FROM f WHERE tag = 'bad';
SELECT is(nightjar.archive_destination(id), NULL, 'a skipped file is not archived here') FROM f WHERE tag = 'dup';
SELECT is(nightjar.archive_destination(-1), NULL, 'an unknown file has no destination');
SELECT is((SELECT string_agg(name || '>' || destination, ' ' ORDER BY file_id) FROM nightjar.files_to_archive('t_fate', true)),
          'ok.json>success refused.json>failure bad.json>failure', 'files_to_archive lists the judged files');
SELECT ok((SELECT bool_and(processed ~ '^\d{4}-\d{2}-\d{2}$') FROM nightjar.files_to_archive('t_fate')), 'with their processing date');
SELECT nightjar.record_archive(id, 's3://b/in/success/ok.2026-12-03.json') FROM f WHERE tag = 'ok';
SELECT is(nightjar.archive_destination(id), NULL, 'an archived file is not listed again') FROM f WHERE tag = 'ok';
SELECT is((SELECT count(*) FROM nightjar.files_to_archive('t_fate', true))::int, 2, 'two left to archive');
SELECT throws_ok(format('SELECT nightjar.set_file_verdict(%s, NULL)', id), '22023',
                 'nightjar: set_file_verdict needs success true or false, not NULL', 'a NULL verdict is refused') FROM f WHERE tag = 'ok';
SELECT throws_ok('SELECT nightjar.set_file_verdict(-1, true)', '22023', 'nightjar: file -1 does not exist', 'an unknown file is refused');

-- scrub targets: erase_subject's "files", a step's "files_to_scrub" locations, given ids.
SELECT is((SELECT string_agg(location, ' ' ORDER BY file_id) FROM nightjar.scrub_targets(
              jsonb_build_object('files', jsonb_build_array(jsonb_build_object('file_id', id))))),
          's3://b/in/success/ok.2026-12-03.json', 'an erasure''s file: its archived copy') FROM f WHERE tag = 'ok';
SELECT is((SELECT string_agg(location, ' ') FROM nightjar.scrub_targets(
              '{"result": {"files_to_scrub": ["s3://b/in/success/ok.2026-12-03.json"]}}')),
          's3://b/in/success/ok.2026-12-03.json', 'a step''s files_to_scrub, matched by archive location');
SELECT is((SELECT string_agg(location, ' ') FROM nightjar.scrub_targets('{}', ARRAY[id])),
          'in/pending.json', 'a file never archived: its location') FROM f WHERE tag = 'pending';
SELECT is((SELECT count(*) FROM nightjar.scrub_targets(jsonb_build_object('per_file', jsonb_build_array(jsonb_build_object('file_id', id)))))::int,
          0, 'file ids elsewhere in a result (a step''s per-file results) are not read') FROM f WHERE tag = 'ok';
SELECT nightjar.record_scrub(id, 's3://b/in/success/ok.2026-12-03.json', 'deleted') FROM f WHERE tag = 'ok';
SELECT is((SELECT count(*) FROM nightjar.scrub_targets('{}', ARRAY[id]))::int, 0, 'a scrubbed copy is not listed again') FROM f WHERE tag = 'ok';
SELECT throws_ok(format($$SELECT nightjar.record_scrub(%s, 'x', 'rewritten')$$, id), '23514', NULL, 'outcomes are checked') FROM f WHERE tag = 'ok';

-- orphan objects: keys referenced by a location or an s3:// archive location are kept.
SELECT is((SELECT string_agg(path, ' ') FROM nightjar.orphan_objects('b', '[
            {"path": "in/ok.json", "root": "in", "modified": "2020-01-01T00:00:00Z"},
            {"path": "in/success/ok.2026-12-03.json", "root": "in", "modified": "2020-01-01T00:00:00Z"},
            {"path": "in/stray.json", "root": "in", "modified": "2020-01-01T00:00:00Z"},
            {"path": "in/new.json", "root": "in", "modified": "2999-01-01T00:00:00Z"}]'::jsonb)),
          'in/stray.json', 'only the old unreferenced key is an orphan');

SELECT * FROM finish();
ROLLBACK;
