'use strict';
// Run by scripts/test-package.sh inside a project where node-dgram was installed from its
// tarballs: one datagram each way over loopback, and which native addon was loaded.
// Usage: node roundtrip.js EXPECTED   (EXPECTED: a platform package's name, or `local`)
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const expected = process.argv[2];
const dgram = require('node-dgram');
const pkgDir = path.dirname(require.resolve('node-dgram'));
const local = path.join(pkgDir, 'node_dgram.node');
if (expected === 'local') {
  assert.ok(fs.existsSync(local), `no local build at ${local}`);
} else {
  assert.ok(!fs.existsSync(local), `a local build ${local} would win over ${expected}`);
  const binary = require.resolve(expected);
  // The addon in memory is the platform package's file.
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  assert.ok(maps.includes(fs.realpathSync(binary)), `${binary} is not mapped into this process`);
}

const timer = setTimeout(() => {
  console.error('roundtrip: no answer within 60 s');
  process.exit(1);
}, 60_000);

const server = dgram.createSocket('udp4');
const client = dgram.createSocket('udp4');
assert.ok(server instanceof dgram.Socket);
server.on('message', (msg, rinfo) => {
  assert.strictEqual(msg.toString(), 'ping');
  assert.strictEqual(rinfo.address, '127.0.0.1');
  server.send(`pong to ${rinfo.port}`, rinfo.port, rinfo.address);
});
client.on('message', (msg, rinfo) => {
  const { port } = client.address();
  assert.strictEqual(msg.toString(), `pong to ${port}`);
  assert.strictEqual(rinfo.port, server.address().port);
  clearTimeout(timer);
  client.close();
  server.close(() => {
    console.log(`roundtrip ok: Node ${process.version} ${process.arch}, ${expected}, ` +
      `127.0.0.1:${port} <-> 127.0.0.1:${rinfo.port}`);
  });
});
server.bind(0, '127.0.0.1', () => {
  client.bind(0, '127.0.0.1', () => client.send('ping', server.address().port, '127.0.0.1'));
});
