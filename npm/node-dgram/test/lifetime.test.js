#!/usr/bin/env node
'use strict';
// Issue 15's defects, each as the few lines of a user's program that showed it, run as its own
// process with Node's built-in dgram and with the addon (IMPL), on the Node running this file:
// what the program prints, its exit code and the first lines of a crash report must be the
// same (Node's behaviour is the oracle), and the program must exit by itself.
//
//   node test/lifetime.test.js            # every case
//   node test/lifetime.test.js gc twice   # the cases whose name contains one of the words
//
// Ends with `N passed, N failed`; exits 1 on any failure.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ADDON = path.join(__dirname, '..');
const [MAJOR, MINOR] = process.versions.node.split('.').map(Number);
const HAS_BLOCKLISTS = MAJOR > 23 || (MAJOR === 23 && MINOR >= 4) || (MAJOR === 22 && MINOR >= 13);
const HAS_REGISTER_HOOKS = (() => {
  try {
    return typeof require('node:module').registerHooks === 'function';
  } catch {
    return false;
  }
})();

// Each case: a program (IMPL is the module to use), and the Node flags it needs.
const CASES = [];
function add(name, flags, body) {
  CASES.push({ name, flags, body });
}

const PRELUDE = `'use strict';
process.noDeprecation = true;
const dgram = require(process.env.IMPL);
const log = (...a) => console.log(...a);
`;

// 1. Sockets only their listeners refer to, collected while binding, looking up, connected...
for (const hooks of HAS_REGISTER_HOOKS ? [false, true] : [false]) {
  const hook = hooks
    ? `require('node:module').registerHooks({ resolve: (s, c, n) => n(s, c), load: (u, c, n) => n(u, c) });\n`
    : '';
  const tag = hooks ? ' (module hook registered)' : '';
  add(`gc: a socket only its listeners refer to survives a GC during its bind${tag}`, ['--expose-gc'], `${hook}
function start() {
  const s = dgram.createSocket('udp4');
  s.on('listening', () => { log('listening', typeof s.address().port); s.close(() => log('closed')); });
  s.bind(0, '127.0.0.1');
}
start(); gc(); setImmediate(gc);`);
  add(`gc: every state of an unreferenced socket survives GCs${tag}`, ['--expose-gc'], `${hook}
let port;
const recv = dgram.createSocket('udp4');
recv.bind(0, '127.0.0.1', () => { port = recv.address().port; go(); });
let n = 0;
recv.on('message', (m) => { log('got', String(m)); if (++n === 4) recv.close(); });
function slowLookup(host, o, cb) { setTimeout(() => { gc(); cb(null, '127.0.0.1', 4); }, 20); }
function go() {
  (function () { const s = dgram.createSocket('udp4'); gc(); s.send('unbound', port, '127.0.0.1', () => { gc(); s.close(); }); })();
  (function () { const s = dgram.createSocket({ type: 'udp4', lookup: slowLookup }); s.bind(0, 'x.test', () => { gc(); s.send('looked up', port, '127.0.0.1', () => s.close()); }); })();
  (function () { const s = dgram.createSocket('udp4'); s.connect(port, '127.0.0.1', () => { gc(); setTimeout(() => { gc(); s.send('connected', () => s.close()); }, 10); }); })();
  (function () { const s = dgram.createSocket('udp4'); s.bind(0, '127.0.0.1', () => { s.unref(); gc(); setTimeout(() => { gc(); s.send('unrefd', port, '127.0.0.1', () => s.close()); }, 10); }); })();
  for (let i = 0; i < 5; i++) gc();
}`);
}

// A socket closed in the middle of a burst of sends (a callback of its own closes it) is
// garbage collected once nothing refers to it: nothing of the burst keeps it.
add('gc: a socket closed in the middle of a burst of sends is collected', ['--expose-gc'], `
const recv = dgram.createSocket('udp4');
const gone = new FinalizationRegistry((name) => log('collected', name));
let got = 0;
recv.on('message', () => got++);
recv.bind(0, '127.0.0.1', () => {
  const port = recv.address().port;
  (function () {
    const s = dgram.createSocket('udp4');
    gone.register(s, 'sender');
    s.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < 10; i++) {
        s.send('m' + i, port, '127.0.0.1', (err) => log('sent', i, err));
        // (A tick between the sends: the ones after it find the socket closed.)
        if (i === 2) process.nextTick(() => s.close(() => log('closed')));
      }
    });
  })();
  setTimeout(() => {
    for (let i = 0; i < 5; i++) gc();
    setTimeout(() => { gc(); setTimeout(() => { log('received', got); recv.close(); }, 50); }, 50);
  }, 100);
});
`);

// 2. Memory that JavaScript can reach: a patched TypedArray set that steals and transfers the
// buffer it is handed, and messages in shared memory.
add('memory: a patched TypedArray.prototype.set never sees the addon\'s buffers', [], `
const TA = Object.getPrototypeOf(Uint8Array.prototype);
const orig = TA.set;
let stolen = 0;
TA.set = function (src, off) {
  if (src && src.buffer instanceof ArrayBuffer && src.buffer.byteLength === 64 && !src.buffer.detached) {
    stolen++;
    structuredClone(src.buffer, { transfer: [src.buffer] });
  }
  return orig.call(this, src, off);
};
const s = dgram.createSocket('udp4');
let got = 0; let bad = 0;
s.on('message', (m) => {
  if (String(m) !== 'datagram ' + got) bad++;
  if (++got === 50) { log('received', got, 'wrong', bad, 'stolen', stolen); s.close(); }
});
s.bind(0, '127.0.0.1', () => { for (let i = 0; i < 50; i++) s.send('datagram ' + i, s.address().port, '127.0.0.1'); });`);
add('memory: a message in a SharedArrayBuffer arrives as it was', [], `
const sab = new SharedArrayBuffer(16);
const view = new Uint8Array(sab, 2, 8);
view.set([104, 101, 108, 108, 111, 33, 33, 33]);
const s = dgram.createSocket('udp4');
s.on('message', (m) => { log('got', String(m), m.length); s.close(); });
s.bind(0, '127.0.0.1', () => { s.send(view, s.address().port, '127.0.0.1'); s.send(new DataView(sab, 2, 5), s.address().port, '127.0.0.1'); });`);

// 3. The send block list, whatever order the lookup answers in.
add('blocklist: a lookup answering at once cannot bypass sendBlockList (send and connect)', [], `
const net = require('node:net');
const bl = new net.BlockList(); bl.addAddress('127.0.0.1');
const lookup = (h, o, cb) => cb(null, '127.0.0.1', 4);
const s = dgram.createSocket({ type: 'udp4', sendBlockList: bl, lookup });
const r = dgram.createSocket('udp4');
r.on('message', (m) => log('RECEIVED', String(m)));
r.bind(0, '127.0.0.1', () => {
  s.send('blocked?', r.address().port, 'peer.test', (e) => {
    log('send', e && e.code, e && e.message);
    const c = dgram.createSocket({ type: 'udp4', sendBlockList: bl, lookup });
    c.on('error', (e) => log('connect error event', e.code));
    c.connect(r.address().port, 'peer.test', (e) => { log('connect', e && e.code); c.close(); s.close(); setTimeout(() => r.close(), 50); });
  });
});`);

// 4. The module loaded twice (hot reload), both copies' sockets live at once; and a worker.
add('reload: sockets of two copies of the module work side by side', [], `
const dir = process.env.IMPL;
const first = dgram;
if (dir !== 'node:dgram') for (const k of Object.keys(require.cache)) if (k.startsWith(dir)) delete require.cache[k];
const second = require(dir);
log('copies differ', dir === 'node:dgram' || first !== second);
let got = 0;
const sockets = [];
function mk(d, name) {
  const s = d.createSocket('udp4');
  s.on('message', (m, r) => { log(name, 'got', String(m)); if (++got === 4) for (const x of sockets) x.close(); });
  s.on('error', (e) => log(name, 'error', e.message));
  sockets.push(s);
  return s;
}
const a = mk(first, 'first'); const b = mk(second, 'second');
a.bind(0, '127.0.0.1', () => b.bind(0, '127.0.0.1', () => {
  a.send('a to b', b.address().port, '127.0.0.1', () => b.send('b to a', a.address().port, '127.0.0.1', () => {
    a.send('a to b again', b.address().port, '127.0.0.1', () => b.send('b to a again', a.address().port, '127.0.0.1'));
  }));
}));`);
add('reload: a worker thread and the main thread use the module at once', [], `
const { Worker } = require('node:worker_threads');
const r = dgram.createSocket('udp4');
let got = 0;
r.on('message', (m) => { got++; if (got === 2) { log('got both'); r.close(); } });
r.bind(0, '127.0.0.1', () => {
  const w = new Worker(\`const d = require(process.env.IMPL); const s = d.createSocket('udp4');
    s.send('from worker', \${r.address().port}, '127.0.0.1', () => s.close());\`, { eval: true, env: process.env });
  w.on('exit', (c) => log('worker exit', c));
  const s = dgram.createSocket('udp4');
  s.send('from main', r.address().port, '127.0.0.1', () => s.close());
});`);

add('reload: workers that exit or are terminated with open sockets', [], `
const { Worker } = require('node:worker_threads');
const code = \`const d = require(process.env.IMPL);
  const s = d.createSocket('udp4'); s.on('message', () => {});
  s.bind(0, '127.0.0.1', () => { s.unref(); const t = d.createSocket('udp4'); t.bind(0);
    t.send('x', s.address().port, '127.0.0.1'); setTimeout(() => { if (process.env.EXIT) process.exit(0); }, 20); });\`;
let n = 0;
function one() {
  const w = new Worker(code, { eval: true, env: { ...process.env, EXIT: '1' } });
  w.on('exit', (c) => { if (++n < 10) one(); else log('ten workers exited', c); });
}
one();
const w = new Worker(code, { eval: true, env: process.env });
setTimeout(() => w.terminate().then(() => log('terminated')), 100);`);

// 5. bind({ fd }) of a descriptor the loop already watches.
add('fd: bind({ fd }) of a watched descriptor throws EEXIST once', [], `
const builtin = require('node:dgram');
const owner = builtin.createSocket('udp4');
owner.bind(0, '127.0.0.1', () => {
  const s = dgram.createSocket('udp4');
  let errors = 0;
  s.on('error', () => errors++);
  try { s.bind({ fd: owner._handle.fd }); log('no throw'); } catch (e) { log('threw', e.name, e.code, e.message, e.syscall, e.errno); }
  try { s.bind(0); } catch (e) { log('bind again', e.code); }
  setTimeout(() => { log('error events', errors); s.close(); owner.close(); }, 100);
});`);
add('fd: bind({ fd }) of a closed descriptor and of /dev/null', [], `
const fs = require('node:fs');
const nul = fs.openSync('/dev/null', 'r');
const closed = fs.openSync('/dev/null', 'r'); fs.closeSync(closed);
for (const fd of [closed, nul]) {
  const s = dgram.createSocket('udp4');
  try { s.bind({ fd }); log('bound'); } catch (e) { log(e.name, e.code, e.message); }
  s.close();
}
fs.closeSync(nul);`);

// 7. After a failed bind, and other small gaps.
add('failed bind: the socket Node keeps still answers', [], `
const a = dgram.createSocket('udp6');
a.bind(0, '::1', () => {
  for (const type of ['udp4', 'udp6']) {
    const s = dgram.createSocket(type);
    s.on('error', (e) => {
      log(type, 'error', e.code);
      log('address', s.address());
      const calls = [['getRecvBufferSize'], ['getSendBufferSize'], ['setRecvBufferSize', 65536], ['setSendBufferSize', 65536],
        ['setTTL', 7], ['setMulticastTTL', 3], ['setBroadcast', true], ['setMulticastLoopback', false],
        ['setMulticastInterface', type === 'udp4' ? '127.0.0.1' : '::1']];
      for (const [m, ...args] of calls) {
        try { const v = s[m](...args); log(m, typeof v === 'number' && m.startsWith('get') ? 'a number' : v); } catch (e) { log(m, 'threw', e.code); }
      }
      s.close();
    });
    s.bind(a.address().port, type === 'udp4' ? '127.0.0.1' : '::1');
    if (type === 'udp4') { const b = dgram.createSocket('udp4'); b.bind(0, '127.0.0.1', () => { s.close(); const t = dgram.createSocket('udp4'); t.on('error', (e) => { log('udp4 error', e.code); log('address', t.address()); log('getRecvBufferSize', typeof t.getRecvBufferSize()); t.close(); b.close(); }); t.bind(b.address().port, '127.0.0.1'); }); }
  }
  setTimeout(() => a.close(), 200);
});`);
add('ttl: values of 2^32 and more wrap as in Node', [], `
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', () => {
  for (const v of [2 ** 32 + 64, 2 ** 32, 2 ** 31, 2 ** 32 + 300, 2 ** 53, -(2 ** 32) + 5, 1.5]) {
    for (const m of ['setTTL', 'setMulticastTTL']) {
      try { log(m, v, s[m](v)); } catch (e) { log(m, v, 'threw', e.code, e.message); }
    }
  }
  s.close();
});`);
add('connect: to 0.0.0.0 and :: reports the address the system connected to', [], `
const r4 = dgram.createSocket('udp4'); const r6 = dgram.createSocket('udp6');
r4.bind(0, '127.0.0.1', () => r6.bind(0, '::1', () => {
  const c4 = dgram.createSocket('udp4'); const c6 = dgram.createSocket('udp6');
  c4.connect(r4.address().port, '0.0.0.0', () => {
    const a = c4.remoteAddress(); log('udp4', a.address, a.family, a.port === r4.address().port);
    c6.connect(r6.address().port, '::', () => {
      const b = c6.remoteAddress(); log('udp6', b.address, b.family, b.port === r6.address().port);
      for (const s of [c4, c6, r4, r6]) s.close();
    });
  });
}));`);

// 8. Crash reports point at the user's code (compared as the report's first lines).
add('report: a bind callback that throws', [], `
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', function userBindCallback() {
  throw new Error('boom from bind callback');
});`);
add('report: an error listener that throws', [], `
const a = dgram.createSocket('udp4');
a.bind(0, '127.0.0.1', () => {
  const b = dgram.createSocket('udp4');
  b.on('error', function userErrorListener(e) {
    throw new Error('boom from error listener: ' + e.code);
  });
  b.bind(a.address().port, '127.0.0.1');
});`);
add('report: an unhandled error event', [], `
const a = dgram.createSocket('udp4');
a.bind(0, '127.0.0.1', () => {
  const b = dgram.createSocket('udp4');
  b.bind(a.address().port, '127.0.0.1');
});`);
add('report: a message listener that throws', [], `
const a = dgram.createSocket('udp4');
a.on('message', function userMessageListener() { throw new Error('boom from message listener'); });
a.bind(0, '127.0.0.1', () => a.send('x', a.address().port, '127.0.0.1'));`);

// What a run shows, made comparable: stdout, the exit code, and a crash report's first lines
// (its location, the source line, and the error's first line), with line numbers of Node's
// own modules and ephemeral ports left out.
function observe(file, impl, flags) {
  const r = spawnSync(process.execPath, [...flags, file], {
    encoding: 'utf8',
    timeout: 20000,
    env: { ...process.env, IMPL: impl },
  });
  const report = r.stderr
    .split('\n')
    .filter((l) => !/^\(node:\d+\)|^\(Use `node --trace/.test(l))
    .slice(0, 5)
    .map((l) => l.replace(/^node:events:\d+$/, 'node:events:N').replace(/^\s*\^$/, '^'))
    .join('\n')
    .replace(/:\d{4,5}\b/g, ':<port>');
  return {
    status: r.error ? `did not finish: ${r.error.code}` : r.status,
    signal: r.signal,
    stdout: r.stdout.replace(/\b\d{4,5}\b/g, '<n>'),
    report: report.trim(),
  };
}

function main() {
  const words = process.argv.slice(2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgram-lifetime-'));
  let passed = 0;
  let failed = 0;
  try {
    for (const c of CASES) {
      if (words.length && !words.some((w) => c.name.includes(w))) continue;
      if (c.name.startsWith('blocklist') && !HAS_BLOCKLISTS) {
        // Node 20 has no block lists: the option is ignored by both, and the datagram arrives.
      }
      const file = path.join(dir, `case${passed + failed}.js`);
      fs.writeFileSync(file, PRELUDE + c.body + '\n');
      const a = observe(file, 'node:dgram', c.flags);
      const b = observe(file, ADDON, c.flags);
      const same = JSON.stringify(a) === JSON.stringify(b);
      const exitedByItself = typeof a.status === 'number' && typeof b.status === 'number';
      if (same && exitedByItself) {
        passed++;
        console.log(`ok ${c.name}`);
      } else {
        failed++;
        console.log(`FAIL ${c.name}`);
        console.log(`  built-in: ${JSON.stringify(a)}`);
        console.log(`  addon:    ${JSON.stringify(b)}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`# lifetime, ${process.version}`);
  console.log(`${passed} passed, ${failed} failed`);
  if (failed) process.exitCode = 1;
}

main();
