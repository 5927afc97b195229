'use strict';
// Datagrams sent just before the process ends: a program that sends and then exits (or dies
// of an uncaught exception) in a later tick callback, before the addon's flush of the burst,
// must have its datagrams delivered, as the built-in module sends them at once. Each case runs
// in a child process with the built-in module and with the addon; a receiver here counts what
// arrives. Run: node test/exit.test.js
const assert = require('node:assert');
const dgram = require('node:dgram');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ADDON = path.join(__dirname, '..');
const CASES = {
  'exit in the next tick': 'for (let i = 0; i < 5; i++) s.send(`m${i}`, PORT, "127.0.0.1"); process.nextTick(() => process.exit(3));',
  'exit between sends': 's.send("m0", PORT, "127.0.0.1"); s.send("m1", PORT, "127.0.0.1"); process.nextTick(() => process.exit(0)); s.send("m2", PORT, "127.0.0.1");',
  'uncaught exception in the next tick': 's.send("m0", PORT, "127.0.0.1", () => {}); s.send("m1", PORT, "127.0.0.1"); process.nextTick(() => { throw new Error("boom"); });',
  'exit inside a send callback': 's.send("m0", PORT, "127.0.0.1", () => { s.send("m1", PORT, "127.0.0.1"); process.nextTick(() => process.exit(0)); });',
  'exit synchronously after send (nothing sent)': 's.send("m0", PORT, "127.0.0.1"); process.exit(0);',
};

function runChild(impl, port, body) {
  const src = `const dgram = require(${JSON.stringify(impl)});
const PORT = ${port};
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', () => { ${body} });`;
  const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', timeout: 10000 });
  return { status: r.status, signal: r.signal };
}

async function main() {
  const r = dgram.createSocket('udp4');
  await new Promise((res) => r.bind(0, '127.0.0.1', res));
  const port = r.address().port;
  let failed = 0;
  for (const [name, body] of Object.entries(CASES)) {
    const out = {};
    for (const [label, impl] of [['builtin', 'node:dgram'], ['addon', ADDON]]) {
      const got = [];
      const on = (m) => got.push(m.toString());
      r.on('message', on);
      const res = runChild(impl, port, body);
      await new Promise((done) => setTimeout(done, 100)); // what the child sent is queued here by now
      r.removeListener('message', on);
      out[label] = { status: res.status, signal: res.signal, got };
    }
    try {
      assert.deepStrictEqual(out.addon, out.builtin);
      console.log(`ok ${name}: exit ${out.builtin.status}, received [${out.builtin.got.join(',')}]`);
    } catch {
      failed++;
      console.log(`FAIL ${name}: builtin ${JSON.stringify(out.builtin)} addon ${JSON.stringify(out.addon)}`);
    }
  }
  r.close();
  console.log(`${Object.keys(CASES).length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
main();
