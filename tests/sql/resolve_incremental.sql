-- resolve_incremental.sql: nightjar.resolve(name, mode => 'incremental') and the link
-- constraints resolve honours. On hand-made tables (the worked example of
-- docs/resolution.md, 12 records over 3 sources): an unknown mode is refused (22023); the
-- first incremental run falls back to a full one and says so; a full run stores its model
-- and model => 'frozen' reuses it; an incremental run on unchanged data compares nothing
-- and changes nothing; after an insert, an update and a delete it counts them and gives
-- the entities of a full run with the same frozen model; consolidate keeps every entity
-- id whose records did not change, and retires the entity of a deleted lone record. On the
-- worked example of docs/consolidation.md (its two
-- pairs put in the review band by a match_threshold of 0.999): accepting a merge suggestion joins the two records in the next
-- incremental and full resolve (consolidate then has nothing left to join), a cannot-link
-- (what rejecting a split stores) separates matched records in both modes.
-- Everything runs in one rolled-back transaction.
BEGIN;
SELECT plan(40);
SET LOCAL client_min_messages = warning;

CREATE SCHEMA t_inc;
CREATE TABLE t_inc.shops_a (id text PRIMARY KEY, name text, address text, postcode text, siret text, lat float8, lon float8);
CREATE TABLE t_inc.shops_b (ref integer PRIMARY KEY, raison_sociale text, adresse text, cp text, latitude float8, longitude float8);
CREATE TABLE t_inc.companies (code text PRIMARY KEY, nom text, address text, postcode text, siret text);
INSERT INTO t_inc.shops_a VALUES
  ('a1', 'Boulangerie Martin', '12 rue de la Paix', '75002', '73282932000009', 48.8686, 2.3310),
  ('a2', 'Garage Dupont SARL', '5 avenue Jean Jaurès', '69007', '44306184100005', 45.7420, 4.8400),
  ('a3', 'Pharmacie du Centre', '1 place de la Mairie', '33000', '55203253400000', 44.8378, -0.5792),
  ('a4', 'Pharmacie du Centre', '8 rue Nationale', '59000', '38012986600006', 50.6292, 3.0573);
INSERT INTO t_inc.shops_b VALUES
  (1, 'BOULANGERIE MARTIN', '12 r. de la Paix', '75002', 48.8687, 2.3311),
  (2, 'Garage Dupond', '5 av Jean Jaures', '69007', 45.7421, 4.8401),
  (3, 'PHARMACIE DU CENTRE', '1 pl de la Mairie', '33000', 44.8379, -0.5793),
  (4, 'Café des Arts', '3 rue Victor Hugo', '13001', 43.2965, 5.3698);
INSERT INTO t_inc.companies VALUES
  ('c1', 'Boulangerie Martin', '12 rue de la Paix', '75002', '73282932000009'),
  ('c2', 'Dupont Garage', '5 avenue Jean-Jaurès', '69007', '443 061 841 00005'),
  ('c3', 'Pharmacie du Centre', '8 rue Nationale', '59000', '38012986600006'),
  ('c4', 'Menuiserie Lefèvre', '40 route de Lyon', '38000', '12345678200002');
SELECT nightjar.define_resolution('t_inc', '{
  "inputs": [
    {"source": "shops_a", "relation": "t_inc.shops_a", "key": "id"},
    {"source": "shops_b", "relation": "t_inc.shops_b", "key": "ref",
     "columns": {"name": "raison_sociale", "address": "adresse", "postcode": "cp",
                 "location": {"lat": "latitude", "lon": "longitude"}}},
    {"source": "companies", "relation": "t_inc.companies", "key": "code", "columns": {"name": "nom"}}
  ],
  "fields": [
    {"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
    {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
    {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}
  ],
  "one_per_source": true}') \g /dev/null

-- partition returns a resolution's entities as text: each entity's records, sorted.
CREATE FUNCTION pg_temp.partition(p_name text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(m, ' | ' ORDER BY m) FROM (
        SELECT string_agg(source || ':' || key, ',' ORDER BY source, key) AS m
        FROM nightjar.entity_member WHERE resolution = p_name GROUP BY entity_id) x
$$;

-- ---- modes -----------------------------------------------------------------------------------
SELECT throws_ok($$SELECT nightjar.resolve('t_inc', mode => 'fast')$$, '22023',
                 'nightjar: resolve: unknown mode ''fast''', 'an unknown mode is refused and named');
SELECT throws_ok($$SELECT nightjar.resolve('t_inc', model => 'guess')$$, '22023',
                 'nightjar: resolve: unknown model ''guess''', 'an unknown model is refused and named');
SELECT throws_like($$SELECT nightjar.resolve('t_inc', model => 'frozen')$$,
                   '%has no stored model%', 'model => frozen before any full run is refused');
SELECT throws_like($$SELECT nightjar.resolve('t_inc', 'incremental', 'estimate')$$,
                   '%incremental run scores with the model of the last full run%',
                   'an incremental run never estimates');
CREATE TEMP TABLE run0 AS SELECT nightjar.resolve('t_inc', mode => 'incremental') AS r;
SELECT is((SELECT r ->> 'mode' FROM run0), 'full', 'the first incremental run is a full one');
SELECT alike((SELECT r ->> 'fallback' FROM run0), 'no previous full run%', '... and says why');
SELECT isnt((SELECT model_state FROM nightjar.resolution WHERE name = 't_inc'), NULL,
            'a full run stores its model');
SELECT is((SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_inc' AND fingerprint IS NULL), 0::bigint,
          'every member has a fingerprint');
CREATE TEMP TABLE part0 AS SELECT pg_temp.partition('t_inc') AS p;
SELECT is(pg_temp.partition('t_inc'),
          'companies:c1,shops_a:a1,shops_b:1 | companies:c2,shops_a:a2,shops_b:2 | companies:c3,shops_a:a4 | companies:c4 | shops_a:a3,shops_b:3 | shops_b:4',
          'the worked example''s six entities');

-- ---- nothing changed ---------------------------------------------------------------------------
CREATE TEMP TABLE run1 AS SELECT nightjar.resolve('t_inc', mode => 'incremental') AS r;
SELECT is((SELECT jsonb_build_object('mode', r -> 'mode', 'model', r -> 'model_source', 'new', r -> 'new_records',
                                     'changed', r -> 'changed_records', 'deleted', r -> 'deleted_records',
                                     'compared', r -> 'compared_pairs', 'kept', r -> 'kept_pairs',
                                     'entities_changed', r -> 'entities_changed') FROM run1),
          '{"mode": "incremental", "model": "frozen", "new": 0, "changed": 0, "deleted": 0, "compared": 0,
            "kept": 8, "entities_changed": 0}'::jsonb,
          'unchanged data: nothing compared, the 8 stored pairs kept, no entity changed');
SELECT is(pg_temp.partition('t_inc'), (SELECT p FROM part0), 'unchanged data: the same entities');
SELECT is((SELECT r -> 'rows_written' || r -> 'rows_deleted' FROM run1), '{"members": 0, "pairs": 0}'::jsonb,
          'unchanged data: no stored row written nor deleted');
SELECT is((SELECT r ->> 'model_source' FROM (SELECT nightjar.resolve('t_inc', model => 'frozen') AS r) x), 'frozen',
          'model => frozen: a full run with the stored model');

-- ---- stable ids through consolidate ------------------------------------------------------------
SELECT nightjar.define_consolidation('t_inc') \g /dev/null
SELECT nightjar.consolidate('t_inc') \g /dev/null
CREATE TEMP TABLE ids0 AS SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 't_inc';
SELECT is((SELECT (nightjar.consolidate('t_inc') -> 'counts' ->> 'unchanged')::int), 6,
          'consolidate after an incremental run on unchanged data: the 6 entities unchanged');

-- ---- a night with an insert, an update and a delete -------------------------------------------
INSERT INTO t_inc.shops_b VALUES (5, 'Menuiserie Lefevre', '40 rte de Lyon', '38000', 45.19, 5.72);
UPDATE t_inc.shops_b SET raison_sociale = 'Café des Arts et Lettres' WHERE ref = 4;
DELETE FROM t_inc.companies WHERE code = 'c2';
CREATE TEMP TABLE run2 AS SELECT nightjar.resolve('t_inc', mode => 'incremental') AS r;
SELECT is((SELECT jsonb_build_object('new', r -> 'new_records', 'changed', r -> 'changed_records',
                                     'deleted', r -> 'deleted_records', 'entities_changed', r -> 'entities_changed') FROM run2),
          '{"new": 1, "changed": 1, "deleted": 1, "entities_changed": 2}'::jsonb,
          'an insert, an update and a delete are counted; 2 entities changed (c4 joined, c2 left)');
SELECT ok((SELECT (r ->> 'compared_pairs')::int BETWEEN 1 AND 4 FROM run2),
          'only the pairs of the new and the changed record were compared');
SELECT is(pg_temp.partition('t_inc'),
          'companies:c1,shops_a:a1,shops_b:1 | companies:c3,shops_a:a4 | companies:c4,shops_b:5 | shops_a:a2,shops_b:2 | shops_a:a3,shops_b:3 | shops_b:4',
          'incremental: the new record joins its entity, the deleted one left its entity');
SELECT ok((SELECT (r -> 'rows_written' ->> 'members')::int BETWEEN 2 AND 4
                  AND (r -> 'rows_deleted' ->> 'members')::int BETWEEN 2 AND 4 FROM run2),
          'only the members of the new, changed and deleted records and of the entities they moved are rewritten');
CREATE TEMP TABLE part2 AS SELECT pg_temp.partition('t_inc') AS p;
CREATE TEMP TABLE rows2 AS
    SELECT source_a, key_a, source_b, key_b, status, probability, match_weight, levels::text AS l, NULL::bigint AS fp
    FROM nightjar.match_pair WHERE resolution = 't_inc'
    UNION ALL SELECT source, key, NULL, NULL, NULL, NULL, NULL, NULL, fingerprint
    FROM nightjar.entity_member WHERE resolution = 't_inc';
SELECT nightjar.resolve('t_inc', model => 'frozen') \g /dev/null
SELECT is(pg_temp.partition('t_inc'), (SELECT p FROM part2),
          'a full run with the same frozen model gives the same entities');
SELECT set_eq($$SELECT source_a, key_a, source_b, key_b, status, levels::text, NULL::bigint
               FROM nightjar.match_pair WHERE resolution = 't_inc'
               UNION ALL SELECT source, key, NULL, NULL, NULL, NULL, fingerprint
               FROM nightjar.entity_member WHERE resolution = 't_inc'$$,
              $$SELECT source_a, key_a, source_b, key_b, status, l, fp FROM rows2$$,
              '... the same pairs (status, levels) and fingerprints as the incremental run left in place');
SELECT cmp_ok((SELECT max(abs(p.match_weight - r.match_weight)) FROM nightjar.match_pair p
               JOIN rows2 r USING (source_a, key_a, source_b, key_b) WHERE p.resolution = 't_inc'), '<=', 0.1001::real,
              '... with weights within 0.1 bit of the full run''s');
SELECT is((SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_inc'), (SELECT count(*) FROM rows2 WHERE fp IS NULL),
          '... and no pair twice');
SELECT nightjar.resolve('t_inc', mode => 'incremental') \g /dev/null
CREATE TEMP TABLE cons2 AS SELECT nightjar.consolidate('t_inc') -> 'counts' AS c;
SELECT is((SELECT jsonb_build_object('added', c -> 'member_added', 'removed', c -> 'member_removed',
                                     'content', c -> 'content_changed', 'created', c -> 'created', 'merged', c -> 'merged')
           FROM cons2),
          '{"added": 1, "removed": 1, "content": 1, "created": 0, "merged": 0}'::jsonb,
          'consolidate after it: one member added, one removed, one record''s content changed, no new entity');
SELECT is((SELECT count(*) FROM ids0 i JOIN nightjar.entity_record e USING (source, key)
           WHERE e.resolution = 't_inc' AND e.entity_id <> i.entity_id), 0::bigint,
          'every record still there keeps its entity id');
SELECT is((SELECT (nightjar.consolidate('t_inc') -> 'counts' ->> 'unchanged')::int), 6,
          'and a run where nothing changed changes no id');

-- ---- link constraints: accept and reject -------------------------------------------------------
CREATE TABLE t_inc.registry (siret text PRIMARY KEY, denomination text, address text, town text, phone text);
CREATE TABLE t_inc.directory (ref text PRIMARY KEY, name text, address text, town text, siret text, phone text);
INSERT INTO t_inc.registry VALUES
  ('73282932000074', 'BOULANGERIE MARTIN', '12 rue de la République', 'Lyon', NULL),
  ('55208131766522', 'GARAGE DUPONT SARL', '3 avenue Jean Jaurès', 'Paris', NULL),
  ('40483304800022', 'PHARMACIE CENTRALE', '1 place du Marché', 'Lille', '03 20 00 00 03');
INSERT INTO t_inc.directory VALUES
  ('d-17', 'Boulangerie Martin', '12 r. de la République', 'LYON', '73282932000074', '04 78 00 00 01'),
  ('d-18', 'Garage Dupont', '3 av. Jean Jaurès', 'PARIS', '55208131766522', '01 40 00 00 02'),
  ('d-19', 'Fleurs de Lille', '8 rue Nationale', 'Lille', NULL, '03 20 00 00 09');
SELECT nightjar.define_resolution('t_inc_rev', '{
  "inputs": [{"source": "registry",  "relation": "t_inc.registry",  "key": "siret",
              "columns": {"name": "denomination", "siret": "siret"}},
             {"source": "directory", "relation": "t_inc.directory", "key": "ref"}],
  "fields": [{"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
             {"name": "siret", "kind": "identifier"}],
  "one_per_source": true, "match_threshold": 0.999, "review_threshold": 0.1}') \g /dev/null
SELECT nightjar.resolve('t_inc_rev') \g /dev/null
SELECT nightjar.define_consolidation('t_inc_rev') \g /dev/null
SELECT nightjar.consolidate('t_inc_rev') \g /dev/null
SELECT is((SELECT count(*) FROM nightjar_api.suggestion WHERE resolution = 't_inc_rev'), 2::bigint,
          'two review-band pairs: two merge suggestions');
SELECT is(pg_temp.partition('t_inc_rev') LIKE '%directory:d-17,registry:73282932000074%', false,
          'before the decision, resolve keeps the bakery''s records apart');
SELECT nightjar.accept_suggestion(suggestion_id) FROM nightjar_api.suggestion
WHERE resolution = 't_inc_rev' AND key_a = 'd-17' \g /dev/null
SELECT nightjar.reject_suggestion(suggestion_id) FROM nightjar_api.suggestion
WHERE resolution = 't_inc_rev' AND key_a = 'd-18' \g /dev/null
CREATE TEMP TABLE rev1 AS SELECT nightjar.resolve('t_inc_rev', mode => 'incremental') AS r;
SELECT is((SELECT (r ->> 'must_links')::int FROM rev1), 1, 'the incremental run applies the accepted merge');
SELECT ok(pg_temp.partition('t_inc_rev') LIKE '%directory:d-17,registry:73282932000074%',
          '... the bakery''s two records are one entity');
SELECT ok(pg_temp.partition('t_inc_rev') NOT LIKE '%directory:d-18,registry:%',
          '... the rejected garage pair stays apart');
CREATE TEMP TABLE rev_part AS SELECT pg_temp.partition('t_inc_rev') AS p;
SELECT nightjar.resolve('t_inc_rev') \g /dev/null
SELECT is(pg_temp.partition('t_inc_rev'), (SELECT p FROM rev_part), 'a full run honours the same decisions');
SELECT is((SELECT (nightjar.consolidate('t_inc_rev') -> 'counts' ->> 'must_joined')::int), 0,
          'consolidate finds the must-link applied already: nothing left to join');
-- A cannot-link between two records resolve matches (what rejecting a split stores).
INSERT INTO nightjar.link_constraint (resolution, source_a, key_a, source_b, key_b, kind)
VALUES ('t_inc', 'shops_a', 'a1', 'shops_b', '1', 'cannot_link');
CREATE TEMP TABLE cut1 AS SELECT nightjar.resolve('t_inc', mode => 'incremental') AS r;
SELECT ok((SELECT (r ->> 'cannot_link_cuts')::int >= 1 FROM cut1), 'the cannot-link cuts a link (incremental)');
SELECT is((SELECT count(DISTINCT entity_id) FROM nightjar.entity_member
           WHERE resolution = 't_inc' AND (source, key) IN (('shops_a', 'a1'), ('shops_b', '1'))), 2::bigint,
          '... a1 and b1 are in two entities');
CREATE TEMP TABLE cut_part AS SELECT pg_temp.partition('t_inc') AS p;
SELECT nightjar.resolve('t_inc', model => 'frozen') \g /dev/null
SELECT is(pg_temp.partition('t_inc'), (SELECT p FROM cut_part), 'a full run cuts the same link');
SELECT is((SELECT (nightjar.consolidate('t_inc') -> 'counts' ->> 'cannot_split')::int), 0,
          'consolidate has nothing left to split');

-- A record that was alone in its entity goes: the entity is retired.
DELETE FROM t_inc.shops_b WHERE ref = 4;
SELECT nightjar.resolve('t_inc', mode => 'incremental') \g /dev/null
SELECT is((SELECT (nightjar.consolidate('t_inc') -> 'counts' ->> 'retired')::int), 1,
          'the café deleted, its entity (the café alone) is retired');
SELECT is((SELECT e.status FROM nightjar.entity e JOIN ids0 i USING (entity_id) WHERE i.source = 'shops_b' AND i.key = '4'),
          'retired', '... and nightjar.entity says so');

-- ---- the step ----------------------------------------------------------------------------------
SELECT is((SELECT r -> 'counts' -> 't_inc' ->> 'mode' FROM (SELECT nightjar.resolve_step('{"resolution": "t_inc"}') AS r) x),
          'incremental', 'resolve_step runs incrementally once a full run stored the model');
SELECT is((SELECT r -> 'counts' -> 't_inc' ->> 'changed_records' FROM (SELECT nightjar.resolve_step('{"resolution": "t_inc"}') AS r) x),
          '0', '... and reports what changed');

SELECT * FROM finish();
ROLLBACK;
