#!/usr/bin/env bash
# 86_privacy.sh: demo stage — erasing a subject (docs/privacy.md) in the housekeeping
# example's application (stage 80): the person tables are declared, the erasure of one
# person is planned (dry run), then done; prints the plan, the audit row (no value in
# it) and the tombstones (salted hashes).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== 8b. erasing a subject (GDPR) in examples/housekeeping's application"
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT nightjar.declare_subject_table('person', 'hk_app.person', '{person_id,email}');
SELECT nightjar.declare_subject_table('person', t::regclass, '{person_id}')
FROM unnest(ARRAY['hk_app.period', 'hk_app.request']) t;
-- uploads belong to requests: erase them first (children before parents)
DELETE FROM hk_app.upload WHERE request_id IN (SELECT request_id FROM hk_app.request r JOIN hk_app.person p USING (person_id)
                                               WHERE p.email = 'person7@example.org');
DELETE FROM hk_app.upload_archive WHERE request_id IN (SELECT request_id FROM hk_app.request r JOIN hk_app.person p USING (person_id)
                                                       WHERE p.email = 'person7@example.org');
SQL
echo "-- the plan (dry run): tables and rows that would go"
psql -qX -c "SELECT e ->> 'table' AS \"table\", e ->> 'what' AS what, e ->> 'rows' AS rows
             FROM jsonb_array_elements(nightjar.erase_subject('person', 'person7@example.org', dry_run => true) -> 'tables') e"
psql -qXAt -c "SELECT 'erased rows: ' || (nightjar.erase_subject('person', 'person7@example.org') ->> 'rows')"
echo "-- the audit (nightjar.erasure_log): counts, who, when — never the data"
psql -qX -c "SELECT erasure_id, kind, files, values, erased_by, erased_at, tables FROM nightjar.erasure_log ORDER BY erasure_id DESC LIMIT 1"
echo "-- the tombstones (nightjar.erased_subject): salted hashes"
psql -qX -c "SELECT kind, left(subject_hash, 16) || '…' AS subject_hash, erased_at FROM nightjar.erased_subject
             WHERE erasure_id = (SELECT max(erasure_id) FROM nightjar.erasure_log)"
psql -qXAt -c "SELECT 'rows of hk_app still naming person 7: ' || (SELECT count(*) FROM hk_app.person WHERE person_id = 7)
               + (SELECT count(*) FROM hk_app.request WHERE person_id = 7) + (SELECT count(*) FROM hk_app.period WHERE person_id = 7)"
