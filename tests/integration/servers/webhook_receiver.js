// webhook_receiver.js: a test webhook receiver on 127.0.0.1. Every request is verified
// with npm standardwebhooks (the specification's reference library, not nightjar's code)
// and appended to a JSON-lines file: {"path", "id", "timestamp", "verified", "error",
// "status", "body"}. What it answers depends on the path:
//   /ok        200                       /gone     410 Gone
//   /fail      500 for the first FAILS requests of each webhook-id, then 200
//   /slow      200 after SLOW_MS         /timeout  never answers (the sender must time out)
//   /flaky     500 for one request in three (by a counter), else 200
// Usage: node webhook_receiver.js PORT OUTFILE SECRET [FAILS=2] [SLOW_MS=1500]
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Webhook } = require(path.join(__dirname, '..', 'node_modules', 'standardwebhooks'));

const [port, outFile, secret, fails = '2', slowMs = '1500'] = process.argv.slice(2);
const wh = new Webhook(secret);
const seen = new Map();
let counter = 0;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('error', () => {});
  res.on('error', () => {});
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const id = req.headers['webhook-id'];
    let verified = false;
    let error = null;
    try {
      wh.verify(body, {
        'webhook-id': id,
        'webhook-timestamp': req.headers['webhook-timestamp'],
        'webhook-signature': req.headers['webhook-signature'],
      });
      verified = true;
    } catch (e) {
      error = String(e.message || e);
    }
    const p = req.url.split('?')[0];
    let status = 200;
    let delay = 0;
    if (!verified) status = 400;
    else if (p === '/gone') status = 410;
    else if (p === '/fail') {
      const n = (seen.get(id) || 0) + 1;
      seen.set(id, n);
      if (n <= Number(fails)) status = 500;
    } else if (p === '/flaky') {
      counter += 1;
      if (counter % 3 === 0) status = 500;
    } else if (p === '/slow') delay = Number(slowMs);
    else if (p === '/timeout') delay = -1;
    const rec = { path: p, id, timestamp: req.headers['webhook-timestamp'], verified, error, status, body };
    fs.appendFileSync(outFile, JSON.stringify(rec) + '\n');
    if (delay < 0) return;  // never answer
    setTimeout(() => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(status === 200 ? 'ok' : 'no'); }, delay);
  });
});
// A sender killed mid-request (the kill -9 tests) resets its socket: keep serving.
server.on('clientError', (e, socket) => { if (socket.writable) socket.destroy(); });
server.keepAliveTimeout = 30000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => { server.closeAllConnections && server.closeAllConnections(); server.close(() => process.exit(0)); });
