#!/usr/bin/env bash
# demo.sh: the stages of `make demo` (examples/demo.d/) run on the test cluster and say
# what the README promises: the aggregates agree with the built-ins, the sample files
# (NDJSON, CSV, xlsx) are staged, and the supplier pipeline succeeds through the
# dispatcher with its five deliberate mistakes quarantined. Needs PGHOST/PGPORT/PGUSER,
# PGDATABASE, NIGHTJAR_BIN and NIGHTJAR_HOME of the test cluster. Stage 6 (structure monitoring)
# must run three nights, report the provider's failure classes, and switch modes both ways.
# Stage 9 delivers the night's notifications and reads the run status through the webapp link.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "demo: FAIL: $*" >&2; exit 1; }
out=$(for stage in examples/demo.d/*.sh; do bash "$stage" || echo "stage $stage failed: exit $?"; done 2>&1)
grep -q "failed: exit\|ERROR" <<<"$out" && fail "$(grep -m3 "failed: exit\|ERROR" <<<"$out")"

# 1. statistics: n = count(), mean = avg(), stddev = stddev_samp() on every structure row.
rows=$(awk -F'|' 'NF == 9 && $1 !~ /structure/ {
         gsub(/ /, ""); if ($2 == $3 && $4 == $5 && $6 == $7) ok++; else print "differs: " $0 }
       END { print ok + 0 }' <<<"$out")
[[ "$(tail -1 <<<"$rows")" == 5 ]] || fail "statistics next to the built-ins: $rows"
# 2. ingestion: no file failed, and the three files of three formats are staged (on a
# second run they may be skipped as already staged, so the catalog is asked).
grep -Eq "^source demo_inbox: .*, 0 failed," <<<"$out" || fail "ingestion: $(grep -m1 "^source demo_inbox" <<<"$out")"
staged=$(psql -XAtq -c "SELECT string_agg(DISTINCT f.name, ' ' ORDER BY f.name) FROM nightjar.file f
                        JOIN nightjar.source s USING (source_id) WHERE s.name = 'demo_inbox' AND f.status = 'staged'")
[[ "$staged" == "orders_2026-11.ndjson prix_bpu_lot1.csv prix_bpu_lot2.xlsx" ]] || fail "staged demo files: $staged"
# 3. the pipeline: both steps succeeded, five records quarantined with their reasons.
grep -Eq "^ +[0-9]+ \| supplier_quality \| succeeded \| +2 \| +2 \|" <<<"$out" \
  || fail "pipeline: $(grep -m1 "| supplier_quality |" <<<"$out")"
for reason in "is blank" "is not a date" "is less than 0" "is not one of the allowed values" \
              "is a duplicate within the batch"; do
  grep -q "| $reason" <<<"$out" || fail "quarantine reason '$reason' not shown"
done
# 5b. consolidation: an unchanged re-run changes no entity id, reference v2 is refused,
# and the successors of the two closed companies are proposed.
grep -q "^entity ids changed between the two runs: 0$" <<<"$out" || fail "consolidation: $(grep -m1 "entity ids changed" <<<"$out")"
grep -q "^version v2 of demo_postcode refused: " <<<"$out" || fail "consolidation: reference v2 was not refused"
grep -q '"successor": {"proposed": 2}' <<<"$out" || fail "consolidation: enrichment $(grep -m1 '"successor"' <<<"$out")"
# 6. structure monitoring: three nights ran through the dispatcher, the provider's failure
# classes were reported, structures went REINFORCED by the trigger and one came back.
[[ $(grep -Ec "^load [0-9]+: run succeeded; validate" <<<"$out") == 3 ]] || fail "monitoring: $(grep -m3 "^load " <<<"$out")"
grep -q '"login_failed": \["OUV0003"\], "listing_malformed": \["OUV0005"\], "state_failed": \["OUV0007"\]' <<<"$out" \
  || fail "monitoring fetch: $(grep -m1 '"status"' <<<"$out")"
grep -Eq "OUV[0-9]+ +\| STANDARD -> REINFORCED \| trigger +\| +4 \|.*\| +1$" <<<"$out" || fail "monitoring: no switch to REINFORCED notified"
grep -Eq "OUV0025 +\| REINFORCED -> STANDARD \| return_rule" <<<"$out" || fail "monitoring: OUV0025 did not return to STANDARD"
# 9. delivery: the night's e-mails reached the local SMTP server; the webapp database read
# the run status through the link.
grep -Eq "^notify: [1-9][0-9]* sent, 0 to retry, 0 dead-lettered" <<<"$out" || fail "delivery: $(grep -m1 "^notify:" <<<"$out")"
grep -Eq "^webapp: [1-9][0-9]* runs read through the link" <<<"$out" || fail "webapp link: $(grep -m1 "^webapp:\|^linked:" <<<"$out")"
echo "demo: ok"
