-- resolve.sql: entity resolution's SQL API. Analyst functions on known values (published
-- Jaro-Winkler and Levenshtein examples, hand-computed ones); define_resolution errors
-- name the field, the input and the column (SQLSTATE 22023, 42P01, 42703); a hand-made
-- case of 12 records over 3 sources gives the expected entities; a rerun on unchanged
-- data gives the same pairs and entities; one_per_source splits a within-source
-- duplicate that linkage without it merges; a column dropped after definition is a
-- clear error at resolve time; resolve_step follows the step protocol; the result
-- tables are not members of the extension.
-- Everything runs in one rolled-back transaction.
BEGIN;
SELECT plan(65);
SET LOCAL client_min_messages = warning;

-- ---- analyst functions ------------------------------------------------------------------
SELECT ok(abs(nightjar.similarity('MARTHA', 'MARHTA', 'jaro_winkler') - 0.961111) < 1e-4,
          'jaro_winkler(MARTHA, MARHTA) = 0.9611 (Winkler 1990)');
SELECT ok(abs(nightjar.similarity('DIXON', 'DICKSONX', 'jaro_winkler') - 0.813333) < 1e-4,
          'jaro_winkler(DIXON, DICKSONX) = 0.8133 (Winkler 1990)');
SELECT ok(abs(nightjar.similarity('DIXON', 'DICKSONX', 'jaro') - 0.766667) < 1e-4,
          'jaro(DIXON, DICKSONX) = 0.7667');
SELECT ok(abs(nightjar.similarity('kitten', 'sitting', 'levenshtein') - (1 - 3.0 / 7)) < 1e-9,
          'levenshtein(kitten, sitting) = 1 - 3/7');
SELECT ok(abs(nightjar.similarity('Zoé', 'Zoe', 'levenshtein') - (1 - 1.0 / 3)) < 1e-9,
          'levenshtein counts code points, not bytes (Zoé / Zoe: 1 edit of 3)');
SELECT is(nightjar.similarity('jean martin', 'martin jean', 'token_set'), 1::float8,
          'token_set ignores token order');
SELECT is(nightjar.similarity('abc', 'abc', 'jaro_winkler'), 1::float8, 'identical strings: 1');
SELECT is(nightjar.similarity(NULL, 'abc', 'jaro_winkler'), NULL, 'STRICT: NULL in, NULL out');
SELECT throws_like($$SELECT nightjar.similarity('a', 'b', 'soundex_plus')$$,
                   '%unknown%soundex_plus%', 'an unknown method is refused and named');
SELECT is(nightjar.normalize_name('  ÉLODIE   Dupré '), 'elodie dupre',
          'normalize_name: lower case, no accents, one space');
SELECT is(nightjar.phonetic('Dupond'), nightjar.phonetic('Dupont'), 'phonetic: Dupond and Dupont share a key');
SELECT isnt(nightjar.phonetic('Martin'), nightjar.phonetic('Bernard'), 'phonetic: Martin and Bernard differ');
SELECT is(array_length(string_to_array(nightjar.phonetic('Jean Pierre Martin'), ' '), 1), 3,
          'phonetic: one key per word');
SELECT is((SELECT array_agg(p.provolatile::text || p.proparallel::text || p.proisstrict::text ORDER BY p.proname)
           FROM pg_proc p WHERE p.pronamespace = 'nightjar'::regnamespace
             AND p.proname IN ('similarity', 'normalize_name', 'phonetic')),
          ARRAY['istrue', 'istrue', 'istrue'], 'analyst functions are IMMUTABLE, PARALLEL SAFE and STRICT');

-- ---- the hand-made case: 12 records, 3 sources, 6 actors ---------------------------------
CREATE SCHEMA t_res;
CREATE TABLE t_res.a (id text PRIMARY KEY, name text, address text, postcode text, siret text,
                      lat float8, lon float8);
CREATE TABLE t_res.b (ref integer PRIMARY KEY, raison_sociale text, adresse text, cp text,
                      latitude float8, longitude float8);
CREATE TABLE t_res.c (code text, nom text, address text, postcode text, siret text);
INSERT INTO t_res.a VALUES
    ('a1', 'Boulangerie Martin', '12 rue de la Paix', '75002', '73282932000009', 48.86860, 2.33100),
    ('a2', 'Garage Dupont SARL', '5 avenue Jean Jaurès', '69007', '44306184100005', 45.74200, 4.84000),
    ('a3', 'Pharmacie du Centre', '1 place de la Mairie', '33000', '55203253400000', 44.83780, -0.57920),
    ('a4', 'Pharmacie du Centre', '8 rue Nationale', '59000', '38012986600006', 50.62920, 3.05730);
INSERT INTO t_res.b VALUES
    (1, 'BOULANGERIE MARTIN', '12 r. de la Paix', '75002', 48.86870, 2.33110),
    (2, 'Garage Dupond', '5 av Jean Jaures', '69007', 45.74210, 4.84010),
    (3, 'PHARMACIE DU CENTRE', '1 pl de la Mairie', '33000', 44.83790, -0.57930),
    (4, 'Café des Arts', '3 rue Victor Hugo', '13001', 43.29650, 5.36980);
INSERT INTO t_res.c VALUES
    ('c1', 'Boulangerie Martin', '12 rue de la Paix', '75002', '73282932000009'),
    ('c2', 'Dupont Garage', '5 avenue Jean-Jaurès', '69007', '443 061 841 00005'),
    ('c3', 'Pharmacie du Centre', '8 rue Nationale', '59000', '38012986600006'),
    ('c4', 'Menuiserie Lefèvre', '40 route de Lyon', '38000', '12345678200002');
CREATE FUNCTION pg_temp.config(inputs jsonb DEFAULT NULL, fields jsonb DEFAULT NULL,
                               one_per_source boolean DEFAULT true) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'inputs', coalesce(inputs, '[{"source": "a", "relation": "t_res.a", "key": "id"},
                                     {"source": "b", "relation": "t_res.b", "key": "ref",
                                      "columns": {"name": "raison_sociale", "address": "adresse", "postcode": "cp",
                                                  "location": {"lat": "latitude", "lon": "longitude"}}},
                                     {"source": "c", "relation": "t_res.c", "key": "code", "columns": {"name": "nom"}}]'),
        'fields', coalesce(fields, '[{"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
                                     {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
                                     {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}]'),
        'one_per_source', one_per_source)
$$;
-- entities(name) lists a resolution's entities as 'a:a1 b:1 c:c1' strings.
CREATE FUNCTION pg_temp.entities(p_name text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT string_agg(source || ':' || key, ' ' ORDER BY source, key)
    FROM nightjar.entity_member WHERE resolution = p_name GROUP BY entity_id
$$;

-- ---- define_resolution errors -------------------------------------------------------------
SELECT throws_ok($$SELECT nightjar.define_resolution('Bad Name', pg_temp.config())$$, '22023',
                 'nightjar: resolution name must match ^[a-z][a-z0-9_]{0,62}$, not ''Bad Name''',
                 'a bad resolution name is refused');
SELECT throws_like($$SELECT nightjar.define_resolution('t_res', pg_temp.config(fields => '[{"name": "postcode", "kind": "zip"}]'))$$,
                   'nightjar: resolution "t_res": field "postcode": unknown kind "zip"%',
                   'an unknown kind names the field and the kind');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(fields => '[{"name": "postcode", "kind": "zip"}]'))$$,
                 '22023', NULL, '... with SQLSTATE 22023');
SELECT throws_like($$SELECT nightjar.define_resolution('t_res', pg_temp.config(fields => '[{"name": "n", "kind": "name", "lat": "y"}]'))$$,
                   '%field "n": "lat" is only for geo fields%', 'a geo key on another kind names the field');
SELECT throws_like($$SELECT nightjar.define_resolution('t_res', pg_temp.config() || '{"treshold": 0.9}')$$,
                   '%unknown key "treshold"%', 'a mistyped top-level override is refused, not ignored');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs => '[]'))$$, '22023',
                 'nightjar: resolution "t_res": "inputs" must be a non-empty array of {"source", "relation", "key"} objects',
                 'no input is refused');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "a", "relation": "t_res.a", "key": "id"}, {"source": "b", "relation": "t_res.nope", "key": "ref"}]'))$$,
                 '42P01', 'nightjar: resolution "t_res": input 2 ("b"): relation "t_res.nope" does not exist',
                 'a missing relation names the input (42P01)');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "a", "relation": "t_res.a", "key": "identifier"}]'))$$,
                 '42703', 'nightjar: resolution "t_res": input 1 ("a"): key column "identifier" of relation t_res.a does not exist',
                 'a missing key column names the input and the column (42703)');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "c", "relation": "t_res.c", "key": "code", "columns": {"name": "raison_sociale"}}]'))$$,
                 '42703', 'nightjar: resolution "t_res": input 1 ("c"): column "raison_sociale" of relation t_res.c (field "name") does not exist',
                 'a column named in "columns" that does not exist is an error naming input, column and field');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "b", "relation": "t_res.b", "key": "ref", "columns": {"location": {"lat": "latitude", "lon": "lng"}}}]'))$$,
                 '42703', 'nightjar: resolution "t_res": input 1 ("b"): column "lng" of relation t_res.b (field "location") does not exist',
                 'a missing geo column is named');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "c", "relation": "t_res.c", "key": "code", "columns": {"nmae": "nom"}}]'))$$,
                 '22023', 'nightjar: resolution "t_res": input 1 ("c"): "columns" maps "nmae", which is not a field (fields: name, address, postcode, siret, location)',
                 '"columns" naming an unknown field is refused');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "a", "relation": "t_res.a", "key": "id"}, {"source": "a", "relation": "t_res.c", "key": "code"}]'))$$,
                 '22023', 'nightjar: resolution "t_res": input 2 ("a"): another input has the same source',
                 'two inputs with one source label are refused');
SELECT throws_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(inputs =>
                     '[{"source": "a", "relation": "t_res.a", "key": "id", "colums": {}}]'))$$,
                 '22023', 'nightjar: resolution "t_res": input 1: unknown key "colums" (known: source, relation, key, columns)',
                 'a mistyped input key is refused');
SELECT is((SELECT count(*) FROM nightjar.resolution WHERE name = 't_res'), 0::bigint, 'nothing was stored by the failures');

-- ---- define and resolve ---------------------------------------------------------------------
SELECT ok(nightjar.define_resolution('t_res', pg_temp.config()) > 0, 'define_resolution returns the id');
SELECT is((SELECT jsonb_array_length(levels) FROM nightjar.resolution WHERE name = 't_res'), 5,
          'the catalog names the levels of each of the 5 fields');
CREATE TEMP TABLE run1 AS SELECT nightjar.resolve('t_res') AS r;
SELECT is((SELECT (r ->> 'records')::int FROM run1), 12, 'resolve read 12 records');
SELECT ok((SELECT r ? 'candidate_pairs' AND r ? 'matches' AND r ? 'entities' AND r ? 'timings' FROM run1),
          'resolve returns candidate_pairs, matches, entities and timings');
SELECT set_eq($$SELECT pg_temp.entities('t_res')$$,
              ARRAY['a:a1 b:1 c:c1', 'a:a2 b:2 c:c2', 'a:a3 b:3', 'a:a4 c:c3', 'b:4', 'c:c4'],
              'the expected entities: typos, abbreviations, swapped words, spaced SIRET; same name in another town kept apart');
SELECT is((SELECT (r ->> 'entities')::int FROM run1), 6, 'the count of entities agrees');
SELECT is((SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_res' AND status = 'match'),
          (SELECT (r ->> 'matches')::bigint FROM run1), 'match_pair holds the matches it counts');
SELECT is((SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_res' AND status = 'match'
             AND NOT EXISTS (SELECT 1 FROM nightjar.entity_member x JOIN nightjar.entity_member y USING (resolution, entity_id)
                             WHERE x.resolution = 't_res' AND (x.source, x.key) = (source_a, key_a)
                               AND (y.source, y.key) = (source_b, key_b))),
          0::bigint, 'both records of every match share an entity');
SELECT is((SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_res'
             AND (cardinality(levels) <> 5 OR status NOT IN ('match', 'cut', 'review') OR probability NOT BETWEEN 0 AND 1)),
          0::bigint, 'every pair has 5 levels, a known status and a probability in [0, 1]');
SELECT ok((SELECT levels[4] IS NULL FROM nightjar.match_pair WHERE resolution = 't_res'
           AND source_a = 'a' AND key_a = 'a1' AND source_b = 'b' AND key_b = '1'),
          'a field an input lacks (b has no siret) has a NULL level');

-- ---- rerun on unchanged data ----------------------------------------------------------------
CREATE TEMP TABLE pairs1 AS SELECT source_a, key_a, source_b, key_b, probability, status, levels
                            FROM nightjar.match_pair WHERE resolution = 't_res';
CREATE TEMP TABLE members1 AS SELECT entity_id, source, key FROM nightjar.entity_member WHERE resolution = 't_res';
SELECT ok((nightjar.resolve('t_res') ->> 'records')::int = 12, 'a rerun succeeds');
SELECT set_eq($$SELECT source_a, key_a, source_b, key_b, probability, status, levels FROM nightjar.match_pair WHERE resolution = 't_res'$$,
              $$SELECT * FROM pairs1$$, 'a rerun gives the same pairs, probabilities and levels');
SELECT set_eq($$SELECT entity_id, source, key FROM nightjar.entity_member WHERE resolution = 't_res'$$,
              $$SELECT * FROM members1$$, 'a rerun gives the same entities with the same ids');
SELECT is((SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_res'), 12::bigint,
          'a rerun replaces the results (12 members, not 24)');
SELECT ok((SELECT resolved_at IS NOT NULL AND last_result ->> 'records' = '12' FROM nightjar.resolution WHERE name = 't_res'),
          'the catalog keeps the last result');
SELECT is((SELECT last_result ->> 'write_path' FROM nightjar.resolution WHERE name = 't_res'), 'heap',
          'results are written like COPY (table_multi_insert) into plain partitions');
-- The SQL write path: a partition with a row trigger cannot take rows that bypass it.
CREATE TABLE t_res.fired (tab text);
CREATE FUNCTION t_res.fire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO t_res.fired VALUES (TG_TABLE_NAME);
    RETURN NEW;
END $$;
CREATE TRIGGER t_res_fire AFTER INSERT ON nightjar.entity_member_t_res FOR EACH ROW EXECUTE FUNCTION t_res.fire();
CREATE TRIGGER t_res_fire AFTER INSERT ON nightjar.match_pair_t_res FOR EACH ROW EXECUTE FUNCTION t_res.fire();
SELECT is(nightjar.resolve('t_res') ->> 'write_path', 'sql', 'with a row trigger on the partitions, resolve writes through SQL');
SELECT ok((SELECT count(*) FROM t_res.fired WHERE tab = 'entity_member_t_res') = 12
          AND (SELECT count(*) FROM t_res.fired WHERE tab = 'match_pair_t_res') = (SELECT count(*) FROM pairs1),
          'the triggers saw every row');
SELECT set_eq($$SELECT source_a, key_a, source_b, key_b, probability, status, levels FROM nightjar.match_pair WHERE resolution = 't_res'
                UNION ALL SELECT entity_id::text, source, key, NULL, NULL, NULL, NULL FROM nightjar.entity_member WHERE resolution = 't_res'$$,
              $$SELECT * FROM pairs1 UNION ALL SELECT entity_id::text, source, key, NULL, NULL, NULL, NULL FROM members1$$,
              'both write paths store the same rows');
DROP TRIGGER t_res_fire ON nightjar.entity_member_t_res;
DROP TRIGGER t_res_fire ON nightjar.match_pair_t_res;

-- ---- one_per_source -------------------------------------------------------------------------
INSERT INTO t_res.a VALUES ('a5', 'Boulangerie Martin', '12 rue de la Paix', '75002', '73282932000009', 48.86861, 2.33101);
SELECT lives_ok($$SELECT nightjar.resolve('t_res')$$, 'resolve with a duplicate inside source a');
SELECT is((SELECT count(*) FROM (SELECT 1 FROM nightjar.entity_member WHERE resolution = 't_res'
                                 GROUP BY entity_id, source HAVING count(*) > 1) x), 0::bigint,
          'one_per_source: no entity holds two records of one source');
SELECT ok((SELECT count(*) FROM pg_temp.entities('t_res') e WHERE e IN ('a:a1 b:1 c:c1', 'a:a5 b:1 c:c1')) = 1
          AND (SELECT count(*) FROM pg_temp.entities('t_res') e WHERE e IN ('a:a1', 'a:a5')) = 1,
          'one_per_source: one of the duplicates joins the bakery, the other stands alone');
SELECT ok((SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_res' AND status = 'cut') > 0,
          'one_per_source: the refused links are kept with status cut');
SELECT lives_ok($$SELECT nightjar.define_resolution('t_res_dedup', pg_temp.config(one_per_source => false))$$,
                'a second resolution over the same inputs, deduplicating within sources');
SELECT lives_ok($$SELECT nightjar.resolve('t_res_dedup')$$, 'it resolves');
SELECT ok('a:a1 a:a5 b:1 c:c1' IN (SELECT pg_temp.entities('t_res_dedup')),
          'one_per_source false: the within-source duplicate joins its entity');
SELECT is((SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_res'), 13::bigint,
          'each resolution keeps its own results');

-- ---- inputs that changed after definition -----------------------------------------------------
ALTER TABLE t_res.c RENAME COLUMN nom TO nom_commercial;
SELECT throws_ok($$SELECT nightjar.resolve('t_res')$$, '42703',
                 'nightjar: resolution "t_res": input 3 ("c"): column "nom" of relation t_res.c (field "name") does not exist',
                 'a mapped column gone since definition is a clear error at resolve time');
ALTER TABLE t_res.c RENAME COLUMN nom_commercial TO nom;
INSERT INTO t_res.c VALUES ('c4', 'Menuiserie Lefèvre', '40 route de Lyon', '38000', NULL);
SELECT throws_ok($$SELECT nightjar.resolve('t_res')$$, '22000',
                 'nightjar: resolution "t_res": input "c": key "c4" appears more than once',
                 'a key seen twice in one input is an error naming it');
DELETE FROM t_res.c WHERE siret IS NULL;
SELECT throws_ok($$SELECT nightjar.resolve('nope')$$, '22023', 'nightjar: no resolution named ''nope''',
                 'an unknown resolution is refused');

-- ---- the step protocol, ownership -------------------------------------------------------------
SELECT is((SELECT jsonb_build_object('in', r -> 'rows_in', 'out', r -> 'rows_out', 'payload', r -> 'payload')
           FROM (SELECT nightjar.resolve_step('{"resolution": "t_res"}') AS r) x),
          '{"in": 13, "out": 7, "payload": {"resolutions": ["t_res"]}}'::jsonb,
          'resolve_step returns rows_in (records), rows_out (entities) and the payload');
SELECT is((SELECT nightjar.resolve_step('{"source": "b"}') -> 'payload'),
          '{"resolutions": ["t_res", "t_res_dedup"]}'::jsonb, 'a "source" payload runs every resolution reading it');
SELECT is((SELECT count(*) FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
             AND d.objid IN ('nightjar.match_pair'::regclass, 'nightjar.entity_member'::regclass)), 0::bigint,
          'match_pair and entity_member are not members of the extension');

-- ---- redefinition ----------------------------------------------------------------------------
SELECT lives_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config())$$, 'the same definition again');
SELECT is((SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_res'), 13::bigint,
          'an unchanged definition keeps the results');
SELECT lives_ok($$SELECT nightjar.define_resolution('t_res', pg_temp.config(fields => '[{"name": "name", "kind": "name"},
                    {"name": "address", "kind": "address"}, {"name": "postcode", "kind": "code"},
                    {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}]'))$$,
                'a definition with other fields (no siret)');
SELECT ok((SELECT count(*) FROM nightjar.entity_member WHERE resolution = 't_res') = 0
          AND (SELECT count(*) FROM nightjar.match_pair WHERE resolution = 't_res') = 0
          AND (SELECT last_result IS NULL AND resolved_at IS NULL FROM nightjar.resolution WHERE name = 't_res'),
          'changed fields empty the earlier results, whose levels meant other fields');

SELECT * FROM finish();
ROLLBACK;
