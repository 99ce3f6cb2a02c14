#!/usr/bin/env python3
"""generate_demo.py: writes the demo's sample files into a local directory source.

Usage: generate_demo.py DIR. Writes (standard library only):
  orders_2026-11.ndjson        200 orders, one JSON object a line
  prix_bpu_lot1.csv            price breakdown, ';'-separated, decimal commas (French)
  prix_bpu_lot2.xlsx           a small spreadsheet (one sheet, inline strings)
  notes/readme.txt             not matched by the source's pattern
"""
import json
import os
import random
import sys
import zipfile
from xml.sax.saxutils import escape

out = sys.argv[1]
os.makedirs(os.path.join(out, "notes"), exist_ok=True)
rng = random.Random(42)

with open(os.path.join(out, "orders_2026-11.ndjson"), "w") as f:
    for i in range(1, 201):
        f.write(json.dumps({"order_id": i, "customer": f"C{rng.randint(1, 40):03d}", "amount": round(rng.uniform(5, 900), 2),
                            "currency": "EUR", "placed_at": f"2026-11-{1 + i % 28:02d}T10:00:00Z"}) + "\n")

rows = [("code", "designation", "unite", "quantite", "prix_unitaire")]
for i in range(1, 51):
    rows.append((f"A{i:03d}", f"Ouvrage élémentaire {i}", rng.choice(["m2", "ml", "u"]), rng.randint(1, 300),
                 f"{rng.uniform(1, 500):.2f}".replace(".", ",")))
with open(os.path.join(out, "prix_bpu_lot1.csv"), "w", encoding="utf-8") as f:
    for r in rows:
        f.write(";".join(str(c) for c in r) + "\n")


def cell(ref, value):
    """cell renders one worksheet cell: numbers as <v>, text as an inline string."""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


sheet_rows = [("code", "designation", "unite", "quantite", "prix_unitaire")]
for i in range(1, 21):
    sheet_rows.append((f"B{i:03d}", f"Fourniture {i}", "u", rng.randint(1, 50), round(rng.uniform(1, 99), 2)))
xml_rows = []
for r, values in enumerate(sheet_rows, start=1):
    cells = "".join(cell(f"{'ABCDE'[c]}{r}", v) for c, v in enumerate(values))
    xml_rows.append(f'<row r="{r}">{cells}</row>')
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="BPU" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '</Relationships>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + "".join(xml_rows) + "</sheetData></worksheet>",
}
with zipfile.ZipFile(os.path.join(out, "prix_bpu_lot2.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in parts.items():
        z.writestr(name, data)

with open(os.path.join(out, "notes", "readme.txt"), "w") as f:
    f.write("This file does not match the source's pattern and stays here.\n")
print(f"demo files written to {out}")
