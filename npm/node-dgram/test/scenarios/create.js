'use strict';
// createSocket: both forms, the onMessage listener argument, socket type,
// exports, instanceof, EventEmitter surface, and createSocket misuse.

const { EventEmitter } = require('events');

const BAD = [undefined, null, NaN, 0, -1, 1.5, '', 'udp', 'UDP4', 'tcp', 'udp4 ', {}, [], true, () => {}, Symbol('s'), 10n];

module.exports = [
  {
    name: 'create: exports and instanceof',
    async run(dgram, t) {
      t.log('typeof createSocket', typeof dgram.createSocket);
      t.log('typeof Socket', typeof dgram.Socket);
      t.log('createSocket.length', dgram.createSocket.length);
      const s = dgram.createSocket('udp4');
      t.log('instanceof Socket', s instanceof dgram.Socket);
      t.log('instanceof EventEmitter', s instanceof EventEmitter);
      t.log('proto chain EventEmitter', EventEmitter.prototype.isPrototypeOf(s));
      t.log('type', s.type);
      t.log('listenerCount(message)', s.listenerCount('message'));
      t.log('eventNames', s.eventNames());
      const proto = dgram.Socket.prototype;
      const methods = ['addMembership', 'addSourceSpecificMembership', 'address', 'bind', 'close', 'connect',
        'disconnect', 'dropMembership', 'dropSourceSpecificMembership', 'getRecvBufferSize', 'getSendBufferSize',
        'getSendQueueSize', 'getSendQueueCount', 'ref', 'remoteAddress', 'send', 'setBroadcast',
        'setMulticastInterface', 'setMulticastLoopback', 'setMulticastTTL', 'setRecvBufferSize',
        'setSendBufferSize', 'setTTL', 'unref'];
      for (const m of methods) t.log('typeof', m, typeof s[m], 'on prototype', typeof proto[m]);
      t.log('typeof asyncDispose', typeof s[Symbol.asyncDispose]);
      const u6 = dgram.createSocket('udp6');
      t.log('udp6 type', u6.type, u6 instanceof dgram.Socket);
      s.close();
      u6.close();
    },
  },
  {
    name: 'create: new Socket() constructor',
    async run(dgram, t) {
      const s = new dgram.Socket('udp4');
      t.log('instanceof', s instanceof dgram.Socket, s.type);
      const o = new dgram.Socket({ type: 'udp6' });
      t.log('options form', o instanceof dgram.Socket, o.type);
      const l = new dgram.Socket('udp4', () => {});
      t.log('with listener', l.listenerCount('message'));
      t.try('new Socket(bad)', () => new dgram.Socket('nope'));
      s.close(); o.close(); l.close();
    },
  },
  {
    name: 'create: string form udp4 round trip with onMessage argument',
    async run(dgram, t) {
      let self;
      const r = dgram.createSocket('udp4', function (msg, rinfo) {
        self = this;
        t.log('onMessage', t.msg(msg), rinfo);
      });
      t.log('listenerCount(message)', r.listenerCount('message'));
      t.watch(r, 'r', ['listening', 'close']);
      r.bind(0, '127.0.0.1');
      await t.once(r, 'listening');
      const s = dgram.createSocket('udp4');
      s.send('hello', r.address().port, '127.0.0.1');
      await t.once(r, 'message');
      t.log('this === socket', self === r);
      r.close();
      s.close();
      await t.once(r, 'close');
    },
  },
  {
    name: 'create: options form with onMessage argument (udp6)',
    async run(dgram, t) {
      const r = dgram.createSocket({ type: 'udp6' }, (msg, rinfo) => t.log('onMessage', t.msg(msg), rinfo));
      t.log('listenerCount(message)', r.listenerCount('message'));
      r.bind(0, '::1');
      await t.once(r, 'listening');
      t.log('address', r.address());
      const s = dgram.createSocket({ type: 'udp6' });
      s.send(Buffer.from('hi6'), r.address().port, '::1');
      await t.once(r, 'message');
      r.close();
      s.close();
    },
  },
  {
    name: 'create: misuse of type (string and options forms)',
    async run(dgram, t) {
      t.try('createSocket()', () => dgram.createSocket());
      t.each('createSocket', BAD, (v) => dgram.createSocket(v));
      t.each('createSocket({type})', BAD, (v) => dgram.createSocket({ type: v }));
      t.try('createSocket({})', () => dgram.createSocket({}));
      t.try('createSocket(options without type, listener)', () => dgram.createSocket({ reuseAddr: true }, () => {}));
    },
  },
  {
    name: 'create: misuse of the listener argument',
    async run(dgram, t) {
      for (const v of [null, undefined, 1, 'x', {}, [], true]) {
        const r = t.try(`createSocket('udp4', ${require('../lib/harness').describe(v)})`, () => dgram.createSocket('udp4', v));
        if (r.ok) {
          t.log('listenerCount(message)', r.value.listenerCount('message'));
          r.value.close();
        }
      }
    },
  },
  {
    name: 'create: options object is not mutated and extra keys ignored',
    async run(dgram, t) {
      const opts = { type: 'udp4', bogus: 1 };
      const s = dgram.createSocket(opts);
      t.log('opts after', opts);
      t.log('type', s.type);
      s.close();
      const frozen = Object.freeze({ type: 'udp6' });
      t.try('frozen options', () => dgram.createSocket(frozen).close());
    },
  },
  {
    name: 'create: option misuse (reuseAddr, ipv6Only, reusePort, lookup, signal, blocklists)',
    async run(dgram, t) {
      const cases = [
        { reuseAddr: 'yes' }, { reuseAddr: 1 }, { ipv6Only: 'yes' }, { reusePort: 'yes' },
        { lookup: 'nope' }, { lookup: 1 }, { lookup: null },
        { signal: 'nope' }, { signal: {} }, { signal: null },
        { recvBufferSize: 'x' }, { sendBufferSize: -1 }, { recvBufferSize: NaN }, { sendBufferSize: 1.5 },
        { receiveBlockList: {} }, { sendBlockList: 'x' }, { receiveBlockList: null },
      ];
      for (const c of cases) {
        const r = t.try(`createSocket(${require('../lib/harness').describe(c)})`, () => dgram.createSocket(Object.assign({ type: 'udp4' }, c)));
        if (r.ok) {
          const s = r.value;
          s.on('error', (e) => t.error(e, 'error event'));
          const b = t.try('bind', () => s.bind(0, '127.0.0.1'));
          if (b.ok) {
            const [ev] = await t.first(s, ['listening', 'error']);
            t.log('after bind', ev);
          }
          try { s.close(); } catch (e) { t.error(e, 'close'); }
        }
      }
    },
  },
  {
    name: 'create: EventEmitter methods on a socket',
    async run(dgram, t) {
      const s = dgram.createSocket('udp4');
      const calls = [];
      const f = (x) => calls.push(['f', x]);
      t.log('on returns socket', s.on('foo', f) === s);
      t.log('once returns socket', s.once('foo', (x) => calls.push(['once', x])) === s);
      t.log('prepend returns socket', s.prependListener('foo', (x) => calls.push(['pre', x])) === s);
      t.log('emit', s.emit('foo', 1), s.emit('foo', 2), s.emit('nothing'));
      t.log('calls', calls);
      t.log('listenerCount', s.listenerCount('foo'), s.listeners('foo').length);
      t.log('off returns socket', s.off('foo', f) === s);
      t.log('eventNames', s.eventNames());
      t.log('setMaxListeners returns socket', s.setMaxListeners(3) === s, s.getMaxListeners());
      t.log('removeAllListeners returns socket', s.removeAllListeners() === s, s.eventNames());
      t.try('emit error without listener', () => s.emit('error', new Error('boom')));
      // 'listening' emitted by hand is just an event
      s.on('listening', () => t.log('manual listening'));
      s.emit('listening');
      s.close();
      await t.tick();
    },
  },
  {
    name: 'create: reuseAddr allows two sockets on one port',
    async run(dgram, t) {
      const a = t.watch(dgram.createSocket({ type: 'udp4', reuseAddr: true }), 'a', ['listening', 'error']);
      a.bind(0, '127.0.0.1');
      await t.once(a, 'listening');
      const port = a.address().port;
      const b = t.watch(dgram.createSocket({ type: 'udp4', reuseAddr: true }), 'b', ['listening', 'error']);
      b.bind(port, '127.0.0.1');
      await t.once(b, 'listening');
      t.log('same port', b.address().port === port);
      // Without reuseAddr on the third one: EADDRINUSE.
      const c = t.watch(dgram.createSocket({ type: 'udp4' }), 'c', ['listening', 'error']);
      c.bind(port, '127.0.0.1');
      await t.once(c, 'error');
      a.close(); b.close();
      try { c.close(); } catch (e) { t.error(e, 'c.close'); }
    },
  },
  {
    name: 'create: without reuseAddr second bind fails EADDRINUSE; explicit reuseAddr false',
    async run(dgram, t) {
      const a = t.watch(dgram.createSocket({ type: 'udp4', reuseAddr: false }), 'a', ['listening', 'error']);
      a.bind(0, '127.0.0.1');
      await t.once(a, 'listening');
      const b = t.watch(dgram.createSocket({ type: 'udp4', reuseAddr: true }), 'b', ['listening', 'error', 'close']);
      const ret = b.bind(a.address().port, '127.0.0.1');
      t.log('bind returned socket', ret === b);
      await t.once(b, 'error');
      t.try('b.address() after failed bind', () => b.address());
      t.try('b.close()', () => b.close());
      await t.tick();
      a.close();
    },
  },
  {
    name: 'create: reusePort option',
    async run(dgram, t) {
      const a = t.watch(dgram.createSocket({ type: 'udp4', reusePort: true }), 'a', ['listening', 'error']);
      a.bind(0, '127.0.0.1');
      await t.first(a, ['listening', 'error']);
      let port;
      try { port = a.address().port; } catch (e) { t.error(e, 'address'); }
      if (port) {
        const b = t.watch(dgram.createSocket({ type: 'udp4', reusePort: true }), 'b', ['listening', 'error']);
        b.bind(port, '127.0.0.1');
        await t.first(b, ['listening', 'error']);
        try { b.close(); } catch (e) { t.error(e, 'b.close'); }
      }
      try { a.close(); } catch (e) { t.error(e, 'a.close'); }
    },
  },
  {
    name: 'create: ipv6Only',
    async run(dgram, t) {
      // udp6 on :: with ipv6Only leaves the IPv4 port free; without it the port is taken.
      const six = t.watch(dgram.createSocket({ type: 'udp6', ipv6Only: true }), 'six', ['listening', 'error']);
      six.bind(0, '::');
      await t.once(six, 'listening');
      const port = six.address().port;
      const four = t.watch(dgram.createSocket('udp4'), 'four', ['listening', 'error']);
      four.bind(port, '0.0.0.0');
      await t.first(four, ['listening', 'error']);
      try { four.close(); } catch (e) { t.error(e); }
      six.close();

      const dual = t.watch(dgram.createSocket({ type: 'udp6', ipv6Only: false }), 'dual', ['listening', 'error']);
      dual.bind(0, '::');
      await t.once(dual, 'listening');
      const four2 = t.watch(dgram.createSocket('udp4'), 'four2', ['listening', 'error']);
      four2.bind(dual.address().port, '0.0.0.0');
      await t.first(four2, ['listening', 'error']);
      try { four2.close(); } catch (e) { t.error(e); }
      // a dual-stack socket receives IPv4 traffic as v4-mapped addresses
      const got = t.once(dual, 'message');
      const s4 = dgram.createSocket('udp4');
      s4.send('mapped', dual.address().port, '127.0.0.1');
      const m = await got;
      if (m) t.log('dual got', t.msg(m[0]), m[1]);
      s4.close();
      dual.close();
      // ipv6Only on a udp4 socket is ignored
      const u4 = dgram.createSocket({ type: 'udp4', ipv6Only: true });
      t.watch(u4, 'u4', ['listening', 'error']);
      u4.bind(0, '127.0.0.1');
      await t.first(u4, ['listening', 'error']);
      u4.close();
    },
  },
];
