'use strict';
// What waits for a bind (sends, connects and closes made while a socket binds), and other
// behaviours first found by the differential fuzzer (test/fuzz.js): the address and port in send
// errors, address() after failed binds, the order of sends, a bind address that is no string.
// Only ever sends to 127.0.0.1 / ::1 (and to port 9 there, where nobody listens).

const BIG = 70000; // more than a UDP datagram holds: EMSGSIZE, at once, on loopback

// A custom lookup answering IP literals as they are, failing its first `failFirst` calls
// (synchronously or in setImmediate), logging every call.
function flakyLookup(t, label, failFirst, mode) {
  let n = 0;
  return function lookup(host, opts, cb) {
    n++;
    t.log(label, 'lookup called', host, typeof opts === 'object' && opts !== null ? { ...opts } : opts);
    const answer = () => {
      if (n <= failFirst) {
        const e = new Error(`getaddrinfo ENOTFOUND ${host}`);
        e.code = 'ENOTFOUND';
        e.hostname = host;
        cb(e);
      } else cb(null, host === '::1' || host === '::' ? host : '127.0.0.1', host === '::1' || host === '::' ? 6 : 4);
    };
    if (mode === 'sync') answer();
    else setImmediate(answer);
  };
}

function addr(s) {
  try {
    return s.address();
  } catch (e) {
    return { threw: e.code };
  }
}

module.exports = [
  {
    name: 'queue: a send whose implicit bind fails at once waits for the next bind',
    async run(dgram, t) {
      const r = t.watch(await t.bound('udp4'), 'r');
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 's', 1, 'sync') }), 's');
      t.try('send (bind fails inside)', () => s.send('waited', r.address().port, '127.0.0.1', t.cb('send cb')));
      await t.ticks(3);
      t.tryIs('bind', s, () => s.bind(0, '127.0.0.1'));
      await t.once(r, 'message');
      await t.ticks(2);
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.ticks(3);
      // The same with nothing bound afterwards: close() waits behind the send, forever.
      const q = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 'q', 1, 'sync') }), 'q');
      t.try('q send', () => q.send('never', 9, '127.0.0.1', t.cb('q send cb')));
      t.tryIs('q close', q, () => q.close(t.cb('q close cb')));
      await t.sleep(20);
      t.log('q address', addr(q));
    },
  },
  {
    name: 'queue: an error while calls wait for the bind drops them all, close included',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 's', 1, 'async') }), 's');
      t.try('send', () => s.send('dropped', 9, '127.0.0.1', t.cb('send cb')));
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.once(s, 'error');
      await t.ticks(2);
      t.tryIs('bind again', s, () => s.bind(0, '127.0.0.1'));
      await t.once(s, 'listening');
      await t.sleep(20);
      t.log('address', addr(s));
      // An error listener that closes: the queue is gone by then, the close happens at once.
      const c = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 'c', 1, 'async') }), 'c');
      c.on('error', () => t.tryIs('close from error listener', c, () => c.close(t.cb('c close cb'))));
      t.try('c send', () => c.send('dropped', 9, '127.0.0.1', t.cb('c send cb')));
      await t.once(c, 'close');
    },
  },
  {
    name: 'queue: calls that waited are made again after a close that waited with them',
    async run(dgram, t) {
      // send, close, send: the second send finds the socket closed (uncaught ERR_SOCKET_DGRAM_NOT_RUNNING).
      const a = t.watch(dgram.createSocket('udp4'), 'a');
      t.try('a send', () => a.send('x', 9, '127.0.0.1', t.cb('a send cb')));
      t.tryIs('a close', a, () => a.close(t.cb('a close cb')));
      t.try('a send 2', () => a.send('y', 9, '127.0.0.1', t.cb('a send 2 cb')));
      await t.sleep(20);
      // send, close, close: the second close throws the same.
      const b = t.watch(dgram.createSocket('udp4'), 'b');
      t.try('b send', () => b.send('x', 9, '127.0.0.1'));
      t.tryIs('b close', b, () => b.close(t.cb('b close cb')));
      t.tryIs('b close 2', b, () => b.close(t.cb('b close 2 cb')));
      await t.sleep(20);
      // send, close, connect: the connect reads the lookup of the closed handle (uncaught TypeError).
      const c = t.watch(dgram.createSocket('udp4'), 'c');
      t.try('c send', () => c.send('x', 9, '127.0.0.1'));
      t.tryIs('c close', c, () => c.close(t.cb('c close cb')));
      t.try('c connect', () => c.connect(9, t.cb('c connect cb')));
      await t.sleep(20);
      // Closed while binding (nothing waited): a connect waits for a bind that never ends, and
      // a close behind it.
      const d = t.watch(dgram.createSocket('udp4'), 'd');
      t.tryIs('d bind', d, () => d.bind(0, '127.0.0.1'));
      t.tryIs('d close', d, () => d.close(t.cb('d close cb')));
      t.try('d connect', () => d.connect(9, t.cb('d connect cb')));
      t.tryIs('d close again', d, () => d.close(t.cb('d close 2 cb')));
      t.try('d send', () => d.send('x', 9, '127.0.0.1'));
      await t.sleep(20);
    },
  },
  {
    name: 'queue: closed while a connect waits for the bind, the connect still asks its lookup',
    async run(dgram, t) {
      const ac = new AbortController();
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 's', 0, 'async'), signal: ac.signal }), 's');
      t.try('connect', () => s.connect(9, t.cb('connect cb')));
      t.try('abort', () => ac.abort());
      await t.once(s, 'close');
      await t.sleep(10);
      const c = t.watch(dgram.createSocket({ type: 'udp4', lookup: flakyLookup(t, 'c', 0, 'async') }), 'c');
      t.try('c connect', () => c.connect(9));
      t.tryIs('c close', c, () => c.close());
      await t.once(c, 'close');
      await t.sleep(10);
    },
  },
  {
    name: 'queue: a lookup that throws inside send leaves nothing waiting',
    async run(dgram, t) {
      const lookup = (host) => {
        t.log('lookup called', host);
        throw Object.assign(new Error('lookup exploded'), { code: 'EBOOM' });
      };
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      t.try('send', () => s.send('x', 9, t.cb('send cb')));
      t.log('address', addr(s));
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.sleep(20);
      // The bind it started never ends: a later send waits for it, and a close behind that.
      const q = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'q');
      t.try('q send', () => q.send('x', 9, t.cb('q send cb')));
      t.try('q bind', () => q.bind(0));
      t.try('q send 2', () => q.send('y', 9, t.cb('q send 2 cb')));
      t.tryIs('q close', q, () => q.close(t.cb('q close cb')));
      await t.sleep(20);
    },
  },
  {
    name: 'bind: address() after failed binds',
    async run(dgram, t) {
      const r = t.watch(await t.bound('udp4'), 'r');
      const port = r.address().port;
      // bind(2) failed: Node's handle keeps the socket it opened for it.
      const a = t.watch(dgram.createSocket('udp4'), 'a');
      a.bind(port, '127.0.0.1');
      await t.once(a, 'error');
      t.log('a after EADDRINUSE', addr(a));
      t.tryIs('a bind again', a, () => a.bind(0, '127.0.0.1'));
      t.log('a while binding again', addr(a));
      await t.once(a, 'listening');
      t.log('a bound', addr(a));
      // An address of the other family fails before any socket is opened.
      const b = t.watch(dgram.createSocket('udp6'), 'b');
      b.bind(0, '127.0.0.1');
      await t.once(b, 'error');
      t.log('b after EINVAL', addr(b));
      b.bind(port, '::ffff:127.0.0.1');
      await t.once(b, 'error');
      t.log('b after EADDRINUSE', addr(b));
      b.bind(0, '127.0.0.1');
      await t.once(b, 'error');
      t.log('b after EINVAL again', addr(b));
      // The address is not local (EADDRNOTAVAIL, no datagram is sent).
      const c = t.watch(dgram.createSocket('udp4'), 'c');
      c.bind(0, '192.0.2.1');
      await t.once(c, 'error');
      t.log('c after EADDRNOTAVAIL', addr(c));
    },
  },
  {
    name: 'send: errors name the address and port as given',
    async run(dgram, t) {
      const big = Buffer.alloc(BIG);
      const s = t.watch(dgram.createSocket('udp4'), 's');
      t.try('unbound, no address', () => s.send(big, 9, t.cb('cb 1')));
      t.try('unbound, literal', () => s.send(big, 9, '127.0.0.1', t.cb('cb 2')));
      await t.once(s, 'listening');
      await t.sleep(10);
      t.try('no address', () => s.send(big, 9, t.cb('cb 3')));
      t.try('null address', () => s.send(big, 9, null, t.cb('cb 4')));
      t.try('empty address', () => s.send(big, 9, '', t.cb('cb 5')));
      t.try('literal', () => s.send(big, '9', '127.0.0.1', t.cb('cb 6')));
      t.try('other family', () => s.send('x', 9, '::1', t.cb('cb 7')));
      await t.sleep(10);
      const r = t.watch(await t.bound('udp4'), 'r');
      const c = t.watch(dgram.createSocket('udp4'), 'c');
      c.connect(r.address().port);
      await t.once(c, 'connect');
      t.try('connected', () => c.send(big, t.cb('cb 8')));
      t.try('connected, offset and length', () => c.send(big, 0, BIG, t.cb('cb 9')));
      await t.sleep(10);
    },
  },
  {
    name: 'send: an address while the connect waits for its lookup',
    async run(dgram, t) {
      const r = t.watch(await t.bound('udp4'), 'r');
      for (const mode of ['default', 'async']) {
        const opts = mode === 'default' ? { type: 'udp4' } : { type: 'udp4', lookup: flakyLookup(t, mode, 0, 'async') };
        const s = t.watch(dgram.createSocket(opts), mode);
        s.bind(0, '127.0.0.1');
        await t.once(s, 'listening');
        t.try(`${mode} connect`, () => s.connect(r.address().port, t.cb(`${mode} connect cb`)));
        t.try(`${mode} send with callback`, () => s.send('a', r.address().port, '127.0.0.1', t.cb(`${mode} send cb`)));
        t.try(`${mode} send without`, () => s.send('b', r.address().port, '127.0.0.1'));
        t.try(`${mode} send to port only`, () => s.send('c', 9, t.cb(`${mode} send cb 2`)));
        await t.sleep(20);
      }
    },
  },
  {
    name: 'send: order of sends to literals, the default address and the other family',
    async run(dgram, t) {
      const r = t.watch(await t.bound('udp4'), 'r');
      const port = r.address().port;
      const s = t.watch(await t.bound('udp4'), 's');
      t.try('literal', () => s.send('1', port, '127.0.0.1', t.cb('cb 1')));
      t.try('no address', () => s.send('2', port, t.cb('cb 2')));
      t.try('other family', () => s.send('3', port, '::1', t.cb('cb 3')));
      t.try('literal again', () => s.send('4', port, '127.0.0.1', t.cb('cb 4')));
      t.try('too big', () => s.send(Buffer.alloc(BIG), port, t.cb('cb 5')));
      t.try('last', () => s.send('6', port, '127.0.0.1', t.cb('cb 6')));
      process.nextTick(() => t.log('nextTick after the sends'));
      for (let i = 0; i < 4; i++) await t.once(r, 'message');
      await t.sleep(10);
    },
  },
  {
    name: 'lookup: a bind address that is no string reaches the lookup as given',
    async run(dgram, t) {
      for (const address of [12, true, { host: 'x' }]) {
        const lookup = (host, opts, cb) => {
          t.log('lookup called with', typeof host, host);
          const e = new Error(`getaddrinfo ENOTFOUND ${host}`);
          e.code = 'ENOTFOUND';
          e.hostname = host;
          setImmediate(cb, e);
        };
        const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), `s ${typeof address}`);
        t.tryIs('bind', s, () => s.bind(0, address));
        await t.once(s, 'error');
      }
    },
  },
  {
    // Found by the fuzzer (seeds 400113, 400250): Node's bind errors name the port as given.
    name: 'queue: a failed bind names the port as it was given',
    async run(dgram, t) {
      for (const [label, type, args] of [
        ['bind("-1", "::1") on udp4', 'udp4', ['-1', '::1']],
        ['bind({ port: 65536, address: "::1" }) on udp4', 'udp4', [{ port: 65536, address: '::1' }]],
        ['bind(70000, "127.0.0.1") on udp6', 'udp6', [70000, '127.0.0.1']],
      ]) {
        const s = dgram.createSocket(type);
        const err = t.once(s, 'error');
        s.bind(...args);
        const got = await err;
        if (got) t.error(got[0], label);
        s.close();
      }
    },
  },
  {
    // Found by the fuzzer (seed 400062): another family is EINVAL before EISCONN.
    name: 'queue: a send to another family while connecting fails with EINVAL',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      s.connect(s.address().port);
      s.send('x', s.address().port, '::1', t.cb('send cb'));
      await t.once(s, 'connect');
      await t.ticks(4);
      await t.sleep(20);
      s.close();
      await t.once(s, 'close');
    },
  },
];
