#!/usr/bin/env bash
# tender_documents.sh: the tender-documents pipeline (issue 11 §4, docs/tender-documents.md)
# end to end, from a local directory and from the S3 stand-in (s3rver, started and stopped
# by PID). For each: the generated store is staged in batches of 3; the runner is killed
# with -9 after batch 2 (while it waits at batch 3's --interactive prompt); `run --resume`
# finishes the recorded plan; then every price line of the manifest is staged exactly once
# (nothing lost, nothing doubled), the corrupt and encrypted files failed with their reason,
# the irrelevant ones were never staged, and the pipeline quarantined exactly the wrong
# totals and the sheet footers, with their file and sheet row.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
source "$(dirname "$0")/lib/runner_env.sh"
s3_pid=
trap 'if [[ -n "$s3_pid" ]]; then kill "$s3_pid" 2>/dev/null || true; fi; cleanup' EXIT

# run_interrupted CONFIG OUT: stages batches 1 and 2, then kill -9 at batch 3's prompt.
run_interrupted() {
  local conf=$1 out=$2
  mkfifo "$tmp/answers"
  "$BIN" run -c "$conf" --interactive < "$tmp/answers" > "$out" 2>&1 &
  runner_pid=$!
  exec 7> "$tmp/answers"
  echo y >&7; echo y >&7
  for _ in $(seq 300); do grep -q "stage batch 3 " "$out" && break; sleep 0.1; done
  grep -q "stage batch 3 " "$out" || { cat "$out"; fail "no prompt for batch 3"; }
  kill -9 "$runner_pid"; wait "$runner_pid" 2>/dev/null || true; runner_pid=
  exec 7>&-; rm -f "$tmp/answers"
}

# check NAME MANIFEST: nothing lost or doubled, failures and quarantine as expected.
check() {
  local name=$1 manifest=$2 sid
  sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
  python3 - "$manifest" > "$tmp/expected.tsv" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for f, lines in sorted(m["files"].items()):
    for l in lines:
        print(f"{f}\t{l['sheet']}\t{l['row']}")
PY
  q "SELECT f.location || E'\t' || (r.payload ->> 'Feuille') || E'\t' || r.file_line FROM nightjar.raw_record r JOIN nightjar.file f USING (file_id)
     WHERE r.source_id = $sid AND r.payload ->> 'Désignation' IS NOT NULL ORDER BY 1" | sed 's#^.*/\(dce\|offres\)/#\1/#' | sort > "$tmp/got.tsv"
  sort "$tmp/expected.tsv" > "$tmp/want.tsv"
  diff "$tmp/want.tsv" "$tmp/got.tsv" > "$tmp/diff" || { head "$tmp/diff"; fail "$name: staged price lines differ from the manifest (lost or doubled)"; }
  [[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'staged'") == 12 ]] || fail "$name: staged files"
  [[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'failed' AND (error LIKE '%password-protected%' OR error LIKE '%not a readable zip%')") == 2 ]] \
    || { q "SELECT location, status, error FROM nightjar.file WHERE source_id = $sid"; fail "$name: corrupt and encrypted files"; }
  [[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND (location LIKE '%planning%' OR location LIKE '%photos%')") == 0 ]] || fail "$name: irrelevant files staged"
  "$BIN" dispatch > "$tmp/dispatch.out" 2>&1 || true
  for _ in $(seq 60); do
    [[ $(q "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = 'tender_prices' AND r.status = 'running'") == 0 ]] && break
    "$BIN" dispatch >/dev/null 2>&1 || true; sleep 1
  done
  local bad footers
  bad=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bad_totals'])" "$manifest")
  footers=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['footers'])" "$manifest")
  [[ $(q "SELECT count(*) FROM nightjar.quarantine WHERE source_id = $sid AND rule = 'total_is_quantity_times_price'") == "$bad" ]] \
    || fail "$name: wrong totals quarantined"
  [[ $(q "SELECT count(DISTINCT (batch_id, record_no)) FROM nightjar.quarantine WHERE source_id = $sid AND rule = 'designation_required'") == "$footers" ]] \
    || fail "$name: sheet footers quarantined"
  local lines
  lines=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['lines'])" "$manifest")
  [[ $(q "SELECT count(*) FROM nightjar.clean_record WHERE source_id = $sid") == $((lines - bad)) ]] || fail "$name: typed price lines"
  [[ $(q "SELECT count(*) FROM nightjar.clean_record WHERE source_id = $sid AND (jsonb_typeof(payload->'total') <> 'number' OR payload->>'unit' NOT IN ('m2','m3','ml','u','ens','forfait'))") == 0 ]] \
    || fail "$name: amounts not numeric or units not normalised"
}

# setup KIND STORE: a unique source and pipeline for this test from the example's config.
setup() {
  local kind=$1 store=$2
  name=tender_${kind}_$tag; pipe=tprices_${kind}_$tag
  sed -e "s#@STORE@#$store#" -e "s#@SPOOL@#$tmp/spool#" -e "s#tender_documents#$name#g" -e "s#tender_prices#$pipe#g" \
    examples/tender-documents/nightjar.toml > "$tmp/$kind.toml"
  if [[ $kind == s3 ]]; then
    python3 - "$tmp/$kind.toml" "$ep" <<'PY'
import sys
p, ep = sys.argv[1], sys.argv[2]
s = open(p).read()
s = s.replace('kind = "dir"', 'kind = "s3"')
s = "\n".join(l for l in s.split("\n") if not l.startswith("location ="))
s = s.replace("[source.relevance]", f'[source.s3]\nendpoint = "{ep}"\nbucket = "tenders"\nprefix = ""\n'
              'access_key_id_env = "NJ_TEST_S3_KEY"\nsecret_access_key_env = "NJ_TEST_S3_SECRET"\n\n[source.relevance]')
open(p, "w").write(s)
PY
  fi
  "$BIN" apply -c "$tmp/$kind.toml" > /dev/null
  PGOPTIONS=--client-min-messages=warning psql -qX -v ON_ERROR_STOP=1 -v source="$name" -f examples/tender-documents/rules.sql > /dev/null
}

# resume_and_check KIND: the interrupted run, then --resume, then the checks.
resume_and_check() {
  local kind=$1 manifest=$2
  run_interrupted "$tmp/$kind.toml" "$tmp/$kind.out1"
  grep -q "stage batch 3 " "$tmp/$kind.out1" || fail "$kind: no batch 3 prompt"
  local sid
  sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
  [[ $(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid AND status = 'staged'") == 2 ]] || fail "$kind: two batches before the kill"
  set +e; "$BIN" run -c "$tmp/$kind.toml" --resume > "$tmp/$kind.out2" 2>&1; rc=$?; set -e
  [[ $rc -eq 1 ]] || { cat "$tmp/$kind.out2"; fail "$kind: resume exit $rc, want 1 (two files fail)"; }
  grep -q "resuming plan .* at batch 3 of 5" "$tmp/$kind.out2" || { cat "$tmp/$kind.out2"; fail "$kind: resume note"; }
  "$BIN" run -c "$tmp/$kind.toml" --resume > "$tmp/$kind.out3" 2>&1 || true
  grep -q "every batch of it is done" "$tmp/$kind.out3" || { cat "$tmp/$kind.out3"; fail "$kind: plan not finished"; }
  check "$name" "$manifest"
  echo "tender_documents: $kind ok ($(q "SELECT count(*) FROM nightjar.clean_record WHERE source_id = $sid") typed price lines)"
}

# --- 1. local directory ---------------------------------------------------------------
store=$tmp/dir/store
python3 examples/tender-documents/generate_tenders.py "$store" > /dev/null
setup dir "$store"
resume_and_check dir "$tmp/dir/tender-manifest.json"
ls "$store"/success/dce/*/lot01_DPGF_gros_oeuvre.*.xlsx > /dev/null || fail "dir: not archived to success/"
ls "$store"/admin/planning_chantier.xlsx > /dev/null || fail "dir: irrelevant file moved"

# --- 2. the S3 stand-in --------------------------------------------------------------------
here=tests/integration
if [[ ! -x $here/node_modules/.bin/s3rver ]]; then (cd $here && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/s3"
NODE_OPTIONS=--openssl-legacy-provider $here/node_modules/.bin/s3rver -d "$tmp/s3" -a 127.0.0.1 -p "$port" --configure-bucket tenders -s > "$tmp/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
ep=http://127.0.0.1:$port
export NJ_TEST_S3_KEY=S3RVER NJ_TEST_S3_SECRET=S3RVER
store2=$tmp/s3gen/store
python3 examples/tender-documents/generate_tenders.py "$store2" > /dev/null
(cd "$store2" && find . -type f | sed 's#^\./##') | while read -r key; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -T "$store2/$key" "$ep/tenders/$key")
  [[ $code == 200 ]] || fail "upload of $key: HTTP $code"
done
setup s3 "$store2"
resume_and_check s3 "$tmp/s3gen/tender-manifest.json"
kill "$s3_pid"; wait "$s3_pid" 2>/dev/null || true; s3_pid=
echo "tender_documents: ok"
