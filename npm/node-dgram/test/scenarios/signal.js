'use strict';
// The `signal` option (AbortController), and net.BlockList options.

const net = require('net');

module.exports = [
  {
    name: 'signal: abort after bind closes the socket',
    async run(dgram, t) {
      const ac = new AbortController();
      const s = t.watch(dgram.createSocket({ type: 'udp4', signal: ac.signal }), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'listening');
      process.nextTick(() => t.log('nextTick before abort'));
      ac.abort();
      t.log('sync after abort');
      process.nextTick(() => t.log('nextTick after abort'));
      await t.once(s, 'close');
      await t.ticks(2);
      t.tryIs('close() after abort', s, () => s.close());
      t.try('send after abort', () => s.send('x', 9, '127.0.0.1'));
      ac.abort();
      t.log('second abort is harmless');
    },
  },
  {
    name: 'signal: abort before bind, and with a reason',
    async run(dgram, t) {
      const ac = new AbortController();
      const s = t.watch(dgram.createSocket({ type: 'udp4', signal: ac.signal }), 's');
      ac.abort(new Error('my reason'));
      t.log('sync after abort');
      await t.once(s, 'close');
      t.tryIs('bind after abort', s, () => s.bind(0));
      await t.ticks(2);
    },
  },
  {
    name: 'signal: already-aborted signal',
    async run(dgram, t) {
      const sig = AbortSignal.abort();
      const r = t.try('createSocket with aborted signal', () => dgram.createSocket({ type: 'udp4', signal: sig }));
      if (!r.ok) return;
      const s = t.watch(r.value, 's');
      process.nextTick(() => t.log('nextTick after create'));
      t.tryIs('bind', s, () => s.bind(0, '127.0.0.1'));
      await t.ticks(3);
      await t.sleep(10);
      t.try('address()', () => s.address());
      t.tryIs('close()', s, () => s.close());
      await t.ticks(2);
    },
  },
  {
    name: 'signal: abort after close, and abort while binding',
    async run(dgram, t) {
      const ac = new AbortController();
      const s = t.watch(dgram.createSocket({ type: 'udp4', signal: ac.signal }), 's');
      s.bind(0, '127.0.0.1');
      s.close();
      await t.once(s, 'close');
      ac.abort();
      await t.ticks(2);
      t.log('no second close');
      const ac2 = new AbortController();
      const b = t.watch(dgram.createSocket({ type: 'udp4', signal: ac2.signal }), 'b');
      b.bind(0, '127.0.0.1', t.cb('bind cb'));
      ac2.abort();
      await t.ticks(3);
      await t.sleep(10);
    },
  },
  {
    name: 'signal: AbortSignal.timeout',
    async run(dgram, t) {
      const s = t.watch(dgram.createSocket({ type: 'udp4', signal: AbortSignal.timeout(20) }), 's');
      s.bind(0, '127.0.0.1');
      await t.once(s, 'close');
    },
  },
  {
    name: 'blocklist: sendBlockList rejects sends to blocked addresses',
    async run(dgram, t) {
      const bl = new net.BlockList();
      bl.addAddress('127.0.0.2');
      bl.addSubnet('::1', 128, 'ipv6');
      const r = await t.bound('udp4', '127.0.0.2');
      const ok = await t.bound('udp4', '127.0.0.1');
      t.watch(r, 'r', ['message']);
      t.watch(ok, 'ok', ['message']);
      const s = t.watch(dgram.createSocket({ type: 'udp4', sendBlockList: bl }), 's');
      let done;
      const p = new Promise((res) => { done = res; });
      t.try('send to blocked', () => s.send('blocked', r.address().port, '127.0.0.2', t.cb('blocked cb', done)));
      await t.timeout(p, 2000, 'blocked cb');
      t.try('send to blocked, no cb', () => s.send('blocked2', r.address().port, '127.0.0.2'));
      await t.ticks(3);
      const got = t.once(ok, 'message');
      t.try('send to allowed', () => s.send('allowed', ok.address().port, '127.0.0.1', t.cb('allowed cb')));
      await got;
      // sentinel to r from another socket: nothing from s came before it
      const z = dgram.createSocket('udp4');
      const gz = t.once(r, 'message');
      z.send('sentinel', r.address().port, '127.0.0.2');
      await gz;
      z.close();
      // connect to a blocked address
      const c = t.watch(dgram.createSocket({ type: 'udp4', sendBlockList: bl }), 'c');
      t.try('connect to blocked', () => c.connect(r.address().port, '127.0.0.2', t.cb('connect cb')));
      await t.ticks(4);
      await t.sleep(10);
      t.try('remoteAddress', () => c.remoteAddress());
    },
  },
  {
    name: 'blocklist: receiveBlockList drops datagrams from blocked senders',
    async run(dgram, t) {
      const bl = new net.BlockList();
      bl.addAddress('127.0.0.3');
      const r = t.watch(dgram.createSocket({ type: 'udp4', receiveBlockList: bl }), 'r');
      r.bind(0, '127.0.0.1');
      await t.once(r, 'listening');
      const bad = await t.bound('udp4', '127.0.0.3');
      const good = await t.bound('udp4', '127.0.0.4');
      bad.send('from blocked', r.address().port, '127.0.0.1');
      await t.tick();
      const got = t.once(r, 'message');
      good.send('from allowed', r.address().port, '127.0.0.1');
      await got;
      await t.ticks(2);
      // connected to a blocked peer
      const c = t.watch(dgram.createSocket({ type: 'udp4', receiveBlockList: bl }), 'c');
      c.connect(bad.address().port, '127.0.0.3', t.cb('connect cb'));
      await t.ticks(4);
      await t.sleep(10);
    },
  },
  {
    name: 'blocklist: invalid blocklist options',
    async run(dgram, t) {
      for (const [k, v] of [['receiveBlockList', {}], ['sendBlockList', 'x'], ['receiveBlockList', null], ['sendBlockList', 1], ['receiveBlockList', new net.BlockList()]]) {
        const r = t.try(`createSocket({${k}: ${require('../lib/harness').describe(v)}})`, () => dgram.createSocket({ type: 'udp4', [k]: v }));
        if (r.ok) r.value.close();
      }
    },
  },
];
