#!/usr/bin/env bash
# 20_ingest.sh: demo stage — generate sample files (NDJSON, CSV with ';' and decimal
# commas, a small xlsx) into a local directory source and stage them with the runner.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
inbox=$home/demo-inbox
echo "== 2. ingestion: a local directory source ($inbox)"
rm -rf "$inbox"
python3 examples/ingest/generate_demo.py "$inbox"
sed "s#@INBOX@#$inbox#" examples/ingest/demo.toml > "$home/demo.toml"
"$BIN" apply -c "$home/demo.toml"
"$BIN" run -c "$home/demo.toml" --dry-run
rc=0
"$BIN" run -c "$home/demo.toml" --report-json "$home/demo-report.json" || rc=$?
if [[ $rc -gt 1 ]]; then echo "ingestion stopped (exit $rc)"; exit "$rc"; fi
[[ $rc -eq 1 ]] && echo "(some files failed: see the report above; they were moved to $inbox/failure/)"
psql -qX -c "SELECT f.name, f.status, f.records, f.archive_location FROM nightjar.file f
             JOIN nightjar.source s USING (source_id) WHERE s.name = 'demo_inbox' ORDER BY f.file_id DESC LIMIT 10"
