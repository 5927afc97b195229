'use strict';
const { kernelDrops } = require('./lib/kernel-drops');

// More cluster scenarios (issue 16), each run with the built-in (the reference) and this
// package, in a fresh primary with 2 workers per run:
//
//   node test/cluster-more.test.js [--repeat N] [--impl node:dgram|..]...
//
// - deliver: both workers bind one shared port (exclusive: false); once both listen, the primary
//   sends 40 datagrams to 127.0.0.1 at once; every one must reach a worker, exactly once. Run
//   N times (default 20).
// - fd: bind({ fd: 3 }) in both workers (not exclusive) goes through the primary, which opens
//   its own descriptor 3 (a bound UDP socket this script hands it) and shares it: both workers
//   listen on its address, the primary gets cluster 'listening' with the built-in's details,
//   and datagrams sent to it reach the workers.
// - close-in-handler: a worker that closes its shared socket in a 'message' handler, with more
//   datagrams waiting, leaves them to the other worker (none lost), 3 runs.
//
// Prints `N passed, N failed`; exit 1 on any failure. Loopback only.

const cluster = require('node:cluster');
const path = require('node:path');

const ROLE = process.env.CLUSTER_MORE_ROLE;
if (cluster.isWorker) worker();
else if (ROLE === 'primary') primary();
else driver();

function resolveImpl(arg) {
  if (arg.startsWith('node:')) return arg;
  return require.resolve(arg, { paths: [__dirname, process.cwd()] });
}

// ---------------------------------------------------------------- worker side

function worker() {
  const dgram = require(process.env.CLUSTER_MORE_IMPL);
  const sockets = [];
  const send = (m) => process.connected && process.send(m);
  let closeOnNext = false;
  process.on('message', (m) => {
    if (m.op === 'busy') {
      // (Blocks this worker's loop: it reads nothing meanwhile.)
      send({ ev: 'busy' });
      const until = Date.now() + m.ms;
      while (Date.now() < until);
      return;
    }
    if (m.op === 'closeOnNext') {
      closeOnNext = true;
      return;
    }
    if (m.op !== 'bind') return;
    const s = dgram.createSocket('udp4');
    sockets.push(s);
    s.on('error', (e) => send({ ev: 'error', code: e.code, message: e.message }));
    s.on('message', (buf) => {
      send({ ev: 'message', data: String(buf) });
      if (closeOnNext) {
        closeOnNext = false;
        s.close();
      }
    });
    s.bind(m.opts, () => send({ ev: 'listening', address: s.address() }));
  });
}

// --------------------------------------------------------------- primary side

function primary() {
  const dgram = require('node:dgram');
  const scenario = process.env.CLUSTER_MORE_SCENARIO;
  const result = { scenario, listening: [], clusterListening: [], errors: [], received: [] };
  const workers = [];
  const done = (extra) => {
    Object.assign(result, extra);
    for (const w of workers) w.process.kill('SIGKILL');
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
  };
  const watchdog = setTimeout(() => done({ timedOut: true }), 8000);
  cluster.setupPrimary({ env: { ...process.env } });
  cluster.on('listening', (w, info) => result.clusterListening.push(info));
  let listening = 0;
  let onAllListening;
  const allListening = new Promise((r) => { onAllListening = r; });
  let expected = 0;
  let onAllReceived;
  const allReceived = new Promise((r) => { onAllReceived = r; });
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork();
    w.on('message', (m) => {
      if (m.ev === 'listening') {
        result.listening.push(m.address);
        if (++listening === 2) onAllListening();
      } else if (m.ev === 'error') {
        result.errors.push(m);
        if (++listening === 2) onAllListening();
      } else if (m.ev === 'message') {
        result.received.push(m.data);
        if (expected > 0 && result.received.length >= expected) onAllReceived();
      }
    });
    workers.push(w);
  }
  const run = async () => {
    await Promise.all(workers.map((w) => new Promise((r) => w.once('online', r))));
    let port;
    let opts;
    if (scenario === 'deliver' || scenario === 'close-in-handler') {
      port = await new Promise((resolve) => {
        const s = dgram.createSocket('udp4');
        s.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
          const p = s.address().port;
          s.close(() => resolve(p));
        });
      });
      opts = { port, address: '127.0.0.1' };
    } else {
      port = Number(process.env.CLUSTER_MORE_PORT);
      opts = { fd: 3 };
    }
    for (const w of workers) w.send({ op: 'bind', opts });
    await allListening;
    if (result.errors.length) return done({});
    if (scenario === 'close-in-handler') return closeInHandler(port);
    expected = scenario === 'deliver' ? 40 : 10;
    // (The sender: the built-in, or with CLUSTER_MORE_SENDER=impl the implementation under test.)
    const sender = process.env.CLUSTER_MORE_SENDER === 'impl' ? require(process.env.CLUSTER_MORE_IMPL) : dgram;
    const tx = sender.createSocket('udp4');
    const dropsBefore = kernelDrops(port);
    for (let i = 0; i < expected; i++) tx.send(`d:${i}`, port, '127.0.0.1');
    await Promise.race([allReceived, new Promise((r) => setTimeout(r, 2000))]);
    await new Promise((r) => setTimeout(r, 100)); // (duplicates, if any, show up too)
    tx.close();
    clearTimeout(watchdog);
    done({ port, kernelDrops: kernelDrops(port) - dropsBefore });
  };
  // close-in-handler: worker 1 is kept busy while worker 0 alone reads 4 bursts of 40 (its reads
  // come back full); then worker 0 is blocked while a burst of 40 waits, and closes its socket in
  // the handler of the first it reads. The rest stay on the shared socket for worker 1: all 200
  // reach a worker, once each (with the built-in, which reads one datagram per recvmsg).
  const busy = (w, ms) => new Promise((r) => {
    const on = (m) => {
      if (m.ev !== 'busy') return;
      w.removeListener('message', on);
      r();
    };
    w.on('message', on);
    w.send({ op: 'busy', ms });
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function closeInHandler(port) {
    const tx = dgram.createSocket('udp4');
    const dropsBefore = kernelDrops(port);
    await busy(workers[1], 1500);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) tx.send(`w${round}:${i}`, port, '127.0.0.1');
      await sleep(50);
    }
    workers[0].send({ op: 'closeOnNext' });
    await busy(workers[0], 300);
    for (let i = 0; i < 40; i++) tx.send(`b:${i}`, port, '127.0.0.1');
    expected = 200;
    await Promise.race([allReceived, sleep(4000)]);
    await sleep(100);
    tx.close();
    clearTimeout(watchdog);
    done({ port, kernelDrops: kernelDrops(port) - dropsBefore });
  }

  run().catch((e) => done({ crash: String(e && e.stack) }));
}


// ---------------------------------------------------------------- driver side

function driver() {
  const { spawn } = require('node:child_process');
  const dgram = require('node:dgram');
  const argv = process.argv.slice(2);
  let repeat = 20;
  const impls = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repeat') repeat = Number(argv[++i]);
    else if (argv[i] === '--impl') impls.push(argv[++i]);
    else {
      console.error('usage: node test/cluster-more.test.js [--repeat N] [--impl node:dgram|PATH]...');
      process.exit(2);
    }
  }
  if (impls.length === 0) impls.push('node:dgram', path.join(__dirname, '..'));
  let passed = 0;
  let failed = 0;
  const check = (ok, what, detail) => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${what}${ok ? '' : `: ${detail}`}`);
  };

  // One primary run: its JSON result. `fdSocket`: a bound built-in socket whose descriptor the
  // primary gets as its fd 3 (closed here once handed over).
  function runPrimary(impl, scenario, fdSocket) {
    return new Promise((resolve) => {
      const env = { ...process.env, CLUSTER_MORE_ROLE: 'primary', CLUSTER_MORE_IMPL: resolveImpl(impl), CLUSTER_MORE_SCENARIO: scenario };
      const stdio = ['ignore', 'pipe', 'inherit'];
      if (fdSocket) {
        env.CLUSTER_MORE_PORT = String(fdSocket.address().port);
        stdio.push(descriptorOf(fdSocket));
      }
      const child = spawn(process.execPath, [__filename], { env, stdio });
      if (fdSocket) fdSocket.close();
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('close', () => {
        try {
          resolve(JSON.parse(out.trim().split('\n').pop()));
        } catch {
          resolve({ crash: `no result (${out.slice(0, 200)})` });
        }
      });
    });
  }

  // The descriptor of a built-in socket (Node has no public way to it: its handle's fd).
  function descriptorOf(socket) {
    const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
    return socket[sym].handle.fd;
  }

  function boundSocket() {
    return new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => resolve(s));
    });
  }

  (async () => {
    for (const impl of impls) {
      const name = impl.startsWith('node:') ? impl : 'node-dgram';
      // deliver, N runs
      const short = [];
      for (let run = 0; run < repeat; run++) {
        const r = await runPrimary(impl, 'deliver');
        const unique = new Set(r.received || []);
        const ok = !r.crash && !r.timedOut && (r.errors || []).length === 0 && unique.size === 40 && r.received.length === 40;
        if (!ok) short.push(`run ${run + 1}: ${r.crash || ''}${r.timedOut ? 'timed out ' : ''}${JSON.stringify(r.errors || [])} got ${unique.size}/40 (${(r.received || []).length} reads, ${r.kernelDrops} dropped by the kernel)`);
      }
      check(short.length === 0, `${name}: 2 workers on a shared port get all 40 datagrams, ${repeat} runs of ${repeat}`, short.join('; '));
      // close-in-handler, 3 runs
      const lost = [];
      for (let run = 0; run < 3; run++) {
        const r = await runPrimary(impl, 'close-in-handler');
        const unique = new Set(r.received || []);
        const ok = !r.crash && !r.timedOut && (r.errors || []).length === 0 && unique.size === 200 && r.received.length === 200;
        if (!ok) lost.push(`run ${run + 1}: ${r.crash || ''}${r.timedOut ? 'timed out ' : ''}${JSON.stringify(r.errors || [])} got ${unique.size}/200 (${(r.received || []).length} reads, ${r.kernelDrops} dropped by the kernel)`);
      }
      check(lost.length === 0, `${name}: a worker closing its socket in a 'message' handler leaves the rest of a burst to the other, 3 runs`, lost.join('; '));
      // bind({ fd }) through the primary
      const s = await boundSocket();
      const port = s.address().port;
      const r = await runPrimary(impl, 'fd', s);
      const want = JSON.stringify([{ address: '127.0.0.1', family: 'IPv4', port }, { address: '127.0.0.1', family: 'IPv4', port }]);
      check(!r.crash && JSON.stringify(r.errors) === '[]' && JSON.stringify(r.listening) === want,
        `${name}: bind({ fd }) in both workers listens on the primary's socket`, JSON.stringify(r));
      const info = JSON.stringify(r.clusterListening);
      const wantInfo = JSON.stringify([0, 1].map(() => ({ addressType: 'udp4', address: null, port, fd: 3 })));
      check(info === wantInfo, `${name}: the primary gets cluster 'listening' for each (${info})`, `want ${wantInfo}`);
      const unique = new Set(r.received || []);
      check(unique.size === 10 && r.received.length === 10, `${name}: the datagrams sent to it reach the workers, once each`, JSON.stringify(r.received));
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  })();
}
