#!/usr/bin/env python3
"""provider_formats.py: the generator's 20 sources in the formats their providers really use.

Usage: provider_formats.py GENDIR OUTDIR [--seed S] [--page-size N] [--defects RATE] [--night 2]

Reads what generate_actors.py wrote into GENDIR (src01_*.csv ... src20_*.csv, truth.csv) and
writes into OUTDIR (Python 3 standard library only; deterministic for a given seed):
  drop/<source>/<source>_AAAAMMJJ.csv   sources 01-07: a directory drop, CSV with ';' in
      Latin-1 (characters Latin-1 lacks, such as oe, are transliterated), a French
      update date "date_maj" (dd/mm/yyyy), a turnover "ca_keur" in French notation
      ("1 234,5", empty when unknown) and a free-text "commentaire" nobody needs.
  api/<source>/page-NNN.json            sources 08-15: pages of a JSON web service
      ({"page", "updated_at": when the page was published, "records": [...]}), served by
      provider_api.py; records carry
      "updated_at" (ISO date), "turnover_keur" (a number or null), "_links" (dropped),
      empty values as null and coordinates as numbers.
  Every record carries the export's id (--export-id; by default from the clock, so that
  each run's files are new to the runner, which skips files it staged before by checksum):
  "lot_export" (CSV drop), "export_id" (JSON), "export" (S3 CSV), "extrait" (references).
  s3/<source>/<source>-part-N.{csv,ndjson}  sources 16-20: an S3 drop; 16 and 17 as CSV
      (',' UTF-8, "maj" ISO date, "ca" with a decimal point), 18-20 as NDJSON
      ("last_update", "revenue_keur").
  drop/ref_postcodes/postcodes_v1.csv   postcode;town;departement;extrait: the postal-code base,
      version v1 (every 5-digit code seen at least twice, with its most frequent town
      spelling), staged by the runner like any source.
  drop/ref_companies/companies_v1.csv   siret;name;status;successor_siret;extrait: the company
      registry, version v1; the first SIRET of companies that closed and reopened is closed
      with its successor, and about 2 % of the others closed and taken over by another company.
  injected.csv    source,key,rule: records given one bad value on purpose (a blank name,
      a malformed postcode, an impossible date, a turnover that is not a number), with the
      validation rule that must quarantine it.
  sources.json    per source: channel (csv, api, s3), format, and the source's column for
      each common field (source_key, name, address, postcode, town, siret, lat, lon,
      updated, turnover, extra, export), as the pipeline's rules map them.
  night2_plan.csv source,key,change: what the second night changes (below); the "new"
      records are held back from the first night's files.

With --night 2 (same GENDIR, OUTDIR and seed as the first night), writes only the second
night's files into OUTDIR/night2/, the same for every run with that seed: four providers'
exports change (CHANGING): in each, a few records change (moved to another house number,
updated on 30/11/2026 with a new turnover), a few are new (the ones held back from the
first night) and, in the full CSV exports of the directory drops, a few are deleted
(absent from the new file). The directory drops send a full export
(drop/<source>/<source>_20261130.csv), the web service a new page holding the changed and
new records (api/<source>/page-NNN.json), the S3 drop a new part with them
(s3/<source>/<source>-part-3.csv). Also drop/ref_postcodes/postcodes_v2.csv: the next
version of the postal-code base, with one malformed code (its publication must be
refused). night2/changes.csv lists the changes (source,key,change).
"""
import argparse
import csv
import datetime
import glob
import importlib.util
import json
import os
import random
import re
from collections import Counter, defaultdict

CSV_DIR = range(1, 8)     # sources 01-07: directory drop
API = range(8, 16)        # sources 08-15: JSON web service
S3_CSV = (16, 17)         # S3 drop, CSV
EXTRA = {"csv": ("date_maj", "ca_keur", "commentaire", "lot_export"),
         "api": ("updated_at", "turnover_keur", "_links", "export_id"),
         "s3csv": ("maj", "ca", None, "export"), "s3json": ("last_update", "revenue_keur", None, "export_id")}
ROLES = ("source_key", "name", "address", "postcode", "town", "siret", "lat", "lon")
LAST_DAY = datetime.date(2026, 11, 29)  # a Sunday: six full weeks of updates end here
LATIN1_FALLBACK = {"œ": "oe", "Œ": "OE", "’": "'", "€": "EUR"}
NIGHT2_DAY = LAST_DAY + datetime.timedelta(days=1)  # the changed records' update date
# The providers whose exports change on the second night: (changed, new, deleted) records.
CHANGING = {"src02_annuaire_commerces": (4, 3, 2), "src06_eco_organisme_a": (4, 3, 2),
            "src09_clients": (4, 3, 0), "src17_banque": (4, 3, 0)}


def luhn_ok(digits):
    """luhn_ok tells whether a digit string passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def clean_siret(value):
    """clean_siret returns the 14-digit Luhn-valid SIRET in value, or None."""
    s = re.sub(r"[\s.-]", "", value or "")
    return s if re.fullmatch(r"\d{14}", s) and luhn_ok(s) else None


def channel_of(n):
    """channel_of returns how source number n is delivered: csv, api, s3csv or s3json."""
    if n in CSV_DIR:
        return "csv"
    if n in API:
        return "api"
    return "s3csv" if n in S3_CSV else "s3json"


def french_decimal(x):
    """french_decimal writes x with a decimal comma and spaces between thousands."""
    whole, frac = f"{x:.1f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return " ".join(groups) + "," + frac


def latin1(s):
    """latin1 replaces the characters Latin-1 cannot hold."""
    for a, b in LATIN1_FALLBACK.items():
        s = s.replace(a, b)
    return s.encode("latin-1", "replace").decode("latin-1")


def read_sources(gendir):
    """read_sources returns [(number, name, header, rows)] for the generator's CSV files."""
    out = []
    for path in sorted(glob.glob(os.path.join(gendir, "src[0-9][0-9]_*.csv"))):
        name = os.path.basename(path)[:-4]
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        out.append((int(name[3:5]), name, rows[0], rows[1:]))
    return out


def load_generator():
    """load_generator imports generate_actors.py from this directory (for SOURCES and COLUMNS)."""
    spec = importlib.util.spec_from_file_location("generate_actors",
                                                  os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "generate_actors.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


GEN = load_generator()


def roles_of(name, header):
    """roles_of maps each common field to the source's column, from the generator's COLUMNS."""
    cols = next(c for (src, *_r), c in zip(GEN.SOURCES, GEN.COLUMNS) if src == name)
    assert [c for c in cols if c] == header, (name, header)
    return {role: col for role, col in zip(ROLES, cols) if col}


def defect_for(rng, roles, chan):
    """defect_for picks a bad value to inject: (rule, column role, value)."""
    choices = [("name_required", "name", "" if chan.startswith(("csv", "s3csv")) else None)]
    if "postcode" in roles:
        choices.append(("postcode_format", "postcode", rng.choice(["7500", "75O01", "F-69001", "2A004"])))
    choices.append(("date_valid", "updated", rng.choice(["31/02/2026", "2026-13-01", "hier"])
                    if chan == "csv" else rng.choice(["2026-02-31", "2026-13-01", "hier"])))
    choices.append(("turnover_format", "turnover", rng.choice(["n/c", "12k", "?"])))
    return rng.choice(choices)


def main():
    """main converts every source and writes the references, the defects and the manifest."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gendir")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page-size", type=int, default=40)
    ap.add_argument("--defects", type=float, default=.015)
    ap.add_argument("--export-id", help="the export's id written in every record (default: from the clock)")
    ap.add_argument("--night", type=int, choices=(1, 2), default=1,
                    help="1: every provider's first export; 2: the second night's changed exports only")
    args = ap.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc)
    args.export_id = args.export_id or now.strftime("EXP-%Y%m%d-%H%M%S-") + f"{os.getpid()}"
    args.exported_at = now.replace(tzinfo=None)
    rng = random.Random(args.seed)
    truth = {}
    with open(os.path.join(args.gendir, "truth.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[(r["source"], r["key"])] = r["actor_id"]
    manifest, injected, exports = {}, [], []
    town_votes = defaultdict(Counter)
    sirets = defaultdict(Counter)   # actor -> Counter of valid SIRETs (recent sources)
    old_sirets = {}                 # actor -> SIRET held by the old registry (era 0)
    siret_names = defaultdict(Counter)
    for n, name, header, rows in read_sources(args.gendir):
        chan = channel_of(n)
        roles = roles_of(name, header)
        updated_col, turnover_col, extra_col, export_col = EXTRA[chan]
        roles.update(updated=updated_col, turnover=turnover_col, export=export_col)
        if extra_col:
            roles["extra"] = extra_col
        manifest[name] = {"channel": chan.replace("s3csv", "s3").replace("s3json", "s3"),
                          "format": {"csv": "csv", "api": "json", "s3csv": "csv", "s3json": "ndjson"}[chan],
                          "columns": roles}
        records = []
        for row in rows:
            rec = dict(zip(header, row))
            key = rec[roles["source_key"]]
            actor = truth[(name, key)]
            if "postcode" in roles and re.fullmatch(r"\d{5}", rec[roles["postcode"]]) and "town" in roles:
                town_votes[rec[roles["postcode"]]][rec[roles["town"]]] += 1
            siret = clean_siret(rec[roles["siret"]]) if "siret" in roles else None
            if siret:
                if name == "src18_ancien_referentiel":  # the old registry keeps closed companies' SIRETs
                    old_sirets[actor] = siret
                else:
                    sirets[actor][siret] += 1
                siret_names[siret][rec[roles["name"]]] += 1
            day = LAST_DAY - datetime.timedelta(days=rng.randrange(42))
            turnover = round(rng.lognormvariate(5, 1.1), 1) if rng.random() < .75 else None
            if chan == "csv":
                rec[updated_col] = day.strftime("%d/%m/%Y")
                rec[turnover_col] = french_decimal(turnover) if turnover is not None else ""
                rec[extra_col] = rng.choice(["", "", "à vérifier", "doublon ?", "RAS"])
            elif chan == "s3csv":
                rec[updated_col] = day.isoformat()
                rec[turnover_col] = f"{turnover:.1f}" if turnover is not None else ""
            else:
                rec = {k: (v if v != "" else None) for k, v in rec.items()}
                for c in (roles.get("lat"), roles.get("lon")):
                    if c and rec[c] is not None:
                        rec[c] = float(rec[c])
                rec[updated_col] = day.isoformat()
                rec[turnover_col] = turnover
                if extra_col:
                    rec[extra_col] = {"self": f"/{name}/records/{key}"}
            rec[export_col] = args.export_id
            if rng.random() < args.defects:
                rule, role, value = defect_for(rng, roles, chan)
                rec[roles[role]] = value
                injected.append((name, key, rule))
            records.append(rec)
        exports.append((name, chan, roles, records))
    plan = night2_plan(args.seed, exports, injected)
    if args.night == 2:
        write_night2(args, exports, plan, town_votes)
        return
    held = {(s, k) for s, k, change in plan if change == "new"}
    for name, chan, roles, records in exports:
        kept = [r for r in records if (name, r[roles["source_key"]]) not in held]
        write_source(args.outdir, name, chan, kept, args.page_size, args.exported_at)
    write_references(args.outdir, rng, town_votes, sirets, old_sirets, siret_names, args.export_id)
    with open(os.path.join(args.outdir, "night2_plan.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "key", "change"])
        w.writerows(plan)
    with open(os.path.join(args.outdir, "injected.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "key", "rule"])
        w.writerows(injected)
    with open(os.path.join(args.outdir, "sources.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")


def write_source(outdir, name, chan, records, page_size, exported_at, day=LAST_DAY, first=1, halves=True):
    """write_source writes one source's records in its channel's format: a CSV drop dated day,
    pages numbered from first, or an S3 drop in parts numbered from first (two halves, or one)."""
    if chan == "csv":
        d = os.path.join(outdir, "drop", name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{name}_{day:%Y%m%d}.csv"), "w", newline="", encoding="latin-1") as f:
            w = csv.writer(f, delimiter=";")
            w.writerow(list(records[0].keys()))
            for r in records:
                w.writerow([latin1(v) for v in r.values()])
    elif chan == "api":
        d = os.path.join(outdir, "api", name)
        os.makedirs(d, exist_ok=True)
        for p in range(0, len(records), page_size):
            chunk = records[p:p + page_size]
            page = p // page_size + first
            published = exported_at + datetime.timedelta(microseconds=page)  # the listing's bookmark
            doc = {"page": page, "updated_at": published.isoformat(timespec="microseconds"), "records": chunk}
            with open(os.path.join(d, f"page-{page:03d}.json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
    else:
        d = os.path.join(outdir, "s3", name)
        os.makedirs(d, exist_ok=True)
        half = (len(records) + 1) // 2
        for part, chunk in enumerate((records[:half], records[half:]) if halves else (records,), first):
            if not chunk:
                continue
            if chan == "s3csv":
                with open(os.path.join(d, f"{name}-part-{part}.csv"), "w", newline="", encoding="utf-8") as f:
                    w = csv.writer(f)
                    w.writerow(list(chunk[0].keys()))
                    w.writerows([list(r.values()) for r in chunk])
            else:
                with open(os.path.join(d, f"{name}-part-{part}.ndjson"), "w", encoding="utf-8") as f:
                    for r in chunk:
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")


def postcode_rows(town_votes):
    """postcode_rows returns the postal-code base: [code, town, departement] for every code
    seen at least twice, with its most frequent spelling (mixed case preferred)."""
    rows = []
    for code in sorted(town_votes):
        votes = town_votes[code]
        if sum(votes.values()) < 2:
            continue
        mixed = Counter({t: c for t, c in votes.items() if not t.isupper()}) or votes
        town = max(sorted(mixed), key=lambda t: mixed[t])
        rows.append([code, town, code[:3] if code.startswith("97") else code[:2]])
    return rows


def night2_plan(seed, exports, injected):
    """night2_plan picks, in each CHANGING source, the records the second night changes,
    adds (held back from the first night) and deletes: [(source, key, change)]. It draws
    from its own generator, so the first night's files do not depend on it."""
    rng = random.Random(seed * 7919 + 2)
    bad = {(src, key) for src, key, _rule in injected}
    plan = []
    for name, _chan, roles, records in exports:
        if name not in CHANGING:
            continue
        n_changed, n_new, n_deleted = CHANGING[name]
        ok = [r for r in records if (name, r[roles["source_key"]]) not in bad]
        # the changed records move to another house number: picked among numbered addresses
        changed = rng.sample([r[roles["source_key"]] for r in ok if re.match(r"\s*\d", r[roles["address"]] or "")],
                             n_changed)
        others = rng.sample([r[roles["source_key"]] for r in ok if r[roles["source_key"]] not in changed],
                            n_new + n_deleted)
        plan.extend(sorted([(name, k, "changed") for k in changed] + [(name, k, "new") for k in others[:n_new]]
                           + [(name, k, "deleted") for k in others[n_new:]]))
    return plan


def moved(address):
    """moved returns the address two house numbers further."""
    m = re.match(r"\s*(\d+)(.*)", address)
    return f"{int(m.group(1)) + 2}{m.group(2)}"


def write_night2(args, exports, plan, town_votes):
    """write_night2 writes the second night's files into OUTDIR/night2 (see the module's
    docstring): the changing providers' exports, postcodes_v2.csv and changes.csv."""
    out = os.path.join(args.outdir, "night2")
    rng = random.Random(args.seed * 7919 + 3)
    change = {(src, key): what for src, key, what in plan}
    for name, chan, roles, records in exports:
        if name not in CHANGING:
            continue
        updated_col, turnover_col, _extra, export_col = EXTRA[chan]
        sent = []
        for rec in records:
            what = change.get((name, rec[roles["source_key"]]))
            if what == "deleted" or (what is None and chan != "csv"):
                continue  # the web service and the S3 drop send what changed; a CSV drop, everything
            rec = dict(rec)
            rec[export_col] = args.export_id
            if what == "changed":
                rec[roles["address"]] = moved(rec[roles["address"]])
                turnover = round(rng.lognormvariate(5, 1.1), 1)
                if chan == "csv":
                    rec[updated_col], rec[turnover_col] = NIGHT2_DAY.strftime("%d/%m/%Y"), french_decimal(turnover)
                elif chan == "s3csv":
                    rec[updated_col], rec[turnover_col] = NIGHT2_DAY.isoformat(), f"{turnover:.1f}"
                else:
                    rec[updated_col], rec[turnover_col] = NIGHT2_DAY.isoformat(), turnover
            sent.append(rec)
        first_night = sum(1 for r in records if change.get((name, r[roles["source_key"]])) != "new")
        write_source(out, name, chan, sent, len(sent), args.exported_at, day=NIGHT2_DAY,
                     first=(first_night + args.page_size - 1) // args.page_size + 1 if chan == "api" else 3,
                     halves=False)
    d = os.path.join(out, "drop", "ref_postcodes")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "postcodes_v2.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["postcode", "town", "departement", "extrait"])
        rows = postcode_rows(town_votes)
        rows = rows[:len(rows) // 2] + [["750O1", "Paris", "75"]] + rows[len(rows) // 2:]
        w.writerows(r + [args.export_id] for r in rows)
    with open(os.path.join(out, "changes.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "key", "change"])
        w.writerows(plan)


def write_references(outdir, rng, town_votes, sirets, old_sirets, siret_names, export_id):
    """write_references writes version v1 of the postal-code base and of the company registry
    into their drop directories (the runner stages them like any source); each row carries
    the export's id ("extrait"), so that every run's files are new to the runner."""
    d = os.path.join(outdir, "drop", "ref_postcodes")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "postcodes_v1.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["postcode", "town", "departement", "extrait"])
        w.writerows(r + [export_id] for r in postcode_rows(town_votes))
    successor = {}
    for actor, old in old_sirets.items():
        if sirets[actor]:
            new = sirets[actor].most_common(1)[0][0]
            if new != old:
                successor[old] = new
    known = sorted(siret_names)
    for s in known:
        if s not in successor and s not in successor.values() and rng.random() < .02:
            other = rng.choice(known)
            if other != s:
                successor[s] = other  # taken over by another company
    d = os.path.join(outdir, "drop", "ref_companies")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "companies_v1.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["siret", "name", "status", "successor_siret", "extrait"])
        for s in known:
            name = max(sorted(siret_names[s]), key=lambda t: siret_names[s][t])
            w.writerow([s, name, "closed" if s in successor else "open", successor.get(s, ""), export_id])


if __name__ == "__main__":
    main()
