// The JavaScript side of the benchmark, the same file for Node, Bun and Deno (the harness
// writes it out as a .cjs file and runs it). One role per process; prints one JSON line.
//   recv SECONDS [batch|message [DELAY]] -> prints "ready PORT"; counts datagrams from the first one
//                                      (not counted) for SECONDS, or until 0.3 s pass without
//                                      one (10 s without any); wall and CPU time stop at the
//                                      last look (every 20 ms) that saw the count move; resident
//                                      memory after 1 s and at the end. `batch`: through the
//                                      addon's 'messages' extension (a batch per read; each
//                                      datagram's size is read), not 'message'; DELAY: the
//                                      addon's messagesDelay option (milliseconds), with
//                                      'messages' (batch) or 'message'
//   send PORT SIZE SECONDS          -> SIZE-byte datagrams to 127.0.0.1:PORT, 64 in flight,
//                                      for SECONDS (the senders report `user`, the user part
//                                      of `cpu`, beside it)
//   burst PORT SIZE SECONDS COUNT   -> COUNT sends in bursts of 64 per turn of the event loop
//                                      (at most 4096 in flight), within SECONDS
//   echo [SECONDS]                  -> prints "ready PORT", echoes until "quit" or SECONDS (300)
//   ping PORT SIZE COUNT [SECONDS]  -> COUNT round trips within SECONDS (60), a reply missing
//                                      for 1 s lost; prints RTTs' p50/p99 in microseconds
//   --impl PATH ROLE ...            -> the same role with another dgram implementation (the addon)
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
// (The senders also report their user time alone: the rest of `cpu` is the kernel's.)
const userCpu = () => process.cpuUsage().user / 1e6;
const now = () => Number(process.hrtime.bigint()) / 1e9;
const report = (o) => console.log(JSON.stringify(o));

if (role === 'recv') {
  const seconds = Number(args[0]);
  const opts = { type: 'udp4', recvBufferSize: 4 << 20 };
  if (args[2] !== undefined) opts.messagesDelay = Number(args[2]);
  const s = dgram.createSocket(opts);
  let count = 0, t0 = 0, c0 = 0, rssStart = 0, seen = 0, seenAt = 0, wall = 0, used = 0, tick = null;
  const finish = () => {
    clearInterval(tick);
    clearTimeout(nothing);
    report({ count: seen > 0 ? seen - 1 : 0, wall, cpu: used, rss_start: rssStart, rss: process.memoryUsage().rss });
    s.close();
  };
  const nothing = setTimeout(finish, 10000);
  const look = () => {
    const t = now();
    if (count !== seen) { seen = count; seenAt = t; wall = t - t0; used = cpu() - c0; }
    if (!rssStart && t - t0 >= Math.min(seconds, 1)) rssStart = process.memoryUsage().rss;
    if (t - t0 >= seconds || t - seenAt >= 0.3) finish();
  };
  const first = () => {
    t0 = now(); c0 = cpu(); seen = 1; seenAt = t0;
    clearTimeout(nothing);
    tick = setInterval(look, 20);
  };
  if (args[1] === 'batch') {
    let bytes = 0;
    s.on('messages', (batch) => {
      const n = batch.length;
      for (let i = 0; i < n; i++) bytes += batch.size(i);
      if (count === 0) { count = 1; first(); count += n - 1; } else count += n;
    });
  } else {
    s.on('message', () => {
      if (count++ === 0) first();
    });
  }
  s.bind(0, '127.0.0.1', () => console.log(`ready ${s.address().port}`));
} else if (role === 'send') {
  const [port, size, seconds] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 7);
  let sent = 0, inflight = 0, stop = false;
  const t0 = now(), c0 = cpu(), u0 = userCpu();
  // The clock is read here rather than left to a timer: a loop this busy with immediates can
  // hold timers back for seconds.
  const end = () => {
    stop = true;
    report({ count: sent, wall: now() - t0, cpu: cpu() - c0, user: userCpu() - u0 });
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
} else if (role === 'burst') {
  const [port, size, seconds, total] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 7);
  let issued = 0, done = 0, sent = 0, stop = false;
  const t0 = now(), c0 = cpu(), u0 = userCpu();
  const end = () => {
    if (stop) return;
    stop = true;
    report({ count: sent, wall: now() - t0, cpu: cpu() - c0, user: userCpu() - u0 });
    s.close();
  };
  const sent1 = (err) => { done++; if (!err) sent++; if (done === total) end(); };
  const turn = () => {
    if (stop) return;
    if (now() - t0 >= seconds) return end();
    for (let i = 0; i < 64 && issued < total && issued - done < 4096; i++) {
      issued++;
      s.send(buf, port, '127.0.0.1', sent1);
    }
    if (issued < total || done < total) setImmediate(turn);
  };
  turn();
} else if (role === 'echo') {
  const seconds = Number(args[0] || 300);
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => { if (m.length === 4 && m.toString() === 'quit') return s.close(); s.send(m, r.port, r.address); });
  s.bind(0, '127.0.0.1', () => console.log(`ready ${s.address().port}`));
  setTimeout(() => s.close(), seconds * 1000).unref();
} else if (role === 'ping') {
  const [port, size, count] = args.map(Number);
  const seconds = Number(args[3] || 60);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 1);
  const rtts = [];
  let t = 0, c0 = 0, lost = 0, end = 0, done = false;
  const next = () => {
    if (rtts.length + lost >= count || now() >= end) {
      done = true;
      clearInterval(watch);
      rtts.sort((a, b) => a - b);
      const n = rtts.length;
      const cpuUs = ((cpu() - c0) * 1e6) / Math.max(n, 1);
      report({ p50: rtts[Math.floor(n * 0.5)], p99: rtts[Math.floor(n * 0.99)], count: n, lost, cpu_us: cpuUs });
      s.send('quit', port, '127.0.0.1', () => s.close());
      return;
    }
    t = now();
    s.send(buf, port, '127.0.0.1');
  };
  // A reply missing for a second is lost (checked once a second, not timed per ping).
  const watch = setInterval(() => { if (!done && now() - t >= 1) { lost++; next(); } }, 1000);
  s.on('message', () => { if (done) return; rtts.push((now() - t) * 1e6); next(); });
  s.bind(0, '127.0.0.1', () => { c0 = cpu(); end = now() + seconds; next(); });
} else {
  console.error(`unknown role ${role}`);
  process.exitCode = 2;
}
