'use strict';
// Diagnostics (issue 16): process.getActiveResourcesInfo() and process._getActiveHandles() list
// a socket as the built-in's ('UDPWrap', the socket) when bound, unbound, unref'd, closing and
// closed; AsyncLocalStorage gives listeners and callbacks the built-in's contexts; async_hooks
// see one 'UDPWRAP' resource (a UDP handle) made with each socket.
// Only ever sends to 127.0.0.1.

const { AsyncLocalStorage, createHook } = require('async_hooks');

function udpWraps() {
  return process.getActiveResourcesInfo().filter((x) => x === 'UDPWrap').length;
}

function ownedBy(socket) {
  return process._getActiveHandles().filter((h) => h === socket).length;
}

module.exports = [
  {
    name: 'diagnostics: getActiveResourcesInfo and _getActiveHandles through a socket\'s life',
    async run(dgram, t) {
      const base = udpWraps();
      const show = (label, s) => t.log(label, 'UDPWrap', udpWraps() - base, 'handle owned by the socket', ownedBy(s));
      const s = t.track(dgram.createSocket('udp4'));
      show('created', s);
      s.unref();
      show('unref unbound', s);
      s.ref();
      show('ref unbound', s);
      s.bind(0, '127.0.0.1');
      show('binding', s);
      await t.once(s, 'listening');
      show('bound', s);
      s.unref();
      show('unref bound', s);
      s.ref();
      show('ref again', s);
      const u = t.track(dgram.createSocket('udp6'));
      u.unref();
      show('plus an unref\'d udp6', s);
      s.close();
      show('closing', s);
      await t.once(s, 'close');
      show('close event', s);
      await new Promise((r) => setImmediate(r));
      show('immediate after close', s);
      await t.sleep(5);
      show('a while after close', s);
      u.close();
      s.unref();
      s.ref();
      show('ref/unref after close', s);
      await t.sleep(5);
      show('end', s);
    },
  },
  {
    name: 'diagnostics: AsyncLocalStorage contexts of listeners and callbacks',
    async run(dgram, t) {
      const als = new AsyncLocalStorage();
      const seen = new Map();
      const note = (label) => {
        const list = seen.get(label) || [];
        list.push(als.getStore());
        seen.set(label, list);
      };
      const r = als.run('create r', () => t.track(dgram.createSocket('udp4')));
      let got = 0;
      let allIn;
      const all = new Promise((res) => { allIn = res; });
      r.on('message', () => { note('r message'); if (++got === 4) allIn(); });
      await new Promise((res) => als.run('bind r', () => r.bind(0, '127.0.0.1', () => { note('bind cb'); res(); })));
      const port = r.address().port;
      const s = als.run('create s', () => t.track(dgram.createSocket({ type: 'udp4', lookup: (h, o, cb) => { note('lookup'); cb(null, '127.0.0.1', 4); } })));
      for (const ev of ['listening', 'connect', 'close', 'error']) s.on(ev, () => note(`s ${ev} event`));
      await new Promise((res) => als.run('send 1', () => s.send('1', port, '127.0.0.1', () => { note('send 1 cb'); res(); })));
      await new Promise((res) => als.run('send named', () => s.send('2', port, 'peer.test', () => { note('send named cb'); res(); })));
      await new Promise((res) => als.run('connect', () => s.connect(port, '127.0.0.1', () => { note('connect cb'); res(); })));
      await new Promise((res) => als.run('send connected', () => s.send('3', () => { note('send connected cb'); res(); })));
      const d = als.run('create d', () => t.track(dgram.createSocket('udp4')));
      d.on('error', (e) => note(`d error ${e.code}`));
      als.run('send 9', () => d.send('x', 9, '127.0.0.1', (e) => note(`d send cb ${e && e.code}`)));
      const f = als.run('create f', () => t.track(dgram.createSocket({ type: 'udp4', lookup: (h, o, cb) => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })) })));
      const failed = new Promise((res) => f.on('error', (e) => { note(`f error event ${e.code}`); res(); }));
      als.run('failing send', () => f.send('x', 9, 'peer.test'));
      await t.timeout(failed, 3000, 'f error');
      als.run('send 4', () => d.send('4', port, '127.0.0.1'));
      await t.timeout(all, 3000, 'four messages');
      await new Promise((res) => als.run('close', () => s.close(() => { note('close cb'); res(); })));
      await t.ticks(3);
      for (const k of [...seen.keys()].sort()) t.log(k, seen.get(k));
    },
  },
  {
    name: 'diagnostics: async_hooks see one UDPWRAP resource per socket, a UDP handle with hasRef()',
    async run(dgram, t) {
      // (test/async-hooks.test.js compares everything async_hooks see of whole programs.)
      const made = new Set();
      let inits = 0;
      const hook = createHook({
        init(id, type, trigger, resource) {
          if (type !== 'UDPWRAP') return;
          inits++;
          made.add(resource);
        },
      }).enable();
      try {
        const a = t.track(dgram.createSocket('udp4'));
        const b = t.track(dgram.createSocket('udp6'));
        t.log('UDPWRAP inits and resources for two sockets', inits, made.size, [...made].map((r) => r && r.constructor && r.constructor.name));
        t.log('hasRef', [...made].map((r) => r.hasRef()));
        a.unref();
        t.log('hasRef after a.unref()', [...made].map((r) => r.hasRef()));
        a.close();
        b.close();
        await t.ticks(2);
      } finally {
        hook.disable();
      }
    },
  },
];
