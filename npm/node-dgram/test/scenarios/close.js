'use strict';
// close(), the close event, Symbol.asyncDispose, and every method on a closed socket.

const ALL_CALLS = [
  ['address()', (s) => s.address()],
  ['remoteAddress()', (s) => s.remoteAddress()],
  ['bind(0)', (s) => s.bind(0, '127.0.0.1')],
  ['connect(port)', (s, port) => s.connect(port, '127.0.0.1')],
  ['disconnect()', (s) => s.disconnect()],
  ['send()', (s, port) => s.send('x', port, '127.0.0.1')],
  ['setTTL(5)', (s) => s.setTTL(5)],
  ['setBroadcast(true)', (s) => s.setBroadcast(true)],
  ['setMulticastTTL(5)', (s) => s.setMulticastTTL(5)],
  ['setMulticastLoopback(true)', (s) => s.setMulticastLoopback(true)],
  ['setMulticastInterface("127.0.0.1")', (s) => s.setMulticastInterface('127.0.0.1')],
  ['addMembership("239.1.2.3")', (s) => s.addMembership('239.1.2.3')],
  ['dropMembership("239.1.2.3")', (s) => s.dropMembership('239.1.2.3')],
  ['addSourceSpecificMembership', (s) => s.addSourceSpecificMembership('198.51.100.1', '232.1.2.3')],
  ['dropSourceSpecificMembership', (s) => s.dropSourceSpecificMembership('198.51.100.1', '232.1.2.3')],
  ['getRecvBufferSize()', (s) => s.getRecvBufferSize()],
  ['getSendBufferSize()', (s) => s.getSendBufferSize()],
  ['setRecvBufferSize(8192)', (s) => s.setRecvBufferSize(8192)],
  ['setSendBufferSize(8192)', (s) => s.setSendBufferSize(8192)],
  ['getSendQueueSize()', (s) => s.getSendQueueSize()],
  ['getSendQueueCount()', (s) => s.getSendQueueCount()],
  ['ref()', (s) => s.ref()],
  ['unref()', (s) => s.unref()],
];

function callAll(t, s, prefix, port) {
  for (const [label, fn] of ALL_CALLS) t.tryIs(`${prefix} ${label}`, s, () => fn(s, port));
}

module.exports = [
  {
    name: 'close: return value, callback, close event order and timing',
    async run(dgram, t) {
      const s = await t.bound('udp4');
      s.on('close', (...a) => t.log('close listener before', a.length));
      let cbThis;
      t.tryIs('close(cb)', s, () => s.close(function (...a) { cbThis = this; t.log('close cb', a.length, ...a); }));
      s.on('close', () => t.log('close listener after'));
      t.log('sync after close');
      process.nextTick(() => t.log('nextTick after close'));
      Promise.resolve().then(() => t.log('microtask after close'));
      setImmediate(() => t.log('immediate after close'));
      await t.once(s, 'close');
      await t.ticks(2);
      t.log('cb this === socket', cbThis === s);
      t.log('close listeners left', s.listenerCount('close'));
    },
  },
  {
    name: 'close: twice throws ERR_SOCKET_DGRAM_NOT_RUNNING; close(cb) twice',
    async run(dgram, t) {
      const s = t.watch(await t.bound('udp4'), 's');
      t.tryIs('close #1', s, () => s.close());
      t.tryIs('close #2 (same turn)', s, () => s.close(t.cb('close #2 cb')));
      await t.once(s, 'close');
      t.tryIs('close #3 (after close event)', s, () => s.close(t.cb('close #3 cb')));
      await t.ticks(3);
    },
  },
  {
    name: 'close: on a socket that was never bound',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      t.tryIs('close(cb) unbound', s, () => s.close(t.cb('close cb')));
      process.nextTick(() => t.log('nextTick after close'));
      await t.once(s, 'close');
      await t.ticks(2);
      t.tryIs('close again', s, () => s.close());
      const s6 = t.watch(dgram.createSocket('udp6'), 's6');
      s6.close();
      await t.once(s6, 'close');
    },
  },
  {
    name: 'close: non-function callback argument',
    async run(dgram, t) {
      for (const v of ['x', 1, {}, null, undefined]) {
        const s = dgram.createSocket('udp4');
        s.on('close', () => t.log('close event'));
        t.tryIs(`close(${require('../lib/harness').describe(v)})`, s, () => s.close(v));
        await t.ticks(3);
      }
    },
  },
  {
    name: 'close: inside the message handler drops later datagrams',
    async run(dgram, t) {
      const r = t.watch(await t.bound('udp4'), 'r');
      const s = await t.bound('udp4');
      r.once('message', () => { t.tryIs('close in message', r, () => r.close()); });
      for (let i = 0; i < 3; i++) s.send(`m${i}`, r.address().port, '127.0.0.1');
      await t.once(r, 'close');
      await t.sleep(20);
      t.log('message listeners', r.listenerCount('message'));
    },
  },
  {
    name: 'close: while binding (bind then close in the same turn)',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket('udp4'), 's');
      s.bind(0, '127.0.0.1', t.cb('bind cb'));
      t.tryIs('close', s, () => s.close(t.cb('close cb')));
      await t.once(s, 'close');
      await t.ticks(3);
      await t.sleep(10);
      t.try('address() after', () => s.address());
    },
  },
  {
    name: 'close: Symbol.asyncDispose',
    async run(dgram, t) {
      const s = t.watch(await t.bound('udp4'), 's');
      const p = s[Symbol.asyncDispose]();
      t.log('returns promise', p instanceof Promise);
      process.nextTick(() => t.log('nextTick after dispose'));
      const v = await p;
      t.log('resolved with', v);
      const p2 = s[Symbol.asyncDispose]();
      try { t.log('second dispose resolved with', await p2); } catch (e) { t.error(e, 'second dispose rejected'); }
      const u = t.watch(dgram.createSocket('udp4'), 'u');
      try { t.log('unbound dispose resolved with', await u[Symbol.asyncDispose]()); } catch (e) { t.error(e, 'unbound dispose rejected'); }
      const c = t.watch(await t.bound('udp4'), 'c');
      c.close();
      try { t.log('dispose after close() resolved with', await c[Symbol.asyncDispose]()); } catch (e) { t.error(e, 'dispose after close() rejected'); }
    },
  },
  {
    name: 'close: every method on a closed socket',
    // includes membership calls: run them in the private namespace, just in case
    netns: true,
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const port = r.address().port;
      const s = await t.bound('udp4');
      s.close();
      callAll(t, s, 'closed (same turn)', port);
      await t.once(s, 'close');
      callAll(t, s, 'closed', port);
      const u = dgram.createSocket('udp4');
      u.close();
      await t.once(u, 'close');
      callAll(t, u, 'closed unbound', port);
      await t.ticks(3);
    },
  },
  {
    name: 'close: every method on a socket that is not bound yet',
    // membership calls on an unbound socket may bind implicitly: private namespace
    netns: true,
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const port = r.address().port;
      for (const [label, fn] of ALL_CALLS) {
        const s = dgram.createSocket('udp4');
        s.on('error', (e) => t.error(e, `${label} error event`));
        s.on('listening', () => t.log(`${label} listening event`));
        t.tryIs(`unbound ${label}`, s, () => fn(s, port));
        await t.ticks(3);
        try { s.close(); } catch (e) { t.error(e, 'close'); }
      }
      const s6 = dgram.createSocket('udp6');
      for (const [label, fn] of [['address()', (s) => s.address()], ['getRecvBufferSize()', (s) => s.getRecvBufferSize()],
        ['setTTL(1)', (s) => s.setTTL(1)], ['setMulticastInterface("::")', (s) => s.setMulticastInterface('::')]]) {
        t.tryIs(`unbound udp6 ${label}`, s6, () => fn(s6));
      }
      s6.close();
      await t.ticks(2);
    },
  },
];
