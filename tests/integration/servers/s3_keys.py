#!/usr/bin/env python3
"""s3_keys.py: an in-memory S3 stand-in for keys s3rver cannot hold.

s3rver stores each object as a file named after its key, so a key with a literal "../"
segment is resolved by its file system (the object lands outside the bucket, under
another key). This server keeps objects in a dict keyed by the exact key, so the
runner can be tested against such keys. Usage: s3_keys.py PORTFILE ACCESS_KEY.
Path-style only: PUT /bucket/key (upload, or copy with x-amz-copy-source),
GET /bucket?list-type=2&prefix=P (one page), GET and DELETE /bucket/key. Requests must
carry a SigV4 Authorization header for ACCESS_KEY (the signature itself is not checked).
"""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

PORTFILE, ACCESS_KEY = sys.argv[1], sys.argv[2]
OBJECTS = {}  # (bucket, key) -> bytes


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", ctype="application/xml"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def target(self):
        """target splits the raw (not normalised) path into bucket and exact key."""
        parts = urlsplit(self.path)
        bucket, _, key = parts.path.lstrip("/").partition("/")
        return bucket, unquote(key), parse_qs(parts.query)

    def authorised(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/"):
            return True
        self.reply(403, b"<Error><Code>InvalidAccessKeyId</Code></Error>")
        return False

    def do_GET(self):
        if not self.authorised():
            return
        bucket, key, qs = self.target()
        if not key:
            prefix = qs.get("prefix", [""])[0]
            rows = "".join(
                f"<Contents><Key>{escape(k)}</Key><Size>{len(v)}</Size></Contents>"
                for (b, k), v in sorted(OBJECTS.items()) if b == bucket and k.startswith(prefix))
            body = f"<?xml version=\"1.0\"?><ListBucketResult><Name>{bucket}</Name>{rows}<IsTruncated>false</IsTruncated></ListBucketResult>"
            return self.reply(200, body.encode())
        if (bucket, key) not in OBJECTS:
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
        return self.reply(200, OBJECTS[(bucket, key)], "application/octet-stream")

    def do_PUT(self):
        if not self.authorised():
            return
        bucket, key, _ = self.target()
        source = self.headers.get("x-amz-copy-source")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if source:
            sb, _, sk = unquote(source).lstrip("/").partition("/")
            if (sb, sk) not in OBJECTS:
                return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
            OBJECTS[(bucket, key)] = OBJECTS[(sb, sk)]
            return self.reply(200, b"<CopyObjectResult></CopyObjectResult>")
        OBJECTS[(bucket, key)] = body
        return self.reply(200)

    def do_DELETE(self):
        if not self.authorised():
            return
        bucket, key, _ = self.target()
        OBJECTS.pop((bucket, key), None)
        return self.reply(204)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
