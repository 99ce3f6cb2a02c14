#!/usr/bin/env python3
"""provider.py: a local stand-in for the structure-monitoring provider's web service.

Usage: provider.py PORTFILE DATADIR (DATADIR written by generate_fleet.py). Binds 127.0.0.1
on a free port and writes it to PORTFILE; stop it by its PID. DATADIR/published holds the
nights published so far (e.g. "night1 night2"), re-read on every request.

POST /login {"structure": id, "password": "pw"} -> {"token"}; 401 for special login_fail.
GET /structures/<id>/states?since=ISO (Authorization: Bearer <token>) ->
    {"states": [{"state_id", "measured_at", "url"}]} of the published nights after `since`;
    special malformed_listing answers a body that is not JSON.
GET /structures/<id>/states/<state_id> -> the state; special state_fail answers 500.

"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORTFILE, DATA = sys.argv[1], sys.argv[2]
SPECIAL = json.load(open(os.path.join(DATA, "special.json")))


def published():
    """published returns the nights the provider has published."""
    path = os.path.join(DATA, "published")
    return open(path).read().split() if os.path.exists(path) else []


def states_of(structure):
    """states_of returns the published states of a structure, oldest first."""
    out = []
    for night in published():
        path = os.path.join(DATA, "states", night, structure + ".json")
        if os.path.exists(path):
            out.extend(json.load(open(path)))
    return out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self, structure):
        return self.headers.get("Authorization") == "Bearer tok-" + structure

    def do_POST(self):
        path = urlparse(self.path).path
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if path != "/login":
            return self.reply(404, {"error": "not found"})
        structure = req.get("structure", "")
        if req.get("password") != "pw" or structure in SPECIAL["login_fail"]:
            return self.reply(401, {"error": "login failed"})
        self.reply(200, {"token": "tok-" + structure})

    def do_GET(self):
        u = urlparse(self.path)
        parts = u.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "structures" or parts[2] != "states":
            return self.reply(404, {"error": "not found"})
        structure = parts[1]
        if not self.authorized(structure):
            return self.reply(401, {"error": "bad token"})
        states = states_of(structure)
        if len(parts) == 3:
            if structure in SPECIAL["malformed_listing"]:
                return self.reply(200, b'{"states": [{"state_id": ')
            since = parse_qs(u.query).get("since", [""])[0]
            return self.reply(200, {"states": [
                {"state_id": s["state_id"], "measured_at": s["measured_at"],
                 "url": "/structures/%s/states/%s" % (structure, s["state_id"])}
                for s in states if s["measured_at"] > since]})
        if structure in SPECIAL["state_fail"]:
            return self.reply(500, {"error": "internal error"})
        for s in states:
            if s["state_id"] == parts[3]:
                return self.reply(200, s)
        self.reply(404, {"error": "no such state"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
