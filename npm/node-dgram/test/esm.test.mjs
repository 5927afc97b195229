// ESM (issue 16): `import { createSocket, Socket } from 'node-dgram'` and `import dgram from
// 'node-dgram'` work as with `node:dgram` (the package refers to itself by name through its
// "exports"). Prints `N passed, N failed`; exit 1 on any failure.
import { createRequire } from 'node:module';
import * as builtinNs from 'node:dgram';
import builtinDefault from 'node:dgram';
import dgram from 'node-dgram';
import * as ns from 'node-dgram';
import { createSocket, Socket } from 'node-dgram';

const require = createRequire(import.meta.url);
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

check('default import is the CommonJS module', dgram === require('node-dgram'));
check('named createSocket is the module\'s', createSocket === dgram.createSocket);
check('named Socket is the module\'s', Socket === dgram.Socket);
check('default import has what node:dgram\'s has', Object.keys(builtinDefault).every((k) => typeof dgram[k] === typeof builtinDefault[k]), Object.keys(builtinDefault).join());
const keys = (o) => Object.keys(o).filter((k) => o[k] !== undefined).sort().join();
check('namespace names (defined ones) as node:dgram\'s', keys(ns) === keys(builtinNs), `${keys(ns)} vs ${keys(builtinNs)}`);

const a = createSocket('udp4');
const b = new Socket('udp4');
check('instanceof', a instanceof Socket && b instanceof dgram.Socket);
await new Promise((resolve) => a.bind(0, '127.0.0.1', resolve));
await new Promise((resolve) => b.bind(0, '127.0.0.1', resolve));
const got = (s) => new Promise((resolve) => s.once('message', (m, r) => resolve([String(m), r.port])));
const atA = got(a);
b.send('from b', a.address().port, '127.0.0.1');
const [m1, p1] = await atA;
check('a datagram b -> a', m1 === 'from b' && p1 === b.address().port);
const atB = got(b);
a.send('from a', b.address().port, '127.0.0.1');
const [m2, p2] = await atB;
check('a datagram a -> b', m2 === 'from a' && p2 === a.address().port);
a.close();
b.close();
console.log(`${passed} passed, ${failed} failed`);
if (failed) process.exitCode = 1;
