#!/usr/bin/env bash
# 40_tender_documents.sh: demo stage — the tender-documents pipeline (use case 2). A store
# of French tender documents (DPGF/BPU price breakdowns among irrelevant, corrupt and
# encrypted spreadsheets) is generated, the relevant files are staged in batches of 3, the
# tender_prices pipeline validates and normalises them into typed price lines, and the
# report shows batches, files per batch, MB freed, failures and quarantined lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
store=$home/demo-tenders/store
echo "== 4. tender documents: price breakdowns (DPGF/BPU) into typed price lines ($store)"
rm -rf "$home/demo-tenders"
python3 examples/tender-documents/generate_tenders.py "$store"
sed -e "s#@STORE@#$store#" -e "s#@SPOOL@#$home/demo-tenders/spool#" examples/tender-documents/nightjar.toml > "$home/tenders.toml"
"$BIN" apply -c "$home/tenders.toml"
psql -qX -v ON_ERROR_STOP=1 -f examples/tender-documents/rules.sql >/dev/null
"$BIN" run -c "$home/tenders.toml" --dry-run
rc=0
"$BIN" run -c "$home/tenders.toml" --dispatch || rc=$?
if [[ $rc -gt 1 ]]; then echo "ingestion stopped (exit $rc)"; exit "$rc"; fi
# pg_cron's dispatcher may have taken a step first: wait until the pipeline's runs are over.
for _ in $(seq 60); do
  [[ $(psql -qXAt -c "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                      WHERE p.name = 'tender_prices' AND r.status = 'running'") == 0 ]] && break
  sleep 1
done
psql -qX -f examples/tender-documents/report.sql
