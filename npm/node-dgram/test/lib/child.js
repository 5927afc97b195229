'use strict';
// Child process of the parity runner: runs ONE scenario against ONE
// implementation and writes the observation log as JSON to the file named
// by --out.
//
//   node child.js --impl builtin|addon|PATH --file SCENARIO_FILE --name NAME --out OUT.json
//
// With DGRAM_PARITY_HOSTILE set in the environment (the runners' --hostile, which also adds
// --expose-gc), the child runs in hostile mode (lib/hostile.js): no-op module hook, builtins
// patched, the implementation loaded twice with a sentinel socket on the first copy, gc() forced
// often, sockets held only weakly by the harness. Its markers go to `extra`, never to the log.

const fs = require('fs');
const path = require('path');
const net = require('net');
const dns = require('dns');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

let written = false;
let harness = null;
const extra = [];
const hostile = require('./hostile');
let hostileRun = null; // { dgram, finish(close) } in hostile mode

function writeOut(status) {
  if (written) return;
  written = true;
  if (hostileRun) { try { hostileRun.finish(true); } catch (e) { extra.push(['HOSTILE SENTINEL FAILED', `finish threw: ${e && e.message}`]); } }
  const out = {
    status,
    entries: harness ? harness.entries : [],
    extra,
  };
  let json;
  try {
    json = JSON.stringify(out);
  } catch (e) {
    json = JSON.stringify({ status: 'unserialisable log: ' + e.message, entries: [], extra });
  }
  fs.writeFileSync(args.out, json);
}

// NETWORK RULE safety net: no scenario may make a real DNS query. Name
// resolution through dns.lookup is allowed only for IP literals and
// 'localhost' (answered from /etc/hosts); anything else fails loudly.
function guardDns() {
  const orig = dns.lookup;
  const guarded = function lookup(hostname, ...rest) {
    if (typeof hostname === 'string' && hostname !== '' && hostname !== 'localhost' && net.isIP(hostname) === 0) {
      const cb = rest[rest.length - 1];
      const e = new Error(`parity harness: forbidden DNS lookup of ${JSON.stringify(hostname)}`);
      e.code = 'EPARITYDNS';
      extra.push(['FORBIDDEN DNS LOOKUP', hostname]);
      if (typeof cb === 'function') return process.nextTick(cb, e);
      throw e;
    }
    return orig.call(this, hostname, ...rest);
  };
  dns.lookup = guarded;
  const origP = dns.promises.lookup;
  dns.promises.lookup = function lookup(hostname, ...rest) {
    if (typeof hostname === 'string' && hostname !== '' && hostname !== 'localhost' && net.isIP(hostname) === 0) {
      extra.push(['FORBIDDEN DNS LOOKUP', hostname]);
      return Promise.reject(Object.assign(new Error('parity harness: forbidden DNS lookup'), { code: 'EPARITYDNS' }));
    }
    return origP.call(this, hostname, ...rest);
  };
}

const ADDON_DIR = path.join(__dirname, '..', '..');

function loadImpl(impl) {
  if (impl === 'builtin') return require('node:dgram');
  if (impl === 'addon') return require(ADDON_DIR);
  return require(path.resolve(impl));
}

async function main() {
  guardDns();
  if (args.probe) {
    // `--impl X --probe 1`: only check that the implementation loads.
    try {
      const d = loadImpl(args.impl);
      if (typeof d.createSocket !== 'function') throw new Error('module has no createSocket function');
      process.exit(0);
    } catch (e) {
      process.stderr.write(String(e && e.stack || e) + '\n');
      process.exit(4);
    }
  }
  const { Harness } = require('./harness');
  const mod = require(path.resolve(args.file));
  const list = Array.isArray(mod) ? mod : (mod.scenarios || [mod]);
  const scenario = list.find((s) => s.name === args.name);
  if (!scenario) {
    extra.push(['NO SUCH SCENARIO', args.name]);
    writeOut('no-such-scenario');
    process.exit(3);
  }
  let dgram;
  try {
    if (hostile.enabled) {
      hostileRun = await hostile.setup(args.impl, loadImpl, ADDON_DIR, (entry) => extra.push(entry));
      dgram = hostileRun.dgram;
    } else {
      dgram = loadImpl(args.impl);
    }
  } catch (e) {
    extra.push(['IMPLEMENTATION FAILED TO LOAD', String(e && e.stack || e)]);
    writeOut('load-error');
    process.exit(4);
  }
  if (hostileRun) {
    // The hostile set-up awaited (module hook): start the scenario from a macrotask, as a normal
    // run starts it from the main module's top level, not from a microtask (where the order of
    // nextTick callbacks and promise reactions differs).
    return new Promise((resolve, reject) => setImmediate(() => runScenario(scenario, dgram, Harness).then(resolve, reject)));
  }
  return runScenario(scenario, dgram, Harness);
}

async function runScenario(scenario, dgram, Harness) {
  const env = {};
  if (process.env.PARITY_UDP_FD) env.udpFd = Number(process.env.PARITY_UDP_FD);
  if (process.env.PARITY_NETNS) env.netns = true;
  harness = new Harness(dgram, { impl: args.impl, env, hostile: hostile.enabled });
  const t = harness;

  process.on('uncaughtException', (e) => {
    t.entries.push(['UNCAUGHT EXCEPTION', t.errShape(e)]);
    t.bus.emit('uncaught', e);
  });
  process.on('unhandledRejection', (e) => {
    t.entries.push(['UNHANDLED REJECTION', t.errShape(e)]);
  });
  if (hostileRun) hostileRun.stopEarly();

  if (scenario.exitNaturally) {
    // The scenario checks whether the process exits by itself (unref & co):
    // write the log from the 'exit' event; the runner's timeout catches hangs.
    process.on('exit', (code) => {
      t.entries.push(['process exit', code]);
      writeOut('exited');
    });
  }

  if (hostileRun && !scenario.exitNaturally) {
    // The loop emptied before the scenario finished (e.g. its sockets were garbage-collected):
    // keep the log for the report, with a status the runners count as a failure.
    process.on('exit', (code) => {
      if (written) return;
      extra.push(['HOSTILE EXITED EARLY', 'the event loop emptied before the scenario finished', code]);
      writeOut('exited-early');
    });
  }

  let ran;
  try {
    ran = Promise.resolve(scenario.run(dgram, t));
  } catch (e) {
    ran = Promise.reject(e);
  }
  const result = await Promise.race([
    ran.then(() => 'ok', (e) => { t.entries.push(['SCENARIO THREW', t.errShape(e)]); return 'threw'; }),
    t.finished.then(() => 'ok'),
  ]);
  if (scenario.exitNaturally) return;
  // Let trailing callbacks of the same turn show up in the log.
  await t.ticks(2);
  writeOut(result);
  process.exit(0);
}

main().catch((e) => {
  extra.push(['HARNESS ERROR', String(e && e.stack || e)]);
  writeOut('harness-error');
  process.exit(5);
});
