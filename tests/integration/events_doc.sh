#!/usr/bin/env bash
# events_doc.sh: docs/events.md lists every event topic the code emits, and no topic that
# nothing emits. Topics are read from the code: nightjar.emit / _emit calls and rows
# inserted into nightjar.event in sql/*.sql and runner/ (C++ included), the topics
# declared for the shipped steps (`emits => '…'`, or define_step's fifth argument, in sql/*.sql) and the `emits = "…"` of
# the example configurations (examples/**/*.toml). Needs no database.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "events_doc: FAIL: $*" >&2; exit 1; }
doc=docs/events.md
[[ -f $doc ]] || fail "$doc is missing"

# code_topics prints every topic the code emits, one per line, with where it was found.
code_topics() {
  local files
  files=$(ls sql/*.sql; find runner -name '*.cpp' -o -name '*.hpp')
  # shellcheck disable=SC2086
  perl -0777 -ne '
    while (/\b_?emit\(\s*\x27([a-z][a-z0-9_.]*)\x27/g) { print "$1 $ARGV\n" }
    while (/\bemits\s*=>\s*\x27([a-z][a-z0-9_.]*)\x27/g) { print "$1 $ARGV\n" }
    while (/\bdefine_step\(\s*[^,()]+,\s*[^,()]+,\s*\x27[^\x27]*\x27,\s*\x27[^\x27]*\x27,\s*\x27([a-z][a-z0-9_.]*)\x27/g) { print "$1 $ARGV\n" }
    while (/nightjar\.event\s*\(\s*topic\b[^)]*\)\s*VALUES\s*\(\s*\x27([a-z][a-z0-9_.]*)\x27/g) { print "$1 $ARGV\n" }
  ' $files
  find examples -name '*.toml' -print0 | xargs -0 perl -ne 'print "$1 $ARGV\n" if /^\s*emits\s*=\s*"([a-z][a-z0-9_.]*)"/'
}
# doc_topics prints the topics of the table in docs/events.md (rows "| `topic` | …").
doc_topics() { perl -ne 'print "$1\n" if /^\|\s*`([a-z][a-z0-9_.]*)`\s*\|/' "$doc" | sort -u; }

found=$(code_topics | sort -u)
[[ -n $found ]] || fail "no topic found in the code: the patterns of this test are out of date"
documented=$(doc_topics)
missing=0
while read -r topic where; do
  grep -qxF "$topic" <<<"$documented" || { echo "events_doc: topic $topic ($where) is not in $doc" >&2; missing=1; }
done <<<"$found"
((missing == 0)) || fail "every topic the code emits must be listed in $doc"
while read -r topic; do
  cut -d' ' -f1 <<<"$found" | grep -qxF "$topic" || fail "$doc lists $topic, which nothing in sql/, runner/ or examples/ emits"
done <<<"$documented"
echo "events_doc: ok ($(cut -d' ' -f1 <<<"$found" | sort -u | tr '\n' ' '))"
