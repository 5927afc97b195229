#!/usr/bin/env node
'use strict';
// Peak resident memory of many sockets that receive: Node's built-in dgram against the addon,
// each in its own process, in the same run. Receive memory must not grow with the number of
// sockets (the addon's receive buffers belong to the event loop, not to each socket).
//
//   node bench/js/socket-memory.js [--node PATH]... [--json] [--check RATIO]
//
// Workloads: 10,000 sockets receiving 1 datagram each, and 1,000 sockets receiving 100 each
// (64-byte datagrams over 127.0.0.1 from one sending socket of the same implementation). The
// figure is the process's peak RSS (getrusage's ru_maxrss) once every datagram has arrived and
// every socket is closed. With --check R, exits 1 when the addon's peak is above R times the
// built-in's in any row (a memory bound, not a timing: the same on any machine).

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ADDON = path.join(__dirname, '..', '..', 'npm', 'node-dgram');

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else {
  main();
}

function child(impl, sockets, each) {
  const dgram = require(impl === 'builtin' ? 'node:dgram' : ADDON);
  const payload = Buffer.alloc(64, 0x61);
  const sender = dgram.createSocket('udp4');
  const ports = [];
  let bound = 0;
  let received = 0;
  const total = sockets * each;
  const list = [];
  const deadline = setTimeout(() => {
    console.error(`socket-memory: ${impl}: only ${received} of ${total} datagrams arrived in 60 s`);
    process.exit(3);
  }, 60000);
  for (let i = 0; i < sockets; i++) {
    const s = dgram.createSocket('udp4');
    list.push(s);
    s.on('message', () => {
      if (++received === total) finish();
    });
    s.bind(0, '127.0.0.1', () => {
      ports[i] = s.address().port;
      if (++bound === sockets) sender.bind(0, '127.0.0.1', send);
    });
  }
  // Every socket gets its datagrams in a burst, one socket after another, so each socket's
  // queue holds `each` datagrams when it is read.
  let next = 0;
  function send() {
    const end = Math.min(next + 200, sockets);
    for (; next < end; next++) for (let k = 0; k < each; k++) sender.send(payload, ports[next], '127.0.0.1');
    if (next < sockets) setImmediate(send);
  }
  function finish() {
    clearTimeout(deadline);
    let closed = 0;
    for (const s of list) s.close(() => {
      if (++closed === sockets) {
        sender.close();
        const rss = process.resourceUsage().maxRSS; // KiB
        process.stdout.write(JSON.stringify({ impl, sockets, each, peakRssKiB: rss }) + '\n');
      }
    });
  }
}

function main() {
  const args = process.argv.slice(2);
  const nodes = [];
  let json = false;
  let check = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--node') nodes.push(args[++i]);
    else if (args[i] === '--json') json = true;
    else if (args[i] === '--check') check = Number(args[++i]);
    else { console.error(`socket-memory: unknown argument ${args[i]}`); process.exit(2); }
  }
  if (nodes.length === 0) nodes.push(process.execPath);
  const rows = [];
  let bad = 0;
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    for (const [sockets, each] of [[10000, 1], [1000, 100]]) {
      const r = {};
      for (const impl of ['builtin', 'addon']) {
        // 10,000 sockets need more descriptors than the usual soft limit.
        const p = spawnSync('sh', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n 20000; exec "$@"', 'sh',
          node, __filename, '--child', impl, String(sockets), String(each)], { encoding: 'utf8', timeout: 120000 });
        if (p.status !== 0) {
          console.error(`socket-memory: ${impl} on ${version} failed (status ${p.status}): ${p.stderr}`);
          process.exit(1);
        }
        r[impl] = JSON.parse(p.stdout.trim().split('\n').pop()).peakRssKiB;
      }
      const ratio = r.addon / r.builtin;
      if (check !== null && ratio > check) bad++;
      rows.push({ node: version, sockets, each, builtinMiB: r.builtin / 1024, addonMiB: r.addon / 1024, ratio });
    }
  }
  if (json) console.log(JSON.stringify(rows));
  else {
    console.log('| Node | sockets x datagrams | built-in peak RSS (MiB) | addon peak RSS (MiB) | addon / built-in |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    for (const x of rows) {
      console.log(`| ${x.node} | ${x.sockets} x ${x.each} | ${x.builtinMiB.toFixed(1)} | ${x.addonMiB.toFixed(1)} | ${x.ratio.toFixed(2)}x |`);
    }
  }
  if (check !== null) {
    console.log(`socket-memory: ${rows.length - bad} passed, ${bad} failed (addon peak RSS at most ${check}x the built-in's)`);
    if (bad) process.exitCode = 1;
  }
}
