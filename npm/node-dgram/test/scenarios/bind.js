'use strict';
// bind(): every argument form, events and callback order, errors, misuse.

const fs = require('fs');
const { describe, isEphemeral } = require('../lib/harness');

// Values that never coerce to a fixed non-zero port (two children run at once,
// so a fixed port could collide between them).
const BAD_PORTS = [-1, 65536, 1.5, NaN, Infinity, -Infinity, 'abc', '0', '', ' ', '-1', '65536', '1e3x',
  null, undefined, false, [], Symbol('p'), 10n, -0, 2 ** 53, '0x0'];

// Bind a fresh socket with `args`, record returned value/throw and what
// follows (listening/error), then close it.
async function tryBind(dgram, t, label, type, ...args) {
  const s = dgram.createSocket(type);
  s.on('error', (e) => t.error(e, `${label} error event`));
  const r = t.tryIs(label, s, () => s.bind(...args));
  if (r.ok) {
    const [ev] = await t.first(s, ['listening', 'error'], 2000);
    if (ev === 'listening') t.log(label, 'listening', s.address());
    else t.log(label, ev);
  }
  // Not closed when it holds an ephemeral port: a later bind could be given the
  // same port again (and the <port#N> tokens would differ between runs). Fixed
  // ports (65535 from -1, 1 from 1.5) are released for the next case.
  let port = null;
  try { port = s.address().port; } catch {}
  if (port !== null && !isEphemeral(port)) {
    try { s.close(); } catch (e) { t.error(e, `${label} close`); }
  } else t.retire(s);
}

module.exports = [
  {
    name: 'bind: no arguments binds all interfaces on a random port',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      t.tryIs('bind()', s, () => s.bind());
      await t.once(s, 'listening');
      const a = s.address();
      t.log('address', a.address, a.family, typeof a.port, a.port > 0);
      const s6 = t.watch(dgram.createSocket('udp6'), 's6');
      t.tryIs('bind()', s6, () => s6.bind());
      await t.once(s6, 'listening');
      const a6 = s6.address();
      t.log('address6', a6.address, a6.family, a6.port > 0);
      s.close(); s6.close();
      await t.once(s6, 'close');
    },
  },
  {
    name: 'bind: argument forms',
    async run(dgram, t) {
      const forms = [
        ['bind(0)', [0]],
        ['bind(0, "127.0.0.1")', [0, '127.0.0.1']],
        ['bind("0", "127.0.0.1")', ['0', '127.0.0.1']],
        ['bind(0, undefined)', [0, undefined]],
        ['bind(0, null)', [0, null]],
        ['bind(0, "")', [0, '']],
        ['bind(undefined, "127.0.0.1")', [undefined, '127.0.0.1']],
        ['bind(null, "127.0.0.1")', [null, '127.0.0.1']],
        ['bind({})', [{}]],
        ['bind({port: 0})', [{ port: 0 }]],
        ['bind({address: "127.0.0.1"})', [{ address: '127.0.0.1' }]],
        ['bind({port: 0, address: "127.0.0.1", exclusive: true})', [{ port: 0, address: '127.0.0.1', exclusive: true }]],
        ['bind({port: 0, address: "127.0.0.1", exclusive: false})', [{ port: 0, address: '127.0.0.1', exclusive: false }]],
        ['bind({port: "0", address: "127.0.0.1"})', [{ port: '0', address: '127.0.0.1' }]],
        ['bind({port: undefined, address: "127.0.0.1"})', [{ port: undefined, address: '127.0.0.1' }]],
        ['bind({port: 0, address: ""})', [{ port: 0, address: '' }]],
        ['bind({port: 0, address: null})', [{ port: 0, address: null }]],
        ['bind({port: 0}, "10.0.0.1" ignored)', [{ port: 0 }, '10.0.0.1']],
      ];
      for (const [label, args] of forms) await tryBind(dgram, t, label, 'udp4', ...args);
      await tryBind(dgram, t, 'udp6 bind(0, "::1")', 'udp6', 0, '::1');
      await tryBind(dgram, t, 'udp6 bind(0, "::")', 'udp6', 0, '::');
      await tryBind(dgram, t, 'udp6 bind({port:0})', 'udp6', { port: 0 });
      await tryBind(dgram, t, 'udp6 bind(0, "::ffff:127.0.0.1")', 'udp6', 0, '::ffff:127.0.0.1');
      await tryBind(dgram, t, 'udp6 bind(0, "127.0.0.1")', 'udp6', 0, '127.0.0.1');
      await tryBind(dgram, t, 'udp4 bind(0, "::1")', 'udp4', 0, '::1');
      await tryBind(dgram, t, 'udp4 bind(0, "0.0.0.0")', 'udp4', 0, '0.0.0.0');
    },
  },
  {
    name: 'bind: callback forms and their order against listening listeners',
    async run(dgram, t) {
      const cases = [
        ['bind(cb)', (s, cb) => s.bind(cb)],
        ['bind(0, cb)', (s, cb) => s.bind(0, cb)],
        ['bind(0, addr, cb)', (s, cb) => s.bind(0, '127.0.0.1', cb)],
        ['bind({port, address}, cb)', (s, cb) => s.bind({ port: 0, address: '127.0.0.1' }, cb)],
        ['bind({}, cb)', (s, cb) => s.bind({}, cb)],
      ];
      for (const [label, fn] of cases) {
        const s = dgram.createSocket('udp4');
        s.on('listening', () => t.log(label, 'listening listener before bind'));
        let thisArg;
        fn(s, function (...args) { thisArg = this; t.log(label, 'bind callback', args.length, ...args); });
        s.on('listening', () => t.log(label, 'listening listener after bind'));
        t.log(label, 'listening listeners', s.listenerCount('listening'));
        await t.once(s, 'listening');
        await t.tick();
        t.log(label, 'callback this === socket', thisArg === s, 'listeners after', s.listenerCount('listening'));
        s.close();
      }
    },
  },
  {
    name: 'bind: listening order against nextTick, promises and setImmediate',
    async run(dgram, t) {
      for (const addr of ['127.0.0.1', undefined]) {
        const s = dgram.createSocket('udp4');
        s.on('listening', () => {
          t.log(addr, 'listening');
          process.nextTick(() => t.log(addr, 'nextTick from listening'));
        });
        const order = [];
        s.bind(0, addr, () => t.log(addr, 'bind cb'));
        process.nextTick(() => t.log(addr, 'nextTick after bind'));
        Promise.resolve().then(() => t.log(addr, 'microtask after bind'));
        setImmediate(() => t.log(addr, 'immediate after bind'));
        t.log(addr, 'sync after bind', order);
        await t.once(s, 'listening');
        await t.ticks(2);
        s.close();
        await t.once(s, 'close');
      }
    },
  },
  {
    name: 'bind: twice and while binding throws ERR_SOCKET_ALREADY_BOUND',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      t.tryIs('bind #1', s, () => s.bind(0, '127.0.0.1'));
      t.tryIs('bind #2 while binding', s, () => s.bind(0, '127.0.0.1'));
      t.tryIs('bind #3 with callback while binding', s, () => s.bind(0, t.cb('bind #3 cb')));
      await t.once(s, 'listening');
      t.tryIs('bind #4 after listening', s, () => s.bind(0, '127.0.0.1'));
      t.tryIs('bind #5 options after listening', s, () => s.bind({ port: 0 }));
      await t.checkReceives(s);
      s.close();
      await t.once(s, 'close');
      t.tryIs('bind after close', s, () => s.bind(0));
    },
  },
  {
    name: 'bind: EADDRINUSE error event, state afterwards, and rebinding',
    async run(dgram, t) {
      const a = await t.bound('udp4');
      const port = a.address().port;
      t.port(port);
      const b = t.watch(dgram.createSocket('udp4'), 'b');
      b.bind(port, '127.0.0.1', t.cb('b bind cb'));
      await t.once(b, 'error');
      t.log('listening listeners left', b.listenerCount('listening'));
      t.try('b.address()', () => b.address());
      t.tryIs('b.bind again', b, () => b.bind(0, '127.0.0.1'));
      const [ev] = await t.first(b, ['listening', 'error', 'close'], 1000);
      t.log('after rebind', ev);
      t.try('b.close()', () => b.close());
      await t.tick();
      a.close();
    },
  },
  {
    name: 'bind: EADDRINUSE without error listener becomes an uncaught exception',
    async run(dgram, t) {
      const a = await t.bound('udp4');
      const b = dgram.createSocket('udp4');
      b.on('listening', () => t.log('b listening'));
      b.bind(a.address().port, '127.0.0.1');
      await t.sleep(50);
      t.log('b listeners', b.eventNames());
      a.close();
      try { b.close(); } catch (e) { t.error(e, 'b.close'); }
    },
  },
  {
    name: 'bind: to a non-local address fails EADDRNOTAVAIL',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '192.0.2.1', t.cb('bind cb'));
      await t.once(s, 'error');
      const s6 = t.watch(dgram.createSocket('udp6'), 's6');
      s6.bind(0, '2001:db8::99');
      await t.once(s6, 'error');
      s.close();
      s6.close();
      await t.once(s6, 'close');
    },
  },
  {
    name: 'bind: misuse of port (positional and options)',
    // -1 binds port 65535 and 1.5 port 1 in Node: run the two children one after the other.
    serial: true,
    async run(dgram, t) {
      for (const p of BAD_PORTS) await tryBind(dgram, t, `bind(${describe(p)}, "127.0.0.1")`, 'udp4', p, '127.0.0.1');
      for (const p of BAD_PORTS) await tryBind(dgram, t, `bind({port: ${describe(p)}})`, 'udp4', { port: p, address: '127.0.0.1' });
    },
  },
  {
    name: 'bind: misuse of address, callback and options',
    async run(dgram, t) {
      const addrs = [123, {}, [], true, Symbol('a'), 10n, NaN];
      for (const a of addrs) await tryBind(dgram, t, `bind(0, ${describe(a)})`, 'udp4', 0, a);
      for (const a of addrs) await tryBind(dgram, t, `bind({address: ${describe(a)}})`, 'udp4', { port: 0, address: a });
      for (const c of ['x', 1, {}, null]) await tryBind(dgram, t, `bind(0, "127.0.0.1", ${describe(c)})`, 'udp4', 0, '127.0.0.1', c);
      await tryBind(dgram, t, 'bind({exclusive: "yes"})', 'udp4', { port: 0, address: '127.0.0.1', exclusive: 'yes' });
      // the socket still works after a failed call
      const s = dgram.createSocket('udp4');
      t.tryIs('bind(0, 123) on s', s, () => s.bind(0, 123));
      t.tryIs('bind(-1) on s', s, () => s.bind(-1));
      t.tryIs('bind(0, "127.0.0.1") on s', s, () => s.bind(0, '127.0.0.1'));
      let listened = false;
      s.on('listening', () => { listened = true; });
      await t.ticks(3);
      t.log('listening after 3 turns', listened);
      t.try('s.address()', () => s.address());
      t.try('s.close()', () => s.close());
      // a fresh socket: bad calls first, then a good bind
      const g = dgram.createSocket('udp4');
      t.tryIs('g.bind(0, "127.0.0.1", "x")', g, () => g.bind(0, '127.0.0.1', 'x'));
      await t.once(g, 'listening');
      await t.checkReceives(g);
      g.close();
    },
  },
  {
    name: 'bind: fd option misuse',
    async run(dgram, t) {
      for (const fd of [-1, 'x', 1.5, NaN, 2 ** 31, null, {}, 0, 1, 2]) {
        await tryBind(dgram, t, `bind({fd: ${describe(fd)}})`, 'udp4', { fd });
      }
    },
  },
  {
    name: 'bind: fd option with an inherited UDP socket',
    udpFd: 'udp4',
    async run(dgram, t) {
      const fd = t.env.udpFd;
      t.log('have fd', typeof fd === 'number');
      const s = t.watch(dgram.createSocket('udp4'), 's');
      process.nextTick(() => t.log('nextTick after bind'));
      const listening = t.once(s, 'listening');
      t.tryIs('bind({fd})', s, () => s.bind({ fd }, t.cb('bind cb')));
      await listening;
      t.log('address', s.address());
      await t.checkReceives(s);
      await t.checkSends(s);
      s.close();
      await t.once(s, 'close');
    },
  },
  {
    // Node applies recvBufferSize and sendBufferSize on every bind, one to an fd included.
    name: 'bind: fd option applies the buffer size options',
    udpFd: 'udp4',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket({ type: 'udp4', recvBufferSize: 100000, sendBufferSize: 90000 }), 's');
      const listening = t.once(s, 'listening');
      t.tryIs('bind({fd})', s, () => s.bind({ fd: t.env.udpFd }));
      await listening;
      t.try('getRecvBufferSize', () => s.getRecvBufferSize());
      t.try('getSendBufferSize', () => s.getSendBufferSize());
      s.close();
    },
  },
  {
    name: 'bind: to "localhost" (answered by /etc/hosts)',
    async run(dgram, t) {
      let hosts = '';
      try { hosts = fs.readFileSync('/etc/hosts', 'utf8'); } catch {}
      if (!/^\s*127\.0\.0\.1\s+(.*\s)?localhost(\s|$)/m.test(hosts)) {
        t.log('skipped: /etc/hosts has no 127.0.0.1 localhost');
        return;
      }
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, 'localhost');
      await t.once(s, 'listening');
      t.log('address', s.address());
      await t.checkReceives(s);
      s.close();
    },
  },
];
