#!/usr/bin/env bash
# 30_pipeline.sh: demo stage — the nightly pipeline end to end. A supplier file (CSV,
# ';', Windows-1252, French decimals and dates, a few deliberate mistakes) is staged by
# the runner; the runner then dispatches the in-database pipeline: validate (rules in
# C++, bad records quarantined with their reasons) → normalise (names, SIRET, phones,
# e-mails, URLs, addresses, coordinates). Prints the run status, the quarantine and a
# few clean records.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
inbox=$home/demo-suppliers
echo "== 3. the nightly pipeline: stage → validate → normalise ($inbox)"
rm -rf "$inbox"
python3 examples/pipeline/generate_suppliers.py "$inbox"
sed "s#@INBOX@#$inbox#" examples/pipeline/suppliers.toml > "$home/suppliers.toml"
"$BIN" apply -c "$home/suppliers.toml"
psql -qX -v ON_ERROR_STOP=1 -f examples/pipeline/rules.sql >/dev/null
psql -qXAt -c "SELECT format('rules of demo_suppliers: %s validation, %s normalisation (examples/pipeline/rules.sql)',
                             (SELECT count(*) FROM nightjar.validation_rule r JOIN nightjar.source s USING (source_id) WHERE s.name = 'demo_suppliers'),
                             (SELECT count(*) FROM nightjar.normalization_rule JOIN nightjar.source s USING (source_id) WHERE s.name = 'demo_suppliers'))"
"$BIN" run -c "$home/suppliers.toml" --dispatch
# pg_cron's dispatcher (every minute) may have taken a step first: wait until the run is over.
for _ in $(seq 120); do
  [[ $(psql -qXAt -c "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id)
                      WHERE p.name = 'supplier_quality' AND r.status = 'running'") == 0 ]] && break
  sleep 1
done

echo "-- run status (nightjar.run_status)"
psql -qX -c "SELECT run_id, pipeline, status, steps_succeeded AS ok, steps, attempts, rows_in, rows_out, last_error
             FROM nightjar.run_status WHERE pipeline = 'supplier_quality' ORDER BY run_id DESC LIMIT 3"
echo "-- step runs: what each rule rejected or flagged, what each transform nulled (non-zero counts)"
psql -qX -c "SELECT s.name AS step, sr.status, sr.rows_in, sr.rows_out,
                    (SELECT jsonb_object_agg(k, v) FROM jsonb_each(sr.result -> 'counts') AS c(k, v)
                     WHERE v <> '0') AS counts
             FROM nightjar.step_run sr JOIN nightjar.step s USING (step_id)
             JOIN nightjar.pipeline p USING (pipeline_id)
             WHERE p.name = 'supplier_quality' ORDER BY sr.step_run_id DESC LIMIT 2"
echo "-- quarantined records and why (nightjar.quarantine)"
psql -qX -c "SELECT q.record_no, q.rule, q.field, left(q.value, 30) AS value, q.message
             FROM nightjar.quarantine q JOIN nightjar.source s USING (source_id)
             WHERE s.name = 'demo_suppliers' ORDER BY q.record_no, q.rule"
echo "-- a few normalised records (nightjar.clean_record)"
psql -qX -c "SELECT c.record_id, c.payload ->> 'name' AS name, c.payload ->> 'siret' AS siret,
                    c.payload ->> 'phone' AS phone, c.payload ->> 'postcode' AS postcode,
                    c.payload ->> 'city' AS city, c.payload ->> 'location' AS location
             FROM nightjar.clean_record c JOIN nightjar.source s USING (source_id)
             WHERE s.name = 'demo_suppliers' ORDER BY c.record_id LIMIT 5"
