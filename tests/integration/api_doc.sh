#!/usr/bin/env bash
# api_doc.sh: docs/api.md documents every view of schema nightjar_api, with its columns
# in order and their types (format_type), and documents nothing that does not exist.
# Runs nightjar.ensure_storage() first (some views are created with the bulk tables).
# Needs PG*.
set -euo pipefail
cd "$(dirname "$0")/../.."
psql -qAtX -v ON_ERROR_STOP=1 -c "SELECT nightjar.ensure_storage()" >/dev/null
psql -qAtX -v ON_ERROR_STOP=1 -F '|' -c "
  SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE c.relnamespace = 'nightjar_api'::regnamespace AND c.relkind IN ('v', 'm', 'r', 'f')
  ORDER BY c.relname, a.attnum" > /tmp/api_doc.$$.db
trap 'rm -f /tmp/api_doc.$$.db' EXIT
python3 - docs/api.md /tmp/api_doc.$$.db <<'PY'
import re, sys, collections
doc = collections.OrderedDict()
current = None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^### nightjar_api\.([a-z0-9_]+)\s*$", line)
    if m:
        current = doc.setdefault(m.group(1), [])
        continue
    if line.startswith("#"):
        current = None
        continue
    m = re.match(r"^\|\s*([a-z0-9_]+)\s*\|\s*([^|]+?)\s*\|", line)
    if current is not None and m and m.group(1) != "column":
        current.append((m.group(1), m.group(2)))
db = collections.OrderedDict()
for line in open(sys.argv[2]):
    view, col, typ = line.rstrip("\n").split("|")
    db.setdefault(view, []).append((col, typ))
errors = []
for v in db:
    if v not in doc:
        errors.append("nightjar_api.%s is not documented in docs/api.md" % v)
    elif doc[v] != db[v]:
        errors.append("nightjar_api.%s: docs/api.md says\n    %s\n  the database has\n    %s" % (
            v, ", ".join("%s %s" % c for c in doc[v]), ", ".join("%s %s" % c for c in db[v])))
for v in doc:
    if v not in db:
        errors.append("docs/api.md documents nightjar_api.%s, which does not exist" % v)
if errors:
    print("api_doc: FAIL\n" + "\n".join(errors), file=sys.stderr)
    sys.exit(1)
print("api_doc: OK (%d views, %d columns)" % (len(db), sum(len(c) for c in db.values())))
PY
