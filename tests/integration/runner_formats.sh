#!/usr/bin/env bash
# runner_formats.sh: every format reader through the real runner and cluster. One
# directory source with format = "auto" holds a ';' CSV in Windows-1252 with a quoted
# multi-line field, a tab-separated .tsv, a JSON document read at json_path, an xlsx
# whose header is on row 4 (inline and shared strings, numbers), and two bad files (an
# unbalanced quote, an xlsx without sharedStrings.xml), records jsonb refuses (a NUL byte
# in a CSV, \u0000 in NDJSON; an NDJSON file whose text is "\\u0000" is fine): good files
# are staged with the exact payloads, bad files fail alone with FILE:LINE (byte N)
# reasons, exit code 1.
# Planning: a CSV named like the others but whose headers do not match expected_headers
# is dropped by min_confidence (its name scores 1, its headers 0: confidence 0.5 < 0.6);
# files whose headers cannot be read keep their name score and fail at staging.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE and NIGHTJAR_DATABASE_URL; NIGHTJAR_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${NIGHTJAR_BIN:-build/bin/nightjar}")
: "${NIGHTJAR_DATABASE_URL:?NIGHTJAR_DATABASE_URL must be set}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "runner_formats: FAIL: $*" >&2; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
name=itfmt_$$_$RANDOM
src=$tmp/src; mkdir -p "$src"

python3 - "$src" <<'PY'
import sys, zipfile
d = sys.argv[1]
open(f"{d}/prix_a.csv", "wb").write(
    "code;désignation;prix_unitaire\r\nA1;\"Béton \"\"C25\"\";\nlivré\";12,5\r\nA2;Société €;3\r\n".encode("cp1252"))
open(f"{d}/prix_b.tsv", "w").write("code\tdesignation\tprix_unitaire\nB1\tx\t1\n")
open(f"{d}/prix_c.json", "w").write('{"meta": {"n": 2}, "data": {"items": [{"code": "C1", "prix_unitaire": 1.5}, {"code": "C2"}]}}')
open(f"{d}/prix_bad.csv", "w").write('code;designation;prix_unitaire\nX1;"open;1\nX2;b;2\n')
open(f"{d}/prix_unrelated.csv", "w").write("foo,bar\n1,2\n")
# Records PostgreSQL's jsonb refuses fail their own file, not the batch's COPY.
open(f"{d}/prix_nul.csv", "wb").write(b"code;designation;prix_unitaire\nN1;a\x00b;1\n")
open(f"{d}/prix_e.ndjson", "w").write('{"code": "E1"}\n{"code": "E2", "note": "a\\u0000b"}\n')
open(f"{d}/prix_f.ndjson", "w").write('{"code": "F1", "path": "C:\\\\u0000"}\n')
head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
def xlsx(path, rows, shared=None):
    wb = head + ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 '<sheets><sheet name="BPU" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = head + ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
    sheet = head + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows + '</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", head + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
def s(ref, text): return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
xlsx(f"{d}/prix_d.xlsx",
     '<row r="1">' + s("A1", "Bordereau des prix unitaires") + '</row>'
     '<row r="4"><c r="A4" t="s"><v>0</v></c>' + s("B4", "Désignation") + s("C4", "Prix unitaire") + '</row>'
     '<row r="5">' + s("A5", "D1") + '<c r="B5" t="s"><v>1</v></c><c r="C5"><v>99.5</v></c></row>',
     shared=["Code", "Enduit &amp; peinture"])
# The bad cell is on row 40, past the 30 rows searched for the header, so planning can
# still read the header (1 of 3 expected: confidence 0.667) and the run reports the cell.
xlsx(f"{d}/prix_bad.xlsx", '<row r="1">' + s("A1", "code") + '</row>'
     + "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 40))
     + '<row r="40"><c r="A40" t="s"><v>3</v></c></row>')
# Files whose headers cannot be read at planning keep their name score and fail at
# staging with the reader's reason (they must not drop silently below min_confidence).
xlsx(f"{d}/prix_noheader.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
open(f"{d}/prix_broken.xlsx", "wb").write(b"PK\x03\x04 this is not a zip archive")
PY

cat > "$tmp/nj.toml" <<TOML
[runner]
spool_dir = "$tmp/spool"

[[source]]
name = "$name"
kind = "dir"
location = "$src"
format = "auto"
pattern = ["*.csv", "*.tsv", "*.json", "*.ndjson", "*.xlsx"]
[source.relevance]
min_confidence = 0.6
keywords = { prix = 1.0 }
expected_headers = ["code", "designation", "prix_unitaire"]
[source.format_options]
json_path = "data.items"
TOML
"$BIN" apply -c "$tmp/nj.toml" >/dev/null
"$BIN" run -c "$tmp/nj.toml" --dry-run > "$tmp/plan" 2>&1 || { cat "$tmp/plan"; fail "dry run"; }
if [[ -n "${VERBOSE:-}" ]]; then cat "$tmp/plan"; fi
grep -q "prix_unrelated.csv" "$tmp/plan" && { cat "$tmp/plan"; fail "prix_unrelated.csv planned despite its headers"; }
grep -q "0.833 .* prix_c.json" "$tmp/plan" || { cat "$tmp/plan"; fail "prix_c.json confidence (2 of 3 headers)"; }
grep -q "0.667 .* prix_bad.xlsx" "$tmp/plan" || { cat "$tmp/plan"; fail "prix_bad.xlsx confidence (1 of 3 headers)"; }
grep -q "1.000 .* prix_d.xlsx" "$tmp/plan" || { cat "$tmp/plan"; fail "xlsx header on row 4 not found at planning"; }
for f in prix_noheader.xlsx prix_broken.xlsx; do
  grep -q "1.000 .* $f" "$tmp/plan" || { cat "$tmp/plan"; fail "$f (unreadable headers) must keep its name score"; }
done
set +e; "$BIN" run -c "$tmp/nj.toml" > "$tmp/out" 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || { cat "$tmp/out"; fail "exit code $rc, want 1 (six bad files)"; }

sid=$(q "SELECT source_id FROM nightjar.source WHERE name = '$name'")
err() { q "SELECT error FROM nightjar.file WHERE source_id = $sid AND name = '$1'"; }
[[ "$(err prix_bad.csv)" == "prix_bad.csv:2 (byte 31): unbalanced quote: the quoted field opened on line 2 is not closed at end of file" ]] \
  || fail "prix_bad.csv reason: $(err prix_bad.csv)"
[[ "$(err prix_bad.xlsx)" == prix_bad.xlsx:40\ \(byte\ *\):\ A40:\ shared\ string\ 3\ but\ the\ workbook\ has\ no\ sharedStrings.xml ]] \
  || fail "prix_bad.xlsx reason: $(err prix_bad.xlsx)"
[[ "$(err prix_noheader.xlsx)" == *"A1: shared string 0 but the workbook has no sharedStrings.xml"* ]] \
  || fail "prix_noheader.xlsx reason: $(err prix_noheader.xlsx)"
[[ -n "$(err prix_broken.xlsx)" ]] || fail "prix_broken.xlsx has no reason"
[[ "$(err prix_nul.csv)" == "prix_nul.csv:2 (byte 35): the line contains U+0000 (NUL), which PostgreSQL cannot store in jsonb" ]] \
  || fail "prix_nul.csv reason: $(err prix_nul.csv)"
[[ "$(err prix_e.ndjson)" == 'prix_e.ndjson:2 (byte 40): record 2 contains U+0000 (NUL), which PostgreSQL cannot store in jsonb (escape \u0000)' ]] \
  || fail "prix_e.ndjson reason: $(err prix_e.ndjson)"
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'failed'") == 6 ]] || fail "want 6 failed files"
got=$(q "SELECT string_agg(f.name || ' ' || r.payload::text, E'\n' ORDER BY f.name, r.record_no)
         FROM nightjar.raw_record r JOIN nightjar.file f USING (file_id) WHERE r.source_id = $sid")
want='prix_a.csv {"code": "A1", "désignation": "Béton \"C25\";\nlivré", "prix_unitaire": "12,5"}
prix_a.csv {"code": "A2", "désignation": "Société €", "prix_unitaire": "3"}
prix_b.tsv {"code": "B1", "designation": "x", "prix_unitaire": "1"}
prix_c.json {"code": "C1", "prix_unitaire": 1.5}
prix_c.json {"code": "C2"}
prix_d.xlsx {"Code": "D1", "Désignation": "Enduit & peinture", "Prix unitaire": 99.5}
prix_f.ndjson {"code": "F1", "path": "C:\\u0000"}'
[[ "$got" == "$want" ]] || { diff <(echo "$want") <(echo "$got") >&2; fail "staged payloads differ"; }
[[ $(q "SELECT count(*) FROM nightjar.file WHERE source_id = $sid AND status = 'staged'") == 5 ]] || fail "want 5 staged files"

# Clean the catalog rows of this test's source.
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
DELETE FROM nightjar.raw_record WHERE source_id = $sid;
DELETE FROM nightjar.file WHERE source_id = $sid;
DELETE FROM nightjar.event WHERE (payload->>'source_id')::bigint = $sid;
DELETE FROM nightjar.batch WHERE source_id = $sid;
DELETE FROM nightjar.ingest_run WHERE source_id = $sid;
DELETE FROM nightjar.ingest_plan_file WHERE plan_id IN (SELECT plan_id FROM nightjar.ingest_plan WHERE source_id = $sid);
DELETE FROM nightjar.ingest_plan_batch WHERE plan_id IN (SELECT plan_id FROM nightjar.ingest_plan WHERE source_id = $sid);
DELETE FROM nightjar.ingest_plan WHERE source_id = $sid;
DELETE FROM nightjar.source WHERE source_id = $sid;
SQL
echo "runner_formats: ok"
