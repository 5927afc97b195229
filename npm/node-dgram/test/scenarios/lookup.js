'use strict';
// The `lookup` option: custom resolvers, sync and async, failing, odd answers.
// No real DNS is ever used: every host name here is answered by the custom
// lookup function (names are under the reserved .test TLD anyway).

const { describe } = require('../lib/harness');

function describeArgs(args) {
  return args.map((a) => (typeof a === 'function' ? '<function>' : a && typeof a === 'object' ? { ...a } : a));
}

// A lookup that answers from a table; mode 'sync' | 'async' | 'tick'.
function tableLookup(t, table, mode, label = 'lookup') {
  return function lookup(...args) {
    t.log(label, 'called with', describeArgs(args), 'this is socket?', this && typeof this.send === 'function');
    const [host] = args;
    const cb = args[args.length - 1];
    const answer = table[host];
    const respond = () => {
      if (!answer) {
        const e = new Error(`getaddrinfo ENOTFOUND ${host}`);
        e.code = 'ENOTFOUND';
        e.hostname = host;
        cb(e);
      } else cb(null, answer[0], answer[1]);
    };
    if (mode === 'sync') respond();
    else if (mode === 'tick') process.nextTick(respond);
    else setImmediate(respond);
  };
}

const TABLE = {
  'peer.test': ['127.0.0.1', 4],
  'self.test': ['127.0.0.1', 4],
  'six.test': ['::1', 6],
  '127.0.0.1': ['127.0.0.1', 4],
  '::1': ['::1', 6],
  '': ['127.0.0.1', 4],
  '0.0.0.0': ['0.0.0.0', 4],
  '::': ['::', 6],
  'localhost': ['127.0.0.1', 4],
  'wrongfamily.test': ['::1', 6],
  'garbage.test': ['not-an-ip', 4],
  'nofamily.test': ['127.0.0.1', undefined],
};

module.exports = ['sync', 'async'].flatMap((mode) => [
  {
    name: `lookup: ${mode} custom lookup for bind, send and connect`,
    async run(dgram, t) {
      const lookup = tableLookup(t, TABLE, mode);
      const r = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'r');
      process.nextTick(() => t.log('nextTick queued before bind'));
      const listening = t.once(r, 'listening');
      t.tryIs('bind(0, "self.test")', r, () => r.bind(0, 'self.test', t.cb('bind cb')));
      process.nextTick(() => t.log('nextTick queued after bind'));
      await listening;
      t.log('r address', r.address());
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      t.try('send to peer.test', () => s.send('via lookup', r.address().port, 'peer.test', t.cb('send cb')));
      process.nextTick(() => t.log('nextTick queued after send'));
      await t.once(r, 'message');
      t.try('send without address', () => s.send('default', r.address().port, t.cb('send cb 2')));
      await t.once(r, 'message');
      const c = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'c');
      const cc = t.once(c, 'connect');
      t.try('connect to peer.test', () => c.connect(r.address().port, 'peer.test', t.cb('connect cb')));
      await cc;
      t.try('remoteAddress', () => c.remoteAddress());
      const c2 = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'c2');
      const cc2 = t.once(c2, 'connect');
      t.try('connect without address', () => c2.connect(r.address().port, t.cb('connect cb 2')));
      await cc2;
      await t.ticks(2);
    },
  },
  {
    name: `lookup: ${mode} custom lookup on udp6`,
    async run(dgram, t) {
      const lookup = tableLookup(t, TABLE, mode);
      const r = t.watch(dgram.createSocket({ type: 'udp6', lookup }), 'r');
      const listening = t.once(r, 'listening');
      r.bind(0, 'six.test');
      await listening;
      t.log('address', r.address());
      const s = t.watch(dgram.createSocket({ type: 'udp6', lookup }), 's');
      s.send('six', r.address().port, 'six.test', t.cb('send cb'));
      await t.once(r, 'message');
      s.send('dflt', r.address().port, t.cb('send cb default'));
      await t.once(r, 'message');
      await t.ticks(2);
    },
  },
  {
    name: `lookup: ${mode} failing lookup (injected ENOTFOUND) for bind, send, connect`,
    async run(dgram, t) {
      const lookup = tableLookup(t, TABLE, mode);
      const b = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'b');
      t.tryIs('bind to missing.test', b, () => b.bind(0, 'missing.test', t.cb('bind cb')));
      await t.ticks(4);
      t.try('b.address()', () => b.address());
      t.try('b.close()', () => b.close());

      const r = await t.bound('udp4');
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      let done;
      const cbP = new Promise((res) => { done = res; });
      t.try('send to missing.test with cb', () => s.send('x', r.address().port, 'missing.test', t.cb('send cb', done)));
      await t.timeout(cbP, 2000, 'send cb');
      await t.ticks(2);
      t.try('send to missing.test without cb', () => s.send('y', r.address().port, 'missing.test'));
      await t.ticks(4);
      // the socket still works afterwards
      const got = t.once(r, 'message');
      s.send('ok after failure', r.address().port, 'peer.test');
      const m = await got;
      if (m) t.log('r got', t.msg(m[0]));

      const c = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'c');
      t.try('connect to missing.test', () => c.connect(r.address().port, 'missing.test', t.cb('connect cb')));
      await t.ticks(4);
      t.try('c.remoteAddress()', () => c.remoteAddress());
      t.try('c.connect again', () => c.connect(r.address().port, 'peer.test'));
      await t.ticks(3);
      try { c.close(); } catch (e) { t.error(e, 'c.close'); }
    },
  },
  {
    name: `lookup: ${mode} odd answers (wrong family, garbage address, missing family)`,
    async run(dgram, t) {
      const lookup = tableLookup(t, TABLE, mode);
      for (const host of ['wrongfamily.test', 'garbage.test', 'nofamily.test']) {
        const b = t.watch(dgram.createSocket({ type: 'udp4', lookup }), `bind ${host}`);
        t.tryIs(`bind(0, ${host})`, b, () => b.bind(0, host));
        await t.ticks(4);
        try { b.close(); } catch (e) { t.error(e, 'close'); }
        const r = await t.bound('udp4');
        const s = dgram.createSocket({ type: 'udp4', lookup });
        s.on('error', (e) => t.error(e, `send ${host} error event`));
        let done;
        const p = new Promise((res) => { done = res; });
        t.try(`send to ${host}`, () => s.send('odd', r.address().port, host, t.cb(`send ${host} cb`, done)));
        await t.timeout(p, 1000, 'send cb');
        await t.ticks(2);
        s.close();
      }
    },
  },
]).concat([
  {
    name: 'lookup: a lookup that throws synchronously',
    async run(dgram, t) {
      const lookup = () => { throw Object.assign(new Error('lookup exploded'), { code: 'EBOOM' }); };
      const b = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'b');
      t.tryIs('bind', b, () => b.bind(0, 'x.test'));
      await t.ticks(3);
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      t.try('send', () => s.send('x', 9, 'x.test', t.cb('send cb')));
      await t.ticks(3);
      const c = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'c');
      t.try('connect', () => c.connect(9, 'x.test', t.cb('connect cb')));
      await t.ticks(3);
    },
  },
  {
    name: 'lookup: a lookup that never answers leaves bind pending; close still works',
    async run(dgram, t) {
      const lookup = (...args) => { t.log('lookup called', describe(args[0])); };
      const b = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 'b');
      b.bind(0, 'hang.test');
      b.send('queued', 9, 'hang.test', t.cb('send cb'));
      await t.ticks(3);
      t.try('address() while pending', () => b.address());
      t.try('getSendQueueCount()', () => b.getSendQueueCount());
      t.tryIs('close', b, () => b.close(t.cb('close cb')));
      await t.ticks(3);
      await t.sleep(30);
      t.log('after close + 30 ms');
      t.try('address() after close', () => b.address());
    },
  },
  {
    name: 'lookup: answering twice',
    async run(dgram, t) {
      const lookup = (host, fam, cb) => { cb(null, '127.0.0.1', 4); cb(null, '127.0.0.1', 4); };
      const r = await t.bound('udp4');
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      t.tryIs('bind', s, () => s.bind(0, 'twice.test'));
      await t.ticks(3);
      s.send('once?', r.address().port, 'twice.test', t.cb('send cb'));
      let n = 0;
      r.on('message', () => n++);
      await t.until(() => n >= 1, 'a message', 300);
      await t.sleep(20);
      t.log('messages', n);
    },
  },
  {
    name: 'lookup: implicit bind fails (lookup of the default address errors) with queued sends',
    async run(dgram, t) {
      const r = await t.bound('udp4');
      const lookup = (host, fam, cb) => {
        t.log('lookup', host, fam);
        if (host === 'peer.test') return process.nextTick(cb, null, '127.0.0.1', 4);
        const e = new Error(`injected failure for ${host}`);
        e.code = 'EINJECTED';
        process.nextTick(cb, e);
      };
      const s = t.watch(dgram.createSocket({ type: 'udp4', lookup }), 's');
      t.try('send #1', () => s.send('q1', r.address().port, 'peer.test', t.cb('cb #1')));
      t.try('send #2', () => s.send('q2', r.address().port, 'peer.test', t.cb('cb #2')));
      await t.ticks(4);
      await t.sleep(10);
      t.try('address()', () => s.address());
      t.try('send #3 after failure', () => s.send('q3', r.address().port, 'peer.test', t.cb('cb #3')));
      await t.ticks(4);
      t.try('close', () => s.close());
      await t.ticks(2);
    },
  },
]);
