#!/usr/bin/env python3
"""fetch_night.py: one night's fetch from the provider, per structure, as a stand-alone
script (no runner needed). The demo fetches with the runner's per-entity HTTP listing
instead (nightjar_per_structure.toml; docs/monitoring.md, "Fetch").

Usage: fetch_night.py URL OUTFILE < structures.tsv
stdin: one line per monitored structure, "<external_id>\t<bookmark>" (the catalog query:
the structures of nightjar.monitoring_structure and the latest measured_at already stored
for each, empty when none). For each structure: log in, list the states after its
bookmark, download each; a structure that fails never blocks the others. Writes the
states fetched (a JSON array, for nightjar.monitoring_load_states) to OUTFILE and prints
the run's outcome as JSON: "status" ok | partial | failed, and the structures of each
failure class (login_failed, listing_failed, listing_malformed, state_failed).
"""
import json
import sys
import urllib.error
import urllib.request


def call(url, body=None, token=None):
    """call requests url (POST with a JSON body when given) and returns (status, bytes)."""
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def main():
    base, outfile = sys.argv[1], sys.argv[2]
    states, failures = [], {"login_failed": [], "listing_failed": [], "listing_malformed": [], "state_failed": []}
    structures = [line.rstrip("\n").split("\t") for line in sys.stdin if line.strip()]
    for structure, bookmark in structures:
        code, body = call(base + "/login", {"structure": structure, "password": "pw"})
        if code != 200:
            failures["login_failed"].append(structure)
            continue
        token = json.loads(body)["token"]
        code, body = call("%s/structures/%s/states?since=%s" % (base, structure, bookmark), token=token)
        if code != 200:
            failures["listing_failed"].append(structure)
            continue
        try:
            listing = json.loads(body)["states"]
        except (ValueError, KeyError, TypeError):
            failures["listing_malformed"].append(structure)
            continue
        for item in listing:
            code, body = call(base + item["url"], token=token)
            if code != 200:
                failures["state_failed"].append(structure)
                break
            states.append(json.loads(body))
    with open(outfile, "w") as f:
        json.dump(states, f)
    failed = sorted({s for v in failures.values() for s in v})
    status = "ok" if not failed else ("failed" if len(failed) == len(structures) else "partial")
    print(json.dumps({"status": status, "structures": len(structures), "states": len(states),
                      "failed": {k: v for k, v in failures.items() if v}}))


if __name__ == "__main__":
    main()
