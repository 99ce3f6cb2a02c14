#!/usr/bin/env bash
# 50_resolution.sh: demo stage — entity resolution. 3,000 records of shops, companies,
# people and collection points spread over 20 sources, each source with its own column
# names, spellings and mistakes (examples/consolidation/generate_actors.py), loaded into
# schema demo_actors; one nightjar.define_resolution over the 20 tables, one
# nightjar.resolve; prints the counts, the quality against the generator's truth, and a
# few entities with the records each source holds for them.
set -euo pipefail
cd "$(dirname "$0")/../.."
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
dir=$home/demo-actors
echo "== 5. entity resolution: 3,000 records of the same actors in 20 sources ($dir)"
rm -rf "$dir"
python3 examples/consolidation/generate_actors.py "$dir" --records 3000 --seed 5 --schema demo_actors
psql -qX -v ON_ERROR_STOP=1 -f "$dir/load.sql" >/dev/null 2>&1
psql -qXAt -v ON_ERROR_STOP=1 -v cfg="$(cat "$dir/resolution.json")" \
  <<<"SELECT nightjar.define_resolution('demo_actors', :'cfg'::jsonb)" >/dev/null
echo "-- the config's first input and its fields ($dir/resolution.json)"
psql -qXAt -c "SELECT jsonb_pretty(jsonb_build_object('inputs', jsonb_build_array(config -> 'inputs' -> 0, '...'),
                                                      'fields', config -> 'fields', 'one_per_source', config -> 'one_per_source'))
               FROM nightjar.resolution WHERE name = 'demo_actors'"
echo "-- SELECT nightjar.resolve('demo_actors')"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT (SELECT jsonb_object_agg(k, r -> k) FROM unnest(ARRAY['records', 'candidate_pairs',
    'matches', 'review_pairs', 'cut_links', 'entities', 'multi_record_entities', 'total_seconds']) k)
  FROM (SELECT nightjar.resolve('demo_actors') AS r) x"
echo "-- pairwise precision / recall / F1 against the generator's truth (demo_actors.truth)"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
WITH m AS (SELECT e.entity_id, t.actor_id FROM nightjar.entity_member e JOIN demo_actors.truth t USING (source, key)
           WHERE e.resolution = 'demo_actors'),
     tp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id, actor_id) x),
     pp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id) x),
     tt AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY actor_id) x)
SELECT round(tp.v / pp.v, 3) AS precision, round(tp.v / tt.v, 3) AS recall, round(2 * tp.v / (pp.v + tt.v), 3) AS f1
FROM tp, pp, tt;
SQL
echo "-- three entities and what each source calls them (nightjar.entity_member)"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
DO $$
BEGIN
    EXECUTE 'CREATE TEMP TABLE demo_records AS ' || (
        SELECT string_agg(format('SELECT %L AS source, q.* FROM (%s) AS q(key, name, address, postcode, siret, location)',
                                 i.source, i.query), ' UNION ALL ')
        FROM nightjar._resolution_inputs('demo_actors', (SELECT config FROM nightjar.resolution WHERE name = 'demo_actors')) i);
END $$;
SELECT e.entity_id AS entity, e.source, e.key, left(r.name, 32) AS name, left(r.address, 30) AS address,
       r.postcode, r.siret
FROM nightjar.entity_member e JOIN demo_records r USING (source, key)
WHERE e.resolution = 'demo_actors'
  AND e.entity_id IN (SELECT entity_id FROM nightjar.entity_member WHERE resolution = 'demo_actors'
                      GROUP BY entity_id HAVING count(*) BETWEEN 4 AND 6 ORDER BY entity_id LIMIT 3)
ORDER BY e.entity_id, e.source;
SQL
