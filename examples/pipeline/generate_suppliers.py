#!/usr/bin/env python3
"""generate_suppliers.py: writes the pipeline demo's supplier file into a directory.

Usage: generate_suppliers.py DIR [N]. Writes fournisseurs_<date>.csv: N suppliers (default
120), ';'-separated, Windows-1252 encoded as a French spreadsheet export would be, with
French decimal commas and dd/mm/yyyy dates. A few records are deliberately wrong (a
missing name, an impossible date, a negative turnover, an unknown category, a duplicated
id, a SIRET failing its checksum, a malformed e-mail) so that validation has something
to quarantine and normalisation something to clean.
"""
import os
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 120
os.makedirs(out, exist_ok=True)
rng = random.Random(7)


def luhn_ok(digits):
    """luhn_ok tells whether a digit string passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def siret(rng):
    """siret returns a random 14-digit SIRET whose SIREN and SIRET pass Luhn."""
    while True:
        siren = f"{rng.randint(100000000, 999999999)}"
        if not luhn_ok(siren):
            continue
        for _ in range(200):
            s = siren + f"{rng.randint(1, 99999):05d}"
            if luhn_ok(s):
                return s


streets = ["rue de la Paix", "avenue Jean Jaurès", "boulevard Haussmann", "rue Émile Zola", "place de l'Église"]
cities = [("75002", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"), ("01000", "Bourg-en-Bresse"), ("33000", "Bordeaux")]
names = ["Société Générale de Travaux", "Bâtiments  Durand & Fils", "Électricité Martin", "Plâtrerie  Lefèvre", "Menuiserie Côté Bois"]
categories = ["BTP", "Services", "Industrie"]
header = ["id_fournisseur", "raison_sociale", "siret", "telephone", "email", "site_web", "adresse",
          "latitude", "longitude", "date_creation", "chiffre_affaires", "categorie"]
rows = []
for i in range(1, n + 1):
    postcode, city = rng.choice(cities)
    s = siret(rng)
    rows.append([
        f"F{i:04d}",
        f"  {rng.choice(names)} {i} ",
        f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}",
        rng.choice(["01 23 45 67 89", "+33 6 12 34 56 78", "04.72.00.00.00", "0033 5 56 00 00 00"]),
        f"Contact{i}@Fournisseur{i}.FR",
        rng.choice([f"www.fournisseur{i}.fr", f"HTTPS://Fournisseur{i}.fr/", f"http://fournisseur{i}.com:80/"]),
        f"{rng.randint(1, 120)} {rng.choice(streets)} {postcode} {city}",
        f"{rng.uniform(43, 49):.5f}".replace(".", ","),
        f"{rng.uniform(-1, 7):.5f}".replace(".", ","),
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1980, 2025)}",
        f"{rng.uniform(1e4, 5e6):,.2f}".replace(",", " ").replace(".", ","),
        rng.choice(categories),
    ])
# The deliberate mistakes (validation quarantines the first five; the last two are
# kept by validation and nulled, with a count, by normalisation).
rows[3][1] = ""                      # raison_sociale missing
rows[10][9] = "30/02/2024"           # no such date
rows[17][10] = "-1 500,00"           # negative turnover
rows[24][11] = "Agriculture"         # unknown category
rows[31][0] = rows[30][0]            # duplicated id within the file
rows[40][2] = "732 829 320 00075"    # SIRET with a wrong check digit
rows[50][4] = "pas-une-adresse"      # not an e-mail (a warning)
with open(os.path.join(out, "fournisseurs_2026-11-23.csv"), "w", encoding="cp1252", newline="") as f:
    f.write(";".join(header) + "\r\n")
    for r in rows:
        f.write(";".join(r) + "\r\n")
print(f"{n} suppliers written to {out}/fournisseurs_2026-11-23.csv")
