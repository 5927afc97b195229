'use strict';
// ref()/unref() and process lifetime, error events, listener edge cases.

module.exports = [
  {
    name: 'misc: unref on a bound socket lets the process exit',
    exitNaturally: true,
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      t.tryIs('unref()', s, () => s.unref());
      t.tryIs('unref() again', s, () => s.unref());
      // if the socket keeps the process alive, this (unref'd) timer reports it
      setTimeout(() => { t.log('STILL ALIVE after 500 ms'); s.close(); }, 500).unref();
      process.on('beforeExit', () => t.log('beforeExit'));
    },
  },
  {
    name: 'misc: unref before bind, then bind',
    exitNaturally: true,
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      t.tryIs('unref() unbound', s, () => s.unref());
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      setTimeout(() => { t.log('STILL ALIVE after 500 ms'); s.close(); }, 500).unref();
    },
  },
  {
    name: 'misc: unref then ref keeps the process alive',
    exitNaturally: true,
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      s.unref();
      t.tryIs('ref()', s, () => s.ref());
      t.tryIs('ref() again', s, () => s.ref());
      setTimeout(() => { t.log('still alive after 200 ms (expected for a ref\'d socket)'); s.close(); }, 200).unref();
    },
  },
  {
    name: 'misc: an unbound socket does not keep the process alive; a bound one does',
    exitNaturally: true,
    async run(dgram, t) {
      const u = dgram.createSocket('udp4');
      t.log('created unbound socket', u instanceof dgram.Socket);
      const b = t.watch(dgram.createSocket('udp4'), 'b');
      b.bind(0, '127.0.0.1');
      await t.once(b, 'listening');
      setTimeout(() => { t.log('bound socket kept process alive'); b.close(); }, 100).unref();
    },
  },
  {
    name: 'misc: unref with a pending implicit bind and queued send',
    exitNaturally: true,
    async run(dgram, t) {
      const r = await t.bound('udp4');
      r.unref();
      r.on('message', (m) => t.log('r got', t.msg(m)));
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.send('before unref', r.address().port, '127.0.0.1', t.cb('send cb'));
      s.unref();
      setTimeout(() => { t.log('STILL ALIVE after 500 ms'); s.close(); r.close(); }, 500).unref();
    },
  },
  {
    name: 'misc: closing the last socket lets the process exit',
    exitNaturally: true,
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      s.close(t.cb('close cb'));
    },
  },
  {
    name: 'misc: ref/unref return the socket for chaining and take no arguments',
    async run(dgram, t) {
      const s = dgram.createSocket('udp4');
      t.tryIs('s.unref(1).ref("x")', s, () => s.unref(1).ref('x'));
      t.tryIs('s.ref().ref()', s, () => s.ref().ref());
      s.close();
    },
  },
  {
    name: 'misc: error listener receives errors, message listener errors are uncaught',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      r.on('message', (m) => { t.log('listener got', t.msg(m)); throw new Error('thrown from message listener'); });
      const s = await t.bound('udp4');
      s.send('boom', r.address().port, '127.0.0.1');
      await t.until(() => t.entries.some((e) => e[0] === 'UNCAUGHT EXCEPTION'), 'uncaught');
      // the socket keeps working after the listener threw
      r.removeAllListeners('message');
      await t.checkReceives(r);
    },
  },
  {
    name: 'misc: listening handler throwing during bind',
    async run(dgram, t) {
      const s = dgram.createSocket('udp4');
      s.on('listening', () => { t.log('listening'); throw new Error('thrown from listening'); });
      t.tryIs('bind', s, () => s.bind(0, '127.0.0.1'));
      await t.until(() => t.entries.some((e) => e[0] === 'UNCAUGHT EXCEPTION'), 'uncaught');
      t.try('address()', () => s.address());
      s.close();
    },
  },
  {
    name: 'misc: many sockets, messages between them in both families',
    async run(dgram, t) {
      const socks = [];
      for (let i = 0; i < 4; i++) socks.push(await t.bound(i % 2 ? 'udp6' : 'udp4'));
      const got = [];
      socks.forEach((s, i) => s.on('message', (m, ri) => got.push([i, m.toString(), ri.family])));
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          if (i % 2 !== j % 2) continue;
          socks[i].send(`${i}->${j}`, socks[j].address().port, j % 2 ? '::1' : '127.0.0.1');
        }
      }
      await t.until(() => got.length >= 8, '8 messages');
      got.sort((a, b) => (a[1] < b[1] ? -1 : 1));
      t.log(got);
    },
  },
  {
    // libuv reads a socket until it is empty before the loop moves on: a datagram that arrives
    // while a message handler runs is emitted before the immediates that handler queued.
    name: 'misc: datagrams arriving during a message handler come before its immediates',
    async run(dgram, t) {
      const s = await t.bound('udp4');
      const port = s.address().port;
      s.on('message', (m) => {
        const k = Number(String(m));
        t.log('message', k);
        if (k < 5) {
          setImmediate(() => t.log('immediate', k));
          s.send(String(k + 1), port, '127.0.0.1');
        }
      });
      s.send('1', port, '127.0.0.1');
      await t.until(() => t.entries.some((e) => e[0] === 'message' && e[1] === 5), 'message 5');
      await t.ticks(3);
      await new Promise((res) => setImmediate(res));
      s.close();
    },
  },
];
