'use strict';
// `node --test-udp-no-try-send` (issue 16): Node then puts every send in its handle's queue, so
// getSendQueueSize()/getSendQueueCount() count it until its completion, and the callbacks run
// from the loop. test/fixtures/no-try-send.js records both around sends (several in one turn,
// connected, a system error, a looked-up host, a close); here it runs with the built-in and the
// package, with and without the flag, and the logs must be the same (ports aside).
//   node test/no-try-send.test.js         (prints `N passed, N failed`; exit 1 on a failure)
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const fixture = path.join(__dirname, 'fixtures', 'no-try-send.js');
const pkg = path.join(__dirname, '..');
let passed = 0;
let failed = 0;
const run = (flags, impl) =>
  execFileSync(process.execPath, [...flags, fixture, impl], { encoding: 'utf8', timeout: 20000 }).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');

for (const flags of [[], ['--test-udp-no-try-send']]) {
  const label = flags.length ? flags.join(' ') : 'no flag';
  const a = run(flags, 'node:dgram');
  const b = run(flags, pkg);
  const ok = a === b;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${process.version} ${label}: the package's queue sizes and callback order are the built-in's`);
  if (!ok) {
    const la = a.split('\n');
    const lb = b.split('\n');
    for (let i = 0; i < Math.max(la.length, lb.length); i++) {
      if (la[i] !== lb[i]) console.log(`    - ${la[i]}\n    + ${lb[i]}`);
    }
  }
  if (flags.length) {
    // The flag has an effect (sends counted in the queue), or this check proves nothing.
    const queued = a.includes('["tick after sends",115,3]');
    if (queued) passed++;
    else failed++;
    console.log(`${queued ? 'ok' : 'not ok'} - ${process.version}: the built-in queues every send under the flag`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
