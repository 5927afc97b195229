'use strict';
// Buffer sizes (methods and options), send queue size/count, address().

const { describe } = require('../lib/harness');

const BAD_SIZES = [-1, 0, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 'x', '8192', null, undefined, {}, true, 10n];

module.exports = [
  {
    name: 'buffers: get/set receive and send buffer sizes',
    async run(dgram, t) {
      const s = await t.bound('udp4');
      t.log('initial recv > 0', s.getRecvBufferSize() > 0, 'initial send > 0', s.getSendBufferSize() > 0);
      for (const n of [1, 4096, 8192, 65536, 200000, 2 ** 31 - 1]) {
        t.try(`setRecvBufferSize(${n})`, () => s.setRecvBufferSize(n));
        t.try('getRecvBufferSize()', () => s.getRecvBufferSize());
        t.try(`setSendBufferSize(${n})`, () => s.setSendBufferSize(n));
        t.try('getSendBufferSize()', () => s.getSendBufferSize());
      }
      const s6 = await t.bound('udp6');
      t.try('udp6 setRecvBufferSize(16384)', () => s6.setRecvBufferSize(16384));
      t.try('udp6 getRecvBufferSize()', () => s6.getRecvBufferSize());
      t.try('getRecvBufferSize(extra arg)', () => s6.getRecvBufferSize(123));
      await t.checkReceives(s);
    },
  },
  {
    name: 'buffers: recvBufferSize / sendBufferSize options',
    async run(dgram, t) {
      const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 10000, sendBufferSize: 20000 });
      t.try('getRecvBufferSize() before bind', () => s.getRecvBufferSize());
      s.bind(0, '127.0.0.1');
      s.on('listening', () => {
        t.try('getRecvBufferSize() in listening', () => s.getRecvBufferSize());
        t.try('getSendBufferSize() in listening', () => s.getSendBufferSize());
      });
      await t.once(s, 'listening');
      const z = dgram.createSocket({ type: 'udp6', recvBufferSize: 0, sendBufferSize: 0 });
      z.bind(0, '::1');
      await t.once(z, 'listening');
      t.log('zero options: recv > 0', z.getRecvBufferSize() > 0, 'send > 0', z.getSendBufferSize() > 0);
      // options only apply on bind; implicit bind via send applies them too
      const r = await t.bound('udp4');
      const i = dgram.createSocket({ type: 'udp4', recvBufferSize: 12345 });
      i.send('x', r.address().port, '127.0.0.1');
      await t.once(i, 'listening');
      t.try('implicit bind getRecvBufferSize()', () => i.getRecvBufferSize());
      s.close(); z.close(); i.close();
    },
  },
  {
    name: 'buffers: option misuse',
    async run(dgram, t) {
      for (const v of BAD_SIZES) {
        for (const key of ['recvBufferSize', 'sendBufferSize']) {
          const r = t.try(`createSocket({${key}: ${describe(v)}})`, () => dgram.createSocket({ type: 'udp4', [key]: v }));
          if (r.ok) {
            const s = r.value;
            s.on('error', (e) => t.error(e, 'error event'));
            t.tryIs('bind', s, () => s.bind(0, '127.0.0.1'));
            const [ev] = await t.first(s, ['listening', 'error'], 2000);
            t.log('after bind', ev);
            try { s.close(); } catch (e) { t.error(e, 'close'); }
          }
        }
      }
    },
  },
  {
    name: 'buffers: set size misuse',
    async run(dgram, t) {
      const s = await t.bound('udp4');
      t.each('setRecvBufferSize', BAD_SIZES, (v) => s.setRecvBufferSize(v));
      t.each('setSendBufferSize', BAD_SIZES, (v) => s.setSendBufferSize(v));
      t.try('setRecvBufferSize()', () => s.setRecvBufferSize());
      t.try('getRecvBufferSize() still', () => s.getRecvBufferSize() > 0);
      await t.checkReceives(s);
      await t.checkSends(s);
    },
  },
  {
    name: 'buffers: getSendQueueSize and getSendQueueCount',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = dgram.createSocket('udp4');
      t.try('unbound size', () => s.getSendQueueSize());
      t.try('unbound count', () => s.getSendQueueCount());
      s.send('a', r.address().port, '127.0.0.1');
      t.try('after send before bind: size', () => s.getSendQueueSize());
      t.try('after send before bind: count', () => s.getSendQueueCount());
      await t.once(s, 'listening');
      t.try('in turn of listening: size', () => s.getSendQueueSize());
      t.try('in turn of listening: count', () => s.getSendQueueCount());
      await t.once(r, 'message');
      t.try('bound: size', () => s.getSendQueueSize());
      t.try('bound: count', () => s.getSendQueueCount());
      t.try('with args', () => s.getSendQueueCount(1, 2));
      s.connect(r.address().port);
      await t.once(s, 'connect');
      s.send('b');
      t.try('connected after send: size', () => s.getSendQueueSize());
      t.try('connected after send: count', () => s.getSendQueueCount());
      await t.once(r, 'message');
      s.close();
    },
  },
  {
    name: 'buffers: address() forms',
    async run(dgram, t) {
      const s = dgram.createSocket('udp4');
      t.try('address() unbound', () => s.address());
      s.bind(0, '127.0.0.1');
      t.try('address() while binding', () => s.address());
      await t.once(s, 'listening');
      const a = s.address();
      t.log('address()', a);
      t.log('fresh object each call', s.address() !== a, 'keys', Object.keys(a));
      a.port = 1;
      t.log('mutating result does not affect socket', s.address().port !== 1);
      t.log('address(extra)', s.address('ignored'));
      const s6 = await t.bound('udp6', '::');
      t.log('udp6 any', s6.address());
      const l6 = await t.bound('udp6', '::1');
      t.log('udp6 loopback', l6.address());
      const m = await t.bound('udp6', '::ffff:127.0.0.1');
      t.log('udp6 mapped', m.address());
      const a4 = await t.bound('udp4', '0.0.0.0');
      t.log('udp4 any', a4.address());
      const o = await t.bound('udp4', '127.0.0.2');
      t.log('udp4 127.0.0.2', o.address());
    },
  },
  {
    // Datagrams of up to 64 bytes and larger ones reach JavaScript by different paths in the
    // addon; each received Buffer must still be a Buffer of its own, and stay intact when the
    // next datagram arrives.
    name: 'buffers: received Buffers own their memory, at every size',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = t.track(dgram.createSocket('udp4'));
      const sizes = [0, 1, 63, 64, 65, 1200, 9000];
      const got = [];
      r.on('message', (m, rinfo) => {
        got.push(m);
        t.log('received', rinfo.size, {
          isBuffer: Buffer.isBuffer(m),
          first: m[0],
          uniform: m.every((x) => x === m[0]),
          proto: Object.getPrototypeOf(m) === Buffer.prototype,
          byteOffset: m.byteOffset,
          bufferBytes: m.buffer.byteLength,
          sameBufferAsLast: got.length > 1 && got[got.length - 2].buffer === m.buffer,
        });
        m.fill(0xee);
      });
      for (const [i, n] of sizes.entries()) {
        const b = Buffer.alloc(n, 0x41 + i);
        s.send(b, r.address().port, '127.0.0.1');
        await t.until(() => got.length === i + 1, `datagram ${i}`, 2000);
      }
      // Each kept Buffer holds what the handler wrote into it, none the bytes of a later one.
      t.log('kept', got.map((m) => m.length + ':' + m.every((x) => x === 0xee)));
      s.close();
    },
  },
];
