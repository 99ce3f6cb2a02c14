#!/usr/bin/env python3
"""generate_tenders.py: a store of French tender documents (DCE) for the tender-documents
pipeline (docs/tender-documents.md). Python 3 standard library only; xlsx packages are
written by hand with zipfile (inline strings, numeric cells, merged title rows).

Usage: generate_tenders.py OUT_DIR [--seed N]

Writes under OUT_DIR:
  dce/<operation>/lotNN_DPGF_<trade>.xlsx   price breakdowns (DPGF/BPU): a title block of
      1-5 rows (merged cells) above the header, the price table, a "Notes" sheet; amounts
      either numeric cells or text with decimal commas ("1 234,50"); units in many spellings;
      a few totals wrong on purpose (quantity x unit price differs by more than 0.01);
      every third lot prices an optional tranche on a second price sheet
  offres/<company>/BPU_<...>.xlsx            bordereaux de prix (same table, no lot column)
  admin/, photos/                           irrelevant spreadsheets (planning, minutes)
  dce/.../lot09_DPGF_corrompu.xlsx          a truncated zip (corrupt)
  offres/.../BPU_protege.xlsx               an encrypted workbook (OLE compound file magic)
and OUT_DIR/../tender-manifest.json: the relevant readable files and their price lines, so
tests can check that nothing is lost or doubled.
"""
import json
import os
import random
import sys
import zipfile
from xml.sax.saxutils import escape

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

TRADES = {
    "gros_oeuvre": [("Béton de propreté", "m3"), ("Fondations superficielles", "m3"),
                    ("Voile béton banché ép. 20 cm", "m2"), ("Dallage sur terre-plein", "m2"),
                    ("Chaînage horizontal", "ml"), ("Réservations", "u")],
    "menuiseries": [("Fenêtre PVC 2 vantaux 120x135", "u"), ("Porte palière bois", "u"),
                    ("Plinthes bois", "ml"), ("Quincaillerie", "ens")],
    "electricite": [("Tableau électrique", "ens"), ("Prise de courant 16A", "u"),
                    ("Câble U1000 R2V 3G2,5", "ml"), ("Luminaire LED encastré", "u")],
    "plomberie": [("Lavabo céramique", "u"), ("Tube cuivre 14/16", "ml"),
                  ("Chauffe-eau 200 L", "u"), ("Essais et mise en service", "forfait")],
    "peinture": [("Peinture acrylique murs", "m2"), ("Enduit de lissage", "m2"),
                 ("Lasure boiseries", "m2"), ("Protection des sols", "forfait")],
}
# Unit spellings as they appear in real DPGF (normalised by the pipeline's map transform).
SPELLINGS = {"m2": ["m2", "m²", "M2", "m2 "], "m3": ["m3", "m³", "M3"], "ml": ["ml", "ML", "m.l."],
             "u": ["u", "U", "unité", "Un"], "ens": ["ens", "Ens.", "ensemble"],
             "forfait": ["forfait", "Ft", "FFT"]}
manifest_footer_rows = []  # one footer row per price sheet
HEADERS = ["Lot", "N° prix", "Désignation", "Unité", "Quantité", "Prix unitaire HT", "Montant HT"]


def col(i):
    """col returns the column letters of a 0-based column index."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell(ref, v):
    """cell returns a <c> element: a number, or an inline string."""
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


def sheet_xml(rows, merges=()):
    """sheet_xml returns a worksheet: rows is a list of (row_number, [values])."""
    out = [HEAD, f"<worksheet {NS}><sheetData>"]
    for n, values in rows:
        cells = "".join(cell(f"{col(i)}{n}", v) for i, v in enumerate(values) if v is not None)
        out.append(f'<row r="{n}">{cells}</row>')
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' +
                   "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


def write_xlsx(path, sheets):
    """write_xlsx writes a workbook of sheets [(name, sheet_xml)] with zipfile."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", HEAD +
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", HEAD +
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        wb = [HEAD, f"<workbook {NS} {RNS}><sheets>"]
        rels = [HEAD, '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
        for i, (name, xml) in enumerate(sheets, 1):
            wb.append(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>')
            rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        z.writestr("xl/workbook.xml", "".join(wb) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels) + "</Relationships>")


def fr(x):
    """fr writes a number the French way: thousands by spaces, decimal comma."""
    s = f"{x:,.2f}".replace(",", " ").replace(".", ",")
    return s


def price_sheet(rng, lot, trade, with_lot, as_text, wrong, prefix="", sheet="DPGF", items=None):
    """price_sheet returns (sheet_xml, lines): a title block, the header, the price lines."""
    title = rng.randint(1, 5)  # header row position varies
    rows, merges = [], []
    ncol = len(HEADERS) if with_lot else len(HEADERS) - 1
    last = col(ncol - 1)
    for k in range(1, title):
        text = [f"DPGF - Lot {lot:02d} {trade.replace('_', ' ').title()}",
                "Marché de travaux - Réhabilitation de 24 logements", "Indice A - DCE", ""][k - 1]
        if text:
            rows.append((k, [text]))
            merges.append(f"A{k}:{last}{k}")
    header = HEADERS if with_lot else HEADERS[1:]
    rows.append((title, header))
    lines = []
    n = title
    for j, (designation, unit) in enumerate(TRADES[trade][:items]):
        n += 1
        q = round(rng.uniform(1, 400), rng.choice([0, 1, 2]))
        pu = round(rng.uniform(5, 900), 2)
        total = round(q * pu, 2)
        bad = j in wrong
        if bad:
            total = round(total * 1.1 + 3, 2)  # a wrong total: quarantined
        spelled = rng.choice(SPELLINGS[unit])
        values = [f"{prefix}{lot}.{j + 1}", designation, spelled,
                  fr(q) if as_text else q, fr(pu) if as_text else pu, fr(total) if as_text else total]
        if with_lot:
            values = [lot] + values
        rows.append((n, values))
        lines.append({"sheet": sheet, "row": n, "designation": designation, "unit": unit, "bad_total": bad,
                      "total": total})
    # The sheet's footer is a row too: no designation, so validation quarantines it.
    rows.append((n + 2, [None] * (ncol - 2) + ["Total HT", fr(sum(l["total"] for l in lines))]))
    manifest_footer_rows.append(n + 2)
    return sheet_xml(rows, merges), lines


def main():
    """main writes the store and its manifest."""
    out = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 11
    rng = random.Random(seed)
    manifest = {"files": {}}
    notes = sheet_xml([(1, ["Notes"]), (2, ["Les quantités sont données à titre indicatif."])])
    ops = ["residence_les_tilleuls", "groupe_scolaire_jaures"]
    trades = list(TRADES)
    lot = 0
    for op in ops:
        for t, trade in enumerate(trades):
            lot += 1
            rel = f"dce/{op}/lot{lot:02d}_DPGF_{trade}.xlsx"
            wrong = {1} if lot % 4 == 0 else set()
            xml, lines = price_sheet(rng, lot, trade, True, lot % 2 == 0, wrong)
            sheets = [("DPGF", xml), ("Notes", notes)]
            if lot % 3 == 0:  # an optional tranche priced on a sheet of its own
                opt, more = price_sheet(rng, lot, trade, True, lot % 2 == 0, set(), prefix="OPT-",
                                        sheet="Tranche optionnelle", items=2)
                sheets.insert(1, ("Tranche optionnelle", opt))
                lines += more
            write_xlsx(f"{out}/{rel}", sheets)
            manifest["files"][rel] = lines
    for company in ["batiplus_sarl", "entreprise_martin"]:
        trade = rng.choice(trades)
        rel = f"offres/{company}/BPU_{trade}_{company}.xlsx"
        xml, lines = price_sheet(rng, 3, trade, False, True, {0} if company == "entreprise_martin" else set(),
                                 prefix=company[:3].upper() + "-", sheet="BPU")
        write_xlsx(f"{out}/{rel}", [("BPU", xml)])
        manifest["files"][rel] = lines
    # Irrelevant spreadsheets: names and headers say so.
    write_xlsx(f"{out}/admin/planning_chantier.xlsx",
               [("Planning", sheet_xml([(1, ["Tâche", "Début", "Fin"]), (2, ["Terrassement", "2026-01-05", "2026-01-30"])]))])
    write_xlsx(f"{out}/photos/inventaire_photos.xlsx",
               [("Photos", sheet_xml([(1, ["Fichier", "Date", "Auteur"]), (2, ["IMG_001.jpg", "2026-02-01", "JD"])]))])
    # A corrupt DPGF (truncated zip) and an encrypted BPU (OLE compound file, as Excel
    # writes password-protected workbooks).
    good = f"{out}/dce/{ops[0]}/lot01_DPGF_gros_oeuvre.xlsx"
    data = open(good, "rb").read()
    open(f"{out}/dce/{ops[0]}/lot09_DPGF_corrompu.xlsx", "wb").write(data[: len(data) // 2])
    os.makedirs(f"{out}/offres/entreprise_martin", exist_ok=True)
    open(f"{out}/offres/entreprise_martin/BPU_protege.xlsx", "wb").write(
        bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + b"EncryptedPackage" + bytes(1000))
    manifest["failing"] = [f"dce/{ops[0]}/lot09_DPGF_corrompu.xlsx", "offres/entreprise_martin/BPU_protege.xlsx"]
    manifest["irrelevant"] = ["admin/planning_chantier.xlsx", "photos/inventaire_photos.xlsx"]
    manifest["footers"] = len(manifest_footer_rows)
    manifest["lines"] = sum(len(v) for v in manifest["files"].values())
    manifest["bad_totals"] = sum(l["bad_total"] for v in manifest["files"].values() for l in v)
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "tender-manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    print(f"{len(manifest['files'])} price files ({manifest['lines']} lines, {manifest['bad_totals']} wrong totals), "
          f"{len(manifest['irrelevant'])} irrelevant, {len(manifest['failing'])} corrupt or encrypted under {out}")


if __name__ == "__main__":
    main()
