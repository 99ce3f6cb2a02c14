#!/usr/bin/env bash
# run_example.sh: the multi-source consolidation example end to end (README.md).
# Usage: run_example.sh OUTDIR [RECORDS] [SEED]
# Generates RECORDS (default 2500) records of the same actors in 20 sources, writes them in
# their providers' formats (provider_formats.py), starts the JSON web service
# (provider_api.py) and the S3 stand-in (s3rver, from tests/integration's npm packages) and
# stops both by PID when it ends, loads pipeline.sql, `nightjar apply`, defines the rules,
# `nightjar run --dispatch` (stage the 20 sources; validate and normalise each batch),
# publishes the reference tables, then emits multi_source.loaded and dispatches the nightly
# pipeline: resolve, consolidate, enrichment suggestions, weekly statistics.
# Needs PG* and NIGHTJAR_DATABASE_URL (scripts/cluster_env.sh), NIGHTJAR_BIN (or build/),
# python3, curl, node. Prints the runner's report and the pipelines' step runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: run_example.sh OUTDIR [RECORDS] [SEED]}
records=${2:-2500}
seed=${3:-7}
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
ex=examples/consolidation
api_pid='' s3_pid=''
# stop_servers stops the web service and s3rver by their PIDs (on exit, or once staged).
stop_servers() {
  if [[ -n "$api_pid" ]]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  if [[ -n "$s3_pid" ]]; then kill "$s3_pid" 2>/dev/null || true; wait "$s3_pid" 2>/dev/null || true; fi
  api_pid='' s3_pid=''
}
trap stop_servers EXIT
# q prints the one value of an SQL query; free_port prints a TCP port free on 127.0.0.1.
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

rm -rf "$out" && mkdir -p "$out"
out=$(readlink -f "$out")
python3 $ex/generate_actors.py "$out/gen" --records "$records" --seed "$seed" --schema multi_source_truth >/dev/null
python3 $ex/provider_formats.py "$out/gen" "$out" --seed "$seed"

# The JSON web service (sources 08-15), stopped by its PID on exit.
export MULTI_API_TOKEN=demo-token
python3 $ex/provider_api.py "$out/api.port" "$out/api" "$MULTI_API_TOKEN" &
api_pid=$!
for _ in $(seq 100); do [[ -s $out/api.port ]] && break; sleep 0.05; done
api=http://127.0.0.1:$(cat "$out/api.port")

# The S3 stand-in (sources 16-20): s3rver, as the integration tests start it.
here=tests/integration
if [[ ! -x $here/node_modules/.bin/s3rver ]]; then
  (cd $here && { npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null; })
fi
s3port=$(free_port)
mkdir -p "$out/s3store"
NODE_OPTIONS=--openssl-legacy-provider $here/node_modules/.bin/s3rver -d "$out/s3store" -a 127.0.0.1 -p "$s3port" \
  --configure-bucket partner-drop -s > "$out/s3rver.log" 2>&1 &
s3_pid=$!
s3=http://127.0.0.1:$s3port
for _ in $(seq 100); do curl -s -o /dev/null "$s3/" && break; sleep 0.1; done
export MULTI_S3_KEY=S3RVER MULTI_S3_SECRET=S3RVER
(cd "$out/s3" && find . -type f | sed 's#^\./##' | sort) | while read -r key; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$MULTI_S3_KEY:$MULTI_S3_SECRET" -T "$out/s3/$key" "$s3/partner-drop/$key")
  [[ $code == 200 ]] || { echo "run_example: upload of $key: HTTP $code" >&2; exit 1; }
done

sed -e "s#@DROP@#$out/drop#g" -e "s#@API@#$api#g" -e "s#@S3@#$s3#g" -e "s#@SPOOL@#$out/spool#g" \
  $ex/nightjar.toml > "$out/nightjar.toml"
# Start from a clean slate when run again on the same database.
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN
  IF to_regclass('multi_source.provider') IS NOT NULL AND EXISTS (SELECT 1 FROM nightjar.resolution WHERE name = 'multi_source') THEN
    PERFORM nightjar.drop_consolidation('multi_source');
    PERFORM nightjar.drop_resolution('multi_source');
  END IF;
END $$;
DELETE FROM nightjar.reference WHERE name IN ('multi_postcode', 'multi_company');
DROP SCHEMA IF EXISTS multi_source CASCADE;
SQL
psql -qX -v ON_ERROR_STOP=1 -v sources="$(cat "$out/sources.json")" -f $ex/pipeline.sql >/dev/null
# This night: the batches after the marker; the sources' clean records are tonight's only.
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE multi_source.night AS SELECT coalesce(max(batch_id), 0) AS after_batch_id, now() AS started_at FROM nightjar.batch;
DO $$ BEGIN
  IF to_regclass('nightjar.clean_record') IS NOT NULL THEN
    DELETE FROM nightjar.clean_record
    WHERE source_id IN (SELECT s.source_id FROM nightjar.source s JOIN multi_source.provider p ON p.source = s.name);
  END IF;
END $$;
-- The web services are listed from the start (a real night would keep its bookmarks).
SELECT nightjar.save_bookmark(s.source_id, '{}') FROM nightjar.source s JOIN multi_source.provider p ON p.source = s.name;
SQL
"$BIN" apply -c "$out/nightjar.toml" > "$out/apply.log"
echo "nightjar apply: $(grep -c ' source ' "$out/apply.log") sources, $(grep -c ' pipeline ' "$out/apply.log") pipelines, $(grep -c ' step ' "$out/apply.log") steps ($out/nightjar.toml)"
echo "multi_source.define_rules(): $(q "SELECT multi_source.define_rules()") validation and normalisation rules for the 20 sources"

# Stage the 20 sources; the intake pipeline validates and normalises each batch.
rc=0
"$BIN" run -c "$out/nightjar.toml" --dispatch --report-json "$out/run-report.json" > "$out/run.log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then cat "$out/run.log"; echo "run_example: nightjar run exited $rc" >&2; exit "$rc"; fi
grep -E '^source [a-z0-9_]+: ' "$out/run.log" | awk '{ n++; files += $5; recs += $(NF - 6) } END {
  printf "nightjar run --dispatch: %d sources, %d files staged, %d records\n", n, files, recs }'
stop_servers
# drain PIPELINE: dispatch until none of its tasks is pending (pg_cron may help).
drain() {
  for _ in $(seq 120); do
    "$BIN" dispatch --pipeline "$1" >/dev/null || true
    [[ $(q "SELECT count(*) FROM nightjar.step_task t JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p
            ON p.pipeline_id = s.pipeline_id WHERE p.name = '$1' AND t.status = 'pending'") == 0 ]] &&
    [[ $(q "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
            WHERE p.name = '$1' AND r.status = 'running'") == 0 ]] && return 0
    sleep 0.5
  done
  echo "run_example: pipeline $1 did not finish" >&2; return 1
}
drain multi_source_intake

# Reference data: the postal-code base and the company registry, published by version.
q "CREATE TABLE multi_source.postcode_v1 (postcode text PRIMARY KEY, town text, departement text)"
q "CREATE TABLE multi_source.company_v1 (siret text PRIMARY KEY, name text, status text, successor_siret text)"
psql -qX -v ON_ERROR_STOP=1 \
  -c "\\copy multi_source.postcode_v1 FROM '$out/reference/postcodes.csv' (FORMAT csv, HEADER true, DELIMITER ';')" \
  -c "\\copy multi_source.company_v1 FROM '$out/reference/companies.csv' (FORMAT csv, HEADER true, DELIMITER ';')"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
UPDATE multi_source.company_v1 SET successor_siret = NULL WHERE successor_siret = '';
SELECT nightjar.define_reference('multi_postcode',
  $$SELECT 'postcode ' || postcode || ' is not 5 digits' FROM {snapshot} WHERE postcode !~ '^\d{5}$'
    UNION ALL SELECT 'postcode ' || postcode || ' has no town' FROM {snapshot} WHERE town IS NULL$$,
  'postal codes, their towns and departements');
SELECT nightjar.define_reference('multi_company',
  $$SELECT 'closed company ' || siret || ' names no valid successor' FROM {snapshot}
    WHERE status = 'closed' AND successor_siret IS NOT NULL AND nightjar.clean_siret(successor_siret) IS NULL$$,
  'company registry: open/closed, successors');
SELECT nightjar.add_reference_version('multi_postcode', 'v1', 'multi_source.postcode_v1');
SELECT nightjar.add_reference_version('multi_company', 'v1', 'multi_source.company_v1');
SELECT nightjar.publish_reference('multi_postcode', 'v1');
SELECT nightjar.publish_reference('multi_company', 'v1');
SQL

# The night's sources are in: resolve, consolidate, enrich, statistics.
q "SELECT multi_source.define_resolution()" >/dev/null
q "SELECT nightjar.emit('multi_source.loaded', '{\"resolution\": \"multi_source\"}')" >/dev/null
drain multi_source_nightly
psql -qX -v ON_ERROR_STOP=1 -c "SELECT p.name AS pipeline, regexp_replace(s.name, '^validate_.*', 'validate_<source>') AS step,
    count(*) AS runs, count(*) FILTER (WHERE sr.status = 'succeeded') AS succeeded, sum(sr.rows_in) AS rows_in, sum(sr.rows_out) AS rows_out
  FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
  WHERE p.name LIKE 'multi_source%' AND sr.started_at >= (SELECT started_at FROM multi_source.night)
  GROUP BY 1, 2 ORDER BY p.name, min(sr.step_run_id)"
