'use strict';
// The workload of test/leaks.sh: exercises the addon on loopback only (127.0.0.1 and ::1; names
// go through a custom `lookup` that answers from a table, so nothing reaches DNS) and checks that
// descriptors do not grow.
//
//   node --expose-gc test/leak-workload.js [--mode valgrind|soak] [--datagrams N] [--sockets M]
//                                          [--impl addon|builtin] [--timeout-ms T]
//
// --mode valgrind (default): one round of N datagrams and M sockets, then everything is closed,
//   global.gc() runs (if exposed) and the process exits on its own (no process.exit, so Node
//   tears its environment down and the addon's finalizers run), for a leak checker to look at.
// --mode soak: a warm-up round, then two equal rounds of N/2 datagrams and M/2 sockets each;
//   prints the descriptor count (/proc/self/fd) and RSS at start, after the warm-up, after the
//   first and after the second round; exit code 1 if descriptors grew.
// --impl builtin runs the very same workload on node:dgram (a reference for the figures).
//
// Its last line is `leak-workload: {json}` with what it did.

const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const argv = process.argv.slice(2);
function opt(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}
const MODE = opt('mode', 'valgrind');
const IMPL = opt('impl', 'addon');
const DATAGRAMS = Number(opt('datagrams', MODE === 'soak' ? 200000 : 3000));
const SOCKETS = Number(opt('sockets', MODE === 'soak' ? 5000 : 300));
const ROUNDS = Math.max(2, Number(opt('rounds', 2)));
const TIMEOUT_MS = Number(opt('timeout-ms', MODE === 'soak' ? 10000 : 120000));
if (!['valgrind', 'soak'].includes(MODE) || !['addon', 'builtin'].includes(IMPL)) {
  console.error('usage: leak-workload.js [--mode valgrind|soak] [--impl addon|builtin] [--datagrams N] [--sockets M]');
  process.exit(2);
}
const dgram = IMPL === 'builtin' ? require('node:dgram') : require(path.join(__dirname, '..'));

const stats = { datagramsSent: 0, datagramsReceived: 0, sendErrors: 0, sockets: 0, errors: {}, thrown: {} };
const live = new Set(); // every socket made and not closed yet

function countError(map, e) {
  const k = (e && e.code) || String(e);
  map[k] = (map[k] || 0) + 1;
}

// ---- helpers ----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

function withTimeout(p, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`leak-workload: timed out waiting for ${what}`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(t));
}

function once(emitter, ev, what) {
  return withTimeout(new Promise((r) => emitter.once(ev, (...a) => r(a))), what || ev);
}

function make(opts, track = true) {
  const s = dgram.createSocket(opts);
  stats.sockets++;
  s.on('error', (e) => countError(stats.errors, e));
  if (track) {
    live.add(s);
    s.once('close', () => live.delete(s));
  }
  return s;
}

function closed(s) {
  return once(s, 'close', 'close');
}

async function close(s) {
  const p = closed(s);
  s.close();
  await p;
}

async function bound(type, opts = {}) {
  const s = make({ type, ...opts });
  const p = once(s, 'listening', 'listening');
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await p;
  return s;
}

function tryThrow(fn) {
  try {
    fn();
  } catch (e) {
    countError(stats.thrown, e);
  }
}

// A lookup answering from a table, asynchronously (as dns.lookup does); IP literals answer
// themselves; unknown names fail.
const TABLE = { 'v4.test': ['127.0.0.1', 4], 'v6.test': ['::1', 6], 'junk.test': ['not-an-ip', 4] };
function tableLookup(host, options, cb) {
  if (typeof options === 'function') cb = options;
  const hit = net.isIP(host) ? [host, net.isIP(host)] : TABLE[host];
  setImmediate(() => {
    if (hit) cb(null, hit[0], hit[1]);
    else cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }));
  });
}
function failingLookup(host, options, cb) {
  if (typeof options === 'function') cb = options;
  process.nextTick(cb, Object.assign(new Error(`lookup refused ${host}`), { code: 'EAI_FAIL', hostname: host }));
}

// ---- datagrams in every message form ----

const payload = Buffer.from('node-dgram leak workload payload 0123456789abcdef');
const big = Buffer.alloc(8192, 7);
// Each form: (socket, port, address, callback) => sends one datagram; `connected` forms omit
// the destination.
const FORMS = [
  ['Buffer', (s, p, a, cb) => s.send(payload, p, a, cb)],
  ['string', (s, p, a, cb) => s.send('hello over loopback', p, a, cb)],
  ['Uint8Array', (s, p, a, cb) => s.send(new Uint8Array([1, 2, 3, 4, 5]), p, a, cb)],
  ['Float64Array', (s, p, a, cb) => s.send(new Float64Array([1.5, 2.5]), p, a, cb)],
  ['DataView', (s, p, a, cb) => s.send(new DataView(new ArrayBuffer(12), 2, 8), p, a, cb)],
  ['Buffer offset/length', (s, p, a, cb) => s.send(payload, 3, 10, p, a, cb)],
  ['string offset/length', (s, p, a, cb) => s.send('abcdefghij', 2, 4, p, a, cb)],
  ['Uint8Array offset/length', (s, p, a, cb) => s.send(new Uint8Array(32), 4, 8, p, a, cb)],
  ['[Buffer, Buffer]', (s, p, a, cb) => s.send([payload, Buffer.from('tail')], p, a, cb)],
  ['[string, Uint8Array, DataView]', (s, p, a, cb) => s.send(['a', new Uint8Array(3), new DataView(new ArrayBuffer(2))], p, a, cb)],
  ['[Buffer]', (s, p, a, cb) => s.send([payload], p, a, cb)],
  ['empty Buffer', (s, p, a, cb) => s.send(Buffer.alloc(0), p, a, cb)],
  ['8 KiB Buffer', (s, p, a, cb) => s.send(big, p, a, cb)],
  ['sendto', (s, p, a, cb) => s.sendto(payload, 0, 6, p, a, cb)],
  ['no callback', (s, p, a, cb) => (s.send(payload, p, a), cb(null))],
  ['default address', (s, p, a, cb) => s.send(payload, p, cb)],
];
const CONNECTED_FORMS = [
  ['connected Buffer', (s, cb) => s.send(payload, cb)],
  ['connected string', (s, cb) => s.send('connected', cb)],
  ['connected offset/length', (s, cb) => s.send(payload, 1, 4, cb)],
  ['connected array', (s, cb) => s.send([payload, 'x'], cb)],
  ['connected no callback', (s, cb) => (s.send(payload), cb(null))],
];

async function datagrams(n) {
  const r4 = await bound('udp4');
  const r6 = await bound('udp6');
  let received = 0;
  let expected = 0;
  const onMessage = () => {
    received++;
    stats.datagramsReceived++;
  };
  r4.on('message', onMessage);
  r6.on('message', onMessage);
  // Waits until `target` datagrams arrived, or nothing arrived for 2 s (a drop).
  async function caughtUp(target) {
    let last = received;
    let since = Date.now();
    while (received < target) {
      await tick();
      if (received !== last) {
        last = received;
        since = Date.now();
      } else if (Date.now() - since > 2000) {
        return;
      } else {
        await sleep(1);
      }
    }
  }
  const s4 = await bound('udp4');
  const s6 = await bound('udp6');
  const l4 = await bound('udp4', { lookup: tableLookup });
  const l6 = await bound('udp6', { lookup: tableLookup });
  const c4 = await bound('udp4');
  c4.connect(r4.address().port, '127.0.0.1');
  await once(c4, 'connect', 'connect');
  tryThrow(() => c4.remoteAddress());

  const senders = [
    [s4, r4.address().port, '127.0.0.1'],
    [s6, r6.address().port, '::1'],
    [l4, r4.address().port, 'v4.test'],
    [l6, r6.address().port, 'v6.test'],
  ];
  const WINDOW = 32;
  let sent = 0;
  let k = 0;
  while (sent < n) {
    const waits = [];
    for (let w = 0; w < WINDOW && sent < n; w++, k++) {
      const done = new Promise((resolve) => {
        const cb = (err) => {
          if (err) {
            stats.sendErrors++;
            countError(stats.errors, err);
          }
          resolve();
        };
        if (k % 7 === 6) {
          const [, f] = CONNECTED_FORMS[(k / 7) % CONNECTED_FORMS.length | 0];
          f(c4, cb);
        } else {
          const [s, p, a] = senders[k % senders.length];
          const [, f] = FORMS[(k >> 2) % FORMS.length];
          f(s, p, a, cb);
        }
      });
      waits.push(done);
      sent++;
      expected++;
    }
    await withTimeout(Promise.all(waits), 'send callbacks');
    // Let the receivers keep up (loopback drops nothing unless its buffer overflows).
    await caughtUp(expected - 256);
  }
  stats.datagramsSent += sent;
  await caughtUp(expected);
  c4.disconnect();
  tryThrow(() => c4.remoteAddress()); // ERR_SOCKET_DGRAM_NOT_CONNECTED
  c4.send(payload, r4.address().port, '127.0.0.1');
  stats.datagramsSent++;
  expected++;
  await sleep(20);
  for (const s of [r4, r6, s4, s6, l4, l6, c4]) await close(s);
  return { sent: expected, received };
}

// ---- sockets: every kind of life ----

async function oneSocket(i, holder4, sink4, deadPort) {
  const type = i % 2 === 0 ? 'udp4' : 'udp6';
  const lo = type === 'udp4' ? '127.0.0.1' : '::1';
  switch (i % 17) {
    case 0: {
      // Never bound, closed.
      const s = make({ type });
      tryThrow(() => s.address()); // getsockname EBADF from the native side
      tryThrow(() => s.setTTL(5)); // EBADF
      tryThrow(() => s.getRecvBufferSize());
      return close(s);
    }
    case 1: {
      // Never bound, never closed: left to the garbage collector (the finalizer path).
      make({ type }, false);
      return;
    }
    case 2: {
      const s = await bound(type, { reuseAddr: true });
      s.setBroadcast(false);
      s.setTTL(64);
      s.setMulticastTTL(2);
      s.setMulticastLoopback(true);
      s.setRecvBufferSize(65536);
      s.setSendBufferSize(65536);
      s.getRecvBufferSize();
      s.getSendQueueSize();
      s.getSendQueueCount();
      s.address();
      return close(s);
    }
    case 3: {
      // A failing bind: the port is taken (EADDRINUSE).
      const s = make({ type: 'udp4' });
      const p = once(s, 'error', 'EADDRINUSE');
      s.bind(holder4.address().port, '127.0.0.1');
      await p;
      return close(s);
    }
    case 4: {
      // A custom lookup that fails, for the bind.
      const s = make({ type, lookup: failingLookup });
      const p = once(s, 'error', 'bind lookup error');
      s.bind(0, 'nowhere.test');
      await p;
      return close(s);
    }
    case 5: {
      // A custom lookup that fails for a send (callback and 'error') and a connect.
      const s = await bound(type, { lookup: tableLookup });
      const e1 = new Promise((r) => s.send(payload, 9, 'nowhere.test', r));
      const e2 = once(s, 'error', 'send lookup error');
      s.send(payload, 9, 'nowhere.test');
      await Promise.all([withTimeout(e1, 'send lookup callback'), e2]);
      const e3 = new Promise((r) => s.connect(9, 'nowhere.test', r));
      await withTimeout(e3, 'connect lookup callback');
      // A lookup answering something that is not an address (EINVAL).
      await withTimeout(new Promise((r) => s.send(payload, 9, 'junk.test', r)), 'junk lookup callback');
      return close(s);
    }
    case 6: {
      // Close with sends queued behind the bind.
      const s = make({ type: 'udp4' });
      s.bind(0, '127.0.0.1');
      s.send(payload, sink4.address().port, '127.0.0.1', () => {});
      s.send([payload, payload], sink4.address().port, '127.0.0.1');
      s.send('x', sink4.address().port, '127.0.0.1', () => {});
      stats.datagramsSent += 3;
      return close(s);
    }
    case 7: {
      // Close with sends queued behind a custom lookup of the destination.
      const s = await bound('udp4', { lookup: tableLookup });
      for (let j = 0; j < 4; j++) s.send(payload, sink4.address().port, 'v4.test', () => {});
      stats.datagramsSent += 4;
      return close(s);
    }
    case 8: {
      // Unref'd, bound, then ref'd and unref'd again, closed.
      const s = await bound(type);
      s.unref();
      s.ref();
      s.unref();
      s.send(payload, s.address().port, lo);
      stats.datagramsSent++;
      await sleep(1);
      return close(s);
    }
    case 9: {
      // Connect, send, disconnect, send, close.
      const s = await bound('udp4');
      s.connect(sink4.address().port, '127.0.0.1');
      await once(s, 'connect');
      s.remoteAddress();
      await withTimeout(new Promise((r) => s.send(payload, r)), 'connected send');
      s.disconnect();
      await withTimeout(new Promise((r) => s.send(payload, sink4.address().port, '127.0.0.1', r)), 'send');
      stats.datagramsSent += 2;
      return close(s);
    }
    case 10: {
      // Connect to a port nobody listens on: the ICMP error comes back (ECONNREFUSED).
      const s = await bound('udp4');
      s.connect(deadPort, '127.0.0.1');
      await once(s, 'connect');
      const p = Promise.race([new Promise((r) => s.once('error', r)), sleep(100)]);
      s.send(payload, () => {});
      s.send(payload, () => {});
      await p;
      return close(s);
    }
    case 11: {
      // Connect with a callback, close before the connect completes.
      const s = make({ type: 'udp4' });
      s.bind(0, '127.0.0.1');
      s.connect(sink4.address().port, '127.0.0.1', () => {});
      return close(s);
    }
    case 12: {
      // An AbortSignal closes it.
      const ac = new AbortController();
      const s = make({ type, signal: ac.signal });
      const p = closed(s);
      s.bind(0, lo, () => ac.abort());
      return p;
    }
    case 13: {
      // Too big for a datagram (EMSGSIZE in the send callback).
      const s = await bound('udp4');
      await withTimeout(new Promise((r) => s.send(Buffer.alloc(70000), sink4.address().port, '127.0.0.1', r)), 'EMSGSIZE');
      return close(s);
    }
    case 14: {
      // Receives a burst and closes on the first datagram, with more waiting in its buffer.
      const s = await bound('udp4');
      const c = closed(s);
      s.once('message', () => s.close());
      const tx = await bound('udp4');
      for (let j = 0; j < 20; j++) tx.send(payload, s.address().port, '127.0.0.1');
      stats.datagramsSent += 20;
      await c;
      return close(tx);
    }
    case 15: {
      // Synchronous misuse the native side refuses.
      const s = await bound(type);
      tryThrow(() => s.bind(0)); // ERR_SOCKET_ALREADY_BOUND
      tryThrow(() => s.remoteAddress()); // ERR_SOCKET_DGRAM_NOT_CONNECTED
      tryThrow(() => s.setMulticastInterface('127.0.0.1'));
      tryThrow(() => s.send(payload, 0, 'x')); // bad port
      tryThrow(() => s.addMembership('not-a-group'));
      await close(s);
      tryThrow(() => s.close()); // ERR_SOCKET_DGRAM_NOT_RUNNING
      tryThrow(() => s.send(payload, 9, lo)); // ERR_SOCKET_DGRAM_NOT_RUNNING
      return;
    }
    case 16: {
      // Bound, never closed by us: closed by Symbol.asyncDispose where Node has it.
      const s = await bound(type);
      if (typeof s[Symbol.asyncDispose] === 'function') return s[Symbol.asyncDispose]();
      return close(s);
    }
  }
}

async function sockets(m) {
  const holder4 = await bound('udp4');
  const sink4 = await bound('udp4');
  sink4.on('message', () => {
    stats.datagramsReceived++;
  });
  const dead = await bound('udp4');
  const deadPort = dead.address().port;
  await close(dead);
  const PARALLEL = 8;
  let next = 0;
  async function worker() {
    while (next < m) {
      const i = next++;
      await withTimeout(oneSocket(i, holder4, sink4, deadPort), `socket case ${i % 17}`);
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await sleep(20);
  await close(holder4);
  await close(sink4);
}

// ---- measurements ----

function fdCount() {
  return fs.readdirSync('/proc/self/fd').length - 1; // minus the one readdir itself holds
}
function fdList() {
  const out = [];
  for (const f of fs.readdirSync('/proc/self/fd')) {
    try {
      out.push(`${f}->${fs.readlinkSync(`/proc/self/fd/${f}`)}`);
    } catch {}
  }
  return out;
}
function rssMiB() {
  return +(process.memoryUsage.rss() / 1048576).toFixed(1);
}
async function settle() {
  // Closes and finalizers run from the loop: give them a few turns around each collection.
  for (let j = 0; j < 4; j++) {
    await tick();
    if (typeof global.gc === 'function') global.gc();
    await sleep(5);
  }
}
function snapshot(label) {
  const m = process.memoryUsage();
  return {
    label,
    fds: fdCount(),
    rssMiB: rssMiB(),
    heapUsedMiB: +(m.heapUsed / 1048576).toFixed(1),
    externalMiB: +(m.external / 1048576).toFixed(1),
    liveSockets: live.size,
    handles: process.getActiveResourcesInfo().length,
  };
}

async function round(n, m) {
  const d = await datagrams(n);
  await sockets(m);
  return d;
}

async function main() {
  const t0 = Date.now();
  if (MODE === 'valgrind') {
    const d = await round(DATAGRAMS, SOCKETS);
    await settle();
    if (live.size !== 0) throw new Error(`leak-workload: ${live.size} sockets still open`);
    const result = { mode: MODE, impl: IMPL, ...stats, dgReceivedMain: d.received, dgSentMain: d.sent, ms: Date.now() - t0 };
    console.log(`leak-workload: ${JSON.stringify(result)}`);
    return; // exit on our own: Node tears the environment down, finalizers run
  }

  // soak
  const fdsBefore = fdList();
  const snaps = [snapshot('start')];
  await round(Math.min(2000, DATAGRAMS), Math.min(170, SOCKETS));
  await settle();
  snaps.push(snapshot('warm-up'));
  const fdsWarm = fdList();
  for (let r = 1; r <= ROUNDS; r++) {
    await round(Math.round(DATAGRAMS / ROUNDS), Math.round(SOCKETS / ROUNDS));
    await settle();
    snaps.push(snapshot(`round ${r}`));
  }
  for (const s of snaps) {
    console.log(
      `leak-workload: ${s.label.padEnd(8)} fds ${String(s.fds).padStart(3)}  rss ${String(s.rssMiB).padStart(6)} MiB  ` +
        `heapUsed ${s.heapUsedMiB} MiB  external ${s.externalMiB} MiB  open sockets ${s.liveSockets}  active resources ${s.handles}`,
    );
  }
  const [start, warm] = snaps;
  const r2 = snaps[snaps.length - 1];
  const r1 = snaps[snaps.length - 2];
  const fdGrowth = r2.fds - warm.fds;
  const fdsAfter = fdList();
  const result = {
    mode: MODE,
    impl: IMPL,
    ...stats,
    fds: { start: start.fds, warm: warm.fds, end: r2.fds },
    rssMiB: snaps.map((x) => x.rssMiB),
    rssGrowthLastRoundKiB: Math.round((r2.rssMiB - r1.rssMiB) * 1024),
    ms: Date.now() - t0,
  };
  console.log(
    `leak-workload: fds ${start.fds} -> ${r2.fds} (after warm-up ${warm.fds}); ` +
      `RSS ${start.rssMiB} -> ${r2.rssMiB} MiB (after warm-up ${warm.rssMiB}, then per round ${snaps.slice(2).map((x) => x.rssMiB).join(', ')}); ` +
      `${stats.datagramsSent} datagrams sent, ${stats.datagramsReceived} received, ${stats.sockets} sockets`,
  );
  console.log(`leak-workload: ${JSON.stringify(result)}`);
  if (fdGrowth > 0 || r2.fds > start.fds || live.size !== 0) {
    const grown = fdsAfter.filter((x) => !fdsWarm.includes(x) && !fdsBefore.includes(x));
    console.error(`leak-workload: FAIL: descriptors grew by ${fdGrowth} (new: ${grown.join(' ')}); ${live.size} sockets open`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  console.error(`leak-workload: ${JSON.stringify({ failed: String(e), ...stats, open: live.size })}`);
  process.exitCode = 1;
  for (const s of live) {
    try {
      s.close();
    } catch {}
  }
});
