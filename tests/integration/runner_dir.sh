#!/usr/bin/env bash
# runner_dir.sh: the runner against a local directory source on the real cluster.
# Full run (a bad file fails alone, exit 1), archive to success/ failure/, re-run changes
# nothing, kill -9 in the middle of a batch's COPY then a new run stages every record
# exactly once with no spool left, dry run, config and database errors exit codes.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
source "$(dirname "$0")/lib/kill_mid_copy.sh"
cd "$(dirname "$0")/../.."
BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
BIN=$(readlink -f "$BIN")
: "${NIGHTJAR_DATABASE_URL:?NIGHTJAR_DATABASE_URL must be set}"
tmp=$(mktemp -d)
runner_pid=
cleanup() {
  if [[ -n "$runner_pid" ]] && kill -0 "$runner_pid" 2>/dev/null; then kill -9 "$runner_pid" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "runner_dir: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
tag=$$_$RANDOM

# --- 1. full run, bad file, archive -----------------------------------------------
src=$tmp/src; mkdir -p "$src/sub"
python3 - "$src" <<'PY'
import json, sys, os
d = sys.argv[1]
uid = 0
for i in range(12):
    sub = "sub/" if i % 3 == 0 else ""
    with open(f"{d}/{sub}prices_{i:02d}.ndjson", "w") as f:
        for j in range(500 + i):
            uid += 1
            f.write(json.dumps({"uid": uid, "file": i, "price": j * 1.5, "label": f"item {j}"}) + "\n")
open(f"{d}/bad.ndjson", "w").write('{"uid": -1}\nthis is not json\n')
open(f"{d}/ignored.txt", "w").write("not matched by the pattern\n")
PY
expected=$(cat "$src"/*.ndjson "$src"/sub/*.ndjson | grep -c '"uid": [0-9]')
name=itdir_$tag
cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$name"
kind = "dir"
location = "$src"
format = "ndjson"
pattern = "**/*.ndjson"
batch_size = 4
max_batch_mb = 64
TOML
"$BIN" apply -c "$tmp/nj.toml" | grep -q "created source $name" || fail "apply did not create"
"$BIN" apply -c "$tmp/nj.toml" | grep -q "unchanged source $name" || fail "apply not idempotent"
"$BIN" run -c "$tmp/nj.toml" --dry-run | grep -q "batch 4: 1 files" || fail "dry run plan"
[[ $(q "SELECT count(*) FROM nightjar.batch b JOIN nightjar.source s USING (source_id) WHERE s.name = '$name'") == 0 ]] || fail "dry run staged"
set +e; "$BIN" run -c "$tmp/nj.toml" --report-json "$tmp/r1.json" > "$tmp/out1" 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || { cat "$tmp/out1"; fail "exit code $rc, want 1 (one file failed)"; }
grep -q "bad.ndjson:2 (byte 12)" "$tmp/out1" || { cat "$tmp/out1"; fail "failed file reason lacks line and byte"; }
sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
got=$(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid")
[[ $got -eq $expected ]] || fail "staged $got records, want $expected"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'failed' AND error LIKE 'bad.ndjson:2%'") == 1 ]] || fail "failed file row"
[[ $(q "SELECT count(*) FROM nightjar.raw_record r JOIN nightjar.file f USING (file_id) WHERE f.status <> 'staged'") == 0 ]] || fail "records of a failed file were kept"
[[ $(q "SELECT count(*) FROM nightjar.event e JOIN nightjar.batch b ON b.batch_id = (e.payload->>'batch_id')::bigint WHERE e.topic = 'batch.staged' AND b.source_id = $sid") == 4 ]] \
  || fail "want 4 batch.staged events"
ls "$src"/success/*.ndjson "$src"/success/sub/*.ndjson >/dev/null || fail "no success archive"
ls "$src"/failure/bad.*.ndjson >/dev/null || fail "bad file not in failure/"
[[ -e "$src/ignored.txt" ]] || fail "unmatched file moved"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['totals']['records']==$expected and len(r['failed_files'])==1, r" "$tmp/r1.json" \
  || fail "report json"
[[ $(q "SELECT report->'totals'->>'records' FROM nightjar.ingest_run WHERE source_id = $sid ORDER BY run_id DESC LIMIT 1") == "$expected" ]] || fail "report not in catalog"
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind"

# --- 2. re-run changes nothing; same content under another name is skipped ----------
before=$(q "SELECT count(*) || '/' || (SELECT count(*) FROM nightjar.batch WHERE source_id = $sid) || '/' || (SELECT count(*) FROM nightjar.file WHERE source_id = $sid) FROM nightjar.raw_record WHERE source_id = $sid")
cp "$src"/success/prices_01.*.ndjson "$src/renamed_copy.ndjson"
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out2" 2>&1 || { cat "$tmp/out2"; fail "re-run failed"; }
after=$(q "SELECT count(*) || '/' || (SELECT count(*) FROM nightjar.batch WHERE source_id = $sid) || '/' || (SELECT count(*) FROM nightjar.file WHERE source_id = $sid) FROM nightjar.raw_record WHERE source_id = $sid")
[[ "$before" == "$after" ]] || fail "re-run changed the catalog: $before -> $after"
grep -q "1 skipped" "$tmp/out2" || { cat "$tmp/out2"; fail "renamed copy not skipped"; }
ls "$src"/success/renamed_copy.*.ndjson >/dev/null || fail "skipped copy not archived to success/"

# --- 3. kill -9 in the middle of a batch, then resume -----------------------------
src2=$tmp/src2; mkdir -p "$src2"
python3 - "$src2" <<'PY'
import sys
d = sys.argv[1]
uid = 0
for i in range(6):
    with open(f"{d}/big_{i}.ndjson", "w") as f:
        for j in range(150000):
            uid += 1
            f.write('{"uid":%d,"file":%d,"a":"%s","b":%d,"c":%.3f,"d":true,"e":null,"f":"x"}\n' % (uid, i, "v" * 20, j, j / 7))
PY
total2=$((6 * 150000))
name2=itkill_$tag
sed -e "s/name = \"$name\"/name = \"$name2\"/" -e "s#location = \"$src\"#location = \"$src2\"#" -e 's/batch_size = 4/batch_size = 2/' \
  "$tmp/nj.toml" > "$tmp/nj2.toml"
"$BIN" apply -c "$tmp/nj2.toml" >/dev/null
sid2=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name2'")
KillMidCopy "$sid2" "$tmp/out3" run -c "$tmp/nj2.toml"
ls -d "$tmp/spool/$name2"-* >/dev/null 2>&1 || true   # a spool may be left by the dead runner
partial=$(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid2")
[[ $partial -lt $total2 ]] || fail "kill came too late ($partial records)"
[[ $(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid2 AND status <> 'staged'") == 0 ]] || fail "a half batch is visible"
"$BIN" run -c "$tmp/nj2.toml" > "$tmp/out4" 2>&1 || { cat "$tmp/out4"; fail "resume run failed"; }
read -r cnt distinct_uid <<<"$(q "SELECT count(*), count(DISTINCT (payload->>'uid')::bigint) FROM nightjar.raw_record WHERE source_id = $sid2" | tr '|' ' ')"
[[ $cnt -eq $total2 && $distinct_uid -eq $total2 ]] || fail "after resume: $cnt records, $distinct_uid distinct, want $total2"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid2 AND status = 'staged'") == 6 ]] || fail "want 6 staged files"
[[ $(q "SELECT count(DISTINCT checksum) FROM nightjar.file WHERE source_id = $sid2") == 6 ]] || fail "checksums"
for f in "$src2"/success/*.ndjson; do
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  [[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid2 AND checksum = '$sum' AND status = 'staged'") == 1 ]] || fail "checksum of $f"
done
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind after resume: $(ls "$tmp/spool")"

# --- 4. critical and configuration errors -------------------------------------------
set +e
NIGHTJAR_DATABASE_URL="postgresql:///nodb?host=/nonexistent&port=1" "$BIN" run -c "$tmp/nj.toml" > "$tmp/out5" 2>&1; rc=$?
set -e
[[ $rc -eq 11 ]] || { cat "$tmp/out5"; fail "unreachable database: exit $rc, want 11"; }
grep -q "critical: database unreachable" "$tmp/out5" || fail "no one-line cause"
printf '[[source]]\nname = "x"\nkind = "dir"\nlocation = "/tmp"\nbatchsize = 3\n' > "$tmp/bad.toml"
set +e; "$BIN" apply -c "$tmp/bad.toml" > "$tmp/out6" 2>&1; rc=$?; set -e
[[ $rc -eq 2 ]] && grep -q "bad.toml:5: source\[0\].batchsize: unknown key" "$tmp/out6" || { cat "$tmp/out6"; fail "config error: exit $rc"; }
cp "$src"/success/prices_02.*.ndjson "$src/again.ndjson"
set +e; "$BIN" run -c "$tmp/nj.toml" --disk-margin-mb 1e12 > "$tmp/out7" 2>&1; rc=$?; set -e
[[ $rc -eq 12 ]] || { cat "$tmp/out7"; fail "disk check: exit $rc, want 12"; }
echo "runner_dir: ok"
