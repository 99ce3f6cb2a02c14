#!/usr/bin/env bash
# resolve_bench.sh: nightjar.resolve against two plain-SQL baselines on the actor
# generator (examples/consolidation/generate_actors.py), with pairwise precision, recall
# and F1 against the generator's truth, for each size in RESOLVE_SIZES:
#   ours      nightjar.resolve with default settings (nothing tuned on the truth): wall
#             time of the call and peak memory of its backend (VmHWM of a fresh backend,
#             read from /proc: the server runs on this machine).
#   exact     exact-key blocking in plain SQL: SIRET; department + phonetic key
#             (fuzzystrmatch dmetaphone) of each name word; postcode + house number +
#             phonetic key of the street's longest word; blocks over 500 records dropped;
#             pairs of different sources scored by a weighted mean (over the fields both
#             records have) of pg_trgm similarity of names (0.4) and addresses (0.2),
#             postcode (0.1) and SIRET (0.2) equality and closeness within 1 km (0.1); threshold TUNED ON
#             THE TRUTH (the threshold of 0.40, 0.45, ..., 0.90 whose clustering has the
#             best F1; only the chosen clustering is timed); connected components by
#             iterated label propagation.
#   trgm      the same scoring and components with pg_trgm `%` blocking on the name (GiST
#             index, default similarity threshold 0.3), only at sizes <= RESOLVE_TRGM_MAX,
#             stopped after RESOLVE_TRGM_TIMEOUT seconds.
# Prints one line per method and size, then time ratios baseline / ours.
# Env: PG* (scripts/bench.sh sets them), RESOLVE_SIZES (default "100000 300000 1000000"),
# RESOLVE_EXACT_MAX (largest size the exact-key baseline runs at; default 300000: at 1M its
# scoring alone runs over 7 minutes, and the threshold tuning clusters 11 times),
# RESOLVE_TRGM_MAX (default 100000), RESOLVE_TRGM_TIMEOUT (default 300), RESOLVE_SEED
# (default 1), BENCH_DIR (default /tmp). Leaves nothing behind (schema rb_bench dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${RESOLVE_SIZES:-100000 300000 1000000}
TRGM_MAX=${RESOLVE_TRGM_MAX:-100000}
EXACT_MAX=${RESOLVE_EXACT_MAX:-300000}
TRGM_TIMEOUT=${RESOLVE_TRGM_TIMEOUT:-300}
SEED=${RESOLVE_SEED:-1}
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/nj-resolve-bench.XXXXXX")
cleanup() {
  psql -qX -c "SELECT nightjar.drop_resolution('rb_bench')" -c "DROP SCHEMA IF EXISTS rb_bench CASCADE" \
       >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

psql -qX -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" -c "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch" \
  2>/dev/null

source bench/lib/pairwise_f1.sh
# f1 TABLE prints "precision recall f1" of TABLE(source, key, entity) against rb_bench.truth.
f1() { pairwise_f1 "$1" rb_bench.truth; }

# by_kind TABLE prints the pairwise recall of TABLE(source, key, entity) per actor kind.
by_kind() {
  q <<SQL
WITH m AS (SELECT p.entity, t.actor_id, t.kind FROM $1 p JOIN rb_bench.truth t USING (source, key)),
     tp AS (SELECT kind, sum(c * (c - 1) / 2) AS v FROM (SELECT kind, count(*)::numeric c FROM m GROUP BY entity, actor_id, kind) x GROUP BY kind),
     tt AS (SELECT kind, sum(c * (c - 1) / 2) AS v FROM (SELECT kind, count(*)::numeric c FROM m GROUP BY actor_id, kind) x GROUP BY kind)
SELECT string_agg(format('%s=%s', kind, round(tp.v / nullif(tt.v, 0), 3)), ' ' ORDER BY kind) FROM tp JOIN tt USING (kind)
SQL
}

# baseline_prepare builds rb_bench.rec: every input record, normalised in plain SQL, read
# through the same per-input queries nightjar.resolve uses (same column mapping).
baseline_prepare() {
  q <<'SQL'
CREATE FUNCTION rb_bench.norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT nullif(trim(regexp_replace(lower(translate(t, 'àâäáéèêëíîïôöóùûüúçœÀÂÄÁÉÈÊËÍÎÏÔÖÓÙÛÜÚÇŒ',
                                                      'aaaaeeeeiiiooouuuucoaaaaeeeeiiiooouuuuco')),
                                    '[^a-z0-9]+', ' ', 'g')), '')
$$;
CREATE FUNCTION rb_bench.street_key(a text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT dmetaphone(w) FROM unnest(string_to_array(a, ' ')) w
  WHERE w !~ '^[0-9]' AND length(w) >= 4 AND w NOT IN ('rue', 'avenue', 'boulevard', 'place', 'chemin', 'allee',
                                                      'impasse', 'route', 'quai', 'cours', 'bis')
  ORDER BY length(w) DESC, w LIMIT 1
$$;
DO $$
DECLARE
  parts text[];
BEGIN
  SELECT array_agg(format('SELECT %L AS source, q.* FROM (%s) AS q(key, name, address, postcode, siret, location)',
                          i.source, i.query))
  INTO parts FROM nightjar._resolution_inputs('rb_bench', (SELECT config FROM nightjar.resolution WHERE name = 'rb_bench')) i;
  EXECUTE 'CREATE UNLOGGED TABLE rb_bench.raw AS ' || array_to_string(parts, ' UNION ALL ');
END $$;
CREATE UNLOGGED TABLE rb_bench.rec AS
SELECT row_number() OVER ()::int AS id, source, key, name, address, postcode, siret,
       left(postcode, 2) AS dept, substring(address FROM '^([0-9]+)') AS num,
       split_part(location, ',', 1)::float8 AS lat, split_part(location, ',', 2)::float8 AS lon
FROM (SELECT source, key, rb_bench.norm(name) AS name, rb_bench.norm(address) AS address,
             coalesce(substring(postcode FROM '[0-9]{5}'), substring(address FROM '\m([0-9]{5})\M')) AS postcode,
             nullif(regexp_replace(siret, '[^0-9]', '', 'g'), '') AS siret, location
      FROM rb_bench.raw) x;
ALTER TABLE rb_bench.rec ADD PRIMARY KEY (id);
ANALYZE rb_bench.rec;
-- cluster(t) puts the connected components of the pairs scored >= t into rb_bench.pred
-- (iterated label propagation) and returns the seconds it took.
CREATE FUNCTION rb_bench.cluster(t float8) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  t0 timestamptz := clock_timestamp();
BEGIN
  DROP TABLE IF EXISTS rb_bench.pred;
  CREATE TEMP TABLE edge ON COMMIT DROP AS
    SELECT a, b FROM rb_bench.scored WHERE s >= t UNION ALL SELECT b, a FROM rb_bench.scored WHERE s >= t;
  CREATE INDEX ON edge (a);
  CREATE TEMP TABLE label ON COMMIT DROP AS SELECT id, id AS l FROM rb_bench.rec;
  ALTER TABLE label ADD PRIMARY KEY (id);
  ANALYZE edge, label;
  LOOP
    UPDATE label lt SET l = m.l
    FROM (SELECT e.a AS id, min(lb.l) AS l FROM edge e JOIN label lb ON lb.id = e.b GROUP BY e.a) m
    WHERE lt.id = m.id AND m.l < lt.l;
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
  END LOOP;
  CREATE UNLOGGED TABLE rb_bench.pred AS SELECT r.source, r.key, lb.l AS entity FROM rb_bench.rec r JOIN label lb USING (id);
  RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric, 3);
END $$;
SQL
}

# baseline_score_cluster CAND scores the pairs of rb_bench.CAND (timed), then clusters at
# every threshold of 0.40, 0.45, ..., 0.90 and keeps the one with the best F1 against the
# truth (the tuning itself untimed: only the chosen clustering counts). Prints
# "score_seconds threshold cluster_seconds precision recall f1"; rb_bench.pred holds the
# chosen clustering.
baseline_score_cluster() {
  local cand=$1 t0 t1 best="" secs p r f
  t0=$(now)
  q <<SQL
CREATE UNLOGGED TABLE rb_bench.scored AS
SELECT c.a, c.b,
  (0.40 * coalesce(similarity(x.name, y.name), 0)
   + CASE WHEN x.address IS NULL OR y.address IS NULL THEN 0 ELSE 0.20 * similarity(x.address, y.address) END
   + CASE WHEN x.postcode IS NULL OR y.postcode IS NULL THEN 0 ELSE 0.10 * (x.postcode = y.postcode)::int END
   + CASE WHEN x.siret IS NULL OR y.siret IS NULL THEN 0 ELSE 0.20 * (x.siret = y.siret)::int END
   + CASE WHEN x.lat IS NULL OR y.lat IS NULL THEN 0
          ELSE 0.10 * greatest(0, 1 - sqrt(((x.lat - y.lat) * 111) ^ 2 + ((x.lon - y.lon) * 76) ^ 2)) END)
  / (0.40 + CASE WHEN x.address IS NULL OR y.address IS NULL THEN 0 ELSE 0.20 END
          + CASE WHEN x.postcode IS NULL OR y.postcode IS NULL THEN 0 ELSE 0.10 END
          + CASE WHEN x.siret IS NULL OR y.siret IS NULL THEN 0 ELSE 0.20 END
          + CASE WHEN x.lat IS NULL OR y.lat IS NULL THEN 0 ELSE 0.10 END) AS s
FROM rb_bench.$cand c
JOIN rb_bench.rec x ON x.id = c.a JOIN rb_bench.rec y ON y.id = c.b;
SQL
  t1=$(now)
  for thr in 0.40 0.45 0.50 0.55 0.60 0.65 0.70 0.75 0.80 0.85 0.90; do
    secs=$(q -c "SELECT rb_bench.cluster($thr)")
    read -r p r f <<<"$(f1 rb_bench.pred)"
    if [[ -z "$best" ]] || (( $(echo "$f > $(cut -d' ' -f5 <<<"$best")" | bc -l) )); then
      best="$thr $secs $p $r $f"
      q -c "DROP TABLE IF EXISTS rb_bench.best_pred" -c "ALTER TABLE rb_bench.pred RENAME TO best_pred" 2>/dev/null
    fi
  done
  q -c "DROP TABLE IF EXISTS rb_bench.pred" -c "ALTER TABLE rb_bench.best_pred RENAME TO pred" -c "DROP TABLE rb_bench.scored"
  echo "$(echo "$t1 - $t0" | bc -l) $best"
}

declare -A ours_time base_time trgm_time
for n in $SIZES; do
  echo "-- $n records: generating and loading"
  python3 examples/consolidation/generate_actors.py "$tmp/$n" --records "$n" --seed "$SEED" --schema rb_bench
  psql -qX -v ON_ERROR_STOP=1 -f "$tmp/$n/load.sql" >/dev/null
  q -c "ANALYZE" >/dev/null
  q -v cfg="$(cat "$tmp/$n/resolution.json")" <<<"SELECT nightjar.define_resolution('rb_bench', :'cfg'::jsonb)" >/dev/null

  # ours: a fresh backend, wall time of resolve and its peak memory
  NJ_MEMFILE=$tmp/mem q <<'SQL' >"$tmp/ours.out"
SELECT pg_backend_pid() AS pid \gset
\setenv NJ_PID :pid
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT nightjar.resolve('rb_bench') AS result \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 2) AS secs \gset
\! grep -E '^VmHWM' /proc/$NJ_PID/status | tr -s ' ' | cut -d' ' -f2 > $NJ_MEMFILE
\echo :secs
\echo :result
SQL
  secs=$(sed -n 1p "$tmp/ours.out")
  result=$(sed -n 2p "$tmp/ours.out")
  mem_mb=$(( $(cat "$tmp/mem") / 1024 ))
  q -c "CREATE UNLOGGED TABLE rb_bench.ours AS SELECT source, key, entity_id AS entity FROM nightjar.entity_member WHERE resolution = 'rb_bench'"
  read -r p r f <<<"$(f1 rb_bench.ours)"
  ours_time[$n]=$secs
  echo "ours     n=$n  time=${secs}s  peak_rss=${mem_mb}MB  precision=$p recall=$r F1=$f"
  echo "         recall by kind: $(by_kind rb_bench.ours)"
  echo "         $(jq -c '{candidate_pairs, matches, entities, oversize_blocks, em_iterations: .model.iterations, em_converged: .model.converged, memory_bytes, timings, read_seconds, write_seconds}' <<<"$result" 2>/dev/null || echo "$result")"

  # baseline (b): exact-key blocking
  t0=$(now)
  (( n <= EXACT_MAX || n <= TRGM_MAX )) && baseline_prepare
  if (( n <= EXACT_MAX )); then
  q <<'SQL'
CREATE UNLOGGED TABLE rb_bench.bkey AS
  SELECT id, 's:' || siret AS k FROM rb_bench.rec WHERE length(siret) = 14
  UNION ALL
  SELECT id, 'n:' || dept || ':' || dmetaphone(w) FROM rb_bench.rec, unnest(string_to_array(name, ' ')) w
  WHERE dept IS NOT NULL AND length(w) >= 3 AND w NOT IN ('des', 'les', 'sarl', 'sas', 'sasu', 'eurl', 'sci', 'chez', 'ets', 'ste')
  UNION ALL
  SELECT id, 'a:' || postcode || ':' || num || ':' || rb_bench.street_key(address) FROM rb_bench.rec
  WHERE postcode IS NOT NULL AND num IS NOT NULL AND rb_bench.street_key(address) IS NOT NULL;
CREATE UNLOGGED TABLE rb_bench.cand AS
  SELECT DISTINCT x.id AS a, y.id AS b
  FROM (SELECT k.* FROM rb_bench.bkey k JOIN (SELECT k FROM rb_bench.bkey GROUP BY k HAVING count(*) BETWEEN 2 AND 500) s USING (k)) x
  JOIN rb_bench.bkey y ON y.k = x.k AND y.id > x.id
  JOIN rb_bench.rec rx ON rx.id = x.id JOIN rb_bench.rec ry ON ry.id = y.id
  WHERE rx.source <> ry.source;
SQL
  t1=$(now)
  read -r score thr clus p r f <<<"$(baseline_score_cluster cand)"
  base=$(echo "($t1 - $t0) + $score + $clus" | bc -l)
  ncand=$(q -c "SELECT count(*) FROM rb_bench.cand")
  base_time[$n]=$(printf '%.2f' "$base")
  echo "exact    n=$n  time=${base_time[$n]}s  candidate_pairs=$ncand threshold=$thr (tuned on truth)  precision=$p recall=$r F1=$f"
  echo "         recall by kind: $(by_kind rb_bench.pred)"
  q -c "DROP TABLE rb_bench.pred, rb_bench.bkey, rb_bench.cand"
  fi

  # baseline (a): pg_trgm % blocking, smallest sizes only, with a time limit
  if (( n <= TRGM_MAX )); then
    t0=$(now)
    if PGOPTIONS="-c statement_timeout=${TRGM_TIMEOUT}s" q <<'SQL' 2>"$tmp/trgm.err"; then
CREATE INDEX rec_name_trgm ON rb_bench.rec USING gist (name gist_trgm_ops);
CREATE UNLOGGED TABLE rb_bench.tcand AS
  SELECT x.id AS a, y.id AS b FROM rb_bench.rec x JOIN rb_bench.rec y ON x.name % y.name AND y.id > x.id AND x.source <> y.source;
SQL
      t1=$(now)
      read -r score thr clus p r f <<<"$(baseline_score_cluster tcand)"
      trgm=$(echo "($t1 - $t0) + $score + $clus" | bc -l)
      ncand=$(q -c "SELECT count(*) FROM rb_bench.tcand")
      trgm_time[$n]=$(printf '%.2f' "$trgm")
      echo "trgm     n=$n  time=${trgm_time[$n]}s  candidate_pairs=$ncand threshold=$thr (tuned on truth)  precision=$p recall=$r F1=$f"
      q -c "DROP TABLE IF EXISTS rb_bench.pred, rb_bench.tcand"
    else
      trgm_time[$n]=">$TRGM_TIMEOUT"
      echo "trgm     n=$n  stopped after ${TRGM_TIMEOUT}s (statement_timeout) while blocking: $(head -c 200 "$tmp/trgm.err")"
    fi
  fi
  q -c "SELECT nightjar.drop_resolution('rb_bench')" -c "DROP SCHEMA rb_bench CASCADE" >/dev/null 2>&1
  rm -rf "${tmp:?}/$n"
done

echo "-- ratios (time of the baseline / time of nightjar.resolve; > 1: nightjar is faster)"
for n in $SIZES; do
  line="n=$n"
  [[ -n "${base_time[$n]:-}" ]] && line+="  exact-key/ours=$(echo "scale=2; ${base_time[$n]} / ${ours_time[$n]}" | bc -l)"
  if [[ -n "${trgm_time[$n]:-}" ]]; then
    if [[ ${trgm_time[$n]} == \>* ]]; then
      line+="  trgm/ours>$(echo "scale=1; $TRGM_TIMEOUT / ${ours_time[$n]}" | bc -l)"
    else
      line+="  trgm/ours=$(echo "scale=2; ${trgm_time[$n]} / ${ours_time[$n]}" | bc -l)"
    fi
  fi
  echo "$line"
done
