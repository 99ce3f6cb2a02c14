#!/usr/bin/env bash
# multi_source.sh: the multi-source consolidation example (examples/consolidation/) end to
# end on a real cluster, through the runner: 20 sources as CSV drops (';', Latin-1), paged
# JSON web services (provider_api.py) and S3 drops (s3rver), each started and stopped by
# PID inside run_example.sh. Asserts what the night produced, against independent
# references: the generator's own CSV files (records per source, names), its truth (F1),
# the list of injected bad values (each quarantined by its rule, nothing else), the
# golden records' provenance, and plain PostgreSQL aggregates recomputed from
# nightjar.clean_record for the weekly statistics.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE, NIGHTJAR_DATABASE_URL and NIGHTJAR_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${NIGHTJAR_DATABASE_URL:?NIGHTJAR_DATABASE_URL must be set}"
NIGHTJAR_BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
export NIGHTJAR_BIN
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "multi_source: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
out=$tmp/night

bash examples/consolidation/run_example.sh "$out" 2000 11 > "$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; fail "run_example.sh failed"; }

# The servers were stopped by PID: nothing answers on the web service's port any more.
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$(cat "$out/api.port")/"; then fail "the JSON web service still runs"; fi

# Independent references, loaded as they are: the generator's files, its truth, the defects.
python3 - "$out" > "$tmp/expected.csv" <<'PY'
import csv, glob, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "gen", "src[0-9][0-9]_*.csv"))):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    print(f"{os.path.basename(path)[:-4]},{len(rows) - 1}")
PY
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP TABLE IF EXISTS multi_source.t_expected, multi_source.t_truth, multi_source.t_injected;
CREATE TABLE multi_source.t_expected (source text PRIMARY KEY, records bigint);
CREATE TABLE multi_source.t_truth (source text, key text, actor_id bigint, kind text, PRIMARY KEY (source, key));
CREATE TABLE multi_source.t_injected (source text, key text, rule text, PRIMARY KEY (source, key));
\copy multi_source.t_expected FROM '$tmp/expected.csv' (FORMAT csv)
\copy multi_source.t_truth FROM '$out/gen/truth.csv' (FORMAT csv, HEADER true)
\copy multi_source.t_injected FROM '$out/injected.csv' (FORMAT csv, HEADER true)
-- tonight's records of the 20 sources with their source key (each source names it its own way)
CREATE TABLE multi_source.t_raw AS
SELECT p.source, r.batch_id, r.record_no, r.payload ->> (p.columns ->> 'source_key') AS key, r.payload
FROM nightjar.raw_record r JOIN nightjar.source s USING (source_id) JOIN multi_source.provider p ON p.source = s.name
WHERE r.batch_id > (SELECT after_batch_id FROM multi_source.night);
SQL
[[ $(q "SELECT count(*) FROM multi_source.t_expected") == 20 ]] || fail "the generator wrote $(q "SELECT count(*) FROM multi_source.t_expected") sources, not 20"
[[ $(q "SELECT count(*) FROM multi_source.t_injected") -ge 10 ]] || fail "too few injected defects to test anything"

# 1. Every source was fetched, through its channel, each record once.
bad=$(q "SELECT string_agg(format('%s: %s staged, %s in the file', e.source, coalesce(r.n, 0), e.records), '; ')
         FROM multi_source.t_expected e
         LEFT JOIN (SELECT source, count(*) AS n, count(DISTINCT key) AS keys FROM multi_source.t_raw GROUP BY source) r USING (source)
         WHERE r.n IS DISTINCT FROM e.records OR r.keys IS DISTINCT FROM e.records")
[[ -z $bad ]] || fail "records fetched per source: $bad"
[[ $(q "SELECT string_agg(DISTINCT s.kind, ',' ORDER BY s.kind) FROM nightjar.source s JOIN multi_source.provider p ON p.source = s.name") == "dir,http,s3" ]] \
  || fail "the sources' kinds are not dir, http and s3"
[[ $(q "SELECT count(*) FROM nightjar.file f JOIN nightjar.source s USING (source_id) JOIN multi_source.provider p ON p.source = s.name
        WHERE f.batch_id > (SELECT after_batch_id FROM multi_source.night) AND f.status <> 'staged'") == 0 ]] || fail "a file was not staged"

# 2. valid + quarantined = fetched, per source.
bad=$(q "SELECT string_agg(format('%s: %s fetched, %s valid, %s quarantined', source, fetched, valid, quarantined), '; ')
         FROM (SELECT t.source, count(*) AS fetched,
                      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM nightjar.valid_record v WHERE v.batch_id = t.batch_id AND v.record_no = t.record_no)) AS valid,
                      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM nightjar.quarantine qq WHERE qq.batch_id = t.batch_id AND qq.record_no = t.record_no)) AS quarantined
               FROM multi_source.t_raw t GROUP BY t.source) c
         WHERE valid + quarantined <> fetched OR valid = 0")
[[ -z $bad ]] || fail "valid + quarantined != fetched: $bad"

# 3. Each injected bad value is quarantined by its rule, and nothing else is quarantined.
bad=$(q "SELECT string_agg(format('%s %s: expected %s, got %s', i.source, i.key, i.rule, coalesce(g.rules, 'not quarantined')), '; ')
         FROM multi_source.t_injected i
         LEFT JOIN (SELECT t.source, t.key, string_agg(qq.rule, ',' ORDER BY qq.rule) AS rules
                    FROM multi_source.t_raw t JOIN nightjar.quarantine qq USING (batch_id, record_no) GROUP BY 1, 2) g USING (source, key)
         WHERE g.rules IS DISTINCT FROM i.rule")
[[ -z $bad ]] || fail "injected defects: $bad"
extra=$(q "SELECT count(*) FROM multi_source.t_raw t WHERE EXISTS (SELECT 1 FROM nightjar.quarantine qq
             WHERE qq.batch_id = t.batch_id AND qq.record_no = t.record_no)
           AND NOT EXISTS (SELECT 1 FROM multi_source.t_injected i WHERE i.source = t.source AND i.key = t.key)")
[[ $extra == 0 ]] || fail "$extra records quarantined that had no injected defect"
for rule in name_required postcode_format date_valid turnover_format; do
  [[ $(q "SELECT count(*) FROM nightjar.quarantine qq JOIN multi_source.t_raw t USING (batch_id, record_no) WHERE qq.rule = '$rule'") -gt 0 ]] \
    || fail "no record quarantined by $rule"
done
# SIRET checksum failures are warnings: the record stays, normalisation drops the SIRET.
[[ $(q "SELECT count(*) FROM nightjar.valid_record v JOIN multi_source.t_raw t USING (batch_id, record_no)
        WHERE v.warnings @> '[{\"rule\": \"siret_checksum\"}]'") -gt 0 ]] || fail "no SIRET checksum warning"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor WHERE siret IS NOT NULL AND nightjar.clean_siret(siret) IS DISTINCT FROM siret") == 0 ]] \
  || fail "a clean SIRET is not a valid SIRET"

# 4. Normalisation: every clean record has the common fields; Latin-1 decoded (no mojibake),
#    names equal the generator's (spaces collapsed, Latin-1's missing characters spelt out).
[[ $(q "SELECT count(*) FROM multi_source.clean_actor") == $(q "SELECT count(*) FROM nightjar.valid_record v JOIN multi_source.t_raw t USING (batch_id, record_no)") ]] \
  || fail "clean records != valid records"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor WHERE name IS NULL OR channel IS NULL OR updated_on IS NULL") == 0 ]] || fail "a clean record lacks a common field"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor WHERE name LIKE '%Ã%' OR town LIKE '%Ã%'") == 0 ]] || fail "mojibake in clean names"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor WHERE channel = 'csv' AND name ~ '[éèêàçô]'") -gt 0 ]] || fail "no accented name from the Latin-1 drops"
python3 - "$out" > "$tmp/names.csv" <<'PY'
import csv, glob, os, sys
sys.path.insert(0, "examples/consolidation")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "gen", "src0[1-7]_*.csv"))):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    w = csv.writer(sys.stdout)
    for r in rows[1:]:
        name = " ".join(r[1].replace("œ", "oe").replace("Œ", "OE").split())
        w.writerow([os.path.basename(path)[:-4], r[0], name])
PY
q "CREATE TABLE multi_source.t_names (source text, key text, name text)" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -c "\\copy multi_source.t_names FROM '$tmp/names.csv' (FORMAT csv)" >/dev/null
bad=$(q "SELECT count(*) FROM multi_source.t_names n JOIN multi_source.clean_actor c USING (source, key) WHERE c.name <> n.name")
[[ $bad == 0 ]] || fail "$bad names of the CSV drops differ from the generator's: $(q "SELECT n.name || ' / ' || c.name FROM multi_source.t_names n JOIN multi_source.clean_actor c USING (source, key) WHERE c.name <> n.name LIMIT 1")"
[[ $(q "SELECT count(*) FROM multi_source.t_names n JOIN multi_source.clean_actor c USING (source, key)") -gt 500 ]] || fail "too few CSV names compared"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor WHERE source IN ('src08_crm', 'src20_partenaires') AND postcode ~ '^\d{5}$' AND address IS NOT NULL") -gt 0 ]] \
  || fail "split_address gave no postcode for the combined-address sources"

# 5. Resolution over the 20 clean sources: pairwise F1 against the truth.
f1=$(q "WITH m AS (SELECT e.entity_id, t.actor_id FROM nightjar.entity_member e JOIN multi_source.t_truth t USING (source, key)
                    WHERE e.resolution = 'multi_source'),
              tp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id, actor_id) x),
              pp AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY entity_id) x),
              tt AS (SELECT sum(c * (c - 1) / 2) AS v FROM (SELECT count(*)::numeric c FROM m GROUP BY actor_id) x)
        SELECT round(2 * tp.v / (pp.v + tt.v), 4) FROM tp, pp, tt")
awk -v f="$f1" 'BEGIN { exit !(f >= 0.95) }' || fail "F1 $f1 < 0.95"
[[ $(q "SELECT count(*) FROM nightjar.entity_member WHERE resolution = 'multi_source'") == $(q "SELECT count(*) FROM multi_source.clean_actor") ]] \
  || fail "not every clean record is in an entity"

# 6. Golden records: one per active entity, every field with its provenance, each provenance
#    record a member of the entity holding that value (manual: the enrichment's correction).
[[ $(q "SELECT count(*) FROM nightjar.entity WHERE resolution = 'multi_source' AND status = 'active'") == \
   $(q "SELECT count(*) FROM nightjar_api.golden_record WHERE resolution = 'multi_source'") ]] || fail "golden records != active entities"
missing=$(q "SELECT count(*) FROM nightjar_api.golden_record g, jsonb_object_keys(g.fields) f
             WHERE g.resolution = 'multi_source'
               AND NOT EXISTS (SELECT 1 FROM nightjar_api.entity_field_source s WHERE s.entity_id = g.entity_id AND s.field = f)")
[[ $missing == 0 ]] || fail "$missing golden fields without provenance"
[[ $(q "SELECT count(*) FROM nightjar_api.golden_record g, jsonb_object_keys(g.fields) f WHERE g.resolution = 'multi_source'") -gt 1000 ]] \
  || fail "too few golden fields"
bad=$(q "SELECT count(*) FROM nightjar_api.entity_field_source s JOIN nightjar_api.golden_record g USING (entity_id)
         WHERE g.resolution = 'multi_source' AND s.rule <> 'manual' AND g.fields ->> s.field IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM nightjar.entity_record er JOIN multi_source.clean_actor c USING (source, key)
                           WHERE er.resolution = 'multi_source' AND er.entity_id = s.entity_id
                             AND er.source = s.source AND er.key = s.key
                             AND (s.field <> 'name' OR c.name = g.fields ->> 'name')
                             AND (s.field <> 'postcode' OR c.postcode = g.fields ->> 'postcode'))")
[[ $bad == 0 ]] || fail "$bad provenance rows name a record that is not the entity's or does not hold the value"
[[ $(q "SELECT count(*) FROM nightjar_api.entity_field_source s JOIN nightjar_api.golden_record g USING (entity_id)
        WHERE g.resolution = 'multi_source' AND s.field = 'siret' AND s.source = 'src18_ancien_referentiel'") == 0 ]] \
  || fail "a golden SIRET came from the excluded old registry"

# 7. Enrichment: references published; successors proposed for review; towns corrected.
[[ $(q "SELECT string_agg(name || '=' || published_version, ',' ORDER BY name) FROM nightjar.reference WHERE name LIKE 'multi_%'") == \
   "multi_company=v1,multi_postcode=v1" ]] || fail "references not published"
[[ $(q "SELECT count(*) FROM nightjar_api.suggestion WHERE resolution = 'multi_source' AND kind = 'enrich' AND field = 'siret'") -gt 0 ]] \
  || fail "no successor proposed"
bad=$(q "SELECT count(*) FROM nightjar_api.suggestion s JOIN nightjar_api.golden_record g ON g.entity_id = s.entity_a
         JOIN nightjar_ref.multi_company c ON c.siret = g.fields ->> 'siret'
         WHERE s.resolution = 'multi_source' AND s.field = 'siret' AND (c.status <> 'closed' OR to_jsonb(c.successor_siret) <> s.value)")
[[ $bad == 0 ]] || fail "$bad successor suggestions do not follow the registry"
[[ $(q "SELECT count(*) FROM nightjar_api.entity_field_source s JOIN nightjar_api.golden_record g USING (entity_id)
        JOIN nightjar_ref.multi_postcode p ON p.postcode = g.fields ->> 'postcode'
        WHERE g.resolution = 'multi_source' AND s.field = 'town' AND s.rule = 'manual' AND g.fields ->> 'town' = p.town") -gt 0 ]] \
  || fail "no town corrected from the postal-code base"

# 8. Weekly statistics = plain PostgreSQL aggregates over nightjar.clean_record.
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE multi_source.t_stats AS
WITH c AS (SELECT s.name AS source, date_trunc('week', (r.payload ->> 'updated_on')::date)::date AS week,
                  CASE WHEN r.payload ->> 'postcode' LIKE '97%' THEN left(r.payload ->> 'postcode', 3)
                       ELSE coalesce(left(r.payload ->> 'postcode', 2), '(none)') END AS dep,
                  (r.payload ->> 'turnover')::float8 AS t
           FROM nightjar.clean_record r JOIN nightjar.source s USING (source_id)
           WHERE s.name IN (SELECT source FROM multi_source.t_expected))
SELECT week, 'source' AS dimension, source AS value, count(*) AS records, count(t) AS n, avg(t) AS mean, stddev_samp(t) AS sd,
       min(t) AS mn, max(t) AS mx, percentile_cont(0.5) WITHIN GROUP (ORDER BY t) AS med FROM c GROUP BY week, source
UNION ALL
SELECT week, 'departement', dep, count(*), count(t), avg(t), stddev_samp(t), min(t), max(t),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM c GROUP BY week, dep;
SQL
close() { echo "(($1) IS NULL AND ($2) IS NULL OR abs(($1) - ($2)) <= 1e-9 * greatest(1, abs($2)))"; }
differs="w.records IS DISTINCT FROM p.records OR w.turnover_n IS DISTINCT FROM p.n
         OR NOT $(close w.turnover_mean p.mean) OR NOT $(close w.turnover_stddev p.sd)
         OR NOT $(close w.turnover_min p.mn) OR NOT $(close w.turnover_max p.mx) OR NOT $(close w.turnover_median p.med)"
bad=$(q "SELECT count(*) FROM multi_source.weekly_statistics w FULL JOIN multi_source.t_stats p USING (week, dimension, value) WHERE $differs")
[[ $bad == 0 ]] || fail "$bad weekly statistics rows differ from plain PostgreSQL, e.g. $(q "SELECT format('%s %s %s: records %s/%s, n %s/%s,
  mean %s/%s, stddev %s/%s, min %s/%s, max %s/%s, median %s/%s', week, dimension, value, w.records, p.records, w.turnover_n, p.n,
  w.turnover_mean, p.mean, w.turnover_stddev, p.sd, w.turnover_min, p.mn, w.turnover_max, p.mx, w.turnover_median, p.med)
  FROM multi_source.weekly_statistics w FULL JOIN multi_source.t_stats p USING (week, dimension, value) WHERE $differs LIMIT 1")"
[[ $(q "SELECT count(DISTINCT week) FROM multi_source.weekly_statistics WHERE dimension = 'source'") == 6 ]] || fail "not six weeks"
[[ $(q "SELECT count(DISTINCT value) FROM multi_source.weekly_statistics WHERE dimension = 'source'") == 20 ]] || fail "not 20 sources in the statistics"

# 9. Both pipelines went through the dispatcher, every step run succeeded.
[[ $(q "SELECT count(*) FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
        WHERE p.name LIKE 'multi_source%' AND sr.started_at >= (SELECT started_at FROM multi_source.night) AND sr.status <> 'succeeded'") == 0 ]] \
  || fail "a step run failed"
[[ $(q "SELECT string_agg(regexp_replace(s.name, '^validate_.*', 'validate') || ':' || n, ',' ORDER BY s.name)
        FROM (SELECT step_id, count(*) AS n FROM nightjar.step_run sr
              WHERE sr.started_at >= (SELECT started_at FROM multi_source.night) GROUP BY step_id) c JOIN nightjar.step s USING (step_id)
        JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id WHERE p.name LIKE 'multi_source%'") == \
   "consolidate:1,enrich:1,normalize:20,resolve:1,statistics:1$(printf ',validate:1%.0s' $(seq 20))" ]] \
  || fail "step runs: not one validation per source, 20 normalisations and one nightly chain"

q "DROP TABLE multi_source.t_expected, multi_source.t_truth, multi_source.t_injected, multi_source.t_raw, multi_source.t_names, multi_source.t_stats" >/dev/null
echo "multi_source: ok (F1 $f1)"
