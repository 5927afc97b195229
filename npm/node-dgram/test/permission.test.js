'use strict';
// The permission model (issue 16's sweep of Node 26): under `--permission` without
// `--allow-net`, Node 26 refuses every bind (explicit, implicit, bindSync) with `bind
// ERR_ACCESS_DENIED ...`; with --allow-net, or on Nodes without it, nothing is refused.
// test/fixtures/permission.js runs with the built-in and the package (which needs
// --allow-addons to load at all), and the outputs must be the same.
//   node test/permission.test.js     (prints `N passed, N failed`; exit 1 on a failure)
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const fixture = path.join(__dirname, 'fixtures', 'permission.js');
const pkg = path.join(__dirname, '..');
const major = Number(process.versions.node.split('.')[0]);
const permissionFlag = major >= 22 ? '--permission' : '--experimental-permission';
let passed = 0;
let failed = 0;
const run = (flags, impl) => {
  const r = spawnSync(process.execPath, [...flags, fixture, impl], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, out: r.stdout };
};

for (const extra of [[], ['--allow-net']]) {
  const flags = [permissionFlag, `--allow-fs-read=*`, '--allow-addons', ...extra];
  const label = flags.join(' ');
  const a = run(flags, 'node:dgram');
  if (a.status === 9) {
    console.log(`ok - ${process.version} ${label}: skipped (flags unknown to this Node)`);
    continue;
  }
  const b = run(flags, pkg);
  const ok = a.status === b.status && a.out === b.out;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${process.version} ${label}: the package binds or refuses as the built-in`);
  if (!ok) console.log(`    built-in (${a.status}):\n${a.out}    package (${b.status}):\n${b.out}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
