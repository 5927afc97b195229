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

// null when `impl` loads in `node`, else why not.
function probeImpl(node, impl) {
  if (impl === 'builtin') return null;
  try {
    execFileSync(node, [CHILD, '--impl', impl, '--probe', '1'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000 });
    return null;
  } catch (e) {
    return (e.stderr ? e.stderr.toString() : e.message).trim() || `exit ${e.status}`;
  }
}

module.exports = { CHILD, live, tmp, unshareArgs, logLines, probeImpl };
