// smtp_sink.js: a test SMTP server on 127.0.0.1 (npm smtp-server) that appends every
// accepted message to a JSON-lines file: {"from", "to", "secure", "user", "raw"}.
// Usage: node smtp_sink.js PORT OUTFILE [KEY CERT USER PASSWORD]
//   with KEY/CERT it offers STARTTLS and requires authentication (USER/PASSWORD) after it;
//   without, it accepts plain unauthenticated mail (STARTTLS disabled).
// RCPT to an address starting with "reject" is refused with 550 (a permanent error).
'use strict';
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require(path.join(__dirname, '..', 'node_modules', 'smtp-server'));

const [port, outFile, keyFile, certFile, user, password] = process.argv.slice(2);
const tls = Boolean(keyFile);
const options = {
  secure: false,
  disabledCommands: tls ? [] : ['STARTTLS', 'AUTH'],
  authOptional: !tls,
  logger: false,
  size: 10 * 1024 * 1024,
  onAuth(auth, session, cb) {
    if (!session.secure) return cb(new Error('TLS first'));
    if (auth.username === user && auth.password === password) return cb(null, { user: auth.username });
    return cb(new Error('invalid credentials'));
  },
  onRcptTo(address, session, cb) {
    if (address.address.startsWith('reject')) {
      const e = new Error('mailbox unavailable'); e.responseCode = 550; return cb(e);
    }
    cb();
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const rec = {
        from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: Boolean(session.secure),
        user: session.user || null,
        raw: Buffer.concat(chunks).toString('utf8'),
      };
      fs.appendFileSync(outFile, JSON.stringify(rec) + '\n');
      cb();
    });
  },
};
if (tls) {
  options.key = fs.readFileSync(keyFile);
  options.cert = fs.readFileSync(certFile);
}
const server = new SMTPServer(options);
// A client killed mid-session (the kill -9 tests) resets its socket: log it, keep serving.
server.on('error', (e) => process.stderr.write('smtp_sink: ' + (e.code || e.message) + '\n'));
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
