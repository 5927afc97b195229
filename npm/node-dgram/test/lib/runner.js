'use strict';
// What the parity runner (test/parity.js) and the differential fuzzer (test/fuzz.js) share:
// tracking the child processes they start, the unshare flags for a private network namespace,
// a child's log as lines, and the check that an implementation loads.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const CHILD = path.join(__dirname, 'child.js');

// Children run in their own process group (detached) so that a timeout can kill the whole
// group; on Ctrl-C or SIGTERM the runner kills the groups it started and removes `tmp.dir`.
const live = new Set();
const tmp = { dir: null };
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of live) { try { process.kill(-c.pid, 'SIGKILL'); } catch {} }
    if (tmp.dir) { try { fs.rmSync(tmp.dir, { recursive: true, force: true }); } catch {} }
    process.exit(130);
  });
}

// `unshare` flags for a new network namespace: a user namespace too when not root.
function unshareArgs() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? ['--net'] : ['--user', '--map-root-user', '--net'];
}

// A child's result ({ out, code, signal, timedOut }) as the lines that are compared.
function logLines(res) {
  if (!res.out) return [`<no log: ${res.timedOut ? 'TIMED OUT (killed)' : `exit code ${res.code}${res.signal ? ' signal ' + res.signal : ''}`}>`];
  const lines = [`status: ${res.out.status}`];
  for (const e of res.out.entries) lines.push(JSON.stringify(e));
  for (const e of res.out.extra || []) lines.push('extra: ' + JSON.stringify(e));
  if (res.timedOut) lines.push('<TIMED OUT (killed)>');
  return lines;
}

// Hostile mode (--hostile, lib/hostile.js): the node arguments and environment of a child.
// `opts` = { hostile: false | 'before' | 'after', nodeArgs: [...] } (--node-arg ARG, repeatable).
function childNodeArgs(opts) {
  return [...(opts.nodeArgs || []), ...(opts.hostile ? ['--expose-gc'] : [])];
}
function childEnv(env, opts) {
  if (opts.hostile) env.DGRAM_PARITY_HOSTILE = opts.hostile;
  else delete env.DGRAM_PARITY_HOSTILE;
  return env;
}

// Markers in a child's `extra` that fail the run, and crashes: a child killed by a signal it did
// not get from the runner's timeout, or an AddressSanitizer report on its stderr.
const FAIL_MARKERS = ['HOSTILE BUILTIN USED', 'HOSTILE SENTINEL FAILED'];
function crashProblems(res) {
  const out = [];
  if (res.signal && !res.timedOut) out.push(`killed by signal ${res.signal}`);
  if (res.stderr && res.stderr.includes('ERROR: AddressSanitizer')) {
    const line = res.stderr.split('\n').find((l) => l.includes('ERROR: AddressSanitizer'));
    out.push(`AddressSanitizer report: ${line.trim().slice(0, 300)}`);
  }
  if (res.out && Array.isArray(res.out.extra)) {
    for (const m of FAIL_MARKERS) {
      const hits = res.out.extra.filter((e) => Array.isArray(e) && e[0] === m);
      if (hits.length) out.push(`${m} (${hits.length}): ${hits.slice(0, 6).map((e) => e.slice(1).join(' @ ')).join('; ')}${hits.length > 6 ? '; ...' : ''}`);
    }
  }
  return out;
}

// null when `impl` loads in `node`, else why not.
function probeImpl(node, impl, nodeArgs = []) {
  if (impl === 'builtin') return null;
  try {
    execFileSync(node, [...nodeArgs, CHILD, '--impl', impl, '--probe', '1'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000 });
    return null;
  } catch (e) {
    return (e.stderr ? e.stderr.toString() : e.message).trim() || `exit ${e.status}`;
  }
}

module.exports = { CHILD, live, tmp, unshareArgs, logLines, probeImpl, childNodeArgs, childEnv, crashProblems, FAIL_MARKERS };
