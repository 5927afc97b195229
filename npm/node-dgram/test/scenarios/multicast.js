'use strict';
// Multicast, broadcast, membership, multicast interface and TTL.
// EVERY scenario here is `netns: true`: it runs in a private network namespace
// made by the runner (lo up; veth v0 198.51.100.1/24 + 2001:db8::1/64 <-> v1
// 198.51.100.2/24 + 2001:db8::2/64; default routes via v0). Nothing here may run
// in the root namespace.

const { describe } = require('../lib/harness');

const V0 = '198.51.100.1';
const V1 = '198.51.100.2';
const BCAST = '198.51.100.255';
const GROUP = '239.1.2.3';
const SSM_GROUP = '232.1.2.3';
const GROUP6 = 'ff12::1:2';
const SSM_GROUP6 = 'ff32::8000:1';

// Bind a receiver on 0.0.0.0 (or ::) with a random port.
async function receiver(dgram, t, type = 'udp4', label = 'r') {
  const r = t.watch(dgram.createSocket({ type, reuseAddr: true }), label, ['message', 'error']);
  r.bind(0, type === 'udp6' ? '::' : '0.0.0.0');
  await t.once(r, 'listening');
  return r;
}

// Send `msg` from `s` to group:port, then a unicast sentinel to `r` over
// loopback from another socket, and wait for the sentinel: anything `r` gets
// from the first send is logged before it (by t.watch).
async function sendThenSentinel(dgram, t, s, r, msg, dst, type = 'udp4') {
  const port = r.address().port;
  let done;
  const p = new Promise((res) => { done = res; });
  s.send(msg, port, dst, t.cb(`send ${msg} cb`, done));
  await t.timeout(p, 2000, `send ${msg} cb`);
  // give looped-back / veth copies the time to land, then the sentinel
  await t.sleep(20);
  const z = dgram.createSocket(type);
  const got = new Promise((res) => r.on('message', function f(m) { if (m.toString() === 'sentinel') { r.removeListener('message', f); res(); } }));
  z.send('sentinel', port, type === 'udp6' ? '::1' : '127.0.0.1');
  await t.timeout(got, 2000, 'sentinel');
  t.retire(z);
}

const BAD_STR = [undefined, null, 123, {}, [], true, Symbol('g')];

module.exports = [
  {
    name: 'multicast: addMembership, receive, dropMembership',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      t.try('addMembership(group, v0)', () => r.addMembership(GROUP, V0));
      const s = await t.bound('udp4', V0);
      t.try('setMulticastInterface(v0)', () => s.setMulticastInterface(V0));
      await sendThenSentinel(dgram, t, s, r, 'joined', GROUP);
      t.try('dropMembership(group, v0)', () => r.dropMembership(GROUP, V0));
      await sendThenSentinel(dgram, t, s, r, 'after drop', GROUP);
      t.try('addMembership(group) without interface', () => r.addMembership(GROUP));
      await sendThenSentinel(dgram, t, s, r, 'joined default iface', GROUP);
      t.try('dropMembership(group)', () => r.dropMembership(GROUP));
    },
  },
  {
    name: 'multicast: membership errors and misuse',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      t.try('addMembership()', () => r.addMembership());
      t.try('dropMembership()', () => r.dropMembership());
      t.each('addMembership(x)', BAD_STR.slice(2), (g) => r.addMembership(g));
      t.each('addMembership(group, x)', [123, {}, true], (i) => r.addMembership(GROUP, i));
      t.each('dropMembership(x)', BAD_STR.slice(2), (g) => r.dropMembership(g));
      t.try('addMembership(unicast)', () => r.addMembership('198.51.100.7'));
      t.try('addMembership(not an ip)', () => r.addMembership('not-an-ip'));
      t.try('addMembership(group, not local iface)', () => r.addMembership(GROUP, '192.0.2.1'));
      t.try('addMembership(group, bad iface string)', () => r.addMembership(GROUP, 'bogus'));
      t.try('addMembership(ipv6 group) on udp4', () => r.addMembership(GROUP6));
      t.try('addMembership(group, v0) #1', () => r.addMembership(GROUP, V0));
      t.try('addMembership(group, v0) #2', () => r.addMembership(GROUP, V0));
      t.try('dropMembership(group, v0) #1', () => r.dropMembership(GROUP, V0));
      t.try('dropMembership(group, v0) #2', () => r.dropMembership(GROUP, V0));
      t.try('dropMembership(never joined)', () => r.dropMembership('239.9.9.9'));
      t.try('addMembership("")', () => r.addMembership(''));
      // still works
      t.try('addMembership(group, v0) again', () => r.addMembership(GROUP, V0));
      const s = await t.bound('udp4', V0);
      s.setMulticastInterface(V0);
      await sendThenSentinel(dgram, t, s, r, 'still works', GROUP);
    },
  },
  {
    name: 'multicast: addMembership on an unbound socket binds implicitly',
    netns: true,
    async run(dgram, t) {
      const r = t.watch(dgram.createSocket('udp4'), 'r');
      t.try('addMembership before bind', () => r.addMembership(GROUP, V0));
      await t.ticks(3);
      t.try('address()', () => r.address());
      t.try('bind after implicit bind', () => r.bind(0));
      await t.ticks(3);
      t.try('dropMembership', () => r.dropMembership(GROUP, V0));
      const u = t.watch(dgram.createSocket('udp4'), 'u');
      t.try('dropMembership before bind', () => u.dropMembership(GROUP, V0));
      await t.ticks(2);
      // A send's implicit bind on a silently bound socket fails too; the send waits in vain.
      const w = t.watch(dgram.createSocket('udp4'), 'w');
      t.try('addMembership before send', () => w.addMembership(GROUP, V0));
      t.try('send after implicit bind', () => w.send('x', 9, '127.0.0.1', t.cb('w send cb')));
      await t.ticks(4);
      t.try('connect after implicit bind', () => w.connect(9, '127.0.0.1', t.cb('w connect cb')));
      await t.ticks(4);
      t.try('addMembership again', () => w.addMembership('239.1.2.4', V0));
      t.try('address() after all', () => w.address());
    },
  },
  {
    name: 'multicast: source-specific membership',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      t.try('addSourceSpecificMembership(v0, ssm, v0)', () => r.addSourceSpecificMembership(V0, SSM_GROUP, V0));
      const s = await t.bound('udp4', V0);
      s.setMulticastInterface(V0);
      await sendThenSentinel(dgram, t, s, r, 'from allowed source', SSM_GROUP);
      const other = await t.bound('udp4', V1);
      other.setMulticastInterface(V0);
      await sendThenSentinel(dgram, t, other, r, 'from other source', SSM_GROUP);
      t.try('addSourceSpecificMembership twice', () => r.addSourceSpecificMembership(V0, SSM_GROUP, V0));
      t.try('dropSourceSpecificMembership', () => r.dropSourceSpecificMembership(V0, SSM_GROUP, V0));
      t.try('dropSourceSpecificMembership twice', () => r.dropSourceSpecificMembership(V0, SSM_GROUP, V0));
      await sendThenSentinel(dgram, t, s, r, 'after drop', SSM_GROUP);
      t.try('add without interface', () => r.addSourceSpecificMembership(V0, SSM_GROUP));
      t.try('drop without interface', () => r.dropSourceSpecificMembership(V0, SSM_GROUP));
    },
  },
  {
    name: 'multicast: source-specific membership misuse',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      t.try('add()', () => r.addSourceSpecificMembership());
      t.try('add(source)', () => r.addSourceSpecificMembership(V0));
      t.try('drop()', () => r.dropSourceSpecificMembership());
      t.each('add(x, group)', [123, null, {}, true], (x) => r.addSourceSpecificMembership(x, SSM_GROUP));
      t.each('add(source, x)', [123, null, {}, true], (x) => r.addSourceSpecificMembership(V0, x));
      t.each('add(source, group, x)', [123, {}, true], (x) => r.addSourceSpecificMembership(V0, SSM_GROUP, x));
      t.each('drop(x, group)', [123, null], (x) => r.dropSourceSpecificMembership(x, SSM_GROUP));
      t.try('add(source, non-SSM group)', () => r.addSourceSpecificMembership(V0, GROUP, V0));
      t.try('add(multicast source, group)', () => r.addSourceSpecificMembership('239.0.0.1', SSM_GROUP, V0));
      t.try('add(source, unicast group)', () => r.addSourceSpecificMembership(V0, V1, V0));
      t.try('add(garbage, group)', () => r.addSourceSpecificMembership('garbage', SSM_GROUP));
      t.try('add(ipv6 source, ipv4 group)', () => r.addSourceSpecificMembership('2001:db8::1', SSM_GROUP));
      t.try('add(source, group, non-local iface)', () => r.addSourceSpecificMembership(V0, SSM_GROUP, '192.0.2.1'));
      t.try('drop(never joined)', () => r.dropSourceSpecificMembership(V0, SSM_GROUP, V0));
      t.try('add ok afterwards', () => r.addSourceSpecificMembership(V0, SSM_GROUP, V0));
    },
  },
  {
    name: 'multicast: IPv6 membership, interface and receive',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t, 'udp6');
      t.try('addMembership(ff12::1:2, ::%v0)', () => r.addMembership(GROUP6, '::%v0'));
      const s = await t.bound('udp6', '2001:db8::1');
      t.try('setMulticastInterface(::%v0)', () => s.setMulticastInterface('::%v0'));
      await sendThenSentinel(dgram, t, s, r, 'six', GROUP6, 'udp6');
      t.try('dropMembership', () => r.dropMembership(GROUP6, '::%v0'));
      await sendThenSentinel(dgram, t, s, r, 'six after drop', GROUP6, 'udp6');
      t.try('addMembership(ipv4 group) on udp6', () => r.addMembership(GROUP));
      t.try('addMembership(group6, ::%nope)', () => r.addMembership(GROUP6, '::%nope'));
      t.try('addMembership(group6) default iface', () => r.addMembership(GROUP6));
      t.try('addSourceSpecificMembership v6', () => r.addSourceSpecificMembership('2001:db8::1', SSM_GROUP6, '::%v0'));
      t.try('dropSourceSpecificMembership v6', () => r.dropSourceSpecificMembership('2001:db8::1', SSM_GROUP6, '::%v0'));
      t.each('udp6 setMulticastInterface', ['::', '::%v1', '::%nope', '2001:db8::1', 'v0', '', '198.51.100.1'], (i) => s.setMulticastInterface(i));
    },
  },
  {
    name: 'multicast: setMulticastLoopback',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      r.addMembership(GROUP, V0);
      const s = await t.bound('udp4', V0);
      s.setMulticastInterface(V0);
      t.try('setMulticastLoopback(false)', () => s.setMulticastLoopback(false));
      await sendThenSentinel(dgram, t, s, r, 'loop off', GROUP);
      t.try('setMulticastLoopback(true)', () => s.setMulticastLoopback(true));
      await sendThenSentinel(dgram, t, s, r, 'loop on', GROUP);
      t.each('setMulticastLoopback', [0, 1, 'x', '', null, undefined, {}, NaN, 2], (v) => s.setMulticastLoopback(v));
      t.try('setMulticastLoopback()', () => s.setMulticastLoopback());
      const s6 = await t.bound('udp6', '::');
      t.try('udp6 setMulticastLoopback(false)', () => s6.setMulticastLoopback(false));
      t.try('udp6 setMulticastLoopback(true)', () => s6.setMulticastLoopback(true));
    },
  },
  {
    name: 'multicast: setMulticastTTL',
    netns: true,
    async run(dgram, t) {
      const s = await t.bound('udp4', V0);
      t.each('setMulticastTTL', [0, 1, 64, 255, 256, -1, 1.5, NaN, '1', 'x', null, undefined, {}, true, 10n, 2 ** 31], (v) => s.setMulticastTTL(v));
      t.try('setMulticastTTL()', () => s.setMulticastTTL());
      const s6 = await t.bound('udp6', '::');
      t.each('udp6 setMulticastTTL', [0, 1, 255, 256, -1], (v) => s6.setMulticastTTL(v));
      // still works
      const r = await receiver(dgram, t);
      r.addMembership(GROUP, V0);
      s.setMulticastInterface(V0);
      s.setMulticastTTL(1);
      await sendThenSentinel(dgram, t, s, r, 'ttl 1', GROUP);
    },
  },
  {
    name: 'multicast: setTTL',
    netns: true,
    async run(dgram, t) {
      const s = await t.bound('udp4', V0);
      t.each('setTTL', [1, 64, 255, 0, 256, -1, 1.5, NaN, '1', 'x', null, undefined, {}, true, 10n, 2 ** 31], (v) => s.setTTL(v));
      t.try('setTTL()', () => s.setTTL());
      const s6 = await t.bound('udp6', '::');
      t.each('udp6 setTTL', [1, 255, 0, 256, -1], (v) => s6.setTTL(v));
      // still works, with a low TTL, to a neighbour in the namespace
      const r = t.watch(await t.bound('udp4', V1), 'r', ['message']);
      s.setTTL(1);
      let done;
      const p = new Promise((res) => { done = res; });
      const got = t.once(r, 'message');
      s.send('ttl 1 unicast', r.address().port, V1, t.cb('send cb', done));
      await p;
      await got;
    },
  },
  {
    name: 'multicast: setMulticastInterface',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      r.addMembership(GROUP, V0);
      const s = await t.bound('udp4', '0.0.0.0');
      t.each('setMulticastInterface', [V0, V1, '0.0.0.0', '192.0.2.1', 'bogus', '', '::1', '255.255.255.255'], (i) => s.setMulticastInterface(i));
      t.each('setMulticastInterface', BAD_STR, (i) => s.setMulticastInterface(i));
      t.try('setMulticastInterface()', () => s.setMulticastInterface());
      // the source address follows the chosen interface
      t.try('setMulticastInterface(v0)', () => s.setMulticastInterface(V0));
      await sendThenSentinel(dgram, t, s, r, 'via v0', GROUP);
      t.try('setMulticastInterface(v1)', () => s.setMulticastInterface(V1));
      await sendThenSentinel(dgram, t, s, r, 'via v1', GROUP);
    },
  },
  {
    name: 'broadcast: setBroadcast and sending to broadcast addresses',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      const s = t.track(dgram.createSocket('udp4'));
      t.try('setBroadcast(true) before bind', () => s.setBroadcast(true));
      s.bind(0, V0);
      await t.once(s, 'listening');
      await sendThenSentinel(dgram, t, s, r, 'bcast without flag', BCAST);
      t.try('setBroadcast(true)', () => s.setBroadcast(true));
      await sendThenSentinel(dgram, t, s, r, 'bcast with flag', BCAST);
      await sendThenSentinel(dgram, t, s, r, 'limited bcast', '255.255.255.255');
      t.try('setBroadcast(false)', () => s.setBroadcast(false));
      await sendThenSentinel(dgram, t, s, r, 'bcast flag off again', BCAST);
      t.each('setBroadcast', [1, 0, 'x', '', null, undefined, {}], (v) => s.setBroadcast(v));
      t.try('setBroadcast()', () => s.setBroadcast());
      const s6 = await t.bound('udp6', '::');
      t.try('udp6 setBroadcast(true)', () => s6.setBroadcast(true));
    },
  },
  {
    name: 'broadcast: connected to a broadcast address',
    netns: true,
    async run(dgram, t) {
      const r = await receiver(dgram, t);
      const s = t.watch(dgram.createSocket('udp4'), 's', ['connect', 'error']);
      s.bind(0, V0);
      await t.once(s, 'listening');
      s.connect(r.address().port, BCAST, t.cb('connect cb'));
      await t.ticks(4);
      await t.sleep(10);
      t.try('remoteAddress', () => s.remoteAddress());
      t.try('send without port after failed connect', () => s.send('x'));
      s.setBroadcast(true);
      const c = t.once(s, 'connect');
      t.tryIs('connect again with SO_BROADCAST', s, () => s.connect(r.address().port, BCAST, t.cb('connect cb 2')));
      await c;
      t.try('remoteAddress', () => s.remoteAddress());
      const got = t.once(r, 'message');
      s.send('connected bcast with flag', t.cb('send cb'));
      await got;
      await t.ticks(2);
    },
  },
];

void describe;
