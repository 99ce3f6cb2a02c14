#!/usr/bin/env bash
# resolve_generator.sh: nightjar.resolve on the actor generator at a scale no pgTAP file
# reaches (20,000 records over 20 sources, examples/consolidation/generate_actors.py),
# with default settings: every record gets exactly one entity, no entity holds two
# records of one source (one_per_source), a rerun on unchanged data gives the same pairs
# and the same entities (checksums of both tables), and the pairwise F1 against the
# generator's truth stays above a floor (0.90: a guard against regressions, not the
# issue's aim, which bench/resolve_bench.sh measures); then resolve_step runs under the
# dispatcher (pipeline t_resolve_gen: topic t_resolve_gen.go -> t_resolve_gen.done), one
# step run succeeds with rows_in = records and rows_out = entities, and the emitted event
# names the resolution. Needs PG* of a cluster with the extension. Leaves nothing behind
# (schema, resolution and pipeline dropped).
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "resolve_generator: FAIL: $*" >&2; exit 1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
tmp=$(mktemp -d)
cleanup() {
  q -c "SELECT nightjar.drop_pipeline('t_resolve_gen')" >/dev/null 2>&1 || true
  q -c "SELECT nightjar.drop_resolution('t_resolve_gen')" >/dev/null 2>&1 || true
  q -c "DROP SCHEMA IF EXISTS t_resolve_gen CASCADE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

python3 examples/consolidation/generate_actors.py "$tmp" --records 20000 --seed 11 --schema t_resolve_gen
q -f "$tmp/load.sql" >/dev/null 2>&1 || fail "loading the generated sources"
q -v cfg="$(cat "$tmp/resolution.json")" <<<"SELECT nightjar.define_resolution('t_resolve_gen', :'cfg'::jsonb)" >/dev/null

# checksums prints md5 of the resolution's pairs and of its members, in a fixed order.
checksums() {
  q <<'SQL'
SELECT (SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s', source_a, key_a, source_b, key_b, probability, status, levels),
                              ',' ORDER BY source_a, key_a, source_b, key_b))
        FROM nightjar.match_pair WHERE resolution = 't_resolve_gen')
    || ' ' ||
       (SELECT md5(string_agg(format('%s|%s|%s', entity_id, source, key), ',' ORDER BY source, key))
        FROM nightjar.entity_member WHERE resolution = 't_resolve_gen')
SQL
}

first=$(q -c "SELECT nightjar.resolve('t_resolve_gen')")
[[ $(q -c "SELECT ('$first'::jsonb ->> 'records')::int") == 20000 ]] || fail "records read: $first"
sums1=$(checksums)

members=$(q -c "SELECT count(*) || ' ' || count(DISTINCT (source, key)) FROM nightjar.entity_member WHERE resolution = 't_resolve_gen'")
[[ "$members" == "20000 20000" ]] || fail "every record exactly once in entity_member: $members"
missing=$(q -c "SELECT count(*) FROM t_resolve_gen.truth t WHERE NOT EXISTS (
                  SELECT 1 FROM nightjar.entity_member e WHERE e.resolution = 't_resolve_gen' AND (e.source, e.key) = (t.source, t.key))")
[[ "$missing" == 0 ]] || fail "$missing records of the truth have no entity"
doubled=$(q -c "SELECT count(*) FROM (SELECT 1 FROM nightjar.entity_member WHERE resolution = 't_resolve_gen'
                                      GROUP BY entity_id, source HAVING count(*) > 1) x")
[[ "$doubled" == 0 ]] || fail "one_per_source: $doubled entities hold two records of one source"
split=$(q -c "SELECT count(*) FROM nightjar.match_pair p WHERE resolution = 't_resolve_gen' AND status = 'match'
                AND (SELECT entity_id FROM nightjar.entity_member e WHERE e.resolution = p.resolution AND (e.source, e.key) = (p.source_a, p.key_a))
                 <> (SELECT entity_id FROM nightjar.entity_member e WHERE e.resolution = p.resolution AND (e.source, e.key) = (p.source_b, p.key_b))")
[[ "$split" == 0 ]] || fail "$split matches whose records are in different entities"

q -c "SELECT nightjar.resolve('t_resolve_gen')" >/dev/null
sums2=$(checksums)
[[ "$sums1" == "$sums2" ]] || fail "a rerun on unchanged data changed the results: $sums1 -> $sums2"

quality=$(q <<'SQL'
WITH m AS (SELECT e.entity_id, t.actor_id FROM nightjar.entity_member e JOIN t_resolve_gen.truth t USING (source, key)
           WHERE e.resolution = 't_resolve_gen'),
     tp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id, actor_id) x),
     pp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id) x),
     tt AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY actor_id) x)
SELECT format('%s %s %s', round(tp.v / pp.v, 4), round(tp.v / tt.v, 4), round(2 * tp.v / (pp.v + tt.v), 4)) FROM tp, pp, tt
SQL
)
read -r p r f <<<"$quality"
(( $(echo "$f >= 0.90" | bc -l) )) || fail "pairwise F1 $f below 0.90 (precision $p, recall $r)"

# The step under the dispatcher (pg_cron's dispatcher may take the task first: wait for it).
q -c "SELECT nightjar.drop_pipeline('t_resolve_gen')" >/dev/null
q -c "SELECT nightjar.define_pipeline('t_resolve_gen')" \
  -c "SELECT nightjar.define_step('t_resolve_gen', 'resolve', 'nightjar.resolve_step(jsonb)', 't_resolve_gen.go',
                                  emits => 't_resolve_gen.done')" \
  -c "SELECT nightjar.emit('t_resolve_gen.go', '{\"resolution\": \"t_resolve_gen\"}')" >/dev/null
q -c "CALL nightjar.dispatch(pipeline => 't_resolve_gen')" >/dev/null
for _ in $(seq 120); do
  [[ $(q -c "SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
             WHERE p.name = 't_resolve_gen'") != 0 ]] && break
  sleep 1
done
run=$(q -c "SELECT sr.status || ' ' || sr.rows_in || ' ' || sr.rows_out || ' ' || (sr.rows_out = ('$first'::jsonb ->> 'entities')::bigint)
                   || ' ' || coalesce((SELECT e.payload::text FROM nightjar.event e WHERE e.event_id = sr.emitted_event_id), 'none')
            FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
            WHERE p.name = 't_resolve_gen' ORDER BY sr.step_run_id DESC LIMIT 1")
[[ "$run" == 'succeeded 20000 '*' true {"resolutions": ["t_resolve_gen"]}' ]] || fail "resolve_step under the dispatcher: $run"
[[ $(checksums) == "$sums1" ]] || fail "the step's run changed the results of unchanged data"
echo "resolve_generator: ok (20,000 records: precision $p, recall $r, F1 $f; rerun and step run identical)"
