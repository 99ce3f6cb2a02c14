-- consolidate.sql: nightjar.consolidate over several "nights". Resolution's output
-- (nightjar.entity_member, match_pair) is written by hand here (pg_temp.night), so each
-- night's clusters are exactly the ones a case needs: stable ids when nothing changed,
-- content changes, merge (the oldest entity survives), split (the largest part keeps the
-- id), retirement, new members, manual corrections that survive runs, provenance for every
-- golden field, review-band suggestions accepted and rejected and honoured by the next
-- run, survivorship config errors and rules, custom functions, the step. One transaction,
-- rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(76);
SELECT nightjar.ensure_storage() \g /dev/null

CREATE SCHEMA t_cons;
CREATE TABLE t_cons.shops_a (id text PRIMARY KEY, name text, city text, siret text, phone text, updated_at timestamptz);
CREATE TABLE t_cons.shops_b (ref text PRIMARY KEY, raison_sociale text, city text, siret text, phone text,
                             updated_at timestamptz);
INSERT INTO t_cons.shops_a VALUES
    ('a1', 'Boulangerie Martin', 'Lyon', '73282932000074', '0478000001', '2024-01-01'),
    ('a2', 'Garage Dupont', 'Paris', '55208131766522', NULL, '2024-01-01'),
    ('a3', 'Pharmacie Centrale', 'Lille', '40483304800022', '0320000003', '2024-01-01');
INSERT INTO t_cons.shops_b VALUES
    ('b1', 'Boulangerie Martin SARL', 'Lyon', '73282932000074', NULL, '2024-03-01'),
    ('b2', 'Garage Dupond', 'Paris', '55208131766522', '0140000002', '2024-03-01'),
    ('b3', 'Pharmacie Centrale Lille', 'Lille', '40483304800022', '0320000099', '2024-03-01');
SELECT nightjar.define_resolution('t_cons', '{
  "inputs": [{"source": "shops_a", "relation": "t_cons.shops_a", "key": "id"},
             {"source": "shops_b", "relation": "t_cons.shops_b", "key": "ref", "columns": {"name": "raison_sociale"}}],
  "fields": [{"name": "name", "kind": "name"}, {"name": "city", "kind": "text"}, {"name": "siret", "kind": "identifier"}],
  "one_per_source": true}') \g /dev/null

-- night writes one night of resolution output: clusters as {{label, source, key}, ...}.
CREATE FUNCTION pg_temp.night(p_clusters text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nightjar.ensure_storage();
    IF nightjar._resolution_partition('entity_member', 't_cons') IS NULL THEN
        PERFORM nightjar._resolution_partitions('t_cons');  -- creates them
    END IF;
    DELETE FROM nightjar.entity_member WHERE resolution = 't_cons';
    INSERT INTO nightjar.entity_member (resolution, entity_id, source, key)
    SELECT 't_cons', p_clusters[i][1]::bigint, p_clusters[i][2], p_clusters[i][3] FROM generate_subscripts(p_clusters, 1) i;
    UPDATE nightjar.resolution SET resolved_at = now() WHERE name = 't_cons';
END $$;
-- ent returns the stable entity of a record.
CREATE FUNCTION pg_temp.ent(p_source text, p_key text) RETURNS bigint LANGUAGE sql AS $$
    SELECT entity_id FROM nightjar.entity_record WHERE resolution = 't_cons' AND source = p_source AND key = p_key
$$;
-- run consolidates and returns its counts.
CREATE FUNCTION pg_temp.run() RETURNS jsonb LANGUAGE sql AS $$ SELECT nightjar.consolidate('t_cons') -> 'counts' $$;
CREATE TEMP TABLE snap (source text, key text, entity_id bigint);
CREATE FUNCTION pg_temp.snapshot() RETURNS void LANGUAGE sql AS $$
    DELETE FROM snap;
    INSERT INTO snap SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 't_cons';
$$;
CREATE FUNCTION pg_temp.ids_changed() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM snap s FULL JOIN (SELECT * FROM nightjar.entity_record WHERE resolution = 't_cons') e
      USING (source, key) WHERE s.entity_id IS DISTINCT FROM e.entity_id
$$;
-- provenance_gaps counts golden fields without provenance and provenance rows without a field.
CREATE FUNCTION pg_temp.provenance_gaps() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (SELECT g.entity_id, f.key AS field FROM nightjar.golden_record g, jsonb_object_keys(g.fields) f(key)
                          WHERE g.resolution = 't_cons') gf
    FULL JOIN (SELECT s.entity_id, s.field FROM nightjar.entity_field_source s
               JOIN nightjar.golden_record g USING (entity_id) WHERE g.resolution = 't_cons') p USING (entity_id, field)
    WHERE gf.field IS NULL OR p.field IS NULL
$$;
CREATE FUNCTION pg_temp.golden(p_entity bigint, p_field text) RETURNS text LANGUAGE sql AS $$
    SELECT fields ->> p_field FROM nightjar_api.golden_record WHERE entity_id = p_entity
$$;
CREATE FUNCTION pg_temp.rule(p_entity bigint, p_field text) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws('/', rule, source, key) FROM nightjar_api.entity_field_source WHERE entity_id = p_entity AND field = p_field
$$;

-- ---- before any resolve -------------------------------------------------------------
SELECT throws_ok($$SELECT nightjar.consolidate('t_cons')$$, '55000',
                 'nightjar: resolution "t_cons" has not been resolved yet', 'consolidate needs a resolve first');
SELECT throws_ok($$SELECT nightjar.consolidate('t_nope')$$, '22023', 'nightjar: no resolution named ''t_nope''',
                 'an unknown resolution is named');

-- ---- night 1: four entities ------------------------------------------------------------
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{2,shops_a,a2},{2,shops_b,b2},{3,shops_a,a3},{4,shops_b,b3}}');
SELECT is(pg_temp.run() ->> 'created', '4', 'night 1: four entities created');
SELECT is((SELECT count(*) FROM nightjar.entity WHERE resolution = 't_cons' AND status = 'active'), 4::bigint,
          'four active entities');
SELECT is((SELECT count(*) FROM nightjar_api.golden_record WHERE resolution = 't_cons'), 4::bigint,
          'one golden record per entity (nightjar_api.golden_record)');
SELECT is(pg_temp.provenance_gaps(), 0::bigint, 'every golden field has exactly one provenance row');
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a2'), 'phone'), '0140000002',
          'default rules: first non-empty in ranking order (b2 is the most complete record)');
SELECT is(pg_temp.rule(pg_temp.ent('shops_a', 'a2'), 'phone'), 'first_non_empty/shops_b/b2', 'and its provenance');
SELECT is(pg_temp.golden(pg_temp.ent('shops_b', 'b1'), 'name'), 'Boulangerie Martin',
          'renamed column raison_sociale is field name; the parent is a1 (more complete)');
SELECT is((SELECT parent_source || '/' || parent_key FROM nightjar_api.golden_record WHERE entity_id = pg_temp.ent('shops_a', 'a1')),
          'shops_a/a1', 'parent record: most complete');
SELECT is((SELECT count(*) FROM nightjar.entity_event WHERE resolution = 't_cons' AND kind = 'created'), 4::bigint,
          'four created events');
SELECT pg_temp.snapshot();

-- ---- night 2: nothing changed ----------------------------------------------------------
SELECT pg_temp.night('{{70,shops_a,a1},{70,shops_b,b1},{9,shops_a,a2},{9,shops_b,b2},{3,shops_a,a3},{5,shops_b,b3}}');
SELECT is(pg_temp.run(), pg_temp.run() , 'a rerun of an unchanged night gives the same counts');
SELECT is(pg_temp.ids_changed(), 0::bigint, 'nothing changed (cluster labels renumbered): 0 entity ids changed');
SELECT is((SELECT count(*) FROM nightjar.entity_event WHERE resolution = 't_cons'), 4::bigint, 'and no event');
SELECT is((nightjar.consolidate('t_cons') -> 'counts') - ARRAY['unchanged'],
          '{"split": 0, "merged": 0, "changed": 0, "created": 0, "retired": 0, "conflicts": 0, "must_joined": 0,
            "cannot_split": 0, "member_added": 0, "skipped_gone": 0, "member_removed": 0, "content_changed": 0,
            "suggestions_new": 0, "golden_recomputed": 0, "suggestions_touched": 0, "suggestions_obsolete": 0}'::jsonb,
          'and nothing recomputed');

-- ---- a record's content changes ---------------------------------------------------------
UPDATE t_cons.shops_a SET phone = '0478999999' WHERE id = 'a1';
SELECT is(pg_temp.run() ->> 'golden_recomputed', '1', 'a changed record recomputes its entity''s golden record only');
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'phone'), '0478999999', 'with the new value');
SELECT is(pg_temp.ids_changed(), 0::bigint, 'and no id changes');

-- ---- manual correction -------------------------------------------------------------------
SELECT lives_ok(format($$SELECT nightjar.correct_entity(%s, 'name', '"Boulangerie Martin & Fils"', 'seen on site')$$,
                       pg_temp.ent('shops_a', 'a1')), 'correct_entity');
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'name'), 'Boulangerie Martin & Fils', 'shows at once');
SELECT is(pg_temp.rule(pg_temp.ent('shops_a', 'a1'), 'name'), 'manual', 'provenance says manual');
SELECT is((SELECT who FROM nightjar.entity_correction WHERE entity_id = pg_temp.ent('shops_a', 'a1')), current_user::text,
          'with who');
UPDATE t_cons.shops_a SET name = 'Boulangerie Martine' WHERE id = 'a1';
SELECT pg_temp.run();
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'name'), 'Boulangerie Martin & Fils',
          'the correction survives a run that recomputed the entity');
SELECT is(pg_temp.provenance_gaps(), 0::bigint, 'provenance still complete');
SELECT ok(nightjar.remove_correction(pg_temp.ent('shops_a', 'a1'), 'name'), 'remove_correction');
SELECT pg_temp.run();
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'name'), 'Boulangerie Martine', 'the next run recomputes the field');
SELECT throws_ok($$SELECT nightjar.correct_entity(-1, 'name', '"x"')$$, '22023', 'nightjar: entity -1 is unknown',
                 'correcting an unknown entity');

-- ---- merge: the oldest entity survives -----------------------------------------------------
-- Make b3's entity the older one: it must survive although a3 comes first.
UPDATE nightjar.entity SET created_at = created_at - interval '1 day' WHERE entity_id = pg_temp.ent('shops_b', 'b3');
CREATE TEMP TABLE before_merge AS SELECT pg_temp.ent('shops_a', 'a3') AS e_a3, pg_temp.ent('shops_b', 'b3') AS e_b3;
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{2,shops_a,a2},{2,shops_b,b2},{3,shops_a,a3},{3,shops_b,b3}}');
SELECT is(pg_temp.run() ->> 'merged', '1', 'merge: one merged event');
SELECT is(pg_temp.ent('shops_a', 'a3'), (SELECT e_b3 FROM before_merge), 'the older entity (b3''s) survives');
SELECT is((SELECT status || ' into ' || merged_into FROM nightjar.entity WHERE entity_id = (SELECT e_a3 FROM before_merge)),
          'merged into ' || (SELECT e_b3 FROM before_merge), 'the other one is merged into it');
SELECT is((SELECT current_id FROM nightjar_api.entity_redirect WHERE entity_id = (SELECT e_a3 FROM before_merge)),
          (SELECT e_b3 FROM before_merge), 'entity_redirect sends the old id to the survivor');
SELECT is((SELECT other_entity FROM nightjar.entity_event WHERE kind = 'merged' AND entity_id = (SELECT e_a3 FROM before_merge)),
          (SELECT e_b3 FROM before_merge), 'the merged event names the survivor');
SELECT is((SELECT count(*) FROM nightjar.golden_record WHERE entity_id = (SELECT e_a3 FROM before_merge)), 0::bigint,
          'the absorbed entity has no golden record any more');
SELECT is(pg_temp.provenance_gaps(), 0::bigint, 'provenance complete after the merge');

-- ---- a new member, then a split: the largest part keeps the id ------------------------------
SELECT nightjar.correct_entity(pg_temp.ent('shops_a', 'a3'), 'city', '"Lille Centre"');
INSERT INTO t_cons.shops_a VALUES ('a4', 'Pharmacie Centrale', 'Lille', '40483304800022', NULL, '2024-04-01');
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{2,shops_a,a2},{2,shops_b,b2},{3,shops_b,b3},{3,shops_a,a4},{3,shops_a,a3}}');
SELECT is(pg_temp.run() ->> 'member_added', '1', 'a new record joining an entity is a member_added event');
SELECT is((SELECT entity_id FROM nightjar.entity_event WHERE kind = 'member_added' AND key = 'a4'),
          (SELECT e_b3 FROM before_merge), 'naming the entity and the record');
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{2,shops_a,a2},{2,shops_b,b2},{3,shops_b,b3},{3,shops_a,a4},{8,shops_a,a3}}');
SELECT is(pg_temp.run() ->> 'split', '1', 'split: one split event');
SELECT is(pg_temp.ent('shops_b', 'b3'), (SELECT e_b3 FROM before_merge), 'the largest part {a4, b3} keeps the id');
SELECT ok(pg_temp.ent('shops_a', 'a3') > (SELECT max(e_b3) FROM before_merge), 'a3 gets a new entity');
SELECT is((SELECT other_entity FROM nightjar.entity_event WHERE kind = 'split' AND entity_id = (SELECT e_b3 FROM before_merge)),
          pg_temp.ent('shops_a', 'a3'), 'the split event names where the part went');
SELECT is((SELECT kind || ' ' || source_a || '/' || key_a || ' ' || source_b || '/' || key_b FROM nightjar.suggestion
           WHERE resolution = 't_cons' AND status = 'pending'),
          'merge shops_a/a3 shops_a/a4', 'a split of a corrected entity is suggested for undoing (merge back)');
SELECT is(pg_temp.golden(pg_temp.ent('shops_b', 'b3'), 'city'), 'Lille Centre', 'the correction stays with the id');

-- ---- retirement ---------------------------------------------------------------------------
CREATE TEMP TABLE before_retire AS SELECT pg_temp.ent('shops_a', 'a2') AS e;
DELETE FROM t_cons.shops_a WHERE id = 'a2';
DELETE FROM t_cons.shops_b WHERE ref = 'b2';
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{3,shops_b,b3},{3,shops_a,a4},{8,shops_a,a3}}');
SELECT is(pg_temp.run() ->> 'retired', '1', 'an entity whose records all left is retired');
SELECT is((SELECT status FROM nightjar.entity WHERE entity_id = (SELECT e FROM before_retire)), 'retired', 'status retired');
SELECT is((SELECT count(*) FROM nightjar_api.golden_record WHERE entity_id = (SELECT e FROM before_retire)), 0::bigint,
          'and leaves the golden records');

-- ---- suggestions: rejected, then honoured -------------------------------------------------
UPDATE nightjar.suggestion SET status = 'obsolete' WHERE resolution = 't_cons';
INSERT INTO nightjar.match_pair (resolution, source_a, key_a, source_b, key_b, probability, match_weight, status, levels)
VALUES ('t_cons', 'shops_b', 'b1', 'shops_a', 'a3', 0.62, 1.1, 'review', '{1,0,NULL}');
SELECT is(pg_temp.run() ->> 'suggestions_new', '1', 'a review-band pair between two entities becomes a suggestion');
CREATE TEMP TABLE sug AS SELECT * FROM nightjar.suggestion WHERE resolution = 't_cons' AND status = 'pending';
SELECT is((SELECT kind || ' ' || source_a || '/' || key_a || ' ' || source_b || '/' || key_b FROM sug),
          'merge shops_a/a3 shops_b/b1', 'a proposed merge, pair in (source, key) order');
SELECT is((SELECT evidence FROM sug),
          (SELECT jsonb_build_object(l0 ->> 'field', l0 -> 'levels' ->> 1, l1 ->> 'field', l1 -> 'levels' ->> 0, l2 ->> 'field', NULL)
           FROM (SELECT levels -> 0 AS l0, levels -> 1 AS l1, levels -> 2 AS l2 FROM nightjar.resolution WHERE name = 't_cons') x),
          'evidence: each field''s comparison level by name');
SELECT ok((SELECT abs(probability - 0.62) < 1e-6 FROM sug), 'with its probability');
INSERT INTO nightjar.match_pair (resolution, source_a, key_a, source_b, key_b, probability, match_weight, status, levels)
VALUES ('t_cons', 'shops_a', 'a1', 'shops_a', 'a3', 0.5, 0.2, 'review', '{2,0,0}');
SELECT is(pg_temp.run() ->> 'suggestions_new', '0',
          'a pending suggestion is not suggested twice, nor another pair of records of the same two entities');
SELECT is(nightjar.reject_suggestion((SELECT suggestion_id FROM sug)) ->> 'constraint', 'cannot_link',
          'reject_suggestion keeps a cannot-link');
SELECT throws_like(format('SELECT nightjar.accept_suggestion(%s)', (SELECT suggestion_id FROM sug)),
                   'nightjar: suggestion % is rejected already%', 'a decided suggestion cannot be decided again');
SELECT is(pg_temp.run() ->> 'suggestions_new', '0', 'a rejected pair is never suggested again (nor its entities)');
-- resolve puts them together anyway: the cannot-link keeps them apart.
SELECT pg_temp.night('{{1,shops_a,a1},{1,shops_b,b1},{1,shops_a,a3},{3,shops_b,b3},{3,shops_a,a4}}');
SELECT pg_temp.snapshot();
SELECT is(pg_temp.run() ->> 'cannot_split', '1', 'the cannot-link separates what resolve joined');
SELECT isnt(pg_temp.ent('shops_a', 'a3'), pg_temp.ent('shops_b', 'b1'), 'a3 and b1 stay in different entities');
SELECT is(pg_temp.ids_changed(), 0::bigint, 'and no id changed');

-- ---- suggestions: accepted, then applied --------------------------------------------------
INSERT INTO nightjar.match_pair (resolution, source_a, key_a, source_b, key_b, probability, match_weight, status, levels)
VALUES ('t_cons', 'shops_a', 'a3', 'shops_b', 'b3', 0.55, 0.4, 'review', '{0,0,0}');
SELECT pg_temp.run();
SELECT is(nightjar.accept_suggestion((SELECT suggestion_id FROM nightjar.suggestion WHERE status = 'pending' AND key_b = 'b3'))
          ->> 'constraint', 'must_link', 'accept_suggestion keeps a must-link');
SELECT is(pg_temp.run() ->> 'must_joined', '1', 'the next run joins the two clusters');
SELECT is(pg_temp.ent('shops_a', 'a3'), pg_temp.ent('shops_b', 'b3'), 'a3 and b3 share an entity');

-- ---- survivorship config ------------------------------------------------------------------
SELECT throws_ok($$SELECT nightjar.define_consolidation('t_cons', '{"fields": {"phone": "mst_recent"}}')$$, '22023',
                 'survivorship field "phone": unknown rule "mst_recent" (expected first_non_empty, parent, source_priority, '
                 'most_recent, most_frequent, longest or custom)', 'a config error names the field');
SELECT throws_ok($$SELECT nightjar.define_consolidation('t_cons', '{"fields": {"city": {"rule": "custom", "function": "t_cons.nope"}}}')$$,
                 '42883', 'nightjar: survivorship field "city": custom function t_cons.nope(jsonb) returning jsonb does not exist',
                 'a missing custom function is named');
CREATE FUNCTION t_cons.upper_city(candidates jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT to_jsonb(upper(candidates -> 0 ->> 'value'))
$$;
SELECT nightjar.define_consolidation('t_cons', '{"fields": {"name": {"rule": "source_priority", "sources": ["shops_b"]},
                                                            "phone": "most_recent",
                                                            "city": {"rule": "custom", "function": "t_cons.upper_city"}}}',
                                     updated_at_column => 'updated_at');
SELECT is((pg_temp.run() ->> 'golden_recomputed')::bigint,
          (SELECT count(*) FROM nightjar.entity WHERE resolution = 't_cons' AND status = 'active'),
          'a new config recomputes every golden record');
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'name'), 'Boulangerie Martin SARL', 'source_priority');
SELECT is(pg_temp.rule(pg_temp.ent('shops_a', 'a1'), 'name'), 'source_priority/shops_b/b1', 'with its provenance');
SELECT is(pg_temp.golden(pg_temp.ent('shops_a', 'a1'), 'city'), 'LYON', 'custom: the SQL function''s value');
SELECT is(pg_temp.rule(pg_temp.ent('shops_a', 'a1'), 'city'), 'custom', 'a value no record holds has no record');
SELECT is(pg_temp.provenance_gaps(), 0::bigint, 'provenance complete under the new config');

-- ---- golden fields from columns ------------------------------------------------------------
SELECT is(nightjar._consolidate_fields('{"id": 1, "nom": "X", "y": 45.1, "x": 4.8, "ville": "Lyon", "tel": null}', 'id',
                                       '{"name": "nom", "location": {"lat": "y", "lon": "x"}, "town": "ville"}'),
          '{"name": "X", "location": {"lat": 45.1, "lon": 4.8}, "town": "Lyon", "tel": null}',
          'a record''s fields: key left out, columns renamed, a geo pair as one value');
CREATE TABLE t_cons.geo (id int, nom text, y float8, x float8, ville text, tel text);
INSERT INTO t_cons.geo VALUES (1, 'X', 45.1, 4.8, 'Lyon', NULL), (2, 'Y', NULL, NULL, NULL, '01');
CREATE FUNCTION pg_temp.fields_by_expr() RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT %s FROM t_cons.geo t ORDER BY id', nightjar._consolidate_fields_expr('id',
        '{"name": "nom", "location": {"lat": "y", "lon": "x"}, "town": "ville"}', 't_cons.geo'));
END $$;
SELECT is((SELECT array_agg(f) FROM pg_temp.fields_by_expr() f),
          (SELECT array_agg(nightjar._consolidate_fields(to_jsonb(t), 'id',
                  '{"name": "nom", "location": {"lat": "y", "lon": "x"}, "town": "ville"}') ORDER BY id) FROM t_cons.geo t),
          'the expression consolidate runs per input computes what _consolidate_fields does');
SELECT throws_ok($$SELECT nightjar.define_consolidation('t_cons', '{}', columns => '{"shops_a": ["x"]}')$$, '22023',
                 'nightjar: consolidation "t_cons": columns must map each source to {field: column}, not {"shops_a": ["x"]}',
                 'extra columns are checked');

-- ---- the step -----------------------------------------------------------------------------
SELECT ok((SELECT r ?& ARRAY['rows_in', 'rows_out', 'counts', 'payload'] FROM nightjar.consolidate_step('{"resolutions": ["t_cons"]}') r),
          'consolidate_step returns the step protocol''s result');
SELECT is(nightjar.consolidate_step('{"resolution": "t_cons"}') -> 'payload', '{"resolutions": ["t_cons"]}',
          'and passes the resolutions on');

-- ---- drop_consolidation -------------------------------------------------------------------
-- A consolidated resolution cannot be dropped from under its entities and decisions.
SELECT throws_ok($$SELECT nightjar.drop_resolution('t_cons')$$, '2BP01',
                 'nightjar: resolution "t_cons" is consolidated: drop_consolidation(''t_cons'') first (it removes its entities, golden records, corrections and review decisions)',
                 'drop_resolution refuses while the resolution is consolidated');
SELECT is(nightjar.drop_consolidation('t_cons'), (SELECT count(*) FROM nightjar.entity WHERE resolution = 't_cons'),
          'drop_consolidation removes every entity of the resolution');
SELECT is((SELECT count(*) FROM nightjar.entity_record WHERE resolution = 't_cons')
          + (SELECT count(*) FROM nightjar.suggestion WHERE resolution = 't_cons')
          + (SELECT count(*) FROM nightjar.link_constraint WHERE resolution = 't_cons')
          + (SELECT count(*) FROM nightjar.consolidation WHERE resolution = 't_cons'), 0::bigint,
          'with its records, suggestions, constraints and config');
SELECT ok(nightjar.drop_resolution('t_cons'), 'then drop_resolution drops it');

SELECT * FROM finish();
ROLLBACK;
