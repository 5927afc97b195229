'use strict';
// What differs between Node lines (issue 16): bindSync()/connectSync() (Node 24.19+, 26.4+),
// the default lookup skipping dns.lookup for IP literals and the port '0' (24.19+, 26.5+), bind
// callbacks and unheard bind errors (24.21+, 26.8+), the DEP0112 private members (Node < 25).
// Each scenario runs on every Node: where a member is absent, it logs that it is absent.
// Only ever sends to 127.0.0.1 / ::1.

const DEP0112 = ['_handle', '_receiving', '_bindState', '_queue', '_reuseAddr', '_healthCheck', '_stopReceiving'];

function warnings(t) {
  const seen = [];
  const on = (w) => {
    seen.push(w);
    t.log('warning', w.name, w.code, w.message);
  };
  process.on('warning', on);
  return () => process.removeListener('warning', on);
}

module.exports = [
  {
    name: 'node lines: which members Socket.prototype has',
    async run(dgram, t) {
      const P = dgram.Socket.prototype;
      for (const k of ['bindSync', 'connectSync', ...DEP0112]) {
        const d = Object.getOwnPropertyDescriptor(P, k);
        t.log(k, d === undefined ? 'absent' : typeof d.value === 'function' ? `method/${d.value.length}` : `accessor get:${typeof d.get} set:${typeof d.set} enumerable:${d.enumerable}`);
      }
    },
  },
  {
    name: 'node lines: bindSync returns the address, listening a tick later, errors thrown',
    async run(dgram, t) {
      const s = t.watch(t.track(dgram.createSocket('udp4')), 's');
      if (typeof s.bindSync !== 'function') return t.log('no bindSync');
      process.nextTick(() => t.log('tick after bindSync'));
      const a = t.try('bindSync({address})', () => s.bindSync({ address: '127.0.0.1' }));
      t.log('address()', s.address());
      t.try('bindSync again', () => s.bindSync());
      t.try('bind after bindSync', () => s.bind(0));
      await t.once(s, 'listening');
      const s2 = t.watch(t.track(dgram.createSocket('udp4')), 's2');
      t.try('in use', () => s2.bindSync({ address: '127.0.0.1', port: s.address().port }));
      t.each('bindSync', [null, [], 'x', 5, { address: 'localhost' }, { address: 5 }, { port: 70000 }, { port: -1 }, { port: 'x' }, { port: 1.5 }], (o) => s2.bindSync(o));
      t.log('s2 still unbound', (() => { try { s2.address(); return false; } catch (e) { return e.code; } })());
      t.try('bindSync({port: "0", address: "127.0.0.1"})', () => s2.bindSync({ port: '0', address: '127.0.0.1' }));
      await t.once(s2, 'listening');
      const got = t.once(s, 'message');
      s2.send('over bindSync', s.address().port, '127.0.0.1');
      const m = await got;
      if (m) t.log('received', t.msg(m[0]), m[1]);
      // Closed before its tick: no listening.
      const s3 = t.watch(dgram.createSocket('udp6'), 's3');
      t.try('udp6 bindSync()', () => s3.bindSync());
      t.try('udp6 bindSync ipv4 literal', () => dgram.createSocket('udp6').bindSync({ address: '127.0.0.1' }));
      s3.close();
      await t.once(s3, 'close');
      const s4 = dgram.createSocket('udp4');
      s4.close();
      t.try('bindSync on a closed socket', () => s4.bindSync());
      await t.ticks(2);
    },
  },
  {
    name: 'node lines: connectSync binds, connects at once, connect a tick later',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = t.watch(t.track(dgram.createSocket('udp4')), 's');
      if (typeof s.connectSync !== 'function') return t.log('no connectSync');
      t.try('connectSync(port)', () => s.connectSync(r.address().port));
      t.log('remoteAddress()', s.remoteAddress());
      t.log('address().address', s.address().address);
      t.try('connectSync again', () => s.connectSync(r.address().port));
      t.try('connect again', () => s.connect(r.address().port));
      await t.once(s, 'connect');
      const got = t.once(r, 'message');
      s.send('over connectSync');
      const m = await got;
      if (m) t.log('received', t.msg(m[0]));
      const c = t.watch(t.track(dgram.createSocket('udp4')), 'c');
      t.each('connectSync port', [0, '0', -1, 65536, 'x', undefined, null, 1.5], (p) => c.connectSync(p, '127.0.0.1'));
      t.each('connectSync address', ['localhost', 5, {}, '::1'], (a) => c.connectSync(9, a));
      t.log('c connected?', (() => { try { return c.remoteAddress(); } catch (e) { return e.code; } })());
      const b = t.watch(t.track(dgram.createSocket('udp4')), 'b');
      b.bind(0, '127.0.0.1');
      t.try('connectSync while binding', () => b.connectSync(9));
      await t.once(b, 'listening');
      t.try('connectSync after bind', () => b.connectSync(r.address().port, '127.0.0.1'));
      const u6 = t.watch(t.track(dgram.createSocket('udp6')), 'u6');
      t.try('udp6 connectSync(ipv4)', () => u6.connectSync(9, '127.0.0.1'));
      t.log('u6 address after', (() => { try { return u6.address(); } catch (e) { return e.code; } })());
      t.try('udp6 connectSync(::1)', () => u6.connectSync(r.address().port === 9 ? 10 : 9, '::1'));
      const x = dgram.createSocket('udp4');
      x.close();
      t.try('connectSync on a closed socket', () => x.connectSync(9));
      const { BlockList } = require('net');
      if (typeof BlockList === 'function') {
        const bl = new BlockList();
        bl.addAddress('127.0.0.7');
        let k;
        try {
          k = t.track(dgram.createSocket({ type: 'udp4', sendBlockList: bl }));
        } catch (e) {
          t.log('no sendBlockList option');
        }
        if (k) {
          t.try('connectSync to a blocked address', () => k.connectSync(9, '127.0.0.7'));
          t.try('then to another', () => k.connectSync(9, '127.0.0.8'));
        }
      }
      await t.ticks(2);
    },
  },
  {
    name: 'node lines: connectSync right after sends of the same socket',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const s = t.watch(t.track(dgram.createSocket('udp4')), 's');
      if (typeof s.bindSync !== 'function') return t.log('no bindSync');
      t.try('bindSync', () => s.bindSync({ address: '127.0.0.1' }));
      await t.once(s, 'listening');
      let got = 0;
      r.on('message', () => got++);
      const port = r.address().port;
      await new Promise((done) => process.nextTick(() => {
        s.send('a', port, '127.0.0.1', t.cb('send a'));
        s.send('b', port, '127.0.0.1', t.cb('send b'));
        process.nextTick(() => t.try('connectSync', () => s.connectSync(port, '127.0.0.1')));
        s.send('c', port, '127.0.0.1', t.cb('send c', done));
      }));
      await t.ticks(3);
      const sentinel = t.once(r, 'message');
      s.send('sentinel');
      await sentinel;
      t.log('messages', got);
    },
  },
  {
    name: 'node lines: a replaced dns.lookup and IP literals',
    async run(dgram, t) {
      // (127.0.0.2/127.0.0.3 only: lookups of other hosts, e.g. by hostile mode's sentinel
      // socket sending to 127.0.0.1, are not this scenario's.)
      const dns = require('dns');
      const before = dns.lookup;
      dns.lookup = function (host, opts, cb) {
        if (host !== '127.0.0.1') t.log('dns.lookup', host, typeof opts === 'object' ? opts.family : opts);
        return before.apply(this, arguments);
      };
      try {
        const r = t.watch(t.track(dgram.createSocket('udp4')), 'r');
        r.bind(0, '127.0.0.2');
        await t.once(r, 'listening');
        const s = t.watch(t.track(dgram.createSocket('udp4')), 's');
        s.bind(0, '127.0.0.2');
        await t.once(s, 'listening');
        const got = t.once(r, 'message');
        s.send('a', r.address().port, '127.0.0.2', t.cb('send a'));
        const m = await got;
        if (m) t.log('received', t.msg(m[0]));
        const s6 = t.watch(t.track(dgram.createSocket('udp6')), 's6');
        t.try('udp6 bind 127.0.0.3', () => s6.bind(0, '127.0.0.3'));
        await t.first(s6, ['listening', 'error']);
        const s7 = t.watch(t.track(dgram.createSocket('udp4')), 's7');
        s7.connect(r.address().port, '127.0.0.2');
        await t.once(s7, 'connect');
      } finally {
        dns.lookup = before;
      }
    },
  },
  {
    name: 'node lines: bind with a callback and no error listener, the address in use',
    async run(dgram, t) {
      const a = await t.bound('udp4');
      const b = t.track(dgram.createSocket('udp4'));
      b.bind(a.address().port, '127.0.0.1', () => t.log('bound?'));
      t.log('error listeners', b.listenerCount('error'), 'listening listeners', b.listenerCount('listening'));
      await t.sleep(50);
      t.log('after: error listeners', b.listenerCount('error'), 'listening listeners', b.listenerCount('listening'));
      const c = t.track(dgram.createSocket('udp4'));
      c.on('error', (e) => t.error(e, 'c error'));
      c.bind(a.address().port, '127.0.0.1', () => t.log('c bound?'));
      await t.sleep(50);
      t.log('c after: error listeners', c.listenerCount('error'), 'listening listeners', c.listenerCount('listening'));
    },
  },
  {
    name: 'node lines: DEP0112 members read as the built-in, one deprecation warning',
    async run(dgram, t) {
      const stop = warnings(t);
      try {
        const s = t.track(dgram.createSocket('udp4'));
        if (!('_bindState' in s)) return t.log('no DEP0112 members');
        const show = (label) => {
          const h = s._handle;
          t.log(label, {
            bindState: s._bindState,
            receiving: s._receiving,
            queue: s._queue === undefined ? 'undefined' : Array.isArray(s._queue) ? `array ${s._queue.length}` : typeof s._queue,
            reuseAddr: s._reuseAddr,
            handle: h === null ? null : typeof h,
            fd: h === null ? null : h.fd > 0 ? 'fd' : h.fd,
          });
        };
        show('new');
        await t.ticks(1);
        s.bind(0, '127.0.0.1');
        show('binding');
        s.send('x', 9, '127.0.0.1');
        show('binding, a send queued');
        await t.once(s, 'listening');
        show('listening');
        t.tryIs('_healthCheck()', s, () => s._healthCheck());
        t.tryIs('_stopReceiving()', s, () => s._stopReceiving());
        show('stopped');
        const handle = s._handle;
        t.log('same handle object', handle === s._handle);
        const out = {};
        if (typeof handle.getsockname === 'function') {
          t.log('getsockname', handle.getsockname(out), out.address, out.family, out.port === s.address().port);
        }
        s.close();
        await t.once(s, 'close');
        show('closed');
        t.try('_healthCheck() closed', () => s._healthCheck());
        t.try('_stopReceiving() closed', () => s._stopReceiving());
        for (const opts of [{ type: 'udp4', reuseAddr: true }, { type: 'udp4', reuseAddr: false }, { type: 'udp4', reuseAddr: 1 }, { type: 'udp4', reuseAddr: 'yes' }]) {
          const r = dgram.createSocket(opts);
          t.log('reuseAddr', opts.reuseAddr, '->', r._reuseAddr);
          r.close();
        }
        await t.ticks(2);
      } finally {
        stop();
      }
    },
  },
  {
    name: 'node lines: DEP0112 warning names the member read first (_healthCheck)',
    async run(dgram, t) {
      const stop = warnings(t);
      try {
        const s = t.track(dgram.createSocket('udp4'));
        if (typeof s._healthCheck !== 'function') return t.log('no DEP0112 members');
        s._healthCheck();
        s._bindState;
        await t.ticks(2);
        t.log('dgram._createSocketHandle', typeof dgram._createSocketHandle);
      } finally {
        stop();
      }
    },
  },
];
