-- consolidate_reference.sql: versioned reference data. publish_reference switches the view
-- nightjar_ref.<name> to a version only when it is not empty and its validation query
-- returns no row; a refused version (failing rows, an empty snapshot, a validation query
-- that errors, columns a dependent view pins) leaves the published one in place and the
-- result says why. One transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(27);

CREATE SCHEMA t_ref;
CREATE TABLE t_ref.postcode_v1 (postcode text, town text);
INSERT INTO t_ref.postcode_v1 VALUES ('69001', 'Lyon'), ('75001', 'Paris');
CREATE TABLE t_ref.postcode_v2 (postcode text, town text);
INSERT INTO t_ref.postcode_v2 VALUES ('69001', 'Lyon'), ('7501', 'Paris'), ('59000', NULL);
CREATE TABLE t_ref.postcode_v3 (postcode text, town text);
INSERT INTO t_ref.postcode_v3 VALUES ('69001', 'Lyon'), ('75001', 'Paris'), ('59000', 'Lille');
CREATE TABLE t_ref.postcode_empty (postcode text, town text);
CREATE TABLE t_ref.postcode_v4 (postcode text, town text, department text);
INSERT INTO t_ref.postcode_v4 VALUES ('69001', 'Lyon', '69');

SELECT throws_ok($$SELECT nightjar.define_reference('Postcodes')$$, '22023',
                 'nightjar: reference name must match ^[a-z][a-z0-9_]{0,62}$, not ''Postcodes''', 'a bad name is refused');
SELECT throws_ok($$SELECT nightjar.define_reference('t_postcode', 'SELECT 1 FROM t_ref.postcode_v1')$$, '22023',
                 'nightjar: reference "t_postcode": the validation query must name the snapshot as {snapshot}',
                 'a validation query must name {snapshot}');
SELECT lives_ok($$SELECT nightjar.define_reference('t_postcode',
    $q$SELECT 'postcode ' || coalesce(postcode, 'NULL') || ' is not 5 digits', 1 FROM {snapshot} WHERE postcode !~ '^\d{5}$'
       UNION ALL SELECT 'postcode ' || postcode || ' has no town', 2 FROM {snapshot} WHERE town IS NULL$q$,
    'French postal codes')$$, 'define_reference');
SELECT throws_ok($$SELECT nightjar.add_reference_version('t_nope', 'v1', 't_ref.postcode_v1')$$, '22023',
                 'nightjar: no reference named ''t_nope''', 'a version of an unknown reference');
SELECT lives_ok($$SELECT nightjar.add_reference_version('t_postcode', 'v1', 't_ref.postcode_v1')$$, 'add_reference_version');
SELECT throws_ok($$SELECT nightjar.add_reference_version('t_postcode', 'v1', 't_ref.postcode_v3')$$, '23505',
                 'nightjar: reference "t_postcode" already has a version "v1"', 'versions are immutable');
SELECT nightjar.add_reference_version('t_postcode', 'v2', 't_ref.postcode_v2');
SELECT nightjar.add_reference_version('t_postcode', 'v3', 't_ref.postcode_v3');
SELECT nightjar.add_reference_version('t_postcode', 'empty', 't_ref.postcode_empty');
SELECT nightjar.add_reference_version('t_postcode', 'v4', 't_ref.postcode_v4');

-- v1 passes.
SELECT is(nightjar.publish_reference('t_postcode', 'v1') - 'view',
          '{"published": true, "reference": "t_postcode", "version": "v1", "previous_version": null, "rows": 2}'::jsonb,
          'v1 passes and is published');
SELECT is((SELECT array_agg(town ORDER BY postcode) FROM nightjar_ref.t_postcode), ARRAY['Lyon', 'Paris'],
          'readers see v1 through nightjar_ref.t_postcode');

-- v2 fails its validation: v1 stays.
CREATE TEMP TABLE r2 AS SELECT nightjar.publish_reference('t_postcode', 'v2') AS r;
SELECT is((SELECT r ->> 'published' FROM r2), 'false', 'v2 is refused');
SELECT is((SELECT r -> 'problems' FROM r2), '["postcode 7501 is not 5 digits", "postcode 59000 has no town"]'::jsonb,
          'the result lists the problems (the first column of each row the validation returned)');
SELECT is((SELECT r ->> 'reason' FROM r2),
          'version v2 of t_postcode refused: 2 problem(s), the first: postcode 7501 is not 5 digits; readers stay on version v1',
          'and says why in one sentence');
SELECT is((SELECT array_agg(town ORDER BY postcode) FROM nightjar_ref.t_postcode), ARRAY['Lyon', 'Paris'],
          'readers still see v1');
SELECT is((SELECT published_version FROM nightjar.reference WHERE name = 't_postcode'), 'v1', 'v1 is still the published version');
SELECT is((SELECT status FROM nightjar.reference_version WHERE name = 't_postcode' AND version = 'v2'), 'refused',
          'v2 is marked refused, with its problems');

-- An empty snapshot is refused.
SELECT is(nightjar.publish_reference('t_postcode', 'empty') -> 'problems', '["the snapshot is empty"]', 'an empty snapshot is refused');

-- v3 passes: readers switch.
SELECT is(nightjar.publish_reference('t_postcode', 'v3') ->> 'previous_version', 'v1', 'v3 passes');
SELECT is((SELECT count(*) FROM nightjar_ref.t_postcode), 3::bigint, 'readers see v3');
SELECT is((SELECT array_agg(version || '=' || status ORDER BY version) FROM nightjar.reference_version WHERE name = 't_postcode'),
          ARRAY['empty=refused', 'v1=superseded', 'v2=refused', 'v3=published', 'v4=loaded'], 'version statuses');

-- A failing validation query refuses; it does not abort the transaction.
UPDATE nightjar.reference SET validation = 'SELECT 1/0 FROM {snapshot}' WHERE name = 't_postcode';
SELECT is(nightjar.publish_reference('t_postcode', 'v4') -> 'problems', '["the validation query failed: division by zero"]',
          'a validation query that errors refuses the version');
SELECT is((SELECT count(*) FROM nightjar_ref.t_postcode), 3::bigint, 'readers stay on v3');

-- New columns: the view is replaced (the old one had fewer columns).
UPDATE nightjar.reference SET validation = NULL WHERE name = 't_postcode';
SELECT is(nightjar.publish_reference('t_postcode', 'v4') ->> 'published', 'true', 'a version with another column passes');
SELECT is((SELECT department FROM nightjar_ref.t_postcode), '69', 'readers see its columns');
-- Back to fewer columns while a view depends on the reader view: refused, v4 stays.
CREATE VIEW t_ref.lyon AS SELECT department FROM nightjar_ref.t_postcode;
UPDATE nightjar.reference_version SET status = 'loaded' WHERE name = 't_postcode' AND version = 'v3';
SELECT is(nightjar.publish_reference('t_postcode', 'v3') ->> 'published', 'false',
          'dropping a column a dependent view uses is refused');
SELECT is((SELECT department FROM nightjar_ref.t_postcode), '69', 'readers stay on v4');
SELECT is((SELECT published_version FROM nightjar.reference WHERE name = 't_postcode'), 'v4', 'v4 is still published');

-- Unknown names.
SELECT throws_ok($$SELECT nightjar.publish_reference('t_postcode', 'v9')$$, '22023',
                 'nightjar: reference "t_postcode" has no version ''v9''', 'an unknown version');
SELECT throws_ok($$SELECT nightjar.publish_reference('t_nope', 'v1')$$, '22023',
                 'nightjar: no reference named ''t_nope''', 'an unknown reference');

SELECT * FROM finish();
ROLLBACK;
