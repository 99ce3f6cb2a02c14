#!/usr/bin/env bash
# 57_multi_source.sh: demo stage — the multi-source pipeline end to end (use case 5,
# examples/consolidation/README.md). 2,500 records of the same actors in 20 sources, each in
# its provider's format: 7 CSV drops (';', Latin-1), 8 paged JSON web services (a local
# server), 5 S3 drops (s3rver). The runner stages them all; the intake pipeline validates
# (bad values quarantined) and normalises each batch into common fields; the nightly
# pipeline resolves the 20 clean sources, consolidates them into golden records, corrects
# and proposes from versioned references (two more runner sources, each file a snapshot
# published if valid), and computes weekly statistics. Prints per source fetched / valid /
# quarantined, resolution counts and F1 against the generator's truth, two golden records
# with each field's provenance, the suggestions waiting for review and the weekly
# statistics. Then a second night: a reviewer accepts a suggestion, four providers send
# changed exports and the postal-code base a malformed version 2 (refused, version 1 stays);
# only the new files are staged, the resolution runs incrementally; prints what it saw,
# what consolidation did (the night's entity events) and that untouched entities kept their ids.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NIGHTJAR_BIN=${NIGHTJAR_BIN:-build/bin/nightjar}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
home=${NIGHTJAR_HOME:-$PWD/.nightjar}
dir=$home/demo-multi-source
echo "== 5c. the multi-source pipeline: 20 providers (CSV drops, JSON APIs, S3) to golden records ($dir)"
start=$(date +%s%N)
bash examples/consolidation/run_example.sh "$dir" 2500 7
psql -qX -v ON_ERROR_STOP=1 -v truth="$dir/gen/truth.csv" -f examples/consolidation/report.sql
echo "-- the second night (run_example.sh --night 2)"
bash examples/consolidation/run_example.sh --night 2 "$dir"
psql -qX -v ON_ERROR_STOP=1 -f examples/consolidation/report_night2.sql
ms=$((($(date +%s%N) - start) / 1000000))
printf -- '-- stage 57 took %d.%d s\n' $((ms / 1000)) $((ms % 1000 / 100))
