-- housekeeping.sql: every housekeeping kind over tables and columns with hostile names
-- (quotes, semicolons, spaces): declared, run twice the same day (the second run does
-- nothing), audited as step runs with counts; configuration errors named; orphan files in
-- a folder of the server (dry run, then deleted through adminpack when installed).
-- One transaction, rolled back.
BEGIN;
SELECT plan(45);

CREATE SCHEMA "hk ""odd"" schema";
SET LOCAL search_path = public;
CREATE TABLE "hk ""odd"" schema"."per;iod" (
    "id; DROP TABLE x" bigint PRIMARY KEY,
    "ends on" date NOT NULL,
    "e-mail'x" text,
    "Label" text);
INSERT INTO "hk ""odd"" schema"."per;iod" VALUES
    (1, '2026-03-14', 'ann@example.org', 'period 1'),   -- J-4 of 2026-03-10: due
    (2, '2026-03-10', 'bob@example.org', 'period 2'),   -- today: due
    (3, '2026-03-15', 'cy@example.org', 'period 3'),    -- J-5: not yet
    (4, '2026-03-09', 'dee@example.org', 'period 4'),   -- past
    (5, '2026-03-12', NULL, 'period 5');                -- due, nobody to tell

-- Reminders.
SELECT is((nightjar.define_housekeeping('reminders', 'reminder', $${"table": "\"hk \"\"odd\"\" schema\".\"per;iod\"",
    "key": "id; DROP TABLE x", "deadline": "ends on", "recipient": "e-mail'x", "label": "Label", "days_before": 4}$$)).kind,
    'reminder', 'a reminder task is declared over quoted names');
SELECT is((SELECT count(*) FROM nightjar.step s JOIN nightjar.pipeline p USING (pipeline_id)
           WHERE p.name = 'housekeeping' AND s.name = 'reminders'), 1::bigint, 'with its step in pipeline housekeeping');
SELECT is((r).status, 'succeeded', 'the reminder run succeeds') FROM (SELECT nightjar.run_housekeeping('reminders', '2026-03-10') r) x;
SELECT is((SELECT result -> 'counts' FROM nightjar.housekeeping_runs WHERE task = 'reminders' ORDER BY step_run_id DESC LIMIT 1),
          '{"due": 3, "queued": 2, "no_recipient": 1, "already_reminded": 0}'::jsonb, 'counts: 3 due, 2 queued, 1 without recipient');
SELECT is((SELECT array_agg(recipient ORDER BY recipient) FROM nightjar.notification WHERE kind = 'deadline_reminder'),
          ARRAY['ann@example.org', 'bob@example.org'], 'one reminder per item in the window');
SELECT is((SELECT subject FROM nightjar.notification WHERE recipient = 'ann@example.org'),
          'Reminder: period 1 is due on 2026-03-14 (4 day(s) left)', 'the reminder names the item, its deadline and the days left');
SELECT nightjar.run_housekeeping('reminders', '2026-03-10');
SELECT is((SELECT result -> 'counts' ->> 'queued' FROM nightjar.housekeeping_runs WHERE task = 'reminders' ORDER BY step_run_id DESC LIMIT 1),
          '0', 'run twice the same day: nothing queued');
SELECT is((SELECT count(*) FROM nightjar.notification WHERE kind = 'deadline_reminder'), 2::bigint, 'never two reminders per item and deadline');
SELECT nightjar.run_housekeeping('reminders', '2026-03-11');
SELECT is((SELECT array_agg(recipient ORDER BY recipient) FROM nightjar.notification WHERE kind = 'deadline_reminder'),
          ARRAY['ann@example.org', 'bob@example.org', 'cy@example.org'], 'the next day adds only the item entering the window');
UPDATE "hk ""odd"" schema"."per;iod" SET "ends on" = '2026-03-13' WHERE "id; DROP TABLE x" = 1;
SELECT nightjar.run_housekeeping('reminders', '2026-03-11');
SELECT is((SELECT count(*) FROM nightjar.notification WHERE recipient = 'ann@example.org'), 2::bigint,
          'a moved deadline is a new deadline: one more reminder');

-- Configuration errors are named, hostile text is never executed.
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'reminder', '{"table": "x; DROP TABLE y", "key": "a"}')$$,
                   'nightjar: housekeeping "table": no table %', 'an unknown (hostile) table name is refused');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'reminder', $j${"table": "\"hk \"\"odd\"\" schema\".\"per;iod\"",
    "key": "id; DROP TABLE x", "deadline": "x\"; DROP TABLE y; --", "recipient": "e-mail'x"}$j$)$$,
                   '%has no column ''x"; DROP TABLE y; --''', 'an unknown (hostile) column is refused');
SELECT throws_like($$SELECT nightjar.define_housekeeping('Bad', 'reminder', '{}')$$, '%task name must match%', 'bad task name');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'vacuum', '{}')$$, '%kind must be%', 'unknown kind');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'recompute', $j${"table": "\"hk \"\"odd\"\" schema\".\"per;iod\"",
    "key": "id; DROP TABLE x", "stamp": "ends on", "function": "lower(text)"}$j$)$$,
                   '%must name a function taking (text[], date)%', 'a recompute function of the wrong signature is refused');
SELECT has_table('hk "odd" schema', 'per;iod', 'and the table is still there');

-- Recompute: age of requests in days, a function per table, in chunks of 2.
CREATE TABLE "hk ""odd"" schema"."req uest" (id int PRIMARY KEY, opened date, "age (days)" int, "computed on" date);
INSERT INTO "hk ""odd"" schema"."req uest" SELECT g, date '2026-03-01' + g, NULL, NULL FROM generate_series(1, 5) g;
CREATE FUNCTION "hk ""odd"" schema"."age!"(keys text[], day date) RETURNS bigint LANGUAGE sql AS $$
    WITH u AS (UPDATE "hk ""odd"" schema"."req uest" SET "age (days)" = day - opened, "computed on" = day
               WHERE id::text = ANY (keys) RETURNING 1) SELECT count(*) FROM u $$;
SELECT lives_ok($$SELECT nightjar.define_housekeeping('ages', 'recompute', $j${"table": "\"hk \"\"odd\"\" schema\".\"req uest\"",
    "key": "id", "stamp": "computed on", "function": "\"hk \"\"odd\"\" schema\".\"age!\"(text[], date)", "chunk": 2}$j$)$$,
                'a recompute task is declared');
SELECT is((nightjar.run_housekeeping('ages', '2026-03-10')).result -> 'counts',
          '{"chunks": 3, "updated": 5, "selected": 5}'::jsonb, 'recompute: 5 rows in 3 chunks of 2');
SELECT is((SELECT array_agg("age (days)" ORDER BY id) FROM "hk ""odd"" schema"."req uest"), ARRAY[8, 7, 6, 5, 4],
          'the stored field holds the day''s value');
SELECT is((nightjar.run_housekeeping('ages', '2026-03-10')).result -> 'counts' ->> 'selected', '0',
          'run twice the same day: nothing recomputed');
SELECT is((nightjar.run_housekeeping('ages', '2026-03-11')).result -> 'counts' ->> 'updated', '5', 'the next day: everything again');

-- Archival by state, with the date read through the campaign (one hop) and a notice per person.
CREATE TABLE "hk ""odd"" schema".campaign (id int PRIMARY KEY, "archive on" date);
CREATE TABLE "hk ""odd"" schema".person (id int PRIMARY KEY, email text);
CREATE TABLE "hk ""odd"" schema".request (id int PRIMARY KEY, campaign int, person int, status text);
INSERT INTO "hk ""odd"" schema".campaign VALUES (1, '2026-03-01'), (2, '2026-04-01');
INSERT INTO "hk ""odd"" schema".person VALUES (1, 'p1@example.org'), (2, 'p2@example.org');
INSERT INTO "hk ""odd"" schema".request VALUES (1, 1, 1, 'draft'), (2, 1, 2, 'submitted'), (3, 1, 1, 'accepted'),
                                               (4, 2, 2, 'draft');
SELECT lives_ok($$SELECT nightjar.define_housekeeping('refuse_stale', 'archive', $j${"table": "\"hk \"\"odd\"\" schema\".request",
    "key": "id", "date": {"via": "campaign", "table": "\"hk \"\"odd\"\" schema\".campaign", "key": "id", "column": "archive on"},
    "recipient": {"via": "person", "table": "\"hk \"\"odd\"\" schema\".person", "key": "id", "column": "email"},
    "state_column": "status", "from_states": ["draft", "submitted"], "to_state": "refused"}$j$)$$, 'an archive task is declared');
SELECT is((nightjar.run_housekeeping('refuse_stale', '2026-03-10')).result -> 'counts',
          '{"changed": 2, "notified": 2}'::jsonb, 'the two open requests of the closed campaign are refused, each person told');
SELECT is((SELECT array_agg(status ORDER BY id) FROM "hk ""odd"" schema".request), ARRAY['refused', 'refused', 'accepted', 'draft'],
          'finalised requests and open campaigns are untouched');
SELECT is((SELECT array_agg(recipient ORDER BY recipient) FROM nightjar.notification WHERE kind = 'item_archived'),
          ARRAY['p1@example.org', 'p2@example.org'], 'one notice per person concerned');
SELECT is((nightjar.run_housekeeping('refuse_stale', '2026-03-10')).result -> 'counts',
          '{"changed": 0, "notified": 0}'::jsonb, 'run twice: nothing changes');

-- Archival by move, and retention with and without an archive table.
CREATE TABLE "hk ""odd"" schema"."up'load" (id int PRIMARY KEY, path text, "uploaded at" timestamptz);
CREATE TABLE "hk ""odd"" schema"."up'load archive" (LIKE "hk ""odd"" schema"."up'load", archived_at timestamptz DEFAULT now());
INSERT INTO "hk ""odd"" schema"."up'load" SELECT g, 'u/' || g || '.pdf', timestamptz '2026-03-10' - g * interval '10 days'
FROM generate_series(1, 6) g;
SELECT lives_ok($$SELECT nightjar.define_housekeeping('uploads_keep', 'retention', $j${"table": "\"hk \"\"odd\"\" schema\".\"up'load\"",
    "date_column": "uploaded at", "keep": "25 days", "archive_table": "\"hk \"\"odd\"\" schema\".\"up'load archive\"", "chunk": 2}$j$)$$,
                'a retention task moving to an archive table is declared');
SELECT is((nightjar.run_housekeeping('uploads_keep', '2026-03-10')).result -> 'counts' ->> 'moved', '4', 'retention moves the 4 rows older than 25 days');
SELECT is((SELECT array_agg(id ORDER BY id) FROM "hk ""odd"" schema"."up'load archive"), ARRAY[3, 4, 5, 6], 'into the archive table');
SELECT is((nightjar.run_housekeeping('uploads_keep', '2026-03-10')).result -> 'counts' ->> 'moved', '0', 'run twice: nothing moves');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'retention', $j${"table": "\"hk \"\"odd\"\" schema\".\"up'load\"",
    "date_column": "uploaded at", "keep": "25 days", "archive_table": "\"hk \"\"odd\"\" schema\".person"}$j$)$$,
                   '%must start with the columns of%', 'an archive table of another shape is refused');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'retention', $j${"engine": true, "keep": "soon"}$j$)$$,
                   '%"keep" must be an interval%', 'a bad interval is named');

-- Retention of the engine's own history (nightjar.prune: runs, step runs, events, cron history).
SELECT lives_ok($$SELECT nightjar.define_housekeeping('engine_history', 'retention', '{"engine": true, "keep": "0 days"}')$$,
                'an engine retention task is declared');
UPDATE nightjar.run SET finished_at = now() - interval '1 day', started_at = now() - interval '1 day'
WHERE pipeline_id = (SELECT pipeline_id FROM nightjar.pipeline WHERE name = 'housekeeping');
SELECT cmp_ok(((nightjar.run_housekeeping('engine_history')).result -> 'counts' ->> 'runs')::int, '>=', 10,
              'engine retention prunes the finished housekeeping runs');
SELECT cmp_ok((SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'housekeeping'),
              '<=', 1::bigint, 'only the run in progress is left');

-- Orphan files (the local listing and deletion: tests/integration/housekeeping_files.sh).
SELECT lives_ok($$SELECT nightjar.define_housekeeping('orphans', 'orphan_files',
    jsonb_build_object('dirs', jsonb_build_array('/nonexistent/hk spool'), 'grace', '0 seconds',
                       'references', jsonb_build_array(jsonb_build_object('table', '"hk ""odd"" schema"."up''load"', 'column', 'path'))))$$,
                'an orphan_files task is declared');
SELECT is((nightjar.run_housekeeping('orphans')).result -> 'counts', '{"listed": 0, "deleted": 0, "orphans": 0}'::jsonb,
          'a missing folder lists nothing');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'orphan_files', '{"dirs": ["relative/path"]}')$$,
                   '%absolute folder paths%', 'relative folders are refused');
SELECT is((SELECT count(*) FROM nightjar.orphan_files('[{"path": "/s/a.json", "root": "/s", "modified": "2026-01-01"},
                                                        {"path": "/s/u/1.pdf", "root": "/s", "modified": "2026-01-01"},
                                                        {"path": "/s/new.json", "root": "/s", "modified": "2026-03-10"}]',
                                                      '7 days',
                                                      jsonb_build_object('references', jsonb_build_array(jsonb_build_object(
                                                          'table', '"hk ""odd"" schema"."up''load"', 'column', 'path'))),
                                                      '2026-03-10')), 1::bigint,
          'orphan_files over a given listing (S3): the referenced and the recent entries are kept');
SELECT is((SELECT path FROM nightjar.orphan_files('[{"path": "/s/a.json", "root": "/s", "modified": "2026-01-01"}]', '7 days', '{}', '2026-03-10')),
          '/s/a.json', 'the old unreferenced entry is reported');

-- Weekly reference publication through consolidation's nightjar.publish_reference.
SELECT nightjar.define_reference('hk_postcodes', $v$SELECT 'bad ' || code FROM {snapshot} WHERE code !~ '^\d{5}$'$v$);
CREATE TABLE "hk ""odd"" schema".pc_w1 (code text);
INSERT INTO "hk ""odd"" schema".pc_w1 VALUES ('69001'), ('75001');
CREATE TABLE "hk ""odd"" schema".pc_w2 (code text);
INSERT INTO "hk ""odd"" schema".pc_w2 VALUES ('6900X');
SELECT nightjar.add_reference_version('hk_postcodes', 'w1', '"hk ""odd"" schema".pc_w1');
SELECT lives_ok($$SELECT nightjar.define_housekeeping('postcodes_weekly', 'publish_reference', '{"reference": "hk_postcodes"}')$$,
                'a publish_reference task is declared');
SELECT throws_like($$SELECT nightjar.define_housekeeping('bad', 'publish_reference', '{"reference": "nope"}')$$,
                   '%no reference ''nope''%', 'an unknown reference is refused');
SELECT is((nightjar.run_housekeeping('postcodes_weekly')).result -> 'counts',
          '{"refused": 0, "published": 1, "nothing_new": 0}'::jsonb, 'the new version is published');
SELECT nightjar.add_reference_version('hk_postcodes', 'w2', '"hk ""odd"" schema".pc_w2');
SELECT is((nightjar.run_housekeeping('postcodes_weekly')).result -> 'counts',
          '{"refused": 1, "published": 0, "nothing_new": 0}'::jsonb, 'a version failing its validation is refused');
SELECT is((nightjar.run_housekeeping('postcodes_weekly')).result -> 'counts',
          '{"refused": 0, "published": 0, "nothing_new": 1}'::jsonb, 'run twice: nothing new, w1 stays published');

SELECT * FROM finish();
ROLLBACK;
