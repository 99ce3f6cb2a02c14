#!/usr/bin/env python3
"""generate_files.py DIR [DATE]: partner drop files for examples/partner-loaders.

Writes, for partners acme and globex, one good file each (declarants, properties,
documents, transactions), a file with a few invalid items (partial import), a file whose
name is wrong, one whose header contradicts its name, and one that is not JSON at all.
Deterministic. DATE (YYYYMMDD, default 20260310) is the files' date.
"""
import json
import os
import sys


def partner_file(partner, date, version, n, bad_items=False):
    """partner_file builds one document of n declarants with their properties and transactions."""
    iso = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    doc = {"header": {"partner": partner, "date": iso, "version": str(version)},
           "declarants": [], "properties": [], "documents": [], "transactions": []}
    for i in range(1, n + 1):
        d = f"D-{i:03d}"
        doc["declarants"].append({"declarant_id": d, "name": f"{partner.title()} Declarant {i}",
                                  "email": f"declarant{i}@{partner}.example"})
        doc["properties"].append({"property_id": f"P-{i:03d}", "declarant_id": d, "address": f"{i} rue du Port"})
        doc["documents"].append({"document_id": f"DOC-{i:03d}", "declarant_id": d, "kind": "deed"})
        doc["transactions"].append({"transaction_id": f"T-{i:03d}", "property_id": f"P-{i:03d}",
                                    "declarant_id": d, "amount": 1000 * i + 0.5, "date": iso})
    if bad_items:
        doc["declarants"].append({"declarant_id": "D-900"})                       # missing name
        doc["properties"].append({"property_id": "P-900", "declarant_id": "D-404", "address": "x"})  # unknown declarant
        doc["transactions"].append({"transaction_id": "T-900", "property_id": "P-001", "declarant_id": "D-001",
                                    "amount": "a lot", "date": iso})              # amount not a number
        doc["declarants"].append(doc["declarants"][0])                            # same id twice
    return doc


def main():
    out = sys.argv[1]
    date = sys.argv[2] if len(sys.argv) > 2 else "20260310"
    os.makedirs(out, exist_ok=True)
    files = {
        f"acme_{date}_v1.json": partner_file("acme", date, 1, 20),
        f"globex_{date}_v1.json": partner_file("globex", date, 1, 15),
        f"acme_{date}_v2.json": partner_file("acme", date, 2, 3, bad_items=True),
        f"globex-{date}.json": partner_file("globex", date, 1, 2),                 # bad name
        f"globex_{date}_v3.json": partner_file("globex", date, 2, 2),              # header says version 2
    }
    for name, doc in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out, f"acme_{date}_v3.json"), "w") as f:
        f.write('{"header": {"partner": "acme", "date": ')                        # truncated: not JSON
    # A later file of acme's removing one declarant (GDPR erasure request).
    removal = {"header": {"partner": "acme", "date": f"{date[:4]}-{date[4:6]}-{date[6:]}", "version": "4"},
               "declarants": [{"declarant_id": "D-007", "remove": True}]}
    os.makedirs(os.path.join(out, "later"), exist_ok=True)
    with open(os.path.join(out, "later", f"acme_{date}_v4.json"), "w") as f:
        json.dump(removal, f)


if __name__ == "__main__":
    main()
