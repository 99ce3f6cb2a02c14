#!/usr/bin/env bash
# 55_consolidation.sh: demo stage — consolidation, after stage 50 resolved the 3,000
# generated records of schema demo_actors. Declares the survivorship rules (the registry
# first for names and SIRETs, the most frequent address, a town column renamed per
# source), consolidates, re-resolves and re-consolidates unchanged data (0 ids change),
# then a night with changes (a record deleted, a name changed, a new record) and what
# the events say. Prints golden records with the provenance of each field, the
# suggestions waiting for review, a reference version refused by its validation, and the
# successors of two closed companies proposed by an enrichment rule.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
echo "== 5b. consolidation: stable entities, golden records with provenance, suggestions"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
-- Start over on a second run (stage 50 reloads the records).
SELECT nightjar.drop_consolidation('demo_actors');
DELETE FROM nightjar.reference WHERE name IN ('demo_postcode', 'demo_company');
-- Each source names its town column its own way: map them all to the golden field "town".
SELECT nightjar.define_consolidation('demo_actors',
  '{"parent": {"rule": "preferred_source", "sources": ["src01_registre", "src03_cci", "src04_cma"]},
    "fields": {"name":     {"rule": "source_priority", "sources": ["src01_registre", "src03_cci", "src04_cma"]},
               "siret":    {"rule": "source_priority", "sources": ["src01_registre", "src03_cci"],
                            "exclude": ["src20_partenaires"]},
               "address":  "most_frequent",
               "postcode": "most_frequent",
               "town":     "most_frequent",
               "location": {"rule": "source_priority", "sources": ["src19_enquete_terrain", "src12_open_data"]}}}',
  columns => (SELECT jsonb_object_agg(i ->> 'source', jsonb_build_object('town', c.column_name))
              FROM nightjar.resolution r, jsonb_array_elements(r.config -> 'inputs') i
              JOIN information_schema.columns c
                ON format('%I.%I', c.table_schema, c.table_name) = i ->> 'relation'
               AND c.column_name IN ('commune', 'ville', 'city', 'localite', 'town', 'locality')
              WHERE r.name = 'demo_actors'));
SQL
echo "-- SELECT nightjar.consolidate('demo_actors')   (first night: every entity is new)"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.consolidate('demo_actors')" |
  jq -c '{rows_in, rows_out, created: .counts.created, golden_recomputed: .counts.golden_recomputed, suggestions_new: .counts.suggestions_new}'
psql -qXAt -v ON_ERROR_STOP=1 -c "DROP TABLE IF EXISTS demo_actors.ids_before" -c "CREATE TABLE demo_actors.ids_before AS
  SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 'demo_actors'"
echo "-- nothing changed: resolve and consolidate again (resolve renumbers its clusters)"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.resolve('demo_actors')" >/dev/null
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.consolidate('demo_actors') -> 'counts'" |
  jq -c '{unchanged, created, merged, split, retired, golden_recomputed}'
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT 'entity ids changed between the two runs: ' || count(*)
  FROM demo_actors.ids_before b FULL JOIN (SELECT * FROM nightjar.entity_record WHERE resolution = 'demo_actors') e
  USING (source, key) WHERE b.entity_id IS DISTINCT FROM e.entity_id"

echo "-- a night with changes: one record deleted, one name corrected at its source, one new record"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DROP TABLE IF EXISTS demo_actors.last_event;
DELETE FROM demo_actors.src19_enquete_terrain WHERE releve = 'NEW-1';
CREATE TABLE demo_actors.last_event AS SELECT coalesce(max(event_id), 0) AS id FROM nightjar.entity_event;
DELETE FROM demo_actors.src01_registre WHERE id = (SELECT min(key) FROM nightjar.entity_record WHERE resolution = 'demo_actors'
                                                   AND source = 'src01_registre');
UPDATE demo_actors.src03_cci SET raison_sociale = raison_sociale || ' SAS'
WHERE code = (SELECT min(key) FROM nightjar.entity_record WHERE resolution = 'demo_actors' AND source = 'src03_cci');
INSERT INTO demo_actors.src19_enquete_terrain (releve, nom_releve, adresse_releve, cp, commune, siret, gps_lat, gps_lon)
SELECT 'NEW-1', denomination, adresse, code_postal, commune, siret, latitude, longitude
FROM demo_actors.src01_registre WHERE id = (SELECT max(id) FROM demo_actors.src01_registre);
SQL
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.resolve('demo_actors')" >/dev/null
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.consolidate('demo_actors') -> 'counts'" |
  jq -c '{unchanged, created, merged, split, retired, member_added, member_removed, content_changed, golden_recomputed}'
psql -qX -v ON_ERROR_STOP=1 -c "SELECT entity_id AS entity, kind, other_entity AS other, source, key, reason
  FROM nightjar.entity_event WHERE event_id > (SELECT id FROM demo_actors.last_event) ORDER BY event_id LIMIT 12"

echo "-- two golden records (nightjar_api.golden_record) and where each field came from (nightjar_api.entity_field_source)"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE TEMP TABLE shown AS
SELECT entity_id FROM nightjar_api.golden_record WHERE resolution = 'demo_actors' AND size >= 5 ORDER BY entity_id LIMIT 2;
SELECT s.entity_id AS entity, s.field, left(g.fields ->> s.field, 40) AS value, s.rule, s.source, s.key
FROM nightjar_api.entity_field_source s JOIN nightjar_api.golden_record g USING (entity_id)
WHERE s.entity_id IN (SELECT entity_id FROM shown) ORDER BY s.entity_id, s.field;
SQL
echo "-- suggestions waiting for review (nightjar_api.suggestion): review-band pairs"
psql -qX -v ON_ERROR_STOP=1 -c "SELECT suggestion_id AS id, kind, entity_a, entity_b, round(probability::numeric, 3) AS p,
  evidence::text AS evidence FROM nightjar_api.suggestion WHERE resolution = 'demo_actors' ORDER BY probability DESC LIMIT 5"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT format('%s suggestions pending; nightjar.accept_suggestion(id) / reject_suggestion(id) decide them',
  count(*)) FROM nightjar_api.suggestion WHERE resolution = 'demo_actors'"

echo "-- reference data: a postal-code snapshot with a wrong code is refused, the published one stays"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DROP TABLE IF EXISTS demo_actors.postcode_v1, demo_actors.postcode_v2, demo_actors.company_v1;
CREATE TABLE demo_actors.postcode_v1 AS
SELECT DISTINCT code_postal AS postcode, commune AS town FROM demo_actors.src01_registre WHERE code_postal ~ '^\d{5}$';
CREATE TABLE demo_actors.postcode_v2 AS SELECT * FROM demo_actors.postcode_v1;
UPDATE demo_actors.postcode_v2 SET postcode = left(postcode, 4) WHERE postcode = (SELECT min(postcode) FROM demo_actors.postcode_v2);
SELECT nightjar.define_reference('demo_postcode',
  $$SELECT 'postcode ' || postcode || ' is not 5 digits' FROM {snapshot} WHERE postcode !~ '^\d{5}$'$$);
SELECT nightjar.add_reference_version('demo_postcode', 'v1', 'demo_actors.postcode_v1');
SELECT nightjar.add_reference_version('demo_postcode', 'v2', 'demo_actors.postcode_v2');
SELECT nightjar.publish_reference('demo_postcode', 'v1');
SQL
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.publish_reference('demo_postcode', 'v2') ->> 'reason'"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT format('nightjar_ref.demo_postcode: %s rows, version %s',
  (SELECT count(*) FROM nightjar_ref.demo_postcode), published_version) FROM nightjar.reference WHERE name = 'demo_postcode'"

echo "-- enrichment: a company registry says two companies closed; their successors are proposed for review"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE demo_actors.company_v1 AS
SELECT DISTINCT g.fields ->> 'siret' AS siret, 'open'::text AS status, NULL::text AS successor_siret
FROM nightjar_api.golden_record g WHERE g.resolution = 'demo_actors' AND g.fields ->> 'siret' ~ '^\d{14}$';
UPDATE demo_actors.company_v1 SET status = 'closed', successor_siret = left(siret, 9) || '00099'
WHERE siret IN (SELECT g.fields ->> 'siret' FROM nightjar_api.golden_record g
                WHERE g.resolution = 'demo_actors' AND g.fields ->> 'siret' ~ '^\d{14}$'
                GROUP BY 1 HAVING count(*) = 1 ORDER BY 1 LIMIT 2);  -- each names one entity
SELECT nightjar.define_reference('demo_company');
SELECT nightjar.add_reference_version('demo_company', 'v1', 'demo_actors.company_v1');
SELECT nightjar.publish_reference('demo_company', 'v1');
SQL
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT nightjar.suggest_enrichments('demo_actors', '[{\"name\": \"successor\", \"kind\": \"successor\",
  \"field\": \"siret\", \"reference\": \"demo_company\", \"key\": \"siret\", \"status\": \"status\", \"closed\": \"closed\",
  \"successor\": \"successor_siret\"}]') -> 'counts'"
psql -qX -v ON_ERROR_STOP=1 -c "SELECT suggestion_id AS id, entity_a AS entity, field, value::text AS proposed, reason
  FROM nightjar_api.suggestion WHERE resolution = 'demo_actors' AND kind = 'enrich' ORDER BY suggestion_id"
