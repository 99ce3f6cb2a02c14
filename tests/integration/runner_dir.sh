#!/usr/bin/env bash
# runner_dir.sh: the runner against a local directory source on the real cluster.
# Full run (a bad file fails alone, exit 1), archive to success/ failure/, re-run changes
# nothing, kill -9 in the middle of a batch's COPY then a new run stages every record
# exactly once with no spool left, dry run, config and database errors exit codes; a
# record the server refuses fails its file alone; a skipped duplicate gets a row; a lost
# connection after COMMIT exits 11 and leaves no spool; --resume-from-batch refused
# without a recorded plan or past it (resuming: runner_resume.sh); --interactive,
# --no-cleanup and the plain progress lines.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
source "$(dirname "$0")/lib/kill_mid_copy.sh"
source "$(dirname "$0")/lib/runner_env.sh"

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
dirsource "$name" "$src" "**/*.ndjson" "batch_size = 4" "max_batch_mb = 64" > "$tmp/nj.toml"
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
# One COPY for the batch still numbers records within their own files (no blank lines here).
[[ $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid AND (file_record_no IS NULL OR file_line IS DISTINCT FROM file_record_no)") == 0 ]] || fail "file_record_no / file_line"
[[ $(q "SELECT count(*) FROM nightjar.file f WHERE source_id = $sid AND status = 'staged' AND records IS DISTINCT FROM (SELECT max(file_record_no) FROM nightjar.raw_record r WHERE r.file_id = f.file_id)") == 0 ]] || fail "file_record_no restarts per file"
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
# The skipped copy is moved to success/, so it gets one file row (status skipped, where
# it went, which staged file it duplicates); nothing else changes.
before=$(q "SELECT count(*) || '/' || (SELECT count(*) FROM nightjar.batch WHERE source_id = $sid) || '/' || (SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status <> 'skipped') FROM nightjar.raw_record WHERE source_id = $sid")
cp "$src"/success/prices_01.*.ndjson "$src/renamed_copy.ndjson"
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out2" 2>&1 || { cat "$tmp/out2"; fail "re-run failed"; }
after=$(q "SELECT count(*) || '/' || (SELECT count(*) FROM nightjar.batch WHERE source_id = $sid) || '/' || (SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status <> 'skipped') FROM nightjar.raw_record WHERE source_id = $sid")
[[ "$before" == "$after" ]] || fail "re-run changed the catalog: $before -> $after"
grep -q "1 skipped" "$tmp/out2" || { cat "$tmp/out2"; fail "renamed copy not skipped"; }
ls "$src"/success/renamed_copy.*.ndjson >/dev/null || fail "skipped copy not archived to success/"
[[ $(q "SELECT count(*) FROM nightjar.file s JOIN nightjar.file d ON d.file_id = s.duplicate_of
        WHERE s.source_id = $sid AND s.status = 'skipped' AND s.name = 'renamed_copy.ndjson' AND s.error = 'already staged'
          AND s.archive_location LIKE 'success/renamed_copy.%.ndjson' AND s.batch_id IS NULL
          AND d.status = 'staged' AND d.name = 'prices_01.ndjson' AND d.checksum = s.checksum") == 1 ]] \
  || { q "SELECT * FROM nightjar.file WHERE source_id = $sid AND status = 'skipped'"; fail "skipped copy has no row naming what it duplicates"; }
# A second re-run lists nothing new: still one skipped row.
"$BIN" run -c "$tmp/nj.toml" > "$tmp/out2b" 2>&1 || { cat "$tmp/out2b"; fail "second re-run failed"; }
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'skipped'") == 1 ]] || fail "skipped rows multiplied"

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

# --- 5. a record the server refuses fails its own file, not the batch ----------------
# 1e-20000 is valid JSON (the reader's parser reads it as 0) but jsonb stores numbers as
# numeric, which refuses the exponent (SQLSTATE 22003): a refusal only the server makes,
# unlike \u0000 or lone surrogates, which the readers catch first.
src5=$tmp/src5; mkdir -p "$src5"
printf '{"k":"a1"}\n\n{"k":"a2"}\n' > "$src5/a.ndjson"
printf '{"k":"b1"}\n\n{"k":"b2","n":1e-20000}\n{"k":"b3"}\n' > "$src5/b.ndjson"
printf '{"k":"c1"}\n' > "$src5/c.ndjson"
cp "$src5/a.ndjson" "$src5/d_same_as_a.ndjson"
name5=itref_$tag
dirconf "$name5" "$src5" 10 > "$tmp/nj5.toml"
"$BIN" apply -c "$tmp/nj5.toml" >/dev/null
sid5=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name5'")
set +e; "$BIN" run -c "$tmp/nj5.toml" > "$tmp/out8" 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || { cat "$tmp/out8"; fail "refused record: exit $rc, want 1"; }
grep -q "failed: b.ndjson: b.ndjson:3: record 2: refused by the server: value overflows numeric format (SQLSTATE 22003)" "$tmp/out8" \
  || { cat "$tmp/out8"; fail "refused file not named with its record and the server's message"; }
[[ $(q "SELECT string_agg(payload->>'k', ',' ORDER BY payload->>'k') FROM nightjar.raw_record WHERE source_id = $sid5") == "a1,a2,c1" ]] \
  || fail "want exactly the records of a and c: $(q "SELECT string_agg(payload->>'k', ',') FROM nightjar.raw_record WHERE source_id = $sid5")"
[[ $(q "SELECT count(*) FROM nightjar.batch WHERE source_id = $sid5") == 1 && $(q "SELECT status FROM nightjar.batch WHERE source_id = $sid5") == staged ]] \
  || fail "want one staged batch (the failed first attempt leaves nothing)"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid5 AND name = 'b.ndjson' AND status = 'failed' AND error LIKE 'b.ndjson:3: record 2: refused%' AND archive_location LIKE 'failure/b.%'") == 1 ]] || fail "b's file row"
# Each record keeps its number within its file and its line (a blank line in a.ndjson).
[[ $(q "SELECT string_agg(f.name || '#' || r.file_record_no || '@' || r.file_line || '=' || (r.payload->>'k'), ',' ORDER BY f.name, r.file_record_no)
        FROM nightjar.raw_record r JOIN nightjar.file f USING (file_id) WHERE r.source_id = $sid5") == "a.ndjson#1@1=a1,a.ndjson#2@3=a2,c.ndjson#1@1=c1" ]] \
  || fail "file_record_no / file_line: $(q "SELECT string_agg(file_record_no || '@' || file_line, ',') FROM nightjar.raw_record WHERE source_id = $sid5")"
ls "$src5"/failure/b.*.ndjson "$src5"/success/a.*.ndjson "$src5"/success/c.*.ndjson >/dev/null || fail "archive after a refusal"
# The duplicate of a (same batch) is skipped, archived and recorded with what it duplicates.
[[ $(q "SELECT count(*) FROM nightjar.file s JOIN nightjar.file d ON d.file_id = s.duplicate_of WHERE s.source_id = $sid5 AND s.status = 'skipped' AND s.name = 'd_same_as_a.ndjson' AND d.name = 'a.ndjson' AND s.batch_id = d.batch_id AND s.archive_location LIKE 'success/d_same_as_a.%'") == 1 ]] \
  || fail "duplicate in the same batch not recorded"
[[ $(q "SELECT count(*) FROM nightjar.event e JOIN nightjar.batch b ON b.batch_id = (e.payload->>'batch_id')::bigint WHERE e.topic = 'batch.staged' AND b.source_id = $sid5") == 1 ]] || fail "want one batch.staged"
# The batch is not planned again: a re-run finds nothing to do.
"$BIN" run -c "$tmp/nj5.toml" > "$tmp/out9" 2>&1 || { cat "$tmp/out9"; fail "re-run after a refusal"; }
grep -q "0/0 batches" "$tmp/out9" || { cat "$tmp/out9"; fail "re-run planned something"; }

# --- 6. the connection lost after COMMIT (archive bookkeeping) exits 11 --------------
# A test trigger makes the backend terminate itself when the runner records where a
# file was archived: pqxx::broken_connection outside the staging transaction.
src6=$tmp/src6; mkdir -p "$src6"
printf '{"k":1}\n' > "$src6/one.ndjson"
name6=itlost_$tag
dirconf "$name6" "$src6" 10 > "$tmp/nj6.toml"
"$BIN" apply -c "$tmp/nj6.toml" >/dev/null
sid6=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name6'")
psql -qX -v ON_ERROR_STOP=1 <<SQL
CREATE FUNCTION public.nj_it_kill_self_$tag() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END \$\$;
CREATE TRIGGER nj_it_kill_$tag BEFORE UPDATE OF archive_location ON nightjar.file
  FOR EACH ROW WHEN (NEW.source_id = $sid6) EXECUTE FUNCTION public.nj_it_kill_self_$tag();
SQL
set +e; "$BIN" run -c "$tmp/nj6.toml" > "$tmp/out10" 2>"$tmp/err10"; rc=$?; set -e
psql -qX -c "DROP TRIGGER nj_it_kill_$tag ON nightjar.file" -c "DROP FUNCTION public.nj_it_kill_self_$tag()"
[[ $rc -eq 11 ]] || { cat "$tmp/out10" "$tmp/err10"; fail "connection lost after commit: exit $rc, want 11"; }
[[ $(grep -c "^nightjar: critical: database unreachable: " "$tmp/err10") == 1 ]] || { cat "$tmp/err10"; fail "want one critical line"; }
grep -q "1/1 batches, 1 files staged" "$tmp/out10" || { cat "$tmp/out10"; fail "the committed batch is missing from the report"; }
[[ $(q "SELECT count(*) FROM nightjar.raw_record WHERE source_id = $sid6") == 1 ]] || fail "the committed batch was lost"
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "critical exit left a spool: $(ls "$tmp/spool")"

# --- 7. --resume-from-batch needs a recorded plan and a batch it has ------------------
# (resuming a recorded plan after kill -9 and after the listing changed: runner_resume.sh)
src7=$tmp/src7; mkdir -p "$src7"
for i in 1 2 3; do printf '{"r":%d}\n' "$i" > "$src7/r$i.ndjson"; done
name7=itres_$tag
dirconf "$name7" "$src7" 1 > "$tmp/nj7.toml"
"$BIN" apply -c "$tmp/nj7.toml" >/dev/null
sid7=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name7'")
set +e; "$BIN" run -c "$tmp/nj7.toml" --resume-from-batch 3 > "$tmp/out11" 2>&1; rc=$?; set -e
[[ $rc -eq 2 ]] && grep -q "source $name7 has no recorded plan to resume" "$tmp/out11" || { cat "$tmp/out11"; fail "resume without a plan: exit $rc, want 2"; }
[[ $(q "SELECT count(*) FROM nightjar.ingest_run WHERE source_id = $sid7") == 0 ]] || fail "a refused resume recorded a run"
"$BIN" run -c "$tmp/nj7.toml" > "$tmp/out12" 2>&1 || { cat "$tmp/out12"; fail "run"; }
set +e; "$BIN" run -c "$tmp/nj7.toml" --resume-from-batch 4 > "$tmp/out12b" 2>&1; rc=$?; set -e
[[ $rc -eq 2 ]] && grep -q -- "--resume-from-batch 4: the recorded plan of source $name7 (run [0-9]*) has 3 batches" "$tmp/out12b" \
  || { cat "$tmp/out12b"; fail "resume past the plan: exit $rc, want 2"; }
[[ $(q "SELECT string_agg(payload->>'r', ',' ORDER BY payload->>'r') FROM nightjar.raw_record WHERE source_id = $sid7") == "1,2,3" ]] || fail "run after refused resume"

# --- 8. --interactive, --no-cleanup, plain progress lines -----------------------------
src8=$tmp/src8; mkdir -p "$src8"
for i in 1 2 3; do printf '{"i":%d}\n' "$i" > "$src8/i$i.ndjson"; done
name8=itask_$tag
dirconf "$name8" "$src8" 1 > "$tmp/nj8.toml"
"$BIN" apply -c "$tmp/nj8.toml" >/dev/null
sid8=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name8'")
printf 'n\ny\nq\n' | "$BIN" run -c "$tmp/nj8.toml" --interactive --no-cleanup > "$tmp/out13" 2>"$tmp/err13" && rc=0 || rc=$?
[[ $rc -eq 14 ]] || { cat "$tmp/out13" "$tmp/err13"; fail "operator's q: exit $rc, want 14"; }
[[ $(grep -o "stage batch [0-9] (1 files, 0.00 MB)? \[y/n/q\]" "$tmp/err13" | wc -l) == 3 ]] || { cat "$tmp/err13"; fail "want three questions"; }
[[ $(q "SELECT string_agg(payload->>'i', ',') FROM nightjar.raw_record WHERE source_id = $sid8") == 2 ]] || fail "interactive: want only batch 2 staged"
[[ -e "$src8/i1.ndjson" && ! -e "$src8/i2.ndjson" && -e "$src8/i3.ndjson" ]] || fail "interactive: declined files touched"
grep -q "batch 1: skipped" "$tmp/out13" || { cat "$tmp/out13"; fail "declined batch not reported"; }
# Not a terminal: one plain progress line per staged batch, on its own line (a piped
# answer is echoed after the question), no carriage return.
[[ $(grep -oE "^batch [0-9]+/3: 1 files, [0-9.]+ MB, 1 records, [0-9]+ rec/s, [0-9.]+ s$" "$tmp/err13") == "batch 2/3: "* ]] \
  && [[ $(grep -oE "batch [0-9]+/3: " "$tmp/err13" | wc -l) == 1 ]] || { cat -A "$tmp/err13"; fail "want one plain progress line"; }
grep -q $'\r' "$tmp/err13" && fail "carriage return in non-TTY progress"
ls -d "$tmp/spool/$name8"-* >/dev/null 2>&1 || fail "--no-cleanup removed the spool"
rm -rf "$tmp/spool/$name8"-*
printf 'y\ny\n' | "$BIN" run -c "$tmp/nj8.toml" --interactive > "$tmp/out14" 2>"$tmp/err14" || { cat "$tmp/out14" "$tmp/err14"; fail "interactive yes"; }
[[ $(grep -oE "batch [12]/2: 1 files, [^?]* s$" "$tmp/err14" | wc -l) == 2 ]] || { cat "$tmp/err14"; fail "want one progress line per batch"; }
[[ $(q "SELECT string_agg(payload->>'i', ',' ORDER BY payload->>'i') FROM nightjar.raw_record WHERE source_id = $sid8") == "1,2,3" ]] || fail "interactive yes: want all"
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind: $(ls "$tmp/spool")"
echo "runner_dir: ok"
