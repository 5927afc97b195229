'use strict';
const { kernelDrops } = require('./lib/kernel-drops');

// Cluster scenarios for a node:dgram implementation, plain node, no dependencies.
//
//   node test/cluster.test.js node:dgram    # the built-in (the reference)
//   node test/cluster.test.js ..            # this package (resolved like require(),
//                                           # from this directory, then from the cwd)
//
// A primary forks 2 workers that load the implementation and drive sockets on
// command. Loopback only: every datagram is sent by the primary (with the
// built-in dgram) to 127.0.0.1. Exits 1 on the first failed check or after
// the overall time limit (workers are killed either way).
//
// What the built-in does (Node 20.20 and 24.11), asserted here:
// - bind() with exclusive:false (the default) in a worker goes through the
//   primary: both workers end up on one shared socket on the same port, each
//   datagram is read by exactly one worker, and the primary gets a cluster
//   'listening' event per worker with {addressType, address, port, fd: -1}.
// - exclusive:true binds in the worker itself: no cluster 'listening' event;
//   a second exclusive bind of the same port in the other worker fails with
//   'error' `bind EADDRINUSE 0.0.0.0:P` (errno -EADDRINUSE, code, syscall
//   'bind', address, port; own keys in that order). Exclusive then shared (the
//   primary's bind fails) and shared then exclusive give the same error.
// - close() in one worker leaves the other on the shared socket; re-binding
//   shares again; once every worker closed, the primary has closed its socket
//   (the port is free in the primary).
// - worker.disconnect() closes shared sockets ('close' is emitted) and the
//   worker exits.

const cluster = require('node:cluster');
const path = require('node:path');
const os = require('node:os');

const TOTAL_MS = 40000;
const STEP_MS = 5000;

function resolveImpl(arg) {
  if (!arg) {
    console.error('usage: node cluster.test.js <node:dgram | path to implementation>');
    process.exit(2);
  }
  if (arg.startsWith('node:') || arg === 'dgram') return arg;
  return require.resolve(arg, { paths: [__dirname, process.cwd()] });
}

if (cluster.isPrimary) primary();
else worker();

// ---------------------------------------------------------------- worker side

function worker() {
  const dgram = require(process.env.CLUSTER_TEST_IMPL);
  const sockets = new Map();
  let closed = 0;
  let opened = 0;
  const send = (m) => {
    if (process.connected) process.send(m);
  };
  const errInfo = (e) => ({
    message: e.message,
    errno: e.errno,
    code: e.code,
    syscall: e.syscall,
    address: e.address,
    port: e.port,
    keys: Object.keys(e),
  });
  process.on('message', (m) => {
    if (m.op === 'bind') {
      const s = dgram.createSocket('udp4');
      opened++;
      sockets.set(m.id, s);
      s.on('error', (e) => send({ ev: 'error', id: m.id, err: errInfo(e) }));
      s.on('message', (buf) => send({ ev: 'message', id: m.id, data: buf.toString() }));
      s.on('close', () => {
        closed++;
        send({ ev: 'close', id: m.id });
      });
      s.bind(m.opts, () => send({ ev: 'listening', id: m.id, address: s.address() }));
    } else if (m.op === 'close') {
      const s = sockets.get(m.id);
      sockets.delete(m.id);
      s.close();
    }
  });
  // A shared socket left open would keep the worker alive; one that was opened
  // and never closed makes the exit code say so.
  process.on('exit', (code) => {
    if (code === 0 && closed !== opened) process.exitCode = 3;
  });
}

// --------------------------------------------------------------- primary side

function primary() {
  const impl = resolveImpl(process.argv[2]);
  const dgram = require('node:dgram'); // the sender and the port probes
  const EADDRINUSE = -os.constants.errno.EADDRINUSE;
  const workers = [];
  const events = []; // everything workers reported, in order
  const clusterListening = [];
  let waiters = [];
  let checks = 0;

  const watchdog = setTimeout(() => fail(`time limit ${TOTAL_MS} ms exceeded`), TOTAL_MS);

  function killAll() {
    for (const w of workers) {
      try {
        w.process.kill('SIGKILL');
      } catch {}
    }
  }

  function fail(msg) {
    console.error(`FAIL: ${msg}`);
    killAll();
    process.exit(1);
  }

  function check(cond, msg) {
    checks++;
    if (!cond) fail(msg);
    console.log(`ok ${checks} - ${msg}`);
  }

  function deepEq(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function onEvent(w, m) {
    const e = { w: w.index, ...m };
    events.push(e);
    waiters = waiters.filter((x) => {
      if (x.pred(e)) {
        clearTimeout(x.timer);
        x.resolve(e);
        return false;
      }
      return true;
    });
  }

  // Resolves with the first reported event (past or future) matching pred.
  function waitFor(what, pred, from = 0) {
    for (let i = from; i < events.length; i++) if (pred(events[i])) return Promise.resolve(events[i]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(`timed out waiting for ${what}`), STEP_MS);
      waiters.push({ pred, resolve, timer });
    });
  }

  function cmd(wi, m) {
    workers[wi].send(m);
  }

  // bind in worker wi; resolves with the 'listening' or 'error' event
  async function bind(wi, id, opts) {
    const mark = events.length;
    cmd(wi, { op: 'bind', id, opts });
    return waitFor(`bind ${id}`, (e) => e.id === id && e.w === wi && (e.ev === 'listening' || e.ev === 'error'), mark);
  }

  async function close(wi, id) {
    const mark = events.length;
    cmd(wi, { op: 'close', id });
    return waitFor(`close ${id}`, (e) => e.id === id && e.w === wi && e.ev === 'close', mark);
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function freePort() {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.on('error', reject);
      s.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  }

  // 'free' or the error code of an exclusive bind of 0.0.0.0:port in the primary
  function probePort(port) {
    return new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('error', (e) => {
        s.close();
        resolve(e.code);
      });
      s.bind({ port, exclusive: true }, () => s.close(() => resolve('free')));
    });
  }

  // Sends `tag:n` datagrams to 127.0.0.1:port in small bursts until `until(counts)`
  // holds (and at least `min` were sent), then waits for stragglers. Returns the
  // per-receiver counts (key: "worker/socket id") and checks every datagram was
  // received exactly once.
  async function traffic(tag, port, { min = 100, until = () => true } = {}) {
    const tx = dgram.createSocket('udp4');
    const mark = events.length;
    const dropsBefore = kernelDrops(port);
    let sent = 0;
    const counts = () => {
      const c = {};
      for (let i = mark; i < events.length; i++) {
        const e = events[i];
        if (e.ev === 'message' && e.data.startsWith(`${tag}:`)) c[`${e.w}/${e.id}`] = (c[`${e.w}/${e.id}`] || 0) + 1;
      }
      return c;
    };
    const t0 = Date.now();
    while ((sent < min || !until(counts())) && Date.now() - t0 < STEP_MS) {
      for (let k = 0; k < 10; k++) tx.send(`${tag}:${sent++}`, port, '127.0.0.1');
      await sleep(10);
    }
    await sleep(300);
    await new Promise((r) => tx.close(r));
    const seen = new Map();
    for (let i = mark; i < events.length; i++) {
      const e = events[i];
      if (e.ev === 'message' && e.data.startsWith(`${tag}:`)) seen.set(e.data, (seen.get(e.data) || 0) + 1);
    }
    const dup = [...seen].filter(([, n]) => n > 1).length;
    check(dup === 0, `${tag}: no datagram read twice (${dup} duplicates)`);
    check(seen.size === sent, `${tag}: all ${sent} datagrams received (${seen.size}; ` +
      `${kernelDrops(port) - dropsBefore} dropped by the kernel)`);
    return counts();
  }

  
  async function run() {
    cluster.setupPrimary({ env: { ...process.env, CLUSTER_TEST_IMPL: impl } });
    cluster.on('listening', (w, info) => clusterListening.push({ w: w.index, info }));
    for (let i = 0; i < 2; i++) {
      const w = cluster.fork({ CLUSTER_TEST_IMPL: impl });
      w.index = i;
      w.on('message', (m) => onEvent(w, m));
      w.on('exit', (code, signal) => onEvent(w, { ev: 'exit', code, signal }));
      workers.push(w);
    }
    await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
    console.log(`# implementation ${impl}, node ${process.version}`);

    // 1. shared bind (exclusive:false) ------------------------------------
    const P = await freePort();
    const a = await bind(0, 'a', { port: P, address: '127.0.0.1' });
    const b = await bind(1, 'b', { port: P, address: '127.0.0.1', exclusive: false });
    check(a.ev === 'listening' && a.address.port === P, `worker 0 bound 127.0.0.1:${P} shared (${JSON.stringify(a.err || a.address)})`);
    check(b.ev === 'listening' && b.address.port === P, `worker 1 bound the same port (${JSON.stringify(b.err || b.address)})`);
    await sleep(100);
    const want = { addressType: 'udp4', address: '127.0.0.1', port: P, fd: -1 };
    for (const wi of [0, 1]) {
      const got = clusterListening.filter((x) => x.w === wi).map((x) => x.info);
      check(deepEq(got, [want]), `primary got cluster 'listening' for worker ${wi}: ${JSON.stringify(got)}`);
    }
    let c = await traffic('shared', P, { until: (c) => c['0/a'] > 0 && c['1/b'] > 0 });
    check(c['0/a'] > 0 && c['1/b'] > 0, `both workers received datagrams: ${JSON.stringify(c)}`);

    // 2. close and re-bind ---------------------------------------------------
    await close(0, 'a');
    c = await traffic('after-close', P, { min: 50 });
    check(deepEq(Object.keys(c), ['1/b']), `after worker 0 closed, worker 1 alone receives: ${JSON.stringify(c)}`);
    const a2 = await bind(0, 'a2', { port: P, address: '127.0.0.1' });
    check(a2.ev === 'listening' && a2.address.port === P, `worker 0 re-bound the shared port (${JSON.stringify(a2.err || a2.address)})`);
    c = await traffic('rebound', P, { until: (c) => c['0/a2'] > 0 && c['1/b'] > 0 });
    check(c['0/a2'] > 0 && c['1/b'] > 0, `both receive again after re-bind: ${JSON.stringify(c)}`);
    check((await probePort(P)) === 'EADDRINUSE', 'the primary holds the shared socket while workers use it');
    await close(0, 'a2');
    await close(1, 'b');
    await sleep(200);
    check((await probePort(P)) === 'free', 'after every worker closed, the primary released the port');
    const a3 = await bind(0, 'a3', { port: P, address: '127.0.0.1' });
    const b3 = await bind(1, 'b3', { port: P, address: '127.0.0.1' });
    check(a3.ev === 'listening' && b3.ev === 'listening' && a3.address.port === P && b3.address.port === P,
      'both bind the port again after all closed');
    c = await traffic('fresh', P, { until: (c) => c['0/a3'] > 0 && c['1/b3'] > 0 });
    check(c['0/a3'] > 0 && c['1/b3'] > 0, `both receive on the fresh shared socket: ${JSON.stringify(c)}`);
    await close(0, 'a3');
    await close(1, 'b3');

    // 3. exclusive:true ------------------------------------------------------
    const listeningBefore = clusterListening.length;
    const X = await freePort();
    const x0 = await bind(0, 'x0', { port: X, exclusive: true });
    const x1 = await bind(1, 'x1', { port: X, exclusive: true });
    check(x0.ev === 'listening' && x0.address.port === X, `worker 0 bound ${X} exclusive`);
    const wantErr = (port) => ({
      message: `bind EADDRINUSE 0.0.0.0:${port}`,
      errno: EADDRINUSE,
      code: 'EADDRINUSE',
      syscall: 'bind',
      address: '0.0.0.0',
      port,
      keys: ['errno', 'code', 'syscall', 'address', 'port'],
    });
    check(x1.ev === 'error' && deepEq(x1.err, wantErr(X)), `second exclusive bind: ${JSON.stringify(x1.err || x1.address)}`);
    // exclusive then shared: the primary's bind fails, same error in the worker
    const s1 = await bind(1, 's1', { port: X });
    check(s1.ev === 'error' && deepEq(s1.err, wantErr(X)), `shared bind over an exclusive one: ${JSON.stringify(s1.err || s1.address)}`);
    await close(0, 'x0');
    await close(1, 'x1');
    await close(1, 's1');
    await sleep(100);
    check(clusterListening.length === listeningBefore, 'no cluster listening event for exclusive binds');
    // shared then exclusive
    const Y = await freePort();
    const y0 = await bind(0, 'y0', { port: Y });
    const y1 = await bind(1, 'y1', { port: Y, exclusive: true });
    check(y0.ev === 'listening' && y0.address.port === Y, `worker 0 bound ${Y} shared`);
    check(y1.ev === 'error' && deepEq(y1.err, wantErr(Y)), `exclusive bind over a shared one: ${JSON.stringify(y1.err || y1.address)}`);
    await close(1, 'y1');

    // 4. worker.disconnect() closes shared sockets ---------------------------
    const z1 = await bind(1, 'z1', { port: Y });
    check(z1.ev === 'listening' && z1.address.port === Y, 'worker 1 shares the port again');
    const mark = events.length;
    for (const w of workers) w.disconnect();
    const ex = await Promise.all([0, 1].map((wi) => waitFor(`worker ${wi} exit`, (e) => e.w === wi && e.ev === 'exit', mark)));
    check(ex.every((e) => e.code === 0 && e.signal === null), `workers exited 0 after disconnect (sockets closed): ${JSON.stringify(ex)}`);
    check(workers.every((w) => w.exitedAfterDisconnect === true), 'exitedAfterDisconnect');
    await sleep(100);
    check((await probePort(Y)) === 'free', 'the primary released the port after disconnect');

    clearTimeout(watchdog);
    console.log(`# all ${checks} checks passed`);
  }

  run().catch((e) => fail(e && e.stack ? e.stack : String(e)));
}
