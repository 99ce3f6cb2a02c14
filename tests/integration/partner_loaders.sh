#!/usr/bin/env bash
# partner_loaders.sh: examples/partner-loaders end to end. s3rver (npm) on 127.0.0.1 holds
# the bucket partner-drops; partners' files (examples/partner-loaders/generate_files.py)
# are put under incoming/; `nightjar run --dispatch` stages each file as one record and
# partner.import_step imports it: good files whole, a file with bad items in part, a
# bad name or a header contradicting the name refused; one report per file in the
# outbox. `nightjar archive --require-verdict` then moves refused files and the file that
# is not JSON to incoming/failure/, the others to incoming/success/, renamed with the
# date. Then a later file with a removal flag erases a declarant: no table holds its
# values afterwards, and `nightjar scrub` deletes the archived object that held it: no
# object holds them either. Last, `nightjar orphans` on the prefix (dry run, --delete).
# Needs PG* / NIGHTJAR_DATABASE_URL, NIGHTJAR_BIN, node.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
here=tests/integration
if [[ ! -x $here/node_modules/.bin/s3rver ]]; then (cd $here && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null); fi
tmp=$(mktemp -d)
s3_pid=
cleanup() {
  if [[ -n "$s3_pid" ]]; then kill "$s3_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "partner_loaders: FAIL: $*" >&2; [[ -f "$tmp/out" ]] && tail -20 "$tmp/out" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/s3"
NODE_OPTIONS=--openssl-legacy-provider $here/node_modules/.bin/s3rver -d "$tmp/s3" -a 127.0.0.1 -p "$port" \
  --configure-bucket partner-drops -s > "$tmp/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
ep=http://127.0.0.1:$port
put() {  # put LOCALFILE KEY
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -T "$1" "$ep/partner-drops/$2")
  [[ $code == 200 ]] || fail "upload of $2: HTTP $code"
}
list() {  # list PREFIX: the keys under it
  curl -s -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
    "$ep/partner-drops?list-type=2&prefix=$1" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g'
}

# A date of its own per run: tombstones outlive the partner schema, and a file already seen
# (same checksum) would rightly not bring back a declarant erased by an earlier run.
day=$(date -d "2026-01-01 + $((RANDOM % 3000)) days" +%Y%m%d)
python3 examples/partner-loaders/generate_files.py "$tmp/files" "$day"
for f in "$tmp"/files/*.json; do put "$f" "incoming/$(basename "$f")"; done
src=pl_$$_$RANDOM
sed -e "s#@ENDPOINT@#$ep#" -e "s#@SPOOL@#$tmp/spool#" -e "s#@SOURCE@#$src#g" examples/partner-loaders/nightjar.toml > "$tmp/nj.toml"
export PARTNER_S3_KEY_ID=S3RVER PARTNER_S3_SECRET=S3RVER
psql -qX -v ON_ERROR_STOP=1 -f examples/partner-loaders/schema.sql -f examples/partner-loaders/import.sql >/dev/null 2>&1
q "SELECT partner.add_partner('acme', 'Acme', 'reports@acme.example'), partner.add_partner('globex', 'Globex', 'webhook:globex')" >/dev/null
"$BIN" apply -c "$tmp/nj.toml" > "$tmp/out" 2>&1 || fail "apply"
set +e; "$BIN" run -c "$tmp/nj.toml" --dispatch >> "$tmp/out" 2>&1; rc=$?; set -e
[[ $rc -eq 0 || $rc -eq 1 ]] || fail "run exited $rc"   # 1: the file that is not JSON failed
for _ in $(seq 60); do
  [[ $(q "SELECT count(*) FROM nightjar.run r JOIN nightjar.pipeline p USING (pipeline_id) WHERE p.name = '${src}_loader' AND r.status = 'running'") == 0 ]] && break
  sleep 1
done

got=$(q "SELECT string_agg(name || '=' || outcome, ' ' ORDER BY name) FROM partner.import_file")
want="acme_${day}_v1.json=imported acme_${day}_v2.json=partial globex-${day}.json=refused globex_${day}_v1.json=imported globex_${day}_v3.json=refused"
[[ $got == "$want" ]] || fail "outcomes: $got"
[[ $(q "SELECT count(*) FROM partner.declarant WHERE partner = 'acme'") == 20 ]] || fail "acme declarants"
[[ $(q "SELECT count(*) FROM partner.declarant WHERE partner = 'globex'") == 15 ]] || fail "globex declarants"
[[ $(q "SELECT rejected FROM partner.import_file WHERE name = 'acme_${day}_v2.json'") == 3 ]] || fail "partial: 3 rejected"
[[ $(q "SELECT count(*) FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name = '$src' AND f.status = 'failed'") == 1 ]] \
  || fail "the file that is not JSON should have failed"
[[ $(q "SELECT count(*) FROM nightjar.notification WHERE kind = 'partner_file_processed' AND dedup_key IN (
        SELECT 'partner_file:' || file_id FROM partner.import_file WHERE partner IS NOT NULL)") == 4 ]] || fail "one report per file of a known partner"
# Archive: the source keeps files in place at staging (archive = "keep"); once the import
# step has judged them, `nightjar archive --require-verdict` moves them: refused files and
# the file that is not JSON to failure/, the others to success/, renamed with the date.
[[ $(list incoming/ | grep -c '^incoming/success/\|^incoming/failure/') == 0 ]] || fail "archived before the verdict: $(list incoming/)"
"$BIN" archive -c "$tmp/nj.toml" --source "$src" --require-verdict >> "$tmp/out" 2>&1 || fail "archive"
[[ $(grep -c '^archived file' "$tmp/out") == 6 ]] || fail "6 files archived expected"
"$BIN" archive -c "$tmp/nj.toml" --source "$src" --require-verdict > "$tmp/again" 2>&1 || fail "archive again"
grep -q '^0 file(s) archived' "$tmp/again" || fail "a second archive moved files again: $(cat "$tmp/again")"
# Nothing left under incoming/ but success/ and failure/, renamed with the date.
[[ -z $(list incoming/ | grep -v '^incoming/success/\|^incoming/failure/') ]] || fail "files left in incoming/: $(list incoming/)"
list incoming/success/ | grep -q "^incoming/success/acme_${day}_v1\.[0-9-]*\.json$" || fail "success/ naming: $(list incoming/success/)"
list incoming/failure/ | grep -q "^incoming/failure/acme_${day}_v3\.[0-9-]*\.json$" || fail "failure/ naming: $(list incoming/failure/)"
for refused in "globex-${day}" "globex_${day}_v3"; do
  list incoming/failure/ | grep -q "^incoming/failure/${refused}\.[0-9-]*\.json$" || fail "refused $refused not in failure/: $(list incoming/)"
done
[[ $(list incoming/success/ | wc -l) == 3 ]] || fail "success/ should hold the 3 imported files: $(list incoming/success/)"
[[ $(q "SELECT count(*) FROM nightjar.file f JOIN nightjar.source s USING (source_id) WHERE s.name = '$src' AND f.archive_location LIKE 's3://partner-drops/incoming/failure/%'") == 3 ]] \
  || fail "archive locations of the 3 failed files not recorded"

# A removal flag: declarant D-007 of acme is erased everywhere in the database.
put "$tmp/files/later/acme_${day}_v4.json" incoming/acme_${day}_v4.json
"$BIN" run -c "$tmp/nj.toml" --dispatch >> "$tmp/out" 2>&1 || fail "second run"
for _ in $(seq 60); do
  [[ $(q "SELECT count(*) FROM partner.import_file WHERE name = 'acme_${day}_v4.json'") == 1 ]] && break
  sleep 1
done
[[ $(q "SELECT counts -> 'declarants' ->> 'removed' FROM partner.import_file WHERE name = 'acme_${day}_v4.json'") == 1 ]] || fail "removal not counted"
left=$(psql -qAtX -v ON_ERROR_STOP=1 <<'SQL'
CREATE FUNCTION pg_temp.rows_containing(vals text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r regclass; n bigint; total bigint := 0;
BEGIN
  FOR r IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
           WHERE c.relkind = 'r' AND ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname !~ '^pg_(temp|toast)' LOOP
    EXECUTE format('SELECT count(*) FROM %s t WHERE EXISTS (SELECT 1 FROM unnest($1) v WHERE strpos(lower(t::text), lower(v)) > 0)', r)
      INTO n USING vals;
    total := total + n;
  END LOOP;
  RETURN total;
END $$;
SELECT pg_temp.rows_containing(ARRAY['Acme Declarant 7', 'declarant7@acme.example']);
SQL
)
[[ $left == 0 ]] || fail "$left rows still hold the removed declarant's values"
[[ $(q "SELECT count(*) FROM partner.declarant WHERE partner = 'acme' AND declarant_id = 'D-007'") == 0 ]] || fail "D-007 still there"
[[ $(q "SELECT count(*) FROM partner.transaction WHERE partner = 'acme' AND declarant_id = 'D-007'") == 0 ]] || fail "D-007's transactions"
[[ $(q "SELECT count(*) FROM partner.declarant WHERE partner = 'globex' AND declarant_id = 'D-007'") == 1 ]] || fail "globex's D-007 touched"
# The archived objects that held D-007 (files_to_scrub of the step's result) are deleted by
# `nightjar scrub`, recorded in nightjar.file_scrub; afterwards no object of the bucket holds
# its values, and the other archived files are still there.
"$BIN" archive -c "$tmp/nj.toml" --source "$src" --require-verdict >> "$tmp/out" 2>&1 || fail "archive of the removal file"
q "SELECT sr.result FROM nightjar.step_run sr JOIN nightjar.step st USING (step_id) JOIN nightjar.pipeline p USING (pipeline_id)
   WHERE p.name = '${src}_loader' AND sr.status = 'succeeded' AND sr.result::text LIKE '%files_to_scrub%s3://%'" > "$tmp/results"
[[ -s $tmp/results ]] || fail "no step result lists files to scrub"
before=$(list incoming/ | wc -l)
"$BIN" scrub -c "$tmp/nj.toml" --json - --dry-run < <(head -1 "$tmp/results") > "$tmp/dry" 2>&1 || fail "scrub --dry-run: $(cat "$tmp/dry")"
grep -q '^would delete file' "$tmp/dry" || fail "dry run lists nothing: $(cat "$tmp/dry")"
[[ $(list incoming/ | wc -l) == "$before" ]] || fail "the dry run deleted objects"
while read -r line; do
  printf '%s' "$line" | "$BIN" scrub -c "$tmp/nj.toml" --json - >> "$tmp/out" 2>&1 || fail "scrub"
done < "$tmp/results"
scrubbed=$(q "SELECT count(*) FROM nightjar.file_scrub x JOIN nightjar.file f USING (file_id) JOIN nightjar.source s USING (source_id) WHERE s.name = '$src' AND x.outcome = 'deleted'")
[[ $scrubbed -ge 1 ]] || fail "no scrub recorded"
[[ $(list incoming/ | wc -l) == $((before - scrubbed)) ]] || fail "scrub deleted $((before - $(list incoming/ | wc -l))) objects, recorded $scrubbed"
for key in $(list incoming/); do
  curl -s -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER "$ep/partner-drops/$key" > "$tmp/object"
  if grep -qi 'Acme Declarant 7\|declarant7@acme.example' "$tmp/object"; then fail "$key still holds the removed declarant"; fi
done
grep -rqi 'Acme Declarant 7\|declarant7@acme.example' "$tmp/s3" 2>/dev/null && fail "s3rver's store still holds the removed declarant"
"$BIN" scrub -c "$tmp/nj.toml" --json - < <(head -1 "$tmp/results") > "$tmp/again" 2>&1 || fail "scrub again"
grep -q '^0 file(s) scrubbed' "$tmp/again" || fail "a second scrub found files again: $(cat "$tmp/again")"

# Orphans: an object under the prefix that no file row references is listed (dry run by
# default, nothing deleted), with a grace of 0; archived objects are never listed.
put "$tmp/files/later/acme_${day}_v4.json" incoming/stray/left.json
"$BIN" orphans -c "$tmp/nj.toml" --source "$src" --grace '0 seconds' > "$tmp/orph" 2>&1 || fail "orphans: $(cat "$tmp/orph")"
[[ $(grep -c '^orphan ' "$tmp/orph") == 1 ]] && grep -q '^orphan incoming/stray/left.json' "$tmp/orph" || fail "orphans: $(cat "$tmp/orph")"
list incoming/stray/ | grep -q left.json || fail "the dry run deleted the orphan"
"$BIN" orphans -c "$tmp/nj.toml" --source "$src" --grace '0 seconds' --delete > "$tmp/orph" 2>&1 || fail "orphans --delete"
[[ -z $(list incoming/stray/) ]] || fail "orphan not deleted"
"$BIN" orphans -c "$tmp/nj.toml" --source "$src" > "$tmp/orph" 2>&1 || fail "orphans (7 days)"
grep -q ', 0 orphan' "$tmp/orph" || fail "grace ignored: $(cat "$tmp/orph")"
echo "partner_loaders: ok"
