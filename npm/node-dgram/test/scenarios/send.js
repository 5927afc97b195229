'use strict';
// send(): every message form, offset/length, port/address/callback forms,
// implicit bind and queueing, callback timing, errors and misuse.
// Only ever sends to 127.0.0.1 / ::1.

const { describe } = require('../lib/harness');

// Call `fn(port, cb)` (which should send one datagram to receiver `r`), log
// what the call returned/threw, then wait for the datagram and the callback.
async function sendOne(t, r, label, fn, { expectMessage = true, withCb = true } = {}) {
  const port = r.address().port;
  let cbArgs = null;
  let resolveCb;
  const cbDone = new Promise((res) => { resolveCb = res; });
  const cb = function (...args) {
    cbArgs = args;
    t.log(label, 'callback', args.length, ...args);
    resolveCb();
  };
  const got = expectMessage ? t.once(r, 'message', 2000) : null;
  const res = t.try(label, () => fn(port, withCb ? cb : undefined));
  if (!res.ok) {
    if (got) r.removeAllListeners('message');
    return;
  }
  if (got) {
    const m = await got;
    if (m) t.log(label, 'received', t.msg(m[0]), m[1]);
  }
  if (withCb && !cbArgs) await t.timeout(cbDone, 2000, `${label} callback`);
}

async function pair(dgram, t, type = 'udp4') {
  const r = await t.bound(type);
  const s = t.track(dgram.createSocket(type));
  s.on('error', (e) => t.error(e, 'sender error event'));
  return { r, s, host: type === 'udp6' ? '::1' : '127.0.0.1' };
}

// A receiver and a sender already bound (so that its sends are not held for an implicit bind).
async function boundPair(dgram, t) {
  const p = await pair(dgram, t);
  p.s.bind(0, '127.0.0.1');
  await t.once(p.s, 'listening');
  return { ...p, port: p.r.address().port };
}

const BAD_MSGS = [123, null, undefined, {}, true, Symbol('m'), 10n, new ArrayBuffer(4), [1, 2], ['a', 1], [null], [{}], new Map(), () => {}];
const BAD_PORTS = [0, -1, 65536, 1.5, NaN, Infinity, 'abc', '', ' ', null, undefined, {}, [], true, false, Symbol('p'), 10n, '-1', '65536', '0'];
const BAD_ADDRS = [123, {}, [], true, Symbol('a'), 10n, NaN];

module.exports = [
  {
    name: 'send: message forms (string, Buffer, TypedArrays, DataView, arrays)',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      const ab = new ArrayBuffer(16);
      new Uint8Array(ab).set(Buffer.from('0123456789abcdef'));
      const forms = [
        ['string', 'hello'],
        ['utf8 string', 'h\u00e9llo \u2603'],
        ['Buffer', Buffer.from('buf')],
        ['Buffer subarray', Buffer.from('xxsubyy').subarray(2, 5)],
        ['Uint8Array', new Uint8Array([0x61, 0x62, 0x63])],
        ['Uint8Array view with offset', new Uint8Array(ab, 4, 6)],
        ['Uint8ClampedArray', new Uint8ClampedArray([0x41, 0x42])],
        ['Int8Array', new Int8Array([0x41, -1])],
        ['Uint16Array', new Uint16Array([0x4142, 0x4344])],
        ['Int16Array', new Int16Array([-2, 3])],
        ['Uint32Array', new Uint32Array([0x41424344])],
        ['Int32Array', new Int32Array([-1])],
        ['Float32Array', new Float32Array([1.5])],
        ['Float64Array', new Float64Array([Math.PI])],
        ['BigInt64Array', new BigInt64Array([-2n])],
        ['BigUint64Array', new BigUint64Array([2n ** 63n])],
        ['DataView', new DataView(ab)],
        ['DataView with offset', new DataView(ab, 10, 3)],
        ['array of Buffers', [Buffer.from('a'), Buffer.from('bc')]],
        ['array of strings', ['x', 'yz', '']],
        ['mixed array', [Buffer.from('B'), 'S', new Uint8Array([0x55]), new Uint16Array([0x5757])]],
        ['array with DataView', [new DataView(ab, 0, 2), 'd']],
        ['single element array', ['only']],
      ];
      for (const [label, msg] of forms) {
        await sendOne(t, r, label, (port, cb) => s.send(msg, port, host, cb));
        if (typeof msg === 'object' && msg !== null) t.log(label, 'message untouched', describe(msg));
      }
    },
  },
  {
    name: 'send: empty messages',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      for (const [label, msg] of [['empty string', ''], ['empty Buffer', Buffer.alloc(0)], ['empty Uint8Array', new Uint8Array(0)],
        ['empty array', []], ['array of empties', ['', Buffer.alloc(0)]], ['empty DataView', new DataView(new ArrayBuffer(0))]]) {
        await sendOne(t, r, label, (port, cb) => s.send(msg, port, host, cb));
      }
      await sendOne(t, r, 'offset/length 0', (port, cb) => s.send(Buffer.from('abc'), 1, 0, port, host, cb));
    },
  },
  {
    name: 'send: offset and length',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      const cases = [
        ['Buffer 2,3', Buffer.from('0123456789'), 2, 3],
        ['Buffer 0,all', Buffer.from('0123456789'), 0, 10],
        ['Buffer offset only end', Buffer.from('0123456789'), 10, 0],
        ['string 6,5', 'hello world', 6, 5],
        ['utf8 string 1,2', '\u00e9\u00e9', 1, 2],
        ['Uint8Array 1,2', new Uint8Array([0x41, 0x42, 0x43, 0x44]), 1, 2],
        ['Uint16Array 1,2', new Uint16Array([0x4142, 0x4344, 0x4546]), 1, 2],
        ['Uint32Array 2,4', new Uint32Array([0x41424344, 0x45464748]), 2, 4],
        ['DataView 1,2', new DataView(Buffer.from('wxyz').buffer.slice(0)), 1, 2],
        ['Buffer subarray 1,2', Buffer.from('__abcd__').subarray(2, 6), 1, 2],
        ['offset as string', Buffer.from('0123'), '1', '2'],
      ];
      for (const [label, msg, off, len] of cases) {
        await sendOne(t, r, `${label} (port, addr, cb)`, (port, cb) => s.send(msg, off, len, port, host, cb));
      }
      await sendOne(t, r, 'offset/length (port) no address no cb', (port) => s.send(Buffer.from('abcdef'), 1, 2, port), { withCb: false });
      await sendOne(t, r, 'offset/length (port, cb)', (port, cb) => s.send(Buffer.from('abcdef'), 3, 3, port, cb));
      await sendOne(t, r, 'offset/length (port, addr) no cb', (port) => s.send(Buffer.from('abcdef'), 0, 1, port, host), { withCb: false });
    },
  },
  {
    name: 'send: offset and length misuse',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      const buf = Buffer.from('0123456789');
      const cases = [[-1, 2], [0, 11], [5, 6], [11, 0], [1.5, 2], [1, 2.5], [NaN, 1], [1, NaN], [null, 2], [1, null],
        [{}, 1], [Infinity, 1], [1, -1], ['x', 1], [2 ** 32, 1]];
      for (const [off, len] of cases) {
        await sendOne(t, r, `send(buf, ${describe(off)}, ${describe(len)}, port, addr, cb)`, (port, cb) => s.send(buf, off, len, port, host, cb));
      }
      // offset/length are ignored for arrays? (observe)
      await sendOne(t, r, 'array with offset/length', (port, cb) => s.send(['abc', 'def'], 1, 2, port, host, cb));
      await sendOne(t, r, 'DataView offset past end', (port, cb) => s.send(new DataView(new ArrayBuffer(4)), 3, 2, port, host, cb));
      await t.checkSends(s);
    },
  },
  {
    name: 'send: port, address and callback forms',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      await sendOne(t, r, 'send(msg, port)', (port) => s.send('a', port), { withCb: false });
      await sendOne(t, r, 'send(msg, port, cb)', (port, cb) => s.send('b', port, cb));
      await sendOne(t, r, 'send(msg, port, addr)', (port) => s.send('c', port, host), { withCb: false });
      await sendOne(t, r, 'send(msg, port, addr, cb)', (port, cb) => s.send('d', port, host, cb));
      await sendOne(t, r, 'send(msg, port, undefined, cb)', (port, cb) => s.send('e', port, undefined, cb));
      await sendOne(t, r, 'send(msg, port, null, cb)', (port, cb) => s.send('f', port, null, cb));
      await sendOne(t, r, 'send(msg, port, "", cb)', (port, cb) => s.send('g', port, '', cb));
      await sendOne(t, r, 'send(msg, String(port), addr, cb)', (port, cb) => s.send('h', String(port), host, cb));
      await sendOne(t, r, 'send(msg, port, "127.0.0.1", cb)', (port, cb) => s.send('i', port, '127.0.0.1', cb));
      await sendOne(t, r, 'send(msg, port, addr, cb, extra)', (port, cb) => s.send('j', port, host, cb, 'extra'));
    },
  },
  {
    name: 'send: udp6 forms and defaults',
    async run(dgram, t) {
      const { r, s } = await pair(dgram, t, 'udp6');
      await sendOne(t, r, 'udp6 send(msg, port)', (port) => s.send('a6', port), { withCb: false });
      await sendOne(t, r, 'udp6 send(msg, port, "::1", cb)', (port, cb) => s.send('b6', port, '::1', cb));
      await sendOne(t, r, 'udp6 send(msg, port, cb)', (port, cb) => s.send('c6', port, cb));
      t.log('sender address', s.address());
      // IPv4 destination from a udp6 socket (bound to ::)
      const r4 = await t.bound('udp4');
      await sendOne(t, r4, 'udp6 -> 127.0.0.1', (port, cb) => s.send('d6', port, '127.0.0.1', cb), { expectMessage: false });
      await sendOne(t, r4, 'udp6 -> ::ffff:127.0.0.1', (port, cb) => s.send('e6', port, '::ffff:127.0.0.1', cb));
      // udp4 socket to an IPv6 destination
      const s4 = t.track(dgram.createSocket('udp4'));
      s4.on('error', (e) => t.error(e, 's4 error event'));
      await sendOne(t, r, 'udp4 -> ::1', (port, cb) => s4.send('f4', port, '::1', cb), { expectMessage: false });
    },
  },
  {
    name: 'send: callback arguments and order against nextTick, microtasks and setImmediate',
    async run(dgram, t) {
      const { r, s, host, port } = await boundPair(dgram, t);
      const round = async (label, doSend) => {
        let n = 0;
        const got = new Promise((res) => r.on('message', function f() { if (++n === 2) { r.removeListener('message', f); res(); } }));
        doSend((...a) => t.log(label, 'send cb #1', ...a), (...a) => t.log(label, 'send cb #2', ...a));
        t.log(label, 'sync after send');
        process.nextTick(() => t.log(label, 'nextTick'));
        Promise.resolve().then(() => t.log(label, 'microtask'));
        setImmediate(() => t.log(label, 'immediate'));
        await t.timeout(got, 2000, `${label} messages`);
        await t.ticks(2);
      };
      await round('bound, address given', (a, b) => { s.send('1', port, host, a); s.send('2', port, host, b); });
      await round('bound, no address', (a, b) => { s.send('1', port, a); s.send('2', port, b); });
      s.connect(port, host);
      await t.once(s, 'connect');
      await round('connected', (a, b) => { s.send('1', a); s.send('2', b); });
      await round('connected array', (a, b) => { s.send(['1', 'x'], a); s.send([Buffer.from('2')], b); });
    },
  },
  {
    name: 'send: before bind binds implicitly and queues',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      t.watch(r, 'r', ['message']);
      const s = t.watch(dgram.createSocket('udp4'), 's', ['listening', 'error', 'close']);
      const port = r.address().port;
      t.try('address() before send', () => s.address());
      t.try('send #1', () => s.send('one', port, '127.0.0.1', t.cb('cb #1')));
      t.try('address() after send', () => s.address());
      t.try('send #2', () => s.send('two', port, '127.0.0.1', t.cb('cb #2')));
      t.try('send #3 (no cb)', () => s.send('three', port));
      t.try('getSendQueueCount while binding', () => s.getSendQueueCount());
      process.nextTick(() => t.log('nextTick after sends'));
      Promise.resolve().then(() => t.log('microtask after sends'));
      setImmediate(() => t.log('immediate after sends'));
      t.tryIs('bind while implicitly binding', s, () => s.bind(0));
      await t.until(() => t.entries.filter((e) => e[0] === 'r').length >= 3, '3 messages');
      await t.ticks(2);
      t.log('address', s.address());
      s.close();
      await t.once(s, 'close');
    },
  },
  {
    name: 'send: before an explicit bind completes is queued',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      t.watch(r, 'r', ['message']);
      const s = t.watch(dgram.createSocket('udp4'), 's', ['listening', 'error']);
      s.bind(0, '127.0.0.1', t.cb('bind cb'));
      s.send('q1', r.address().port, '127.0.0.1', t.cb('send cb 1'));
      s.send('q2', r.address().port, t.cb('send cb 2'));
      await t.until(() => t.entries.filter((e) => e[0] === 'r').length >= 2, '2 messages');
      await t.ticks(2);
    },
  },
  {
    name: 'send: queued sends when the socket is closed before the implicit bind completes',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      t.watch(r, 'r', ['message']);
      const s = t.watch(dgram.createSocket('udp4'), 's');
      const port = r.address().port;
      t.try('send #1', () => s.send('lost1', port, '127.0.0.1', t.cb('cb #1')));
      t.try('send #2', () => s.send('lost2', port, t.cb('cb #2')));
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.once(s, 'close');
      // sentinel: proves that nothing from `s` arrived before it
      const z = dgram.createSocket('udp4');
      z.send('sentinel', port, '127.0.0.1');
      await t.until(() => t.entries.some((e) => e[0] === 'r'), 'sentinel');
      await t.ticks(3);
      z.close();
    },
  },
  {
    name: 'send: queued sends when close() is called in the listening handler',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      t.watch(r, 'r', ['message']);
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.on('listening', () => { t.tryIs('close in listening', s, () => s.close()); });
      const port = r.address().port;
      s.send('maybe1', port, '127.0.0.1', t.cb('cb #1'));
      s.send('maybe2', port, '127.0.0.1', t.cb('cb #2'));
      await t.once(s, 'close');
      const z = dgram.createSocket('udp4');
      z.send('sentinel', port, '127.0.0.1');
      await t.until(() => t.entries.some((e) => e[0] === 'r' && e[2] === '"sentinel"'), 'sentinel');
      await t.ticks(3);
      z.close();
    },
  },
  {
    name: 'send: EMSGSIZE and maximum sizes',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      r.setRecvBufferSize(1 << 20);
      await sendOne(t, r, 'udp4 65507 bytes', (port, cb) => s.send(Buffer.alloc(65507, 7), port, host, cb));
      await sendOne(t, r, 'udp4 65508 bytes', (port, cb) => s.send(Buffer.alloc(65508, 7), port, host, cb), { expectMessage: false });
      await sendOne(t, r, 'udp4 70000 bytes array', (port, cb) => s.send([Buffer.alloc(35000), Buffer.alloc(35000)], port, host, cb), { expectMessage: false });
      const p6 = await pair(dgram, t, 'udp6');
      p6.r.setRecvBufferSize(1 << 20);
      await sendOne(t, p6.r, 'udp6 65527 bytes', (port, cb) => p6.s.send(Buffer.alloc(65527, 9), port, '::1', cb));
      await sendOne(t, p6.r, 'udp6 65528 bytes', (port, cb) => p6.s.send(Buffer.alloc(65528, 9), port, '::1', cb), { expectMessage: false });
      await t.checkSends(s);
    },
  },
  {
    name: 'send: synchronous send error without callback (EMSGSIZE)',
    async run(dgram, t) {
      // Node's docs say the error goes to 'error'; what a user sees is recorded.
      const r = await t.bound('udp4');
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      t.try('send 70000 bytes, no cb', () => s.send(Buffer.alloc(70000), r.address().port, '127.0.0.1'));
      await t.ticks(3);
      await t.sleep(10);
      t.log('after a few turns');
      await t.checkSends(s);
      // implicit bind + no callback
      const u = t.watch(dgram.createSocket('udp4'), 'u');
      t.try('unbound: send 70000 bytes, no cb', () => u.send(Buffer.alloc(70000), r.address().port, '127.0.0.1'));
      await t.once(u, 'listening');
      await t.ticks(3);
      await t.sleep(10);
      t.log('after a few turns');
      u.close();
      s.close();
      await t.once(s, 'close');
    },
  },
  {
    name: 'send: misuse of the message',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      const port = r.address().port;
      t.each('send(msg)', BAD_MSGS, (m) => s.send(m, port, host, t.cb('should not be called')));
      t.each('send(msg, no cb)', [123, null], (m) => s.send(m, port, host));
      await t.ticks(2);
      t.try('address() (still unbound?)', () => s.address());
      await t.checkSends(s);
    },
  },
  {
    name: 'send: misuse of the port (unconnected)',
    serial: true,
    async run(dgram, t) {
      const { s, host } = await pair(dgram, t);
      t.each('send("x", port)', BAD_PORTS, (p) => s.send('x', p, host, t.cb(`cb for ${describe(p)}`)));
      t.try('send("x") no port', () => s.send('x'));
      t.try('send("x", cb) no port', () => s.send('x', t.cb('cb no port')));
      await t.ticks(3);
      await t.checkSends(s);
    },
  },
  {
    name: 'send: misuse of the address and callback',
    async run(dgram, t) {
      const { r, s } = await pair(dgram, t);
      const port = r.address().port;
      t.each('send("x", port, addr)', BAD_ADDRS, (a) => s.send('x', port, a, t.cb(`cb for ${describe(a)}`)));
      const got = [];
      r.on('message', (m) => got.push(m.toString()));
      t.each('send("y", port, "127.0.0.1", cb)', ['notfn', 1, {}, null], (c) => s.send('y', port, '127.0.0.1', c));
      await t.until(() => got.length >= 1, 'some message', 1000);
      await t.sleep(20);
      t.log('received', got);
      await t.checkSends(s);
    },
  },
  {
    name: 'send: on a closed socket throws ERR_SOCKET_DGRAM_NOT_RUNNING',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = dgram.createSocket('udp4');
      s.close();
      t.try('send after close (unbound)', () => s.send('x', r.address().port, '127.0.0.1', t.cb('cb')));
      const b = await t.bound('udp4');
      b.close();
      t.try('send after close (bound)', () => b.send('x', r.address().port, '127.0.0.1', t.cb('cb')));
      t.try('send bad msg after close', () => b.send(123, r.address().port));
      t.try('send bad port after close', () => b.send('x', -1));
      await t.ticks(2);
    },
  },
  {
    name: 'send: to a port nobody listens on (unconnected) succeeds',
    async run(dgram, t) {
      const tmp = await t.bound('udp4');
      const port = tmp.address().port;
      tmp.close();
      await t.once(tmp, 'close');
      const s = t.watch(dgram.createSocket('udp4'), 's', ['error', 'close']);
      s.send('void', port, '127.0.0.1', t.cb('cb'));
      await t.sleep(30);
      await t.checkSends(s);
    },
  },
  {
    name: 'send: many datagrams arrive in order with byte counts',
    async run(dgram, t) {
      const { r, s, host } = await pair(dgram, t);
      const got = [];
      r.on('message', (m) => got.push(m.toString()));
      const cbs = [];
      for (let i = 0; i < 50; i++) s.send(`m${i}`, r.address().port, host, (e, n) => cbs.push([i, e, n]));
      await t.until(() => got.length >= 50, '50 messages');
      await t.until(() => cbs.length >= 50, '50 callbacks');
      t.log('received in order', got.join(',') === Array.from({ length: 50 }, (_, i) => `m${i}`).join(','));
      t.log('callbacks in order', cbs.map((c) => c[0]).join(',') === Array.from({ length: 50 }, (_, i) => i).join(','));
      t.log('callback args', cbs[0], cbs[49]);
    },
  },
  {
    name: 'send: bursts keep order, sizes and outcomes (equal sizes, mixed sizes, an oversized one)',
    async run(dgram, t) {
      const { r, s, host, port } = await boundPair(dgram, t);
      const got = [];
      r.on('message', (m) => got.push(`${m[0]}:${m.length}`));
      const sizes = [];
      for (let i = 0; i < 70; i++) sizes.push(100);
      sizes.push(40, 100, 100, 1, 0, 100, 65509, 100, 100, 3000, 3000, 2999, 3000);
      const cbs = [];
      sizes.forEach((n, i) => {
        s.send(Buffer.alloc(n, 65 + (i % 26)), port, host, (e, b) => cbs.push([i, e ? `${e.code} ${e.message === `send ${e.code} ${host}:${port}`} ${e.address} ${e.port === port}` : null, b]));
      });
      const expected = sizes.filter((n) => n !== 65509).length;
      await t.until(() => cbs.length === sizes.length, 'every callback');
      await t.until(() => got.length >= expected, 'every datagram');
      await t.ticks(2);
      t.log('received', got.length, got.join(' '));
      t.log('callbacks in order', cbs.map((c) => c[0]).join(',') === sizes.map((_, i) => i).join(','));
      t.log('callbacks', cbs.filter((c, i) => c[1] !== null || c[2] !== sizes[i]));
    },
  },
  {
    name: 'send: a burst interleaved with nextTick callbacks that look at and close the socket',
    async run(dgram, t) {
      const { r, s, host, port } = await boundPair(dgram, t);
      const got = [];
      r.on('message', (m) => got.push(m.toString()));
      for (let i = 0; i < 4; i++) s.send(`a${i}`, port, host, t.cb(`a${i}`));
      process.nextTick(() => {
        t.log('tick: queue', s.getSendQueueCount(), s.getSendQueueSize());
        t.log('tick: ttl', s.setTTL(3));
        s.send('from tick', port, host, t.cb('from tick'));
      });
      for (let i = 0; i < 4; i++) s.send(`b${i}`, port, host, t.cb(`b${i}`));
      process.nextTick(() => { t.log('tick: close'); s.close(t.cb('close cb')); });
      for (let i = 0; i < 4; i++) s.send(`c${i}`, port, host, t.cb(`c${i}`));
      t.log('sync: queue', s.getSendQueueCount());
      await t.once(s, 'close');
      const z = t.track(dgram.createSocket('udp4'));
      z.send('sentinel', port, host);
      await t.until(() => got.includes('sentinel'), 'sentinel');
      await t.ticks(3);
      t.log('received', got.join(','));
    },
  },
  {
    name: 'send: callbacks keep their place among tick callbacks queued meanwhile',
    async run(dgram, t) {
      const { r, s, host, port } = await boundPair(dgram, t);
      const o = t.track(dgram.createSocket('udp4'));
      o.bind(0, '127.0.0.1');
      await t.once(o, 'listening');
      let n = 0;
      const got = new Promise((res) => r.on('message', () => { if (++n === 4) res(); }));
      s.send('a', port, host, t.cb('a'));
      process.nextTick(() => {
        t.log('tick 1');
        process.nextTick(() => t.log('tick 2'));
        Promise.resolve().then(() => t.log('microtask'));
      });
      s.send('b', port, host, t.cb('b'));
      o.send('c', port, host, t.cb('c (other socket)'));
      o.connect(port, host, () => t.log('o connected'));
      s.send('d', port, host);
      await t.timeout(got, 2000, 'messages');
      await t.ticks(3);
    },
  },
  {
    name: 'send: a burst sends the bytes each datagram had at its turn, to alternating addresses and ports',
    async run(dgram, t) {
      // One Buffer sent again and again, changed by ticks queued between the sends (each
      // datagram carries the bytes it had when its turn came); 150 sends alternating between two
      // receivers, one on 127.0.0.2, and between their ports, with and without callbacks; a
      // large one in the middle.
      const r1 = await t.bound('udp4');
      const r2 = await t.bound('udp4', '127.0.0.2');
      const got1 = [];
      const got2 = [];
      r1.on('message', (m) => got1.push(`${m.toString('latin1', 0, 4)}:${m.length}`));
      r2.on('message', (m) => got2.push(`${m.toString('latin1', 0, 4)}:${m.length}`));
      const s = await t.bound('udp4');
      const buf = Buffer.alloc(8, 'x');
      const cbs = [];
      for (let i = 0; i < 150; i++) {
        const [host, port] = i % 3 === 0 ? ['127.0.0.2', r2.address().port] : ['127.0.0.1', r1.address().port];
        process.nextTick(() => buf.write(String(i).padStart(4, '0')));
        const msg = i === 75 ? Buffer.alloc(40000, 'L') : buf;
        if (i % 2) s.send(msg, port, host, (e, n) => cbs.push(e ? `${i} ${e.code}` : `${i}:${n}`));
        else s.send(msg, port, host);
      }
      await t.until(() => got1.length + got2.length >= 150 && cbs.length === 75, 'every datagram and callback');
      await t.ticks(2);
      t.log('to 127.0.0.1', got1.join(' '));
      t.log('to 127.0.0.2', got2.join(' '));
      t.log('callbacks', cbs.join(' '));
    },
  },
  {
    name: 'send: bursts from several sockets reach a receiver in the order they were made',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const port = r.address().port;
      const got = [];
      r.on('message', (m) => got.push(m.toString()));
      const [a, b, c] = [await t.bound('udp4'), await t.bound('udp4'), await t.bound('udp4')];
      for (let i = 0; i < 3; i++) {
        a.send(`a${i}`, port, '127.0.0.1');
        b.send(`b${i}`, port, '127.0.0.1', i === 1 ? t.cb(`b${i}`) : undefined);
      }
      for (let i = 0; i < 3; i++) a.send(`A${i}`, port, '127.0.0.1');
      process.nextTick(() => c.send('c from a tick', port, '127.0.0.1'));
      for (let i = 0; i < 3; i++) b.send(`B${i}`, port, '127.0.0.1');
      await t.until(() => got.length >= 13, 'every datagram');
      await t.ticks(2);
      t.log('received', got.join(','));
    },
  },
  {
    name: 'send: close right after send on a bound socket',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      t.watch(r, 'r', ['message']);
      const port = r.address().port;
      const s = t.watch(await t.bound('udp4'), 's', ['error', 'close']);
      t.try('send with address (needs a lookup)', () => s.send('with addr', port, '127.0.0.1', t.cb('cb addr')));
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.once(s, 'close');
      const c = t.watch(await t.bound('udp4'), 'c', ['error', 'close']);
      c.connect(port, '127.0.0.1');
      await t.once(c, 'connect');
      t.try('connected send', () => c.send('connected', t.cb('cb connected')));
      t.tryIs('close', c, () => c.close(t.cb('close cb 2')));
      await t.once(c, 'close');
      const z = dgram.createSocket('udp4');
      z.send('sentinel', port, '127.0.0.1');
      await t.until(() => t.entries.some((e) => e[0] === 'r' && e[2] === '"sentinel"'), 'sentinel');
      await t.ticks(3);
    },
  },
  {
    name: 'send: a throwing send callback is uncaught and the socket keeps working',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = await t.bound('udp4');
      s.send('x', r.address().port, '127.0.0.1', () => { t.log('cb runs'); throw new Error('thrown from send cb'); });
      await t.until(() => t.entries.some((e) => e[0] === 'UNCAUGHT EXCEPTION'), 'uncaught');
      await t.checkSends(s);
    },
  },
  {
    name: 'send: to "localhost" (answered by /etc/hosts)',
    async run(dgram, t) {
      let hosts = '';
      try { hosts = require('fs').readFileSync('/etc/hosts', 'utf8'); } catch {}
      if (!/^\s*127\.0\.0\.1\s+(.*\s)?localhost(\s|$)/m.test(hosts)) {
        t.log('skipped: /etc/hosts has no 127.0.0.1 localhost');
        return;
      }
      const r = t.watch(await t.bound('udp4'), 'r', ['message']);
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.send('to localhost', r.address().port, 'localhost', t.cb('send cb'));
      await t.once(r, 'message');
      const c = t.watch(dgram.createSocket('udp4'), 'c');
      c.connect(r.address().port, 'localhost', t.cb('connect cb'));
      await t.once(c, 'connect');
      t.try('remoteAddress', () => c.remoteAddress());
    },
  },
];
