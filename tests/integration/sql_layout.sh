#!/usr/bin/env bash
# sql_layout.sh: the extension script is assembled from sql/NN_<area>.sql in name order
# (CMakeLists.txt), so each number names one file: two files with one number would be
# ordered by the rest of their names, which nobody reads. Needs no database.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "sql_layout: FAIL: $*" >&2; exit 1; }
bad=$(ls sql/*.sql | sed -n 's#^sql/\([0-9][0-9]*\)_.*#\1#p' | sort | uniq -d)
[[ -z "$bad" ]] || fail "numbers used by more than one file: $(for n in $bad; do ls sql/${n}_*.sql; done | tr '\n' ' ')"
odd=$(ls sql/*.sql | grep -vE '^sql/[0-9]{2}_[a-z0-9_]+\.sql$' || true)
[[ -z "$odd" ]] || fail "files not named NN_<area>.sql: $odd"
echo "sql_layout: ok ($(ls sql/*.sql | wc -l) files, numbers unique)"
