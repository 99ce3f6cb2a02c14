-- consolidate_enrich.sql: enrichment from published reference data. A lookup rule fixes a
-- postcode from the address base, a successor rule replaces a closed company's SIRET; each
-- becomes a suggestion with the reference row as evidence; accepting one makes it a
-- correction, rejecting one keeps that value from coming back; "apply": true corrects at
-- once; ambiguous lookups, corrected fields and unpublished references are left alone.
-- One transaction, rolled back.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(17);
SELECT nightjar.ensure_storage() \g /dev/null

CREATE SCHEMA t_enr;
CREATE TABLE t_enr.firms (id text PRIMARY KEY, name text, siret text, address text, town text, postcode text);
INSERT INTO t_enr.firms VALUES
    ('f1', 'Boulangerie Martin', '73282932000074', '12 rue de la République', 'Lyon', '69002'),  -- postcode wrong
    ('f2', 'Garage Dupont', '55208131766522', '3 avenue Jean Jaurès', 'Paris', '75010'),        -- company closed
    ('f3', 'Pharmacie Centrale', '40483304800022', '1 place du Marché', 'Lille', '59000'),      -- all right
    ('f4', 'Fleurs', NULL, '8 rue Nationale', 'Lille', NULL);                                  -- two candidates
SELECT nightjar.define_resolution('t_enr', '{"inputs": [{"source": "firms", "relation": "t_enr.firms", "key": "id"}],
  "fields": [{"name": "name", "kind": "name"}, {"name": "siret", "kind": "identifier"}]}') \g /dev/null
DO $$
BEGIN
    IF nightjar._resolution_partition('entity_member', 't_enr') IS NULL THEN
        PERFORM nightjar._resolution_partitions('t_enr');
    END IF;
    DELETE FROM nightjar.entity_member WHERE resolution = 't_enr';
    INSERT INTO nightjar.entity_member (resolution, entity_id, source, key)
    SELECT 't_enr', row_number() OVER (ORDER BY id), 'firms', id FROM t_enr.firms;
    UPDATE nightjar.resolution SET resolved_at = now() WHERE name = 't_enr';
END $$;
SELECT nightjar.consolidate('t_enr') \g /dev/null
CREATE FUNCTION pg_temp.ent(p_key text) RETURNS bigint LANGUAGE sql AS $$
    SELECT entity_id FROM nightjar.entity_record WHERE resolution = 't_enr' AND key = p_key
$$;

CREATE TABLE t_enr.address_v1 (address text, town text, postcode text);
INSERT INTO t_enr.address_v1 VALUES ('12 RUE DE LA RÉPUBLIQUE', 'LYON', '69001'), ('1 place du Marché', 'Lille', '59000'),
    ('8 rue Nationale', 'Lille', '59000'), ('8 rue Nationale', 'Lille', '59800');
CREATE TABLE t_enr.company_v1 (siret text, status text, successor_siret text);
INSERT INTO t_enr.company_v1 VALUES ('55208131766522', 'closed', '55208131700017'), ('73282932000074', 'open', NULL);
SELECT nightjar.define_reference('t_address'), nightjar.define_reference('t_company');
SELECT nightjar.add_reference_version('t_address', 'v1', 't_enr.address_v1'),
       nightjar.add_reference_version('t_company', 'v1', 't_enr.company_v1');

CREATE TEMP TABLE rules AS SELECT '[
  {"name": "postcode_from_address", "kind": "lookup", "field": "postcode", "reference": "t_address",
   "match": {"address": "address", "town": "town"}, "take": "postcode"},
  {"name": "successor", "kind": "successor", "field": "siret", "reference": "t_company",
   "key": "siret", "status": "status", "closed": "closed", "successor": "successor_siret"}]'::jsonb AS r;

SELECT throws_ok($$SELECT nightjar.suggest_enrichments('t_enr', (SELECT r FROM rules))$$, '22023',
                 'nightjar: enrichment rule 1 (postcode_from_address): reference "t_address" has no published version',
                 'an unpublished reference is refused');
SELECT nightjar.publish_reference('t_address', 'v1'), nightjar.publish_reference('t_company', 'v1');
SELECT throws_ok($$SELECT nightjar.suggest_enrichments('t_enr', '[{"kind": "guess", "field": "x", "reference": "t_address"}]')$$,
                 '22023', 'nightjar: enrichment rule 1 (unnamed): "kind" must be lookup or successor', 'an unknown kind');

SELECT is(nightjar.suggest_enrichments('t_enr', (SELECT r FROM rules)) -> 'counts',
          '{"successor": {"proposed": 1}, "postcode_from_address": {"proposed": 1}, "obsolete": 0}',
          'one postcode and one successor proposed');
SELECT is((SELECT value #>> '{}' FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a = pg_temp.ent('f1')),
          '69001', 'the postcode from the address base (case and accents of the match ignored by lower())');
SELECT is((SELECT evidence ->> 'postcode' FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a = pg_temp.ent('f1')),
          '69001', 'with the reference row as evidence');
SELECT is((SELECT reason FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a = pg_temp.ent('f1')),
          'lookup rule postcode_from_address: reference t_address version v1', 'and the rule and version as reason');
SELECT is((SELECT value #>> '{}' FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a = pg_temp.ent('f2')),
          '55208131700017', 'the closed company''s successor');
SELECT is((SELECT count(*) FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a IN (pg_temp.ent('f3'), pg_temp.ent('f4'))),
          0::bigint, 'nothing for a right value, nor for an ambiguous lookup (two postcodes for one address)');
SELECT is(nightjar.suggest_enrichments('t_enr', (SELECT r FROM rules)) -> 'counts' -> 'successor' ->> 'proposed', '0',
          'a pending proposal is not made twice');

SELECT is(nightjar.accept_suggestion((SELECT suggestion_id FROM nightjar_api.suggestion WHERE kind = 'enrich'
                                      AND entity_a = pg_temp.ent('f1'))) ->> 'applies', 'now, as a manual correction',
          'accepting an enrichment');
SELECT is((SELECT fields ->> 'postcode' FROM nightjar_api.golden_record WHERE entity_id = pg_temp.ent('f1')), '69001',
          'corrects the golden record');
SELECT is((SELECT rule FROM nightjar_api.entity_field_source WHERE entity_id = pg_temp.ent('f1') AND field = 'postcode'),
          'manual', 'as a manual correction');
SELECT nightjar.reject_suggestion((SELECT suggestion_id FROM nightjar_api.suggestion WHERE kind = 'enrich' AND entity_a = pg_temp.ent('f2')));
SELECT is(nightjar.suggest_enrichments('t_enr', (SELECT r FROM rules)) -> 'counts',
          '{"successor": {"proposed": 0}, "postcode_from_address": {"proposed": 0}, "obsolete": 0}',
          'a rejected value is not proposed again, a corrected field is left alone');
SELECT is((SELECT fields ->> 'siret' FROM nightjar_api.golden_record WHERE entity_id = pg_temp.ent('f2')), '55208131766522',
          'the rejected successor was not applied');

-- "apply": true corrects at once.
UPDATE t_enr.company_v1 SET status = 'closed', successor_siret = '73282932000017' WHERE siret = '73282932000074';
SELECT is(nightjar.suggest_enrichments('t_enr', '[{"name": "successor", "kind": "successor", "field": "siret", "reference": "t_company",
             "key": "siret", "status": "status", "closed": "closed", "successor": "successor_siret", "apply": true}]')
          -> 'counts' -> 'successor' ->> 'applied', '1', 'a rule with "apply": true corrects');
SELECT is((SELECT fields ->> 'siret' FROM nightjar_api.golden_record WHERE entity_id = pg_temp.ent('f1')), '73282932000017',
          'the golden record at once');
SELECT is((SELECT note FROM nightjar.entity_correction WHERE entity_id = pg_temp.ent('f1') AND field = 'siret'),
            'enrichment rule successor applied from reference t_company version v1', 'the correction says which rule and version');

SELECT * FROM finish();
ROLLBACK;
