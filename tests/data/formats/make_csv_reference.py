#!/usr/bin/env python3
"""make_csv_reference.py: writes csv_reference/NNN.csv (random ';' CSV with quotes,
embedded delimiters, newlines, doubled quotes, control characters, UTF-8) and
NNN.expected.ndjson, the records as Python's csv module (an independent RFC 4180
implementation) reads them, one compact JSON object a line. formats_csv_test.cpp
compares the CSV reader against these. Deterministic (seeded); rerun to regenerate."""
import csv, io, json, os, random

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "csv_reference")
os.makedirs(out, exist_ok=True)
rng = random.Random(20261123)
alphabet = ["a", "b", "é", "€", " ", ";", ",", '"', "\n", "\t", "\\", "\x01", "xyz"]
for case in range(40):
    ncol = rng.randint(1, 5)
    header = [f"h{i}" for i in range(ncol)]
    rows = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(ncol)]
            for _ in range(rng.randint(0, 6))]
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if case % 3 == 0 else csv.QUOTE_MINIMAL
    csv.writer(buf, delimiter=";", lineterminator="\r\n" if case % 4 == 1 else "\n", quoting=quoting).writerows([header] + rows)
    text = buf.getvalue()
    with open(os.path.join(out, f"{case:03d}.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(text)
    records = [dict(zip(header, r)) for r in csv.reader(io.StringIO(text, newline=""), delimiter=";") if r][1:]
    with open(os.path.join(out, f"{case:03d}.expected.ndjson"), "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
