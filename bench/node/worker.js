// Node's built-in dgram side of the benchmark. One role per process; prints one JSON line.
//   node worker.js recv SECONDS            -> prints "ready PORT", counts datagrams for SECONDS after the first
//                                            (and resident memory after 1 s and at the end)
//   node worker.js send PORT SIZE SECONDS  -> sends SIZE-byte datagrams to 127.0.0.1:PORT as fast as callbacks allow
//   node worker.js echo                    -> prints "ready PORT", echoes until it receives "quit"
//   node worker.js ping PORT SIZE COUNT    -> COUNT round trips, prints RTTs' p50/p99 in microseconds
//   node worker.js --impl PATH ROLE ...    -> the same role with another dgram implementation (the addon)
'use strict';
let argv = process.argv.slice(2);
let impl = 'node:dgram';
if (argv[0] === '--impl') {
  impl = argv[1];
  argv = argv.slice(2);
}
const dgram = require(impl);
const [role, ...args] = argv;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const now = () => Number(process.hrtime.bigint()) / 1e9;

if (role === 'recv') {
  const seconds = Number(args[0]);
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  let count = 0, t0 = 0, c0 = 0;
  s.on('message', () => {
    if (count++ === 0) {
      t0 = now(); c0 = cpu();
      let rssStart = 0;
      setTimeout(() => { rssStart = process.memoryUsage().rss; }, Math.min(seconds, 1) * 1000);
      setTimeout(() => {
        const wall = now() - t0, used = cpu() - c0;
        console.log(JSON.stringify({ count: count - 1, wall, cpu: used, rss_start: rssStart, rss: process.memoryUsage().rss }));
        s.close();
      }, seconds * 1000);
    }
  });
  s.bind(0, '127.0.0.1', () => console.log(`ready ${s.address().port}`));
} else if (role === 'send') {
  const [port, size, seconds] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 7);
  let sent = 0, inflight = 0, stop = false;
  const t0 = now(), c0 = cpu();
  // The clock is read here rather than left to a timer: a loop this busy with immediates can
  // hold timers back for seconds.
  const end = () => {
    stop = true;
    const wall = now() - t0, used = cpu() - c0;
    console.log(JSON.stringify({ count: sent, wall, cpu: used }));
    s.close();
  };
  const pump = () => {
    if (stop) return;
    if (now() - t0 >= seconds) return end();
    while (inflight < 64) {
      inflight++;
      s.send(buf, port, '127.0.0.1', (err) => { inflight--; if (!err) sent++; if (!stop) setImmediate(pump); });
    }
  };
  pump();
} else if (role === 'echo') {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => { if (m.length === 4 && m.toString() === 'quit') return s.close(); s.send(m, r.port, r.address); });
  s.bind(0, '127.0.0.1', () => console.log(`ready ${s.address().port}`));
} else if (role === 'ping') {
  const [port, size, count] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 1);
  const rtts = [];
  let t = 0, c0 = 0;
  s.on('message', () => {
    rtts.push((now() - t) * 1e6);
    if (rtts.length === count) {
      rtts.sort((a, b) => a - b);
      const cpuUs = ((cpu() - c0) * 1e6) / count;
      console.log(JSON.stringify({ p50: rtts[Math.floor(count * 0.5)], p99: rtts[Math.floor(count * 0.99)], cpu_us: cpuUs }));
      s.send('quit', port, '127.0.0.1', () => s.close());
    } else { t = now(); s.send(buf, port, '127.0.0.1'); }
  });
  s.bind(0, '127.0.0.1', () => { c0 = cpu(); t = now(); s.send(buf, port, '127.0.0.1'); });
}
