#!/usr/bin/env python3
"""provider_api.py: a local stand-in for the JSON web services of the consolidation example.

Usage: provider_api.py PORTFILE APIDIR [TOKEN]. Binds 127.0.0.1 on a free port, writes the
port to PORTFILE and serves APIDIR/<source>/page-NNN.json (written by provider_formats.py)
until killed by its PID. Every request needs "Authorization: Bearer TOKEN" (default
"demo-token"), else 401.

GET /<source>/pages?since=T&cursor=N -> {"pages": [{"id", "updated_at"}...], "next": URL|null}:
    the source's pages whose updated_at is after T, 5 per listing page (the runner follows
    "next");
GET /<source>/pages/<id> -> the page itself: {"page", "updated_at", "records": [...]}.
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse

PORTFILE, DATA = sys.argv[1], sys.argv[2]
TOKEN = sys.argv[3] if len(sys.argv) > 3 else "demo-token"
PER_LISTING = 5


def pages_of(source):
    """pages_of returns [(id, updated_at)] of a source's pages, in page order."""
    d = os.path.join(DATA, source)
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                out.append((name[:-5], json.load(f)["updated_at"]))
    return out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        """reply sends a JSON body (bytes are sent as they are)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        """do_GET answers a listing page or a page of records."""
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(401, {"error": "unauthorised"})
        url = urlparse(self.path)
        m = re.fullmatch(r"/([a-z0-9_]+)/pages(?:/([A-Za-z0-9_-]+))?", url.path)
        if not m or not os.path.isdir(os.path.join(DATA, m.group(1))):
            return self.reply(404, {"error": "no such resource"})
        source, page = m.groups()
        if page:
            path = os.path.join(DATA, source, page + ".json")
            if not os.path.exists(path):
                return self.reply(404, {"error": "no such page"})
            with open(path, "rb") as f:
                return self.reply(200, f.read())
        qs = parse_qs(url.query)
        since = qs.get("since", [""])[0]
        cursor = int(qs.get("cursor", ["0"])[0])
        sel = [p for p in pages_of(source) if p[1] > since]
        chunk = sel[cursor:cursor + PER_LISTING]
        nxt = (f"/{source}/pages?cursor={cursor + PER_LISTING}&since={quote(since)}"
               if cursor + PER_LISTING < len(sel) else None)
        return self.reply(200, {"pages": [{"id": i, "updated_at": u} for i, u in chunk], "next": nxt})


def main():
    """main serves until killed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(PORTFILE + ".tmp", PORTFILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
