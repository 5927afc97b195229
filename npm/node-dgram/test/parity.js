#!/usr/bin/env node
'use strict';
const KNOWN = require('./known-differences');
/*
 * node-dgram parity suite: runs every scenario against two implementations of
 * `node:dgram` and checks that a user would observe exactly the same thing.
 *
 * HOW TO RUN (from npm/node-dgram):
 *
 *   node test/parity.js                         # builtin node:dgram vs the addon (require('..'))
 *   node test/parity.js --impl-b builtin        # builtin vs builtin: proves the scenarios are deterministic
 *   node test/parity.js --filter send --filter bind   # only scenarios whose name contains one of these
 *   node test/parity.js --node node --node /path/to/node24   # the whole suite once per Node binary
 *
 * Other options:
 *   --impl-a NAME / --impl-b NAME   builtin | addon | a path to any module exporting the dgram API
 *   --jobs N          child processes at once (default 4)
 *   --timeout MS      hard per-child timeout (default 10000); a scenario may set its own `timeout`
 *   --repeat N        run the suite N times (to find flaky scenarios)
 *   --dump DIR        write both logs of every scenario to DIR/<node-version>/<name>.<a|b>.json
 *   --show            print impl-a's log of every scenario, also the passing ones
 *   --list            list the scenarios and exit
 *   --exact           match --filter against the whole name instead of a substring
 *   --hostile         HOSTILE MODE (below): run every child the way real programs run
 *   --hostile-patch W with --hostile implied: when the builtins are patched, W = before (default of
 *                     --hostile), after or strict (see HOSTILE MODE)
 *   --node-arg ARG    an extra argument for the children's node (repeatable), e.g.
 *                     --node-arg --stack-size=2000; also used to probe that the implementation loads
 *
 * A child fails its scenario (in every mode) when it is killed by a signal other than the
 * runner's timeout (a crash, an abort), or when its stderr holds an AddressSanitizer report
 * ('ERROR: AddressSanitizer'; for an ASan build of the addon run e.g.
 * `LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 node test/parity.js`:
 * the environment reaches the children).
 *
 * HOSTILE MODE (`node test/parity.js --hostile`, `node test/parity.js --impl-b builtin --hostile`
 * to prove the scenarios stay deterministic under it; lib/hostile.js). Both children, built-in
 * and addon alike, run with:
 *  - `--expose-gc`, and gc() forced in an unref'd 5 ms interval (full gc), inside every listener
 *    and callback the harness makes (full, or minor if a full one ended < 1 ms ago) (t.watch, t.cb, t.once, t.first, t.bound) and in the fuzzer's;
 *  - the harness holding sockets only weakly (t.track/t.retire/t.watch/t.name use WeakRef and
 *    WeakMap): a socket only its listeners refer to may be collected if the implementation lets
 *    it be (Node's built-in never does before close);
 *  - a no-op module hook registered before the implementation loads (module.registerHooks on
 *    Node >= 22.15 / 23.5, else module.register of a data: URL loader);
 *  - the implementation loaded twice: a 'sentinel' socket of the FIRST copy (bound to
 *    127.0.0.1:0, unref'd, referenced only by its listeners and timers) sends itself a numbered
 *    datagram every 5 ms during the whole scenario; then every require.cache entry under the
 *    implementation's package directory is deleted, and the scenario runs on the SECOND copy;
 *  - builtins patched: Array.prototype.push/map/forEach/slice/..., Map/Set/WeakMap/WeakSet
 *    methods, Function.prototype.call/apply/bind, Reflect.apply, Promise.prototype.then,
 *    Object.defineProperty/keys/assign/..., Buffer.from/isBuffer/alloc/allocUnsafeSlow/...,
 *    String.prototype.split/startsWith/includes/..., Number.isInteger, JSON.stringify,
 *    Array.isArray, ArrayBuffer.isView, %TypedArray%.prototype.set and an own
 *    Uint8Array.prototype.set (not process.nextTick: Node's dgram calls the public one).
 *    A patched builtin called from the implementation's own JavaScript (a file under its package
 *    directory, not under test/; decided from the caller's stack frame) records
 *    ['HOSTILE BUILTIN USED', name, 'file:line:col'] and misbehaves as an attacker would: `set`
 *    transfers its source's ArrayBuffer away first (structuredClone with transfer), freeing
 *    memory native code might still write. Any other caller gets the builtin's normal behaviour.
 *    --hostile-patch before (default): transparent wrappers are installed before the first load
 *    (what the implementation captures at load is not the original, but behaves as it), replaced
 *    by the detecting ones after the second load, so run-time look-ups are caught and builtins
 *    captured at load are not; after: originals during the loads, detecting wrappers after;
 *    strict: detecting wrappers before the first load (flags load-time captures too: only an
 *    implementation that never calls these builtins from its JavaScript passes).
 * Failures specific to the mode: 'HOSTILE BUILTIN USED' or 'HOSTILE SENTINEL FAILED' (error
 * event, exception, lost or reordered datagram of the sentinel, or more than 3 outstanding at the
 * end) in a child's `extra`, and status 'exited-early' (the event loop emptied before the
 * scenario finished: typically its sockets were garbage-collected). The markers never enter
 * the log itself, so a clean hostile run logs exactly what a normal run logs.
 *
 * Exit status: 0 when everything passed (skips allowed), 1 when any scenario failed,
 * 2 on a usage error or when an implementation cannot be loaded at all.
 *
 * WHAT IT DOES: for each scenario, two child processes (lib/child.js) are started
 * with the same Node binary; one gets require('node:dgram'), the other the addon
 * (require(path.join(__dirname, '..'))). Each runs the scenario and writes its
 * observation log (JSON) to a temp file. The runner compares the two logs entry by
 * entry and prints `ok NAME` or `FAIL NAME` with a diff (`-` = impl a, `+` = impl b),
 * then `parity: N scenarios, M passed, K failed`. A child that does not finish
 * within the timeout is killed and its scenario fails.
 *
 * NETWORK RULE: scenarios only ever send to loopback (127.0.0.0/8, ::1), and never
 * resolve host names through DNS (lib/child.js makes dns.lookup fail for anything but
 * IP literals and 'localhost'). Scenarios marked `netns: true` (multicast, broadcast,
 * membership, TTL, multicast interface) run in a fresh network namespace made by
 * `unshare --net` (plus `--user --map-root-user` when not root) where the runner sets up
 *   lo up, veth pair v0 <-> v1,
 *   v0 = 198.51.100.1/24 (brd .255) and 2001:db8::1/64, v1 = 198.51.100.2/24 and 2001:db8::2/64,
 *   default routes (IPv4 and IPv6) via v0.
 * If the namespace cannot be created the scenario is skipped, except under CI=true,
 * where it fails.
 *
 * HOW TO ADD A SCENARIO: add (or extend) a file test/scenarios/<topic>.js:
 *
 *   module.exports = [
 *     {
 *       name: 'topic: what it checks',        // unique over the whole suite
 *       // netns: true,                        // needs the private network namespace
 *       // exitNaturally: true,                // the process must exit by itself (see misc.js)
 *       // udpFd: 'udp4',                      // the child gets a bound UDP fd in t.env.udpFd
 *       // timeout: 15000,                     // hard timeout (ms) for this scenario's children
 *       // serial: true,                       // run impl a and b one after the other, not at
 *       //                                     // once (the scenario may bind a fixed port)
 *       async run(dgram, t) {
 *         const s = t.watch(dgram.createSocket('udp4'), 's');   // logs listening/message/...
 *         t.tryIs('bind', s, () => s.bind(0, '127.0.0.1'));  // logs '<same>' or the throw
 *         await t.once(s, 'listening');
 *         t.log('address', s.address());                    // ports become <port#N>
 *         s.close();
 *         await t.once(s, 'close');
 *       },
 *     },
 *   ];
 *
 * `t` (lib/harness.js): log(...values), error(e, label?), try(label, fn), tryIs(label, same, fn),
 * each(label, values, fn), cb(label, after?) (a logging callback), watch(sock, label), port(n),
 * errShape(e), normalize(v), msg(buf), tick(), ticks(n), sleep(ms), once(emitter, ev, ms),
 * first(emitter, events, ms), until(pred, label, ms), timeout(promise, ms, label),
 * bound(type, address, opts), recv(sock, label), checkSends(sock), checkReceives(sock),
 * track(sock), retire(sock), done(), finished, bus (emits 'uncaught'), env ({ udpFd, netns }).
 * Values are normalised: undefined -> '<undefined>', NaN -> '<NaN>', Buffers -> their bytes,
 * errors -> { error: ctor name, name, code, message, errno, syscall, address, port, keys, stackHead },
 * ephemeral ports (in `port` keys, in errors, via t.port) -> '<port#N>' numbered by first appearance.
 * Uncaught exceptions and unhandled rejections are recorded (not fatal).
 * The scenario ends when run() settles or t.done() is called (then two setImmediate turns
 * are still recorded). Record what a user can observe, and nothing inherently racy:
 *  - wait for events rather than for time; when the absence of a datagram must be shown,
 *    send a "sentinel" datagram after it on the same path and wait for that;
 *  - create the waiter (t.once / t.first) BEFORE the call that causes the event: some
 *    events are emitted synchronously (listening with a sync custom lookup or an fd);
 *  - do not close a helper socket whose port was logged when more sockets follow
 *    (use t.retire): the kernel may give its port to the next socket, and the tokens
 *    then differ from run to run;
 *  - never send anywhere but 127.0.0.0/8 and ::1 outside a netns scenario, and never
 *    use a host name other than 'localhost' unless a custom `lookup` answers it.
 * Scenarios with `udpFd` get their fd from the runner's own builtin dgram socket (via the
 * private `_handle.fd`; Node has no public way to make a UDP fd), passed as fd 3.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const TEST_DIR = __dirname;
const { CHILD, live, tmp: runnerTmp, unshareArgs, logLines, probeImpl, childNodeArgs, childEnv, crashProblems } = require('./lib/runner');
const SCEN_DIR = path.join(TEST_DIR, 'scenarios');

function usage(msg) {
  if (msg) console.error(`parity: ${msg}`);
  console.error('usage: node test/parity.js [--impl-a builtin] [--impl-b addon] [--filter NAME]... [--node PATH]... [--jobs N] [--timeout MS] [--repeat N] [--dump DIR] [--show] [--list] [--exact] [--hostile] [--hostile-patch before|after|strict] [--node-arg ARG]...');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { implA: 'builtin', implB: 'addon', filters: [], nodes: [], jobs: 4, timeout: 10000, repeat: 1, dump: null, show: false, list: false, exact: false, hostile: false, nodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--impl-a': o.implA = val(); break;
      case '--impl-b': o.implB = val(); break;
      case '--filter': o.filters.push(val()); break;
      case '--node': o.nodes.push(val()); break;
      case '--jobs': o.jobs = Math.max(1, Number(val()) || 1); break;
      case '--timeout': o.timeout = Number(val()) || 10000; break;
      case '--repeat': o.repeat = Math.max(1, Number(val()) || 1); break;
      case '--dump': o.dump = path.resolve(val()); break;
      case '--show': o.show = true; break;
      case '--list': o.list = true; break;
      case '--exact': o.exact = true; break;
      case '--hostile': o.hostile = o.hostile || 'before'; break;
      case '--hostile-patch': { const w = val(); if (!['before', 'after', 'strict'].includes(w)) usage('--hostile-patch is before, after or strict'); o.hostile = w; break; }
      case '--node-arg': o.nodeArgs.push(val()); break;
      case '-h': case '--help': usage();
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.nodes.length === 0) o.nodes.push(process.execPath);
  return o;
}

function loadScenarios(opts) {
  const files = fs.readdirSync(SCEN_DIR).filter((f) => f.endsWith('.js')).sort();
  const all = [];
  const seen = new Map();
  for (const f of files) {
    const file = path.join(SCEN_DIR, f);
    const mod = require(file);
    const list = Array.isArray(mod) ? mod : (mod.scenarios || [mod]);
    for (const s of list) {
      if (!s || typeof s.name !== 'string' || typeof s.run !== 'function') {
        throw new Error(`${f}: every scenario needs a string name and a run function`);
      }
      if (seen.has(s.name)) throw new Error(`duplicate scenario name ${JSON.stringify(s.name)} in ${f} and ${seen.get(s.name)}`);
      seen.set(s.name, f);
      all.push({ file, name: s.name, netns: !!s.netns, serial: !!s.serial, exitNaturally: !!s.exitNaturally, udpFd: s.udpFd || null, timeout: s.timeout || null });
    }
  }
  if (opts.filters.length === 0) return all;
  return all.filter((s) => opts.filters.some((f) => (opts.exact ? s.name === f : s.name.includes(f))));
}

function resolveImpl(impl) {
  if (impl === 'builtin') return true;
  const p = impl === 'addon' ? path.join(TEST_DIR, '..') : path.resolve(impl);
  try {
    require.resolve(p);
    return true;
  } catch (e) {
    console.error(`parity: implementation ${JSON.stringify(impl)} cannot be resolved (${p}): ${e.message.split('\n')[0]}`);
    return false;
  }
}

// ---- network namespace ---------------------------------------------------------

const NETNS_SETUP = [
  'ip link set lo up',
  'ip link add v0 type veth peer name v1',
  'ip addr add 198.51.100.1/24 brd + dev v0',
  'ip addr add 198.51.100.2/24 brd + dev v1',
  'ip -6 addr add 2001:db8::1/64 dev v0 nodad',
  'ip -6 addr add 2001:db8::2/64 dev v1 nodad',
  'ip link set v0 up',
  'ip link set v1 up',
  'ip route add default dev v0',
  'ip -6 route add default dev v0',
].join(' && ');

function wrapNetns(cmd, cmdArgs) {
  const script = `{ ${NETNS_SETUP}; } >/dev/null 2>&1 || { echo PARITY_NETNS_SETUP_FAILED >&2; exit 97; }; exec "$@"`;
  return ['unshare', [...unshareArgs(), 'sh', '-c', script, 'sh', cmd, ...cmdArgs]];
}

let netnsProbe = null;
function probeNetns() {
  if (netnsProbe) return netnsProbe;
  const [cmd, args] = wrapNetns('true', []);
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10000 });
    netnsProbe = { ok: true };
  } catch (e) {
    const err = e.stderr ? e.stderr.toString().trim() : e.message;
    netnsProbe = { ok: false, why: err || `exit ${e.status}` };
  }
  return netnsProbe;
}

// ---- running children --------------------------------------------------------------

function makeUdpFdSocket() {
  // There is no public API that yields a UDP socket fd; borrow one from the
  // runner's own builtin dgram socket (private _handle.fd) and pass it to the child
  // as fd 3. The runner closes its copy right after spawning.
  const dgram = require('node:dgram');
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => resolve(null));
    s.bind(0, '127.0.0.1', () => {
      const quiet = process.noDeprecation;
      process.noDeprecation = true; // reading _handle warns (DEP0112)
      const fd = s._handle && s._handle.fd;
      process.noDeprecation = quiet;
      if (typeof fd !== 'number' || fd < 0) { s.close(); resolve(null); return; }
      resolve({ socket: s, fd });
    });
  });
}

async function runChild(node, impl, scen, outFile, timeoutMs, opts) {
  const childArgs = [...childNodeArgs(opts), CHILD, '--impl', impl, '--file', scen.file, '--name', scen.name, '--out', outFile];
  let cmd = node;
  let args = childArgs;
  const env = childEnv(Object.assign({}, process.env), opts);
  delete env.NODE_OPTIONS;
  const stdio = ['ignore', 'pipe', 'pipe'];
  let fdSock = null;
  if (scen.udpFd) {
    fdSock = await makeUdpFdSocket();
    if (!fdSock) return { status: 'setup-failed', out: null, stdout: '', stderr: 'could not create a UDP fd for the child', code: null, timedOut: false };
    stdio.push(fdSock.fd);
    env.PARITY_UDP_FD = '3';
  }
  if (scen.netns) {
    [cmd, args] = wrapNetns(node, childArgs);
    env.PARITY_NETNS = '1';
  }
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(cmd, args, { stdio, env, detached: true });
    live.add(child);
    if (fdSock) fdSock.socket.close();
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch {} }
    }, timeoutMs);
    child.on('error', (e) => { stderr += `\nspawn error: ${e.message}`; });
    child.on('close', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      let out = null;
      try { out = JSON.parse(fs.readFileSync(outFile, 'utf8')); } catch {}
      resolve({ out, stdout, stderr, code, signal, timedOut });
    });
  });
}

// ---- comparison ---------------------------------------------------------------------

// Line diff (LCS) with 3 lines of context.
function diff(a, b) {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push([' ', a[i]]); i++; j++; }
    else if (j < m && (i >= n || dp[i][j + 1] >= dp[i + 1][j])) { ops.push(['+', b[j]]); j++; }
    else { ops.push(['-', a[i]]); i++; }
  }
  const out = [];
  const keep = new Array(ops.length).fill(false);
  ops.forEach((op, k) => {
    if (op[0] !== ' ') for (let x = Math.max(0, k - 3); x <= Math.min(ops.length - 1, k + 3); x++) keep[x] = true;
  });
  let skipped = false;
  ops.forEach((op, k) => {
    if (!keep[k]) { if (!skipped) { out.push('      ...'); skipped = true; } return; }
    skipped = false;
    out.push(`    ${op[0]} ${op[1].length > 400 ? op[1].slice(0, 400) + '...' : op[1]}`);
  });
  return out.join('\n');
}

function tail(s, n = 15) {
  const lines = s.trim().split('\n');
  return lines.slice(-n).map((l) => '      | ' + l).join('\n');
}

// ---- main ----------------------------------------------------------------------------

async function pool(items, n, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const k = next++;
      await fn(items[k], k);
    }
  });
  await Promise.all(workers);
}

async function runSuite(node, scenarios, opts, tmp) {
  let version;
  try {
    version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch (e) {
    console.error(`parity: cannot run node binary ${node}: ${e.message}`);
    return { failed: scenarios.length, passed: 0, skipped: 0, total: scenarios.length };
  }
  console.log(`# node ${version} (${node}); a=${opts.implA} b=${opts.implB}; ${scenarios.length} scenarios${opts.hostile ? `; HOSTILE (builtins patched ${opts.hostile} load)` : ''}${opts.nodeArgs.length ? `; node args ${opts.nodeArgs.join(' ')}` : ''}`);
  for (const impl of new Set([opts.implA, opts.implB])) {
    const err = probeImpl(node, impl, opts.nodeArgs);
    if (err) {
      console.log(`FAIL implementation ${JSON.stringify(impl)} does not load with node ${version}:`);
      console.log(err.split('\n').slice(0, 12).map((l) => '    ' + l).join('\n'));
      console.log(`parity: ${scenarios.length} scenarios, 0 passed, ${scenarios.length} failed`);
      return { failed: scenarios.length, passed: 0, skipped: 0, total: scenarios.length, loadError: true };
    }
  }
  const inCI = process.env.CI === 'true';
  const needNetns = scenarios.some((s) => s.netns);
  const probe = needNetns ? probeNetns() : { ok: true };
  if (!probe.ok) {
    console.log(`# network namespace unavailable (${probe.why}); netns scenarios will ${inCI ? 'FAIL (CI=true)' : 'be skipped'}`);
  }
  const results = new Map();
  let passed = 0;
  let failed = 0;
  let knownCount = 0;
  let skipped = 0;
  const t0 = Date.now();

  // One job per child process; a scenario completes when both children did.
  const jobs = [];
  for (const scen of scenarios) {
    if (scen.netns && !probe.ok) {
      results.set(scen.name, { netnsUnavailable: true });
      continue;
    }
    results.set(scen.name, { pending: 2 });
    if (scen.serial) jobs.push({ scen, sides: ['a', 'b'] });
    else for (const side of ['a', 'b']) jobs.push({ scen, sides: [side] });
  }

  const report = (scen) => {
    const r = results.get(scen.name);
    const tag = `${scen.name}`;
    if (r.netnsUnavailable) {
      if (inCI) { failed++; console.log(`FAIL ${tag}\n    network namespace could not be created: ${probe.why}`); }
      else { skipped++; console.log(`skip ${tag} (network namespace could not be created: ${probe.why})`); }
      return;
    }
    const la = logLines(r.a);
    const lb = logLines(r.b);
    if (opts.dump) {
      const dir = path.join(opts.dump, version);
      fs.mkdirSync(dir, { recursive: true });
      const base = scen.name.replace(/[^A-Za-z0-9._-]+/g, '_');
      fs.writeFileSync(path.join(dir, `${base}.a.json`), la.join('\n') + '\n');
      fs.writeFileSync(path.join(dir, `${base}.b.json`), lb.join('\n') + '\n');
    }
    const problems = [];
    for (const side of ['a', 'b']) {
      const res = r[side];
      const impl = side === 'a' ? opts.implA : opts.implB;
      if (res.timedOut) problems.push(`${side} (${impl}) timed out after ${res.timeoutMs} ms and was killed`);
      else if (!res.out) problems.push(`${side} (${impl}) wrote no log (exit code ${res.code}${res.signal ? ', signal ' + res.signal : ''})`);
      else if (['load-error', 'harness-error', 'no-such-scenario', 'unserialisable log', 'exited-early'].some((s) => String(res.out.status).startsWith(s))) {
        problems.push(`${side} (${impl}) status ${res.out.status}: ${JSON.stringify(res.out.extra).slice(0, 1000)}`);
      }
      if (res.stderr && res.stderr.includes('PARITY_NETNS_SETUP_FAILED')) problems.push(`${side} (${impl}): network namespace setup failed`);
      if (res.out && res.out.extra && res.out.extra.some((e) => e[0] === 'FORBIDDEN DNS LOOKUP')) problems.push(`${side} (${impl}) attempted a DNS lookup (forbidden)`);
      for (const p of crashProblems(res)) problems.push(`${side} (${impl}) ${p}`);
    }
    const same = la.join('\n') === lb.join('\n');
    if (same && problems.length === 0) {
      passed++;
      console.log(`ok ${tag}`);
      if (opts.show) console.log(la.map((l) => '    ' + l).join('\n'));
      return;
    }
    const known = opts.implB === 'addon' && problems.length === 0 ? KNOWN[scen.name] : undefined;
    if (known !== undefined) {
      // A documented difference of the addon (README, "Known differences"): shown, not failed.
      knownCount++;
      console.log(`known ${tag}\n    ${known}`);
      console.log(diff(la, lb));
      return;
    }
    failed++;
    console.log(`FAIL ${tag}`);
    for (const p of problems) console.log(`    ${p}`);
    const noLoad = ['a', 'b'].some((side) => r[side].out && String(r[side].out.status) === 'load-error');
    if (!same && !noLoad) {
      console.log(`    diff (- a=${opts.implA}, + b=${opts.implB}):`);
      console.log(diff(la, lb));
    }
    for (const side of ['a', 'b']) {
      const res = r[side];
      if ((res.stderr || '').trim() && (!same || problems.length)) console.log(`    ${side} stderr:\n${tail(res.stderr)}`);
    }
  };

  for (const scen of scenarios) if (results.get(scen.name).netnsUnavailable) report(scen);

  let seq = 0;
  await pool(jobs, opts.jobs, async ({ scen, sides }) => {
    for (const side of sides) {
      const impl = side === 'a' ? opts.implA : opts.implB;
      const outFile = path.join(tmp, `${seq++}.json`);
      const timeoutMs = scen.timeout || opts.timeout;
      const started = Date.now();
      const res = await runChild(node, impl, scen, outFile, timeoutMs, opts);
      res.ms = Date.now() - started;
      res.timeoutMs = timeoutMs;
      try { fs.unlinkSync(outFile); } catch {}
      const r = results.get(scen.name);
      r[side] = res;
      if (--r.pending === 0) report(scen);
    }
  });
  const slow = [...results.entries()].filter(([, r]) => r.a && r.b)
    .map(([name, r]) => [name, Math.max(r.a.ms, r.b.ms)]).sort((x, y) => y[1] - x[1]).slice(0, 3);
  if (slow.length) console.log(`# slowest: ${slow.map(([n, ms]) => `${n} (${ms} ms)`).join(', ')}`);
  const total = scenarios.length;
  console.log(`parity: ${total} scenarios, ${passed} passed, ${failed} failed`);
  if (skipped) console.log(`parity: ${skipped} skipped`);
  if (knownCount) console.log(`parity: ${knownCount} known differences (test/known-differences.js)`);
  console.log(`# ${version}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { total, passed, failed, skipped };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const scenarios = loadScenarios(opts);
  if (opts.list) {
    for (const s of scenarios) console.log(`${s.name}${s.netns ? '  [netns]' : ''}`);
    console.log(`${scenarios.length} scenarios`);
    return 0;
  }
  if (scenarios.length === 0) usage('no scenario matches the filter');
  if (!resolveImpl(opts.implA) || !resolveImpl(opts.implB)) return 2;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgram-parity-'));
  runnerTmp.dir = tmp;
  let anyFailed = false;
  let loadError = false;
  try {
    for (let rep = 0; rep < opts.repeat; rep++) {
      if (opts.repeat > 1) console.log(`# repeat ${rep + 1}/${opts.repeat}`);
      for (const node of opts.nodes) {
        const r = await runSuite(node, scenarios, opts, tmp);
        if (r.failed) anyFailed = true;
        if (r.loadError) loadError = true;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return loadError ? 2 : anyFailed ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 2; });
