#!/usr/bin/env bash
# runner_resume.sh: a run's batch plan is recorded in the catalog and can be resumed.
# 1. kill -9 during batch 2 of 3: the dead run is "interrupted"; a plain dry run says its
#    plan was left unfinished and that the listing did not change; --resume-from-batch 2
#    runs the recorded batches 2 and 3 with the numbers and files printed before the
#    crash (a new plan would have renumbered them: batch 1's files were archived), every
#    record staged once; --resume afterwards finds nothing left.
# 2. a plan left unfinished (--interactive, q after batch 1), then the listing changes (a
#    planned file deleted, one rewritten longer, a new one): a new run names each change;
#    --resume stages the recorded plan (the deleted file skipped as gone, the new file
#    left out and named), and the next plain run plans the new file.
# 3. the SQL API refuses bad arguments with the argument named (22023).
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
source "$(dirname "$0")/lib/kill_mid_copy.sh"
source "$(dirname "$0")/lib/runner_env.sh"

# --- 1. kill -9 during batch 2, resume the recorded plan ------------------------------
src=$tmp/src; mkdir -p "$src"
python3 - "$src" <<'PY'
import sys
d = sys.argv[1]
uid = 0
for i in range(6):
    with open(f"{d}/big_{i}.ndjson", "w") as f:
        for j in range(120000 + i):   # sizes differ: the plan's order is by size
            uid += 1
            f.write('{"uid":%d,"file":%d,"a":"%s","b":%d}\n' % (uid, i, "v" * 20, j))
PY
total=$(cat "$src"/*.ndjson | wc -l)
name=itresume_$tag
dirconf "$name" "$src" 2 > "$tmp/nj.toml"
"$BIN" apply -c "$tmp/nj.toml" >/dev/null
sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
KillMidCopy "$sid" "$tmp/out1" run -c "$tmp/nj.toml"
grep -q "^batch 1/3: 2 files" "$tmp/out1" || { cat "$tmp/out1"; fail "the killed run did not print batch 1/3"; }
run1=$(q "SELECT run_id FROM nightjar.ingest_run WHERE source_id = $sid")
plan=$(q "SELECT plan_id FROM nightjar.ingest_run WHERE run_id = $run1")
[[ $(q "SELECT nightjar.ingest_run_state($run1)") == interrupted ]] || fail "killed run not interrupted"
[[ $(q "SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = $plan") == "staged,planned,planned" ]] \
  || fail "plan batch statuses: $(q "SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = $plan")"
planned2=$(q "SELECT string_agg(key, ',' ORDER BY key) FROM nightjar.ingest_plan_file WHERE plan_id = $plan AND plan_seq = 2")
planned3=$(q "SELECT string_agg(key, ',' ORDER BY key) FROM nightjar.ingest_plan_file WHERE plan_id = $plan AND plan_seq = 3")
# A new plan would number the four files left 1..2; the dry run says the recorded plan is unfinished.
"$BIN" run -c "$tmp/nj.toml" --dry-run > "$tmp/out2"
grep -q "plan for source $name: 2 batches" "$tmp/out2" || { cat "$tmp/out2"; fail "a new plan has 2 batches"; }
grep -q "run $run1 left its plan $plan unfinished (batches 2,3 of 3 not staged); this run plans anew (--resume would finish that plan); listing unchanged since" "$tmp/out2" \
  || { cat "$tmp/out2"; fail "dry run does not name the unfinished plan"; }
"$BIN" run -c "$tmp/nj.toml" --dry-run --resume-from-batch 2 > "$tmp/out3"
grep -q "plan for source $name: 3 batches (resumed at batch 2)" "$tmp/out3" || { cat "$tmp/out3"; fail "resume dry run"; }
"$BIN" run -c "$tmp/nj.toml" --resume-from-batch 2 --report-json "$tmp/r4.json" > "$tmp/out4" 2>"$tmp/err4" \
  || { cat "$tmp/out4" "$tmp/err4"; fail "resume run"; }
grep -q "resuming plan $plan of run $run1 at batch 2 of 3; listing unchanged since" "$tmp/out4" || { cat "$tmp/out4"; fail "resume note"; }
grep -q "planned batches 1..1 skipped (--resume-from-batch 2)" "$tmp/out4" || { cat "$tmp/out4"; fail "resume report"; }
[[ $(grep -oE "^batch [0-9]/3: 2 files" "$tmp/err4" | tr '\n' ' ') == "batch 2/3: 2 files batch 3/3: 2 files " ]] \
  || { cat "$tmp/err4"; fail "resumed batches are not numbered 2 and 3 of 3"; }
[[ $(q "SELECT string_agg(f.location, ',' ORDER BY f.location) FROM nightjar.file f JOIN nightjar.batch b USING (batch_id) WHERE b.plan_id = $plan AND b.plan_seq = 2 AND f.status = 'staged'") == "$planned2" ]] \
  || fail "batch 2 did not stage the recorded files ($planned2)"
[[ $(q "SELECT string_agg(f.location, ',' ORDER BY f.location) FROM nightjar.file f JOIN nightjar.batch b USING (batch_id) WHERE b.plan_id = $plan AND b.plan_seq = 3 AND f.status = 'staged'") == "$planned3" ]] \
  || fail "batch 3 did not stage the recorded files ($planned3)"
read -r cnt distinct <<<"$(q "SELECT count(*), count(DISTINCT (payload->>'uid')::bigint) FROM nightjar.raw_record WHERE source_id = $sid" | tr '|' ' ')"
[[ $cnt -eq $total && $distinct -eq $total ]] || fail "after resume: $cnt records, $distinct distinct, want $total"
[[ $(q "SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = $plan") == "staged,staged,staged" ]] || fail "plan not finished"
[[ $(q "SELECT count(*) FROM nightjar.ingest_run WHERE source_id = $sid AND plan_id = $plan AND resumed AND exit_code = 0 AND report->>'plan_id' = '$plan'") == 1 ]] \
  || fail "resumed run row"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['resumed'] and r['earlier_run']==$run1 and r['plan_changes']=={'new':[],'gone':[],'changed':[]}, r" "$tmp/r4.json" \
  || fail "resume report json"
[[ $(q "SELECT count(*) FROM nightjar.event e WHERE e.topic = 'batch.staged' AND (e.payload->>'source_id')::bigint = $sid AND (e.payload->>'plan_id')::bigint = $plan AND e.payload ? 'records' AND e.payload ? 'run_id'") == 3 ]] \
  || fail "want 3 batch.staged events carrying plan_id, run_id and records"
"$BIN" run -c "$tmp/nj.toml" --resume > "$tmp/out5" 2>&1 || { cat "$tmp/out5"; fail "--resume on a finished plan"; }
grep -q "at batch 4 of 3 (every batch of it is done)" "$tmp/out5" || { cat "$tmp/out5"; fail "--resume on a finished plan says so"; }
[[ -z "$(ls -A "$tmp/spool" 2>/dev/null)" ]] || fail "spool left behind"

# --- 2. the listing changes after an unfinished plan ---------------------------------
src2=$tmp/src2; mkdir -p "$src2"
for i in 1 2 3 4; do printf '{"f":%d}\n' "$i" > "$src2/f$i.ndjson"; done
name2=itchange_$tag
dirconf "$name2" "$src2" 1 > "$tmp/nj2.toml"
"$BIN" apply -c "$tmp/nj2.toml" >/dev/null
sid2=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name2'")
printf 'y\nq\n' | "$BIN" run -c "$tmp/nj2.toml" --interactive > "$tmp/out6" 2>&1 && rc=0 || rc=$?
[[ $rc -eq 14 ]] || { cat "$tmp/out6"; fail "q: exit $rc, want 14"; }
run2=$(q "SELECT max(run_id) FROM nightjar.ingest_run WHERE source_id = $sid2")
plan2=$(q "SELECT plan_id FROM nightjar.ingest_run WHERE run_id = $run2")
first=$(q "SELECT key FROM nightjar.ingest_plan_file WHERE plan_id = $plan2 AND plan_seq = 1")
gone=$(q "SELECT key FROM nightjar.ingest_plan_file WHERE plan_id = $plan2 AND plan_seq = 2")
grown=$(q "SELECT key FROM nightjar.ingest_plan_file WHERE plan_id = $plan2 AND plan_seq = 3")
kept=$(q "SELECT key FROM nightjar.ingest_plan_file WHERE plan_id = $plan2 AND plan_seq = 4")
[[ ! -e "$src2/$first" ]] || fail "batch 1's file not archived"
rm "$src2/$gone"
printf '{"f":"grown"}\n{"f":"more"}\n' >> "$src2/$grown"
printf '{"f":"new"}\n' > "$src2/new.ndjson"
"$BIN" run -c "$tmp/nj2.toml" --dry-run > "$tmp/out7"
grep -q "run $run2 left its plan $plan2 unfinished (batches 2,3,4 of 4 not staged); this run plans anew (--resume would finish that plan); listing changed since: 1 new, 1 gone, 1 changed" "$tmp/out7" \
  || { cat "$tmp/out7"; fail "a new run does not say what changed"; }
grep -qx "  new: new.ndjson" "$tmp/out7" && grep -qx "  gone: $gone" "$tmp/out7" && grep -qE "^  changed: $grown \(size 8 -> [0-9]+\)$" "$tmp/out7" \
  || { cat "$tmp/out7"; fail "changes not named"; }
"$BIN" run -c "$tmp/nj2.toml" --resume --report-json "$tmp/r8.json" > "$tmp/out8" 2>&1 || { cat "$tmp/out8"; fail "resume after changes"; }
grep -q "resuming plan $plan2 of run $run2 at batch 2 of 4; listing changed since: 1 new, 1 gone, 1 changed (new files are not in this plan: the next run without --resume plans them)" "$tmp/out8" \
  || { cat "$tmp/out8"; fail "resume note after changes"; }
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); c=r['plan_changes']; assert c['new']==['new.ndjson'] and c['gone']==['$gone'] and len(c['changed'])==1 and r['totals']['files_staged']==2 and r['totals']['files_skipped']==1, r" "$tmp/r8.json" \
  || { cat "$tmp/r8.json"; fail "resume report json after changes"; }
[[ $(q "SELECT string_agg(coalesce(payload->>'f', ''), ',' ORDER BY payload->>'f') FROM nightjar.raw_record WHERE source_id = $sid2") == "$(printf '%s\n' "${first//[!0-9]/}" "${grown//[!0-9]/}" "${kept//[!0-9]/}" grown more | sort | paste -sd,)" ]] \
  || fail "resume staged $(q "SELECT string_agg(payload->>'f', ',') FROM nightjar.raw_record WHERE source_id = $sid2")"
[[ -e "$src2/new.ndjson" ]] || fail "the new file was staged by the resume"
[[ $(q "SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = $plan2") == "staged,skipped,staged,staged" ]] \
  || fail "plan statuses after resume: $(q "SELECT string_agg(status, ',' ORDER BY plan_seq) FROM nightjar.ingest_plan_batch WHERE plan_id = $plan2")"
"$BIN" run -c "$tmp/nj2.toml" > "$tmp/out9" 2>&1 || { cat "$tmp/out9"; fail "plain run after resume"; }
grep -q "1/1 batches, 1 files staged" "$tmp/out9" || { cat "$tmp/out9"; fail "the new file is planned by the next run"; }
grep -q "left its plan" "$tmp/out9" && { cat "$tmp/out9"; fail "a finished plan is reported unfinished"; }

# --- 3. the SQL API refuses bad arguments ----------------------------------------------
err() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1" 2>&1 >/dev/null | head -1 || true; }
[[ $(err "SELECT nightjar.begin_batch(-1, 1)") == "ERROR:  nightjar: ingest run -1 does not exist" ]] || fail "begin_batch of no run"
[[ $(err "SELECT nightjar.begin_batch($run2, 1)") == "ERROR:  nightjar: ingest run $run2 has finished" ]] || fail "begin_batch of a finished run"
r=$(q "SELECT nightjar.begin_ingest_run($sid2)")
[[ $(err "SELECT nightjar.record_plan($r, '[{\"batch\":2,\"key\":\"a\",\"name\":\"a\",\"size\":1,\"confidence\":1}]')") == "ERROR:  nightjar: plan batches must be numbered 1..N without gaps" ]] || fail "record_plan gap"
bad=$(err "SELECT nightjar.record_plan($r, '[{\"batch\":1,\"key\":\"a\",\"name\":\"a\",\"size\":1,\"confidence\":7}]')")
[[ $bad == "ERROR:  nightjar: plan file 1: confidence must be a number between 0 and 1: '{\"key\": \"a\""* ]] || fail "record_plan confidence: $bad"
[[ $(err "SELECT nightjar.finish_ingest_run($r, 3, '{}')") == "ERROR:  nightjar: exit_code must be 0, 1, 2 or 10..14, not 3" ]] || fail "finish_ingest_run exit code"
long=$(err "SELECT nightjar.define_source(repeat('x', 100000), 'dir', '{}')")
[[ ${#long} -lt 200 && $long == *"…" ]] || fail "echoed value not cut: ${#long} chars"
q "SELECT nightjar.finish_ingest_run($r, 0, '{}')" >/dev/null
echo "runner_resume: ok"
