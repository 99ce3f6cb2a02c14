#!/usr/bin/env bash
# doc_examples.sh: every ```sql block of the SQL-facing docs runs without error, in order,
# in a fresh database with the extension (one per document), so an example cannot drift
# from the code. Blocks marked <!-- doc-test: cron database --> (pg_cron scheduling) run
# in $PGDATABASE, pg_cron's database. Needs PGHOST/PGPORT/PGUSER.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGDATABASE=${PGDATABASE:-warehouse} PGOPTIONS="-c client_min_messages=warning"
fail() { echo "doc_examples: FAIL: $*" >&2; exit 1; }
db=nightjar_doc_test
tmp=$(mktemp -d)
cleanup() {
  rm -rf "$tmp"
  psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

blocks=0
for doc in docs/statistics.md docs/rules.md docs/pipelines.md docs/consolidation.md docs/notifications.md; do
  psql -XAtq -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  psql -XAtq -d $db -v ON_ERROR_STOP=1 -c "CREATE EXTENSION nightjar" >/dev/null
  rm -f "$tmp"/*.sql
  python3 - "$doc" "$tmp" <<'PY'
import re, sys
text, out = open(sys.argv[1]).read(), sys.argv[2]
for i, m in enumerate(re.finditer(r'(<!-- doc-test: cron database -->\n)?```sql\n(.*?)```', text, re.S)):
    where = 'cron' if m.group(1) else 'scratch'
    open(f'{out}/{i:03d}.{where}.sql', 'w').write(m.group(2))
PY
  for f in "$tmp"/*.sql; do
    [[ -e "$f" ]] || fail "$doc has no sql block"
    target=$db; [[ "$f" == *.cron.sql ]] && target=$PGDATABASE
    out=$(psql -qX -d "$target" -v ON_ERROR_STOP=1 -f "$f" 2>&1) \
      || fail "$doc, sql block $((10#$(basename "$f" | cut -d. -f1) + 1)) (from the top): $(grep -m1 ERROR <<<"$out")
$(head -3 "$f")"
    blocks=$((blocks + 1))
  done
done
(( blocks >= 20 )) || fail "only $blocks blocks found"
echo "doc_examples: ok ($blocks blocks)"
