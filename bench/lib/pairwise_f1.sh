# pairwise_f1.sh (sourced by the resolution benchmarks): pairwise_f1 PRED TRUTH prints
# "precision recall f1" (4 decimals) of a clustering against the generator's truth.
# PRED is a relation or subquery with columns (source, key, entity); TRUTH one with
# (source, key, actor_id). Pairwise: a pair of records is a true match when both name the
# same actor, a predicted match when both sit in the same entity. Needs PG* for psql.
pairwise_f1() {
  psql -qXAt -v ON_ERROR_STOP=1 <<SQL
WITH m AS (SELECT p.entity, t.actor_id FROM $1 p JOIN $2 t USING (source, key)),
     tp AS (SELECT coalesce(sum(c * (c - 1) / 2), 0) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity, actor_id) x),
     pp AS (SELECT coalesce(sum(c * (c - 1) / 2), 0) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity) x),
     tt AS (SELECT coalesce(sum(c * (c - 1) / 2), 0) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY actor_id) x)
SELECT format('%s %s %s', round(tp.v / nullif(pp.v, 0), 4), round(tp.v / nullif(tt.v, 0), 4),
              round(2 * tp.v / nullif(pp.v + tt.v, 0), 4))
FROM tp, pp, tt
SQL
}
