#!/usr/bin/env python3
"""json_api.py: a tiny JSON web service for the runner's http source tests.

Usage: json_api.py PORTFILE DATADIR. Binds 127.0.0.1 on a free port and writes it to
PORTFILE. DATADIR/items.json is re-read on every request: [{"id", "updated_at", "body"}].
POST /login {"username","password"} -> {"token"} (password "pw"), else 401.
GET /items?since=T&page=N -> {"items": [...3 per page...], "next": "/items?..."|null}
GET /item/<id> -> the item's body; ids listed in DATADIR/broken answer 500.
ids listed in DATADIR/flaky answer 503 the first time, then normally (retry test).
ids listed in DATADIR/ratelimited answer 429 with "Retry-After: 1" until one second
after their first request (a client that ignores Retry-After is refused again).
ids listed in DATADIR/slow answer after 3 s the first time (a client timeout), then at once.
A file DATADIR/malformed makes /items answer a body without "items"; a file
DATADIR/listfail makes /items answer 500.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse, quote

PORTFILE, DATA = sys.argv[1], sys.argv[2]
TOKEN = "tok-123"
SEEN = set()
LIMITED = {}  # id -> time of its first 429
LOCK = threading.Lock()


def listed(name, ident):
    """listed tells whether ident is a word of DATADIR/name."""
    path = os.path.join(DATA, name)
    return os.path.exists(path) and ident in open(path).read().split()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj, headers=()):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def authorised(self):
        return self.headers.get("Authorization") == "Bearer " + TOKEN

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n) or b"{}")
        if self.path == "/login" and req.get("password") == "pw":
            return self.reply(200, {"token": TOKEN})
        return self.reply(401, {"error": "bad login"})

    def do_GET(self):
        url = urlparse(self.path)
        if not self.authorised():
            return self.reply(401, {"error": "unauthorised"})
        items = json.load(open(os.path.join(DATA, "items.json")))
        if url.path == "/items":
            if os.path.exists(os.path.join(DATA, "malformed")):
                return self.reply(200, {"rows": []})
            if os.path.exists(os.path.join(DATA, "listfail")):
                return self.reply(500, {"error": "listing down"})
            qs = parse_qs(url.query)
            since = qs.get("since", [""])[0]
            page = int(qs.get("page", ["0"])[0])
            sel = [i for i in items if i["updated_at"] > since]
            chunk = sel[page * 3:(page + 1) * 3]
            nxt = f"/items?page={page + 1}&since={quote(since)}" if (page + 1) * 3 < len(sel) else None
            return self.reply(200, {"items": [{"id": i["id"], "updated_at": i["updated_at"]} for i in chunk], "next": nxt})
        if url.path.startswith("/item/"):
            ident = url.path[len("/item/"):]
            if listed("ratelimited", ident):
                with LOCK:
                    first = LIMITED.setdefault(ident, time.time())
                if time.time() - first < 1.0:
                    return self.reply(429, {"error": "slow down"}, [("Retry-After", "1")])
            if listed("slow", ident):
                with LOCK:
                    again = ("slow", ident) in SEEN
                    SEEN.add(("slow", ident))
                if not again:
                    time.sleep(3)
            flaky = os.path.join(DATA, "flaky")
            if os.path.exists(flaky) and ident in open(flaky).read().split() and ident not in SEEN:
                SEEN.add(ident)
                return self.reply(503, {"error": "try again"})
            broken = os.path.join(DATA, "broken")
            if os.path.exists(broken) and ident in open(broken).read().split():
                return self.reply(500, {"error": "boom"})
            for i in items:
                if i["id"] == ident:
                    return self.reply(200, (json.dumps(i["body"]) + "\n").encode())
            return self.reply(404, {"error": "no such item"})
        return self.reply(404, {"error": "not found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
