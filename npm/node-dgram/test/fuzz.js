#!/usr/bin/env node
'use strict';
/*
 * Differential fuzzer: random dgram programs, run against two implementations
 * (default: builtin node:dgram vs the addon), observation logs compared.
 *
 *   node test/fuzz.js                         # seeds 20240 .. 20279 (40 programs, ~10 s), builtin vs addon
 *   node test/fuzz.js --count 2000            # a longer run
 *   node test/fuzz.js --seed 20263 --count 1  # reproduce one program (its seed is printed on mismatch)
 *   node test/fuzz.js --impl-b builtin --count 300   # builtin vs builtin: proves the generator is deterministic
 *   node test/fuzz.js --node node --node /path/to/node24
 *
 * Other options:
 *   --impl-a NAME / --impl-b NAME  builtin | addon | path to a module (as test/parity.js)
 *   --jobs N        child processes at once (default 4; both children of a program run at once)
 *   --shrink N      shrink at most N mismatching programs (one per distinct first-diff signature; default 8)
 *   --attempts N    shrink attempts per program (default 60)
 *   --shrink-secs S total time for shrinking per Node (default 30, or 600 when --count > 100)
 *   --show          print every program (and its log with --verbose)
 *   --verbose       print impl-a's log of every program
 *   --timeout MS    hard per-child timeout (default 15000)
 *   --hostile       hostile mode, as test/parity.js --hostile (see its header and lib/hostile.js):
 *                   --expose-gc and gc() forced in every listener and callback and every 5 ms, a
 *                   no-op module hook, the implementation loaded twice with a sentinel socket on
 *                   the first copy, builtins patched to catch (and punish) the implementation's
 *                   run-time use of them, sockets held weakly by the harness. Markers
 *                   'HOSTILE BUILTIN USED' / 'HOSTILE SENTINEL FAILED' and status 'exited-early'
 *                   count as mismatches. (The program's own slots hold its sockets strongly:
 *                   a program uses them until its end.)
 *   --hostile-patch W   before (default of --hostile) | after | strict (as test/parity.js)
 *   --node-arg ARG  an extra argument for the children's node (repeatable)
 *
 *   node test/fuzz.js --hostile                           # the default 40 programs, hostile
 *   node test/fuzz.js --impl-b builtin --hostile --count 40   # determinism under hostile mode
 *
 * In every mode a child killed by a signal (not the timeout) or printing an AddressSanitizer
 * report ('ERROR: AddressSanitizer' on stderr) is a mismatch.
 *
 * Program i of a run has seed SEED+i; `--seed SEED+i --count 1` replays it alone.
 * The generator/interpreter is test/lib/fuzzgen.js; each program runs in
 * test/lib/child.js (like the parity scenarios), through a temporary scenario file.
 * On a mismatch the seed, the shrunk program (delta debugging over its steps) and the
 * log diff (- a, + b) are printed. Exit status: 0 = no mismatch, 1 = mismatches, 2 = usage.
 *
 * scripts/test.sh runs the default 40 programs on the system Node and on Node 24. Programs
 * race timers (10-15 ms) against chains of setImmediate hops: on a heavily loaded machine one
 * may mismatch by timing alone; the shrinker's "reproduced N/2 more times" tells (replay the
 * seed alone to be sure).
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const gen = require('./lib/fuzzgen');

const TEST_DIR = __dirname;
const { CHILD, live, tmp, unshareArgs, logLines, probeImpl, childNodeArgs, childEnv, crashProblems } = require('./lib/runner');
const FUZZGEN = path.join(TEST_DIR, 'lib', 'fuzzgen.js');
const DEFAULT_SEED = 20240;

function usage(msg) {
  if (msg) console.error(`fuzz: ${msg}`);
  console.error('usage: node test/fuzz.js [--seed S] [--count N] [--node PATH]... [--impl-a builtin] [--impl-b addon] [--jobs N] [--shrink N] [--attempts N] [--show] [--verbose] [--timeout MS] [--hostile] [--hostile-patch before|after|strict] [--node-arg ARG]...');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { shrinkSecs: null, seed: DEFAULT_SEED, count: 40, nodes: [], implA: 'builtin', implB: 'addon', jobs: 4, shrink: 8, attempts: 60, show: false, verbose: false, timeout: 15000, hostile: false, nodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    const num = () => { const n = Number(val()); if (!Number.isFinite(n)) usage(`${a} needs a number`); return n; };
    switch (a) {
      case '--seed': o.seed = num() >>> 0; break;
      case '--count': o.count = Math.max(1, num()); break;
      case '--node': o.nodes.push(val()); break;
      case '--impl-a': o.implA = val(); break;
      case '--impl-b': o.implB = val(); break;
      case '--jobs': o.jobs = Math.max(2, num()); break;
      case '--shrink': o.shrink = Math.max(0, num()); break;
      case '--attempts': o.attempts = Math.max(0, num()); break;
      case '--timeout': o.timeout = num(); break;
      case '--shrink-secs': o.shrinkSecs = num(); break;
      case '--show': o.show = true; break;
      case '--hostile': o.hostile = o.hostile || 'before'; break;
      case '--hostile-patch': { const w = val(); if (!['before', 'after', 'strict'].includes(w)) usage('--hostile-patch is before, after or strict'); o.hostile = w; break; }
      case '--node-arg': o.nodeArgs.push(val()); break;
      case '--verbose': o.verbose = true; o.show = true; break;
      case '-h': case '--help': usage();
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.nodes.length === 0) o.nodes.push(process.execPath);
  if (o.shrinkSecs === null) o.shrinkSecs = o.count <= 100 ? 30 : 600;
  return o;
}

// ---- children -----------------------------------------------------------------------

let fileSeq = 0;
function writeProgram(prog) {
  const file = path.join(tmp.dir, `p${fileSeq++}.js`);
  fs.writeFileSync(file, `'use strict';\nconst g = require(${JSON.stringify(FUZZGEN)});\nconst prog = ${JSON.stringify(prog)};\n` +
    'module.exports = [{ name: \'fuzz\', run: (dgram, t) => g.run(prog, dgram, t) }];\n');
  return file;
}

// Each child runs in a network namespace of its own (only `lo`, up), so that programs running
// at once, and the two runs of one program, cannot exchange stray datagrams through ports the
// kernel hands out twice (reuseAddr sockets bound to port 0 may share one).
const LO_UP = 'ip link set lo up >/dev/null 2>&1 || { echo FUZZ_NETNS_SETUP_FAILED >&2; exit 97; }; exec "$@"';
let isolation = null;
function childCommand(node, args) {
  if (isolation === null) {
    try {
      execFileSync('unshare', [...unshareArgs(), 'sh', '-c', LO_UP, 'sh', 'true'], { stdio: 'ignore', timeout: 10000 });
      isolation = true;
    } catch (e) {
      isolation = false;
      console.error(`fuzz: WARNING: no private network namespace (${e.message.split('\n')[0]}); ` +
        'programs share the loopback interface and may, rarely, see each other\'s datagrams');
    }
  }
  return isolation ? ['unshare', [...unshareArgs(), 'sh', '-c', LO_UP, 'sh', node, ...args]] : [node, args];
}

function runChild(node, impl, file, timeoutMs, opts) {
  const outFile = file.replace(/\.js$/, `.${impl.replace(/[^a-z0-9]/gi, '_')}.${fileSeq++}.json`);
  const env = childEnv(Object.assign({}, process.env), opts);
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    const [cmd, args] = childCommand(node, [...childNodeArgs(opts), CHILD, '--impl', impl, '--file', file, '--name', 'fuzz', '--out', outFile]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
    live.add(child);
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutMs);
    child.on('error', (e) => { stderr += `\nspawn error: ${e.message}`; });
    child.on('close', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      let out = null;
      try { out = JSON.parse(fs.readFileSync(outFile, 'utf8')); } catch {}
      try { fs.unlinkSync(outFile); } catch {}
      resolve({ out, stderr, code, signal, timedOut });
    });
  });
}

// Simple semaphore so that shrinking and the main pass share the job budget.
function semaphore(n) {
  let free = n;
  const waiters = [];
  return {
    async acquire() { if (free > 0) { free--; return; } await new Promise((r) => waiters.push(r)); },
    release() { const w = waiters.shift(); if (w) w(); else free++; },
  };
}

// Run one program against both implementations; returns { same, la, lb, problems }.
async function runPair(ctx, prog) {
  const file = writeProgram(prog);
  const one = async (impl) => {
    await ctx.sem.acquire();
    try { return await runChild(ctx.node, impl, file, ctx.opts.timeout, ctx.opts); } finally { ctx.sem.release(); }
  };
  const [ra, rb] = await Promise.all([one(ctx.opts.implA), one(ctx.opts.implB)]);
  try { fs.unlinkSync(file); } catch {}
  const la = logLines(ra);
  const lb = logLines(rb);
  const problems = [];
  for (const [side, res] of [['a', ra], ['b', rb]]) {
    if (res.timedOut) problems.push(`${side} timed out`);
    else if (!res.out) problems.push(`${side} wrote no log (exit ${res.code})`);
    else if (!['ok', 'threw'].includes(res.out.status)) problems.push(`${side} status ${res.out.status}`);
    if (res.out && (res.out.extra || []).some((e) => e[0] === 'FORBIDDEN DNS LOOKUP')) problems.push(`${side} made a DNS lookup (generator bug)`);
    for (const p of crashProblems(res)) problems.push(`${side} ${p}`);
  }
  return { same: la.join('\n') === lb.join('\n'), la, lb, problems, ra, rb };
}

function isMismatch(r) { return !r.same || r.problems.length > 0; }

// ---- diff ---------------------------------------------------------------------------

function diffOps(a, b) {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push([' ', a[i]]); i++; j++; }
    else if (j < m && (i >= n || dp[i][j + 1] >= dp[i + 1][j])) { ops.push(['+', b[j]]); j++; }
    else { ops.push(['-', a[i]]); i++; }
  }
  return ops;
}

function diff(a, b, context = 3) {
  const ops = diffOps(a, b);
  const keep = new Array(ops.length).fill(false);
  ops.forEach((op, k) => {
    if (op[0] !== ' ') for (let x = Math.max(0, k - context); x <= Math.min(ops.length - 1, k + context); x++) keep[x] = true;
  });
  const out = [];
  let skipped = false;
  ops.forEach((op, k) => {
    if (!keep[k]) { if (!skipped) { out.push('      ...'); skipped = true; } return; }
    skipped = false;
    out.push(`    ${op[0]} ${op[1].length > 500 ? op[1].slice(0, 500) + '...' : op[1]}`);
  });
  return out.join('\n');
}

// A coarse class of a mismatch: the first differing lines, with step numbers,
// ports and digits masked (used to shrink one program per class only).
function signature(r) {
  if (r.problems.length) return 'problem: ' + r.problems.join('; ').replace(/\d+/g, 'N');
  const shape = (line) => {
    let e;
    try { e = JSON.parse(line); } catch { return line.replace(/\d+/g, 'N').slice(0, 80); }
    if (!Array.isArray(e)) return String(e).slice(0, 80);
    return JSON.stringify(e.slice(0, 4).map((x) => {
      if (typeof x === 'string') return x.replace(/^(#\d+ |end )/, '').replace(/\(\)$/, '').replace(/#\d+/g, '#N').replace(/\bs\d\b/g, 'sN').replace(/\d+/g, 'N').slice(0, 40);
      if (x && typeof x === 'object' && !Array.isArray(x)) return x.code ? `{${x.code}}` : x.error ? `{${x.error}}` : '{}';
      if (Array.isArray(x)) return '[]';
      return typeof x;
    }));
  };
  const ops = diffOps(r.la, r.lb).filter((op) => op[0] !== ' ');
  const first = (sign) => { const op = ops.find((o) => o[0] === sign); return op ? sign + shape(op[1]) : ''; };
  return [first('-'), first('+')].filter(Boolean).join(' | ');
}

// ---- shrinking (delta debugging over the steps) ---------------------------------------------

async function shrink(ctx, prog, maxAttempts) {
  let cur = prog.steps.slice();
  let attempts = 0;
  let n = 2;
  let lastResult = null;
  const fails = async (steps) => {
    attempts++;
    const r = await runPair(ctx, { seed: prog.seed, steps });
    // (a candidate that makes a DNS lookup, e.g. a name left without its custom lookup, is invalid)
    if (isMismatch(r) && !r.problems.some((p) => p.includes('DNS'))) { lastResult = r; return true; }
    return false;
  };
  const deadline = ctx.shrinkDeadline;
  const budget = () => attempts < maxAttempts && Date.now() < deadline;
  while (cur.length >= 2 && budget()) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < cur.length && budget(); i += chunk) {
      const cand = cur.slice(0, i).concat(cur.slice(i + chunk));
      if (cand.length && await fails(cand)) { cur = cand; n = Math.max(n - 1, 2); reduced = true; break; }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  // Then drop createSocket options one at a time (all but type).
  for (let i = 0; i < cur.length && budget(); i++) {
    const st = cur[i];
    if (st.op !== 'create' || !st.args[0] || st.args[0].t !== 'obj') continue;
    for (const k of Object.keys(st.args[0].props)) {
      if (k === 'type' || k === 'lookup' || !budget()) continue;
      const props = { ...cur[i].args[0].props };
      delete props[k];
      const cand = cur.slice();
      cand[i] = { ...cur[i], args: [{ t: 'obj', props }, ...cur[i].args.slice(1)] };
      if (await fails(cand)) cur = cand;
    }
  }
  return { prog: { seed: prog.seed, steps: cur }, attempts, result: lastResult };
}

// ---- main -------------------------------------------------------------------------------

async function runNode(node, opts) {
  let version;
  try { version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(); } catch (e) {
    console.log(`fuzz: cannot run ${node}: ${e.message}`);
    return { run: 0, mismatches: 1 };
  }
  for (const impl of new Set([opts.implA, opts.implB])) {
    const err = probeImpl(node, impl, opts.nodeArgs);
    if (err) { console.log(`fuzz: implementation ${impl} does not load with node ${version}:\n${err}`); return { run: 0, mismatches: 1 }; }
  }
  const seeds = Array.from({ length: opts.count }, (_, i) => (opts.seed + i) >>> 0);
  console.log(`# node ${version} (${node}); a=${opts.implA} b=${opts.implB}; seeds ${seeds[0]}..${seeds[seeds.length - 1]} (${seeds.length} programs)${opts.hostile ? `; HOSTILE (builtins patched ${opts.hostile} load)` : ''}${opts.nodeArgs.length ? `; node args ${opts.nodeArgs.join(' ')}` : ''}`);
  const ctx = { node, opts, sem: semaphore(opts.jobs) };
  const t0 = Date.now();
  const bad = [];
  let done = 0;
  let next = 0;
  // At most jobs/2 programs in flight (each runs its two children at once).
  const workers = Array.from({ length: Math.max(1, Math.floor(opts.jobs / 2)) }, async () => {
    while (next < seeds.length) {
      const seed = seeds[next++];
      const prog = gen.generate(seed);
      const r = await runPair(ctx, prog);
      done++;
      if (opts.show) {
        console.log(`--- seed ${seed}: ${isMismatch(r) ? 'MISMATCH' : 'ok'}\n${gen.render(prog, { prelude: false })}`);
        if (opts.verbose) console.log(r.la.map((l) => '    ' + l).join('\n'));
      }
      if (isMismatch(r)) {
        const sig = signature(r);
        bad.push({ seed, prog, r, sig });
        console.log(`MISMATCH seed ${seed} (${prog.steps.length} steps): ${sig.slice(0, 200)}`);
      } else if (!opts.show && done % 50 === 0) {
        console.log(`# ${done}/${seeds.length} programs, ${bad.length} mismatching, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  });
  await Promise.all(workers);
  const mainSecs = (Date.now() - t0) / 1000;

  // One shrink per distinct signature (the shortest program of that class).
  const classes = new Map();
  for (const b of bad) {
    const c = classes.get(b.sig);
    if (!c) classes.set(b.sig, { best: b, seeds: [b.seed] });
    else { c.seeds.push(b.seed); if (b.prog.steps.length < c.best.prog.steps.length) c.best = b; }
  }
  let shrunk = 0;
  ctx.shrinkDeadline = Date.now() + opts.shrinkSecs * 1000;
  for (const [sig, c] of classes) {
    const b = c.best;
    console.log(`\n======== mismatch class: ${sig.slice(0, 300)}`);
    console.log(`seeds (${c.seeds.length}): ${c.seeds.slice(0, 20).join(' ')}${c.seeds.length > 20 ? ' ...' : ''}`);
    console.log(`reproduce: node test/fuzz.js --seed ${b.seed} --count 1 --node ${node}${opts.implA !== 'builtin' ? ' --impl-a ' + opts.implA : ''}${opts.implB !== 'addon' ? ' --impl-b ' + opts.implB : ''}${opts.hostile ? (opts.hostile === 'before' ? ' --hostile' : ' --hostile-patch ' + opts.hostile) : ''}${opts.nodeArgs.map((a) => ' --node-arg ' + a).join('')}`);
    let prog = b.prog;
    let r = b.r;
    if (shrunk < opts.shrink && opts.attempts > 0 && Date.now() < ctx.shrinkDeadline) {
      shrunk++;
      const s = await shrink(ctx, prog, opts.attempts);
      if (s.result) { prog = s.prog; r = s.result; }
      // Reproducible? (racy mismatches are generator bugs)
      let again = 0;
      for (let k = 0; k < 2; k++) if (isMismatch(await runPair(ctx, prog))) again++;
      console.log(`minimal program (${prog.steps.length} of ${b.prog.steps.length} steps after ${s.attempts} attempts; mismatch reproduced ${again}/2 more times):`);
    } else {
      console.log(`program (not shrunk, ${prog.steps.length} steps):`);
    }
    console.log(gen.render(prog).split('\n').map((l) => '    ' + l).join('\n'));
    for (const p of r.problems) console.log(`    problem: ${p}`);
    console.log(`  diff (- a=${opts.implA}, + b=${opts.implB}):`);
    console.log(diff(r.la, r.lb));
    for (const [side, res] of [['a', r.ra], ['b', r.rb]]) {
      if (res && res.stderr && res.stderr.trim()) console.log(`  ${side} stderr:\n${res.stderr.trim().split('\n').slice(-12).map((l) => '      | ' + l).join('\n')}`);
    }
  }
  console.log(`\nfuzz: node ${version}: ${seeds.length} programs, ${bad.length} mismatching (${classes.size} classes); ${mainSecs.toFixed(1)} s (+ ${((Date.now() - t0) / 1000 - mainSecs).toFixed(1)} s shrinking)`);
  return { run: seeds.length, mismatches: bad.length };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  tmp.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgram-fuzz-'));
  let mism = 0;
  try {
    for (const node of opts.nodes) mism += (await runNode(node, opts)).mismatches;
  } finally {
    fs.rmSync(tmp.dir, { recursive: true, force: true });
  }
  return mism ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 2; });
