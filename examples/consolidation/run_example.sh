#!/usr/bin/env bash
# run_example.sh: the multi-source consolidation example end to end (README.md).
# Usage: run_example.sh OUTDIR [RECORDS] [SEED]     the first night (starts over)
#        run_example.sh --night 2 OUTDIR            the second night, on the first one's OUTDIR
# First night: generates RECORDS (default 2500) records of the same actors in 20 sources,
# writes them in their providers' formats (provider_formats.py) with the two reference
# files, starts the JSON web service (provider_api.py) and the S3 stand-in (s3rver, from
# tests/integration's npm packages) and stops both by PID when it ends, loads pipeline.sql,
# `nightjar apply`, defines the rules, `nightjar run --dispatch` (stage the 22 sources;
# validate and normalise each batch of the 20 providers; snapshot and publish each
# reference file), then emits multi_source.loaded and dispatches the nightly pipeline:
# resolve, consolidate, enrichment suggestions, weekly statistics.
# Second night: a reviewer accepts one pending suggestion (a merge if there is one), four
# providers send changed exports and the postal-code base a version 2 with a malformed
# code (provider_formats.py --night 2); the runner stages only the new files, the refused
# version leaves version 1 published, and the nightly pipeline re-resolves incrementally.
# Needs PG* and NIGHTJAR_DATABASE_URL (scripts/cluster_env.sh), NIGHTJAR_BIN (or build/),
# python3, curl, node. Prints the runner's report and the pipelines' step runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
night=1
if [[ ${1:-} == --night ]]; then
  [[ ${2:-} == 2 ]] || { echo "usage: run_example.sh --night 2 OUTDIR" >&2; exit 2; }
  night=2
  shift 2
fi
out=${1:?usage: run_example.sh OUTDIR [RECORDS] [SEED] | run_example.sh --night 2 OUTDIR}
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

# start_servers starts the JSON web service (sources 08-15, serving $out/api) and s3rver
# (sources 16-20, its store in $out/s3store, kept from one night to the next), uploads the
# files under $1 (s3/<source>/...) and writes $out/nightjar.toml with their addresses.
start_servers() {
  export MULTI_API_TOKEN=demo-token
  rm -f "$out/api.port"
  python3 $ex/provider_api.py "$out/api.port" "$out/api" "$MULTI_API_TOKEN" &
  api_pid=$!
  for _ in $(seq 100); do [[ -s $out/api.port ]] && break; sleep 0.05; done
  api=http://127.0.0.1:$(cat "$out/api.port")
  local here=tests/integration s3port
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
  (cd "$1/s3" && find . -type f | sed 's#^\./##' | sort) | while read -r key; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
      --aws-sigv4 "aws:amz:us-east-1:s3" --user "$MULTI_S3_KEY:$MULTI_S3_SECRET" -T "$1/s3/$key" "$s3/partner-drop/$key")
    [[ $code == 200 ]] || { echo "run_example: upload of $key: HTTP $code" >&2; exit 1; }
  done
  sed -e "s#@DROP@#$out/drop#g" -e "s#@API@#$api#g" -e "s#@S3@#$s3#g" -e "s#@SPOOL@#$out/spool#g" \
    $ex/nightjar.toml > "$out/nightjar.toml"
}
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
# stage runs the runner over the 22 sources (the intake and reference pipelines dispatched
# as batches commit), prints its summary, stops the servers and drains both pipelines.
stage() {
  local rc=0
  "$BIN" run -c "$out/nightjar.toml" --dispatch --report-json "$out/run-report-$night.json" > "$out/run-$night.log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then cat "$out/run-$night.log"; echo "run_example: nightjar run exited $rc" >&2; exit "$rc"; fi
  grep -E '^source [a-z0-9_]+: ' "$out/run-$night.log" | awk '{ sub(/:$/, "", $2); n++; files += $5
      if ($2 ~ /^ref_/) refs += $(NF - 6); else recs += $(NF - 6)
      if ($5 > 0) { s++; names = names sep $2; sep = ", " } }
    END { printf "nightjar run --dispatch: %d sources listed, %d files staged from %d of them%s: %d provider records, %d reference rows\n",
          n, files, s, (s < n ? " (" names ")" : ""), recs, refs }'
  stop_servers
  drain multi_source_intake
  drain multi_source_reference
}
# step_runs prints the night's step runs per pipeline and step.
step_runs() {
  psql -qX -P footer=off -v ON_ERROR_STOP=1 -c "SELECT p.name AS pipeline, regexp_replace(s.name, '^validate_.*', 'validate_<source>') AS step,
      count(*) AS runs, count(*) FILTER (WHERE sr.status = 'succeeded') AS succeeded, sum(sr.rows_in) AS rows_in, sum(sr.rows_out) AS rows_out
    FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id) JOIN nightjar.pipeline p ON p.pipeline_id = s.pipeline_id
    WHERE p.name LIKE 'multi_source%' AND sr.started_at >= (SELECT started_at FROM multi_source.night)
    GROUP BY 1, 2 ORDER BY p.name, min(sr.step_run_id)"
}
# references prints each reference file's snapshot and whether it was published.
references() {
  psql -qX -P footer=off -v ON_ERROR_STOP=1 -c "SELECT v.name AS reference, v.version, f.name AS file, v.relation AS snapshot, v.rows, v.status,
      coalesce(sr.result -> 'counts' -> v.name -> v.version ->> 'reason', '') AS reason
    FROM nightjar.reference_version v
    LEFT JOIN LATERAL (SELECT x.result FROM nightjar.step_run x JOIN nightjar.step s USING (step_id)
                       WHERE s.name LIKE 'snapshot_%' AND x.result -> 'counts' -> v.name ? v.version
                       ORDER BY x.step_run_id DESC LIMIT 1) sr ON true
    LEFT JOIN LATERAL (SELECT y.name FROM nightjar.file y JOIN nightjar.source z USING (source_id)
                       WHERE z.name LIKE 'ref_%' AND y.status = 'staged' AND y.name = sr.result -> 'counts' -> v.name -> v.version ->> 'file'
                       ORDER BY y.file_id DESC LIMIT 1) f ON true
    WHERE v.name LIKE 'multi_%' ORDER BY v.name, v.version"
}

if [[ $night == 2 ]]; then
  out=$(readlink -f "$out")
  [[ -f $out/night2_plan.csv ]] || { echo "run_example: $out holds no first night" >&2; exit 2; }
  seed=$(cat "$out/seed")
  # During the day a reviewer accepts one pending suggestion: a merge if there is one.
  accepted=$(q "SELECT suggestion_id FROM nightjar_api.suggestion WHERE resolution = 'multi_source'
                ORDER BY kind <> 'merge', suggestion_id LIMIT 1")
  if [[ -n $accepted ]]; then
    q "SELECT nightjar.accept_suggestion($accepted)" >/dev/null
    q "SELECT format('a reviewer accepts suggestion %s: %s %s', suggestion_id, kind,
              CASE WHEN kind = 'enrich' THEN format('entity %s %s = %s', entity_a, field, value)
                   ELSE format('entities %s and %s (%s %s + %s %s, %s)', entity_a, entity_b, source_a, key_a, source_b, key_b, reason) END)
       FROM nightjar.suggestion WHERE suggestion_id = $accepted"
  fi
  python3 $ex/provider_formats.py "$out/gen" "$out" --seed "$seed" --night 2
  # The new exports land where the providers put them: the directory drops, the web
  # service's pages, the S3 bucket (uploaded by start_servers).
  cp -r "$out/night2/drop/." "$out/drop/"
  cp -r "$out/night2/api/." "$out/api/"
  awk -F, 'NR > 1 { n[$3]++; s[$1] = 1 } END { printf "provider_formats.py --night 2: %d providers changed: %d records changed, %d new, %d deleted; postcodes_v2.csv\n",
    length(s), n["changed"], n["new"], n["deleted"] }' "$out/night2/changes.csv"
  start_servers "$out/night2"
  "$BIN" apply -c "$out/nightjar.toml" > "$out/apply-2.log"   # the servers' new addresses
  psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
UPDATE multi_source.night SET night = 2, after_batch_id = (SELECT coalesce(max(batch_id), 0) FROM nightjar.batch), started_at = now();
DROP TABLE IF EXISTS multi_source.night1_entity_record, multi_source.night2_change;
CREATE TABLE multi_source.night1_entity_record AS SELECT * FROM nightjar.entity_record WHERE resolution = 'multi_source';
CREATE TABLE multi_source.night2_change (source text, key text, change text, PRIMARY KEY (source, key));
\copy multi_source.night2_change FROM '$out/night2/changes.csv' (FORMAT csv, HEADER true)
SQL
  stage
  references
  q "SELECT nightjar.emit('multi_source.loaded', '{\"resolution\": \"multi_source\"}')" >/dev/null
  drain multi_source_nightly
  step_runs
  exit 0
fi

rm -rf "$out" && mkdir -p "$out"
out=$(readlink -f "$out")
echo "$seed" > "$out/seed"
python3 $ex/generate_actors.py "$out/gen" --records "$records" --seed "$seed" --schema multi_source_truth >/dev/null
python3 $ex/provider_formats.py "$out/gen" "$out" --seed "$seed"
start_servers "$out"
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
CREATE TABLE multi_source.night AS SELECT 1 AS night, coalesce(max(batch_id), 0) AS after_batch_id, now() AS started_at FROM nightjar.batch;
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

# Stage the 22 sources: the intake pipeline validates and normalises each provider's batch,
# the reference pipeline turns each reference file into a published snapshot.
stage
references

# The night's sources are in: resolve, consolidate, enrich, statistics.
q "SELECT multi_source.define_resolution()" >/dev/null
q "SELECT nightjar.emit('multi_source.loaded', '{\"resolution\": \"multi_source\"}')" >/dev/null
drain multi_source_nightly
step_runs
