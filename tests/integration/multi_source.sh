#!/usr/bin/env bash
# multi_source.sh: the multi-source consolidation example (examples/consolidation/) end to
# end on a real cluster, through the runner: 20 sources as CSV drops (';', Latin-1), paged
# JSON web services (provider_api.py) and S3 drops (s3rver), each started and stopped by
# PID inside run_example.sh. Asserts what the night produced, against independent
# references: the generator's own CSV files (records per source, names), its truth (F1),
# the list of injected bad values (each quarantined by its rule, nothing else), the
# golden records' provenance, and plain PostgreSQL aggregates recomputed from
# nightjar.clean_record for the weekly statistics. The reference files came through the
# runner and became published snapshots equal to the files. Then the second night
# (run_example.sh --night 2): only the new files are staged, the malformed version 2 of the
# postal-code base is refused and version 1 stays published, the resolve step runs
# incrementally and sees exactly the providers' changes (night2/changes.csv), the changed
# records' entities are recomputed, entities no change touched keep their ids, the
# suggestion accepted between the nights is honoured, and the partition equals a full
# resolve with the frozen model on the same data.
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
# (the records held back for the second night, night2_plan.csv "new", are not in tonight's files)
python3 - "$out" > "$tmp/expected.csv" <<'PY'
import csv, glob, os, sys
held = {}
with open(os.path.join(sys.argv[1], "night2_plan.csv"), newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        held[r["source"]] = held.get(r["source"], 0) + (r["change"] == "new")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "gen", "src[0-9][0-9]_*.csv"))):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    name = os.path.basename(path)[:-4]
    print(f"{name},{len(rows) - 1 - held.get(name, 0)}")
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
[[ $(awk -F, '$3 == "new"' "$out/night2_plan.csv" | wc -l) -gt 0 ]] || fail "no record held back for the second night"
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
   "consolidate:1,enrich:1,normalize:20,resolve:1,snapshot_companies:1,snapshot_postcodes:1,statistics:1$(printf ',validate:1%.0s' $(seq 20))" ]] \
  || fail "step runs: not one validation per source, 20 normalisations, one snapshot per reference file and one nightly chain"

# 10. The reference data came through the runner: one staged file per reference source
#     (nightjar.file, archived), its batch turned by the snapshot step into the table of
#     version v1, equal row for row to the file, and published.
[[ $(q "SELECT string_agg(format('%s:%s:%s', s.name, f.name, f.records), ',' ORDER BY s.name)
        FROM nightjar.file f JOIN nightjar.source s USING (source_id)
        WHERE s.name LIKE 'ref_%' AND s.kind = 'dir' AND f.status = 'staged' AND f.archive_location IS NOT NULL
          AND f.batch_id > (SELECT after_batch_id FROM multi_source.night)") == \
   "ref_companies:companies_v1.csv:$(($(wc -l < "$out/drop/ref_companies/success/$(ls "$out/drop/ref_companies/success")") - 1)),ref_postcodes:postcodes_v1.csv:$(($(wc -l < "$out/drop/ref_postcodes/success/$(ls "$out/drop/ref_postcodes/success")") - 1))" ]] \
  || fail "reference files staged: $(q "SELECT string_agg(format('%s:%s:%s:%s', s.name, f.name, f.status, f.records), ',') FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name LIKE 'ref_%'")"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE multi_source.t_postcode (postcode text, town text, departement text, extrait text);
CREATE TABLE multi_source.t_company (siret text, name text, status text, successor_siret text, extrait text);
\copy multi_source.t_postcode FROM '$(ls "$out"/drop/ref_postcodes/success/*)' (FORMAT csv, HEADER true, DELIMITER ';')
\copy multi_source.t_company FROM '$(ls "$out"/drop/ref_companies/success/*)' (FORMAT csv, HEADER true, DELIMITER ';')
SQL
for pair in "multi_postcode:t_postcode:postcode, town, departement" "multi_company:t_company:siret, name, status, nullif(successor_siret, '')"; do
  IFS=: read -r ref table cols <<<"$pair"
  [[ $(q "SELECT relation || ' ' || status FROM nightjar.reference_version WHERE name = '$ref' AND version = 'v1'") == "multi_source.${ref}_v1 published" ]] \
    || fail "$ref v1 is not the published snapshot multi_source.${ref}_v1"
  diff=$(q "SELECT count(*) FROM ((SELECT $cols FROM multi_source.$table EXCEPT ALL SELECT * FROM nightjar_ref.$ref)
                                  UNION ALL (SELECT * FROM nightjar_ref.$ref EXCEPT ALL SELECT $cols FROM multi_source.$table)) d")
  [[ $diff == 0 ]] || fail "nightjar_ref.$ref differs from its file in $diff rows"
done

# 11. The second night. Tonight's state first: entities (consolidation's stable ids) and clean records.
q "CREATE TABLE multi_source.t_night1 AS SELECT source, key, entity_id FROM nightjar.entity_record WHERE resolution = 'multi_source'" >/dev/null
clean1=$(q "SELECT count(*) FROM multi_source.clean_actor")
bash examples/consolidation/run_example.sh --night 2 "$out" > "$tmp/run2.out" 2>&1 || { cat "$tmp/run2.out"; fail "run_example.sh --night 2 failed"; }
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE multi_source.t_change (source text, key text, change text, PRIMARY KEY (source, key));
\copy multi_source.t_change FROM '$out/night2/changes.csv' (FORMAT csv, HEADER true)
SQL
n_new=$(q "SELECT count(*) FROM multi_source.t_change WHERE change = 'new'")
n_changed=$(q "SELECT count(*) FROM multi_source.t_change WHERE change = 'changed'")
n_deleted=$(q "SELECT count(*) FROM multi_source.t_change WHERE change = 'deleted'")
((n_new > 0 && n_changed > 0 && n_deleted > 0)) || fail "the second night changes nothing ($n_new new, $n_changed changed, $n_deleted deleted)"

# 11a. Only the new files were staged: those provider_formats.py wrote for the second night.
expected_files=$(cd "$out/night2" && find drop api s3 -type f | sed 's#.*/##' | sort | paste -sd,)
staged_files=$(q "SELECT string_agg(f.name, ',' ORDER BY f.name) FROM nightjar.file f
                  WHERE f.status = 'staged' AND f.batch_id > (SELECT after_batch_id FROM multi_source.night)")
[[ $staged_files == "$expected_files" ]] || fail "night 2 staged [$staged_files], not the new files [$expected_files]"

# 11b. The malformed version 2 of the postal-code base was staged and refused with the
#      reason; version 1 stays published and is what readers read.
[[ $(q "SELECT status || ' ' || (problems ->> 0) FROM nightjar.reference_version WHERE name = 'multi_postcode' AND version = 'v2'") == \
   "refused postcode 750O1 is not 5 digits" ]] || fail "version v2 of multi_postcode was not refused for its malformed code"
[[ $(q "SELECT published_version FROM nightjar.reference WHERE name = 'multi_postcode'") == v1 ]] || fail "multi_postcode's published version is not v1 any more"
[[ $(q "SELECT count(*) FROM nightjar_ref.multi_postcode") == $(q "SELECT count(*) FROM multi_source.t_postcode") && \
   $(q "SELECT count(*) FROM nightjar_ref.multi_postcode WHERE postcode = '750O1'") == 0 ]] || fail "readers do not read version v1"
[[ $(q "SELECT sr.result -> 'counts' -> 'multi_postcode' -> 'v2' ->> 'reason' FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
        WHERE s.name = 'snapshot_postcodes' AND sr.status = 'succeeded' AND sr.started_at >= (SELECT started_at FROM multi_source.night)") == \
   *"postcode 750O1 is not 5 digits; readers stay on version v1" ]] || fail "the snapshot step's result does not say why v2 was refused"

# 11c. The resolve step ran incrementally (no fallback) and saw exactly the providers' new and
#      deleted records; it compared again every changed record, and the few unchanged ones
#      whose rarity-based blocking keys moved with the night's word frequencies (so
#      changed_records >= the providers' changes, and far below the records).
res=$(q "SELECT concat_ws(' ', last_result ->> 'mode', coalesce(last_result ->> 'fallback', 'no-fallback'), last_result ->> 'new_records',
                          last_result ->> 'deleted_records') FROM nightjar.resolution WHERE name = 'multi_source'")
[[ $res == "incremental no-fallback $n_new $n_deleted" ]] || fail "resolve: [$res], expected [incremental no-fallback $n_new $n_deleted]"
changed=$(q "SELECT last_result ->> 'changed_records' FROM nightjar.resolution WHERE name = 'multi_source'")
records=$(q "SELECT last_result ->> 'records' FROM nightjar.resolution WHERE name = 'multi_source'")
(( changed >= n_changed && changed * 10 < records )) || fail "resolve compared $changed changed records again, expected at least the $n_changed the providers changed and under a tenth of $records"
[[ $(q "SELECT sr.result -> 'counts' -> 'multi_source' ->> 'mode' FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
        WHERE s.name = 'resolve' AND sr.status = 'succeeded' AND sr.started_at >= (SELECT started_at FROM multi_source.night)") == incremental ]] \
  || fail "the night's resolve step did not run incrementally"
[[ $(q "SELECT count(*) FROM multi_source.clean_actor") == $((clean1 + n_new - n_deleted)) ]] || fail "clean records: not night 1 + new - deleted"

# 11d. Deleted records left their entities, new ones joined one; every changed record's
#      entity was recomputed: its golden record takes the change's update date, and its
#      turnover (most recent) comes from a changed record of that entity.
[[ $(q "SELECT count(*) FROM multi_source.t_change c JOIN nightjar.entity_record e ON e.resolution = 'multi_source' AND e.source = c.source AND e.key = c.key
        WHERE c.change = 'deleted'") == 0 ]] || fail "a deleted record is still in an entity"
[[ $(q "SELECT count(*) FROM multi_source.t_change c JOIN nightjar.entity_record e ON e.resolution = 'multi_source' AND e.source = c.source AND e.key = c.key
        WHERE c.change = 'new'") == "$n_new" ]] || fail "a new record is in no entity"
bad=$(q "SELECT count(*) FROM multi_source.t_change c
         JOIN nightjar.entity_record e ON e.resolution = 'multi_source' AND e.source = c.source AND e.key = c.key
         JOIN nightjar.golden_record g ON g.entity_id = e.entity_id
         LEFT JOIN nightjar.entity_field_source fs ON fs.entity_id = e.entity_id AND fs.field = 'turnover'
         WHERE c.change = 'changed'
           AND (g.updated_at < (SELECT started_at FROM multi_source.night) OR g.fields ->> 'updated_on' <> '2026-11-30'
                OR NOT EXISTS (SELECT 1 FROM multi_source.t_change c2 JOIN nightjar.entity_record e2 ON e2.resolution = 'multi_source'
                                 AND e2.source = c2.source AND e2.key = c2.key
                               WHERE c2.change = 'changed' AND e2.entity_id = e.entity_id AND c2.source = fs.source AND c2.key = fs.key))")
[[ $bad == 0 ]] || fail "$bad changed records' entities were not updated"
[[ $(q "SELECT count(*) FROM multi_source.t_change c JOIN multi_source.clean_actor a USING (source, key)
        WHERE c.change = 'changed' AND a.updated_on = '2026-11-30'") == "$n_changed" ]] || fail "the changed records' new versions are not the clean ones"

# 11e. Entities no change touched keep their id and their records: touched are the first
#      night's entities holding a changed or deleted record, those whose records now share
#      an entity with a new or changed record, and those of an accepted merge or split.
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE multi_source.t_touched AS
SELECT n.entity_id FROM multi_source.t_night1 n JOIN multi_source.t_change c USING (source, key)
UNION
SELECT n.entity_id FROM multi_source.t_night1 n
JOIN nightjar.entity_record e ON e.resolution = 'multi_source' AND e.source = n.source AND e.key = n.key
WHERE e.entity_id IN (SELECT e2.entity_id FROM nightjar.entity_record e2 JOIN multi_source.t_change c USING (source, key)
                      WHERE e2.resolution = 'multi_source' AND c.change IN ('new', 'changed'))
UNION
SELECT unnest(ARRAY[entity_a, entity_b]) FROM nightjar.suggestion
WHERE resolution = 'multi_source' AND status = 'accepted' AND kind IN ('merge', 'split');
SQL
untouched=$(q "SELECT count(DISTINCT entity_id) FROM multi_source.t_night1 WHERE entity_id NOT IN (SELECT entity_id FROM multi_source.t_touched WHERE entity_id IS NOT NULL)")
entities1=$(q "SELECT count(DISTINCT entity_id) FROM multi_source.t_night1")
((untouched * 10 > entities1 * 8)) || fail "only $untouched of $entities1 entities untouched: the test would prove little"
moved=$(q "SELECT count(*) FROM multi_source.t_night1 n
           LEFT JOIN nightjar.entity_record e ON e.resolution = 'multi_source' AND e.source = n.source AND e.key = n.key
           WHERE n.entity_id NOT IN (SELECT entity_id FROM multi_source.t_touched WHERE entity_id IS NOT NULL)
             AND e.entity_id IS DISTINCT FROM n.entity_id")
[[ $moved == 0 ]] || fail "$moved records of entities no change touched changed entity id"
grown=$(q "SELECT count(*) FROM nightjar.entity_record e JOIN multi_source.t_night1 n0 ON n0.entity_id = e.entity_id
           WHERE e.resolution = 'multi_source' AND n0.entity_id NOT IN (SELECT entity_id FROM multi_source.t_touched WHERE entity_id IS NOT NULL)
             AND NOT EXISTS (SELECT 1 FROM multi_source.t_night1 n WHERE n.source = e.source AND n.key = e.key AND n.entity_id = e.entity_id)")
[[ $grown == 0 ]] || fail "$grown records joined entities no change touched"
grep -q 'a reviewer accepts suggestion' "$tmp/run2.out" || fail "no suggestion was accepted between the nights"

# 11f. The suggestion accepted between the nights is honoured by night 2: an enrichment is a
#      manual correction that the night kept; a merge put both records in one entity.
bad=$(q "SELECT count(*) FROM nightjar.suggestion s
         LEFT JOIN nightjar.golden_record g ON g.entity_id = s.entity_a
         LEFT JOIN nightjar.entity_field_source fs ON fs.entity_id = s.entity_a AND fs.field = s.field
         LEFT JOIN nightjar.entity_record ea ON ea.resolution = s.resolution AND ea.source = s.source_a AND ea.key = s.key_a
         LEFT JOIN nightjar.entity_record eb ON eb.resolution = s.resolution AND eb.source = s.source_b AND eb.key = s.key_b
         WHERE s.resolution = 'multi_source' AND s.status = 'accepted'
           AND CASE s.kind WHEN 'enrich' THEN g.fields -> s.field IS DISTINCT FROM s.value OR fs.rule IS DISTINCT FROM 'manual'
                           WHEN 'merge' THEN ea.entity_id IS DISTINCT FROM eb.entity_id
                           ELSE ea.entity_id = eb.entity_id END")
[[ $bad == 0 && $(q "SELECT count(*) FROM nightjar.suggestion WHERE resolution = 'multi_source' AND status = 'accepted'") == 1 ]] \
  || fail "the accepted suggestion is not honoured after night 2 ($bad)"

# 11g. Night 2's step runs all succeeded: the four changed providers, one snapshot, one nightly chain.
[[ $(q "SELECT string_agg(regexp_replace(s.name, '^validate_.*', 'validate') || ':' || n, ',' ORDER BY s.name)
        FROM (SELECT step_id, count(*) FILTER (WHERE sr.status = 'succeeded') AS n FROM nightjar.step_run sr
              WHERE sr.started_at >= (SELECT started_at FROM multi_source.night) GROUP BY step_id) c JOIN nightjar.step s USING (step_id)
        JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id WHERE p.name LIKE 'multi_source%'") == \
   "consolidate:1,enrich:1,normalize:4,resolve:1,snapshot_postcodes:1,statistics:1$(printf ',validate:1%.0s' $(seq 4))" ]] \
  || fail "night 2's step runs are not the four changed providers' and one nightly chain"

# 11h. The incremental partition equals a full resolve with the frozen model on night 2's data.
q "CREATE TABLE multi_source.t_incremental AS SELECT source, key, entity_id FROM nightjar.entity_member WHERE resolution = 'multi_source'" >/dev/null
[[ $(q "SELECT nightjar.resolve('multi_source', model => 'frozen') ->> 'mode'") != incremental ]] || fail "the frozen resolve ran incrementally"
diff=$(q "WITH a AS (SELECT source, key, min(source || '/' || key) OVER (PARTITION BY entity_id) AS label FROM multi_source.t_incremental),
               b AS (SELECT source, key, min(source || '/' || key) OVER (PARTITION BY entity_id) AS label FROM nightjar.entity_member
                     WHERE resolution = 'multi_source')
          SELECT count(*) FROM a FULL JOIN b USING (source, key) WHERE a.label IS DISTINCT FROM b.label")
[[ $diff == 0 ]] || fail "$diff records are grouped differently by the incremental run and a full resolve with the frozen model"

q "DROP TABLE multi_source.t_expected, multi_source.t_truth, multi_source.t_injected, multi_source.t_raw, multi_source.t_names, multi_source.t_stats,
          multi_source.t_postcode, multi_source.t_company, multi_source.t_night1, multi_source.t_change, multi_source.t_touched,
          multi_source.t_incremental" >/dev/null
echo "multi_source: ok (F1 $f1; night 2: $n_new new, $n_changed changed, $n_deleted deleted records, incremental; the $untouched entities of $entities1 no change touched kept their ids)"
