'use strict';
// Program generator, renderer and interpreter of the differential fuzzer
// (test/fuzz.js).
//
// A program is plain JSON: { seed, steps: [...] }. Every argument of every
// call is a tagged "value spec" ({ t: 'v', v: 0 }, { t: 'cb' }, { t: 'port',
// of: 1 }, ...) that the interpreter materialises at run time (inside the
// child process, lib/child.js) and that render() prints as JS-like text.
//
// Determinism rules the interpreter enforces (so that builtin-vs-builtin is
// clean and a difference means a difference of the implementation):
//  - 'message' events are not written into the main log as they happen (their
//    position between other events depends on scheduling across sockets):
//    they are collected per receiver and per sender (in arrival order) and
//    logged at the end of the program, groups sorted by sender slot name;
//  - before a socket that was sent to is closed (close() or its AbortSignal),
//    the program settles (20 ms) so that datagrams in flight are received;
//  - a port of another slot is used only while that slot is bound (address()
//    works); otherwise the datagram goes to CLOSED_PORT. A port of a closed
//    slot is never reused (another process may have it by then);
//  - a CONNECTED socket never sends to a port that nobody of the program
//    listens on (ICMP port unreachable -> ECONNREFUSED at a racy moment):
//    such a send is skipped and logged as skipped (both sides decide alike);
//  - no real DNS: only IP literals and names answered by a custom lookup.
//    ('localhost' through dns.lookup goes through the libuv threadpool,
//    whose completion time races the program's ticks: not generated.)

const CLOSED_PORT = 9; // discard: nobody listens there (sends are unconnected)

// ---- PRNG --------------------------------------------------------------------------

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) { this.f = mulberry32((seed >>> 0) ^ 0x5bd1e995); }
  next() { return this.f(); }
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p) { return this.next() < p; }
  pick(a) { return a[Math.floor(this.next() * a.length)]; }
  // weighted: [[w, value], ...]
  wpick(list) {
    let tot = 0;
    for (const [w] of list) tot += w;
    let x = this.next() * tot;
    for (const [w, v] of list) { if ((x -= w) < 0) return v; }
    return list[list.length - 1][1];
  }
}

// ---- value specs --------------------------------------------------------------------

const V = (v) => ({ t: 'v', v });
const U = { t: 'u' };
const CB = { t: 'cb' };

// The table every custom lookup answers from (never real DNS).
function lookupAnswer(host, family) {
  const fam = family === 6 ? 6 : 4;
  const isV4 = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  const isV6 = typeof host === 'string' && host.includes(':');
  if (isV4) return [host, 4];
  if (isV6) return [host, 6];
  switch (host) {
    case 'localhost': case 'peer.test': return fam === 6 ? ['::1', 6] : ['127.0.0.1', 4];
    case 'any.test': return fam === 6 ? ['::', 6] : ['0.0.0.0', 4];
    case 'wrong.test': return fam === 6 ? ['127.0.0.1', 4] : ['::1', 6];
    case 'garbage.test': return ['not-an-ip', fam];
    default: return null; // ENOTFOUND (missing.test & co.)
  }
}

function msgSpec(r, tag) {
  const text = () => r.pick(['', 'a', 'hi', `m${tag}`, `hello-${tag}`, 'h\u00e9llo \u2603', 'x'.repeat(r.int(1, 40))]);
  const hex = (n) => { let s = ''; for (let i = 0; i < n; i++) s += r.int(0x20, 0x7e).toString(16); return s; };
  return r.wpick([
    [5, () => ({ t: 'v', v: text() })],
    [3, () => ({ t: 'bytes', ctor: 'Buffer', hex: hex(r.int(0, 12)) })],
    [2, () => ({ t: 'bytes', ctor: 'Uint8Array', hex: hex(r.int(1, 8)) })],
    [1, () => ({ t: 'bytes', ctor: 'Uint16Array', hex: hex(2 * r.int(1, 4)) })],
    [1, () => ({ t: 'bytes', ctor: 'Int32Array', hex: hex(4 * r.int(1, 2)) })],
    [1, () => ({ t: 'bytes', ctor: 'Float64Array', hex: hex(8) })],
    [1, () => ({ t: 'bytes', ctor: 'DataView', hex: hex(r.int(0, 8)) })],
    [1, () => ({ t: 'bytes', ctor: 'Buffer.subarray', hex: hex(r.int(4, 10)) })],
    [2, () => ({ t: 'arr', items: Array.from({ length: r.int(0, 3) }, () => r.wpick([
      [3, () => V(text())],
      [2, () => ({ t: 'bytes', ctor: 'Buffer', hex: hex(r.int(0, 5)) })],
      [1, () => ({ t: 'bytes', ctor: 'Uint8Array', hex: hex(r.int(1, 4)) })],
      [1, () => ({ t: 'bytes', ctor: 'DataView', hex: hex(r.int(1, 4)) })],
    ])()) })],
    [1, () => ({ t: 'big', n: r.pick([1472, 2000, 9000]), fill: r.int(0x41, 0x5a) })],
    [0.5, () => ({ t: 'big', n: r.pick([65508, 70000]), fill: 0x5a })], // EMSGSIZE
    // bad messages
    [1.2, () => r.pick([V(123), { t: 'n' }, U, { t: 'obj', props: {} }, V(true), { t: 'ab', n: 4 },
      { t: 'arr', items: [V(1), V(2)] }, { t: 'arr', items: [V('a'), V(1)] }, { t: 'arr', items: [{ t: 'n' }] }])],
  ])();
}

function msgLength(spec) {
  if (spec.t === 'v' && typeof spec.v === 'string') return Buffer.byteLength(spec.v);
  if (spec.t === 'bytes') return spec.ctor === 'Buffer.subarray' ? Math.max(0, spec.hex.length / 2 - 2) : spec.hex.length / 2;
  if (spec.t === 'big') return spec.n;
  return 4;
}

// ---- generator ------------------------------------------------------------------------

function loopback(type) { return type === 'udp6' ? '::1' : '127.0.0.1'; }

function genCreate(r, s, model) {
  const m = model[s];
  if (r.chance(0.1)) {
    m.valid = false;
    return { op: 'create', s, args: [r.pick([
      V('udp5'), V('UDP4'), U, { t: 'obj', props: {} }, { t: 'obj', props: { type: V('udp7') } },
      { t: 'obj', props: { type: V('udp4'), lookup: V(42) } },
      { t: 'obj', props: { type: V('udp4'), recvBufferSize: V(-1) } },
      { t: 'obj', props: { type: V('udp6'), sendBufferSize: V('big') } },
      { t: 'obj', props: { type: V('udp4'), signal: V('nope') } },
    ])] };
  }
  m.valid = true;
  m.type = r.chance(0.6) ? 'udp4' : 'udp6';
  const errListener = r.chance(0.9);
  if (r.chance(0.25)) {
    const args = [V(m.type)];
    if (r.chance(0.4)) args.push({ t: 'noop' });
    return { op: 'create', s, args, errListener };
  }
  const props = { type: V(m.type) };
  if (r.chance(0.3)) props.reuseAddr = V(r.chance(0.8));
  if (m.type === 'udp6' && r.chance(0.3)) { props.ipv6Only = V(r.chance(0.7)); m.ipv6Only = props.ipv6Only.v; }
  if (r.chance(0.2)) props.recvBufferSize = V(r.pick([65536, 131072, 262144]));
  if (r.chance(0.15)) props.sendBufferSize = V(r.pick([65536, 131072]));
  if (r.chance(0.35)) {
    m.lookup = r.wpick([[3, 'sync'], [3, 'async'], [2, 'tick'], [1, 'fail'], [1, 'throw']]);
    props.lookup = { t: 'lookup', kind: m.lookup };
  }
  if (r.chance(0.12)) { m.signal = true; props.signal = { t: 'signal', s, pre: r.chance(0.2) }; }
  return { op: 'create', s, args: [{ t: 'obj', props }], errListener };
}

function genAddr(r, m, forConnect) {
  const lb = loopback(m.type);
  const list = [[8, V(lb)], [3, U]];
  if (!forConnect) list.push([2, V(m.type === 'udp6' ? '::' : '0.0.0.0')], [1, V('')]);
  list.push([1, V(m.type === 'udp6' ? '127.0.0.1' : '::1')]);
  if (m.type === 'udp6') list.push([1, V('::ffff:127.0.0.1')]);
  if (!forConnect) list.push([0.5, V(m.type === 'udp6' ? '2001:db8::1' : '192.0.2.1')]); // not local: EADDRNOTAVAIL
  list.push([0.7, r.pick([V(12), { t: 'n' }, V(true), { t: 'obj', props: {} }])]);
  if (m.lookup) list.push([4, V(r.wpick([[4, 'peer.test'], [2, 'missing.test'], [1, 'wrong.test'], [1, 'garbage.test'], [1, 'localhost'], [1, 'any.test']]))]);
  return r.wpick(list);
}

function genPort(r, s, model, created, bad) {
  const others = created.filter((j) => j !== s);
  if (bad) return r.pick([V(-1), V(65536), V(1.5), { t: 'nan' }, V('abc'), V(''), { t: 'n' }, U, V('-1'), { t: 'obj', props: {} }]);
  return r.wpick([
    [others.length ? 8 : 0, () => ({ t: 'port', of: r.wpick(others.map((j) => [model[j].type === model[s].type ? 3 : 1, j])) })],
    [1, () => ({ t: 'port', of: s })],
    [1.5, () => ({ t: 'closed' })],
  ])();
}

function genBind(r, s, model, created) {
  const m = model[s];
  const port = () => r.wpick([
    [8, () => V(0)],
    [1.5, () => ({ t: 'port', of: r.pick(created), bind: true })],
    // (no -1, 1.5 or 70000: Node binds those to the fixed ports 65535, 1, 4464)
    [1.5, () => r.pick([V(65536), { t: 'nan' }, V('abc'), V(''), { t: 'n' }, U, V('-1'), V('0'), { t: 'obj', props: {} }, { t: 'inf' }])],
  ])();
  const addr = () => genAddr(r, m, false);
  const form = r.wpick([[1, 'none'], [1, 'cb'], [2, 'p'], [4, 'pa'], [3, 'pacb'], [1, 'pcb'], [3, 'obj'], [2, 'objcb'], [0.5, 'empty']]);
  switch (form) {
    case 'none': return [];
    case 'cb': return [CB];
    case 'p': return [port()];
    case 'pa': return [port(), addr()];
    case 'pacb': return [port(), addr(), CB];
    case 'pcb': return [port(), CB];
    case 'empty': return [{ t: 'obj', props: {} }];
    default: {
      const props = { port: port() };
      if (r.chance(0.8)) props.address = addr();
      if (r.chance(0.2)) props.exclusive = V(r.chance(0.5));
      return form === 'objcb' ? [{ t: 'obj', props }, CB] : [{ t: 'obj', props }];
    }
  }
}

function genConnect(r, s, model, created) {
  const m = model[s];
  if (r.chance(0.12)) {
    return r.pick([[], [V(0)], [V(-1)], [V('x')], [U, V(loopback(m.type))], [genPort(r, s, model, created, false), V(12)], [V(70000), CB]]);
  }
  const port = genPort(r, s, model, created, false);
  const form = r.wpick([[2, 'p'], [4, 'pa'], [3, 'pacb'], [2, 'pcb']]);
  const addr = () => genAddr(r, m, true);
  switch (form) {
    case 'p': return [port];
    case 'pa': return [port, addr()];
    case 'pacb': return [port, addr(), CB];
    default: return [port, CB];
  }
}

function genSend(r, s, model, created, tag) {
  const m = model[s];
  const msg = msgSpec(r, tag);
  const cb = () => (r.chance(0.6) ? [CB] : []);
  const port = () => (r.chance(0.08) ? genPort(r, s, model, created, true) : genPort(r, s, model, created, false));
  const addr = () => (r.chance(0.15) ? U : genAddr(r, m, true));
  const offLen = () => {
    const len = msgLength(msg);
    if (r.chance(0.15)) return r.pick([[V(-1), V(1)], [V(len + 1), V(0)], [V(0), V(len + 5)], [V('1'), V(1)], [V(1.5), V(1)]]);
    const off = r.int(0, len);
    return [V(off), V(r.int(0, len - off))];
  };
  const form = r.wpick([[6, 'pa'], [2, 'p'], [1.5, 'olpa'], [0.7, 'olp'], [2, 'conn'], [0.8, 'olconn']]);
  switch (form) {
    case 'pa': return [msg, port(), addr(), ...cb()];
    case 'p': return [msg, port(), ...cb()];
    case 'olpa': return [msg, ...offLen(), port(), addr(), ...cb()];
    case 'olp': return [msg, ...offLen(), port(), ...cb()];
    case 'conn': return [msg, ...cb()];
    default: return [msg, ...offLen(), ...cb()];
  }
}

function genOp(r, s, model, created, tag, progress) {
  const m = model[s];
  const call = (method, args) => ({ op: 'call', s, m: method, args });
  const kind = r.wpick([
    [5, 'bind'], [3, 'connect'], [1.2, 'disconnect'], [10, 'send'], [2, 'address'], [1.5, 'remoteAddress'],
    [1, 'setTTL'], [0.6, 'setBroadcast'], [0.6, 'setMulticastLoopback'], [1.2, 'bufsize'], [1.2, 'getbuf'],
    [1, 'ref'], [0.6, 'queue'], [4 * progress * progress, 'close'], [m.signal ? 2 * progress : 0, 'abort'],
  ]);
  switch (kind) {
    case 'bind': return call('bind', genBind(r, s, model, created));
    case 'connect': return call('connect', genConnect(r, s, model, created));
    case 'disconnect': return call('disconnect', []);
    case 'send': return call('send', genSend(r, s, model, created, tag));
    case 'address': return call('address', []);
    case 'remoteAddress': return call('remoteAddress', []);
    case 'setTTL': return call('setTTL', [r.pick([V(1), V(64), V(255), V(0), V(256), V('x'), V(-1)])]);
    case 'setBroadcast': return call('setBroadcast', [r.pick([V(true), V(false)])]);
    case 'setMulticastLoopback': return call('setMulticastLoopback', [r.pick([V(true), V(false), V(0)])]);
    case 'bufsize': return call(r.pick(['setRecvBufferSize', 'setSendBufferSize']),
      [r.pick([V(65536), V(131072), V(262144), V(-1), V('x'), { t: 'nan' }, V(1.5)])]);
    case 'getbuf': return call(r.pick(['getRecvBufferSize', 'getSendBufferSize']), []);
    case 'ref': return call(r.pick(['ref', 'unref']), []);
    case 'queue': return call(r.pick(['getSendQueueSize', 'getSendQueueCount']), []);
    case 'close': return call('close', r.wpick([[3, []], [3, [CB]], [0.3, [V('notfn')]]]));
    default: return { op: 'abort', s };
  }
}

function genWait(r, created) {
  return r.wpick([
    [3, () => ({ op: 'wait', kind: 'tick' })],
    [1, () => ({ op: 'wait', kind: 'micro' })],
    [4, () => ({ op: 'wait', kind: 'immediate' })],
    // (timers of 0-5 ms race with chains of setImmediate hops, e.g. an async lookup for an
    // implicit bind and then one for connect, when the loop is slow: only 10+ ms)
    [2, () => ({ op: 'wait', kind: 'timer', ms: r.int(10, 15) })],
    [2.5, () => ({ op: 'wait', kind: 'event', s: r.pick(created), ev: r.wpick([[4, 'listening'], [2, 'connect'], [2, 'close'], [1, 'error'], [3, 'message']]) })],
  ])();
}

function generate(seed) {
  const r = new Rng(seed);
  const nSock = r.wpick([[1, 1], [3, 2], [3, 3]]);
  const model = Array.from({ length: nSock }, () => ({}));
  const steps = [];
  const created = [];
  const total = r.int(5, 18); // operations (waits and the initial binds come on top)
  let tag = 0;
  let ops = 0;
  while (ops < total) {
    ops++;
    if (created.length < nSock && (created.length === 0 || r.chance(0.45))) {
      const s = created.length;
      steps.push(genCreate(r, s, model));
      created.push(s);
      if (model[s].valid && r.chance(0.6)) {
        // most programs want a receiver: a plain bind right away
        steps.push({ op: 'call', s, m: 'bind', args: r.chance(0.5) ? [V(0), V(loopback(model[s].type))] : [V(0), V(loopback(model[s].type)), CB] });
        if (r.chance(0.75)) steps.push({ op: 'wait', kind: 'event', s, ev: 'listening' });
      }
    } else {
      const s = r.pick(created);
      steps.push(genOp(r, s, model, created, `${seed % 1000}.${tag++}`, ops / total));
    }
    if (r.chance(0.5)) steps.push(genWait(r, created));
  }
  if (r.chance(0.4)) steps.push({ op: 'wait', kind: 'event', s: r.pick(created), ev: 'message' });
  return { seed, steps };
}

// ---- rendering -------------------------------------------------------------------------

function renderValue(v, slots) {
  switch (v.t) {
    case 'v': return typeof v.v === 'string' ? JSON.stringify(v.v).replace(/[\u0080-\uffff]/g, (c) => c) : String(v.v);
    case 'u': return 'undefined';
    case 'n': return 'null';
    case 'nan': return 'NaN';
    case 'inf': return 'Infinity';
    case 'cb': return 'cb';
    case 'noop': return 'function onMessage() {}';
    case 'port':
      if (slots && !slots.has(v.of)) return v.bind ? '0' : `${CLOSED_PORT} /* closed port */`;
      return v.bind ? `PORT0(s${v.of})` : `PORT(s${v.of})`;
    case 'closed': return `${CLOSED_PORT} /* closed port */`;
    case 'bytes': {
      const b = `Buffer.from('${v.hex}', 'hex')`;
      if (v.ctor === 'Buffer') return b;
      if (v.ctor === 'Buffer.subarray') return `${b}.subarray(1, -1)`;
      if (v.ctor === 'DataView') return `new DataView(${b}.buffer.slice(...))`;
      return `new ${v.ctor}(bytes('${v.hex}'))`;
    }
    case 'big': return `Buffer.alloc(${v.n}, ${v.fill})`;
    case 'ab': return `new ArrayBuffer(${v.n})`;
    case 'arr': return `[${v.items.map((x) => renderValue(x, slots)).join(', ')}]`;
    case 'obj': return `{ ${Object.entries(v.props).map(([k, x]) => `${k}: ${renderValue(x, slots)}`).join(', ')} }`.replace('{  }', '{}');
    case 'lookup': return `LOOKUP_${v.kind.toUpperCase()}`;
    case 'signal': return v.pre ? 'AbortSignal.abort()' : `ac${v.s}.signal`;
    default: return `<${v.t}?>`;
  }
}

function renderStep(st, slots) {
  const renderArgs = (args) => args.map((a) => renderValue(a, slots)).join(', ');
  switch (st.op) {
    case 'create': return `s${st.s} = dgram.createSocket(${renderArgs(st.args)});${st.errListener ? '' : ' // no error listener'}`;
    case 'call': return `s${st.s}.${st.m}(${renderArgs(st.args)});`;
    case 'abort': return `ac${st.s}.abort();`;
    case 'wait':
      switch (st.kind) {
        case 'tick': return 'await new Promise((r) => process.nextTick(r));';
        case 'micro': return 'await null;';
        case 'immediate': return 'await new Promise((r) => setImmediate(r));';
        case 'timer': return `await sleep(${st.ms});`;
        case 'event': return `await once(s${st.s}, '${st.ev}', { timeout: 250 });`;
        default: return `await ${st.kind};`;
      }
    default: return `/* ${JSON.stringify(st)} */`;
  }
}

const PRELUDE = [
  '// s<N>: every socket logs listening/connect/close/error; messages are collected per sender',
  '// cb: a callback that logs its arguments. PORT(sN): sN.address().port while sN is bound, else 9 (PORT0: else 0).',
  '// LOOKUP_SYNC/ASYNC/TICK: a custom lookup answering from a table (IP literals as is, localhost/peer.test',
  '//   -> loopback, missing.test -> ENOTFOUND, wrong.test -> other family, garbage.test -> "not-an-ip")',
  '//   synchronously / in setImmediate / in nextTick; LOOKUP_FAIL: ENOTFOUND for everything; LOOKUP_THROW throws.',
  '// At the end: settle 30 ms, log address()/remoteAddress() of every socket, the messages, close all.',
];

function render(prog, { prelude = true } = {}) {
  const slots = new Set(prog.steps.filter((st) => st.op === 'create').map((st) => st.s));
  const lines = prog.steps.map((st, i) => `/*${String(i).padStart(2)} */ ${renderStep(st, slots)}`);
  return (prelude ? PRELUDE.concat(lines) : lines).join('\n');
}

// ---- interpreter (runs inside lib/child.js) -----------------------------------------------

function bytesFromHex(hex) { return Buffer.from(hex, 'hex'); }

function makeLookup(kind, t, label) {
  return function lookup(host, ...rest) {
    const cb = rest[rest.length - 1];
    t._gc();
    t.log(label, 'lookup called', host, ...rest.slice(0, -1).map((a) => (a && typeof a === 'object' ? { ...a } : a)), typeof cb);
    if (kind === 'throw') throw Object.assign(new Error('lookup exploded'), { code: 'EBOOM' });
    const opt = rest.length > 1 ? rest[0] : undefined;
    const family = typeof opt === 'number' ? opt : (opt && opt.family);
    const respond = () => {
      const ans = kind === 'fail' ? null : lookupAnswer(host, family === 6 || family === 'IPv6' ? 6 : 4);
      if (!ans) {
        const e = new Error(`getaddrinfo ENOTFOUND ${host}`);
        e.code = 'ENOTFOUND';
        e.hostname = host;
        cb(e);
      } else if (opt && typeof opt === 'object' && opt.all) {
        cb(null, [{ address: ans[0], family: ans[1] }]);
      } else cb(null, ans[0], ans[1]);
    };
    if (kind === 'async') setImmediate(respond);
    else if (kind === 'tick') process.nextTick(respond);
    else respond();
  };
}

function v4of(addr) {
  if (typeof addr !== 'string') return null;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return addr;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : null;
}

// Would a datagram to dest (address string) be accepted by a socket bound to `bound`?
function accepts(bound, ipv6Only, dest) {
  const d4 = v4of(dest);
  const b4 = v4of(bound.address);
  if (bound.family === 'IPv4' || b4) {
    if (!d4) return false;
    return (b4 || bound.address) === '0.0.0.0' || (b4 || bound.address) === d4;
  }
  if (bound.address === '::') return d4 ? !ipv6Only : true;
  return !d4 && bound.address === dest;
}

async function run(prog, dgram, t) {
  const S = []; // slot -> { sock, label, port, dirty, ac, ipv6Only, type, pendingPeer }
  const msgs = new Map(); // slot label -> [[rawPort, address, family, size, buf]]
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const livePort = (j) => {
    const st = S[j];
    if (!st) return null;
    try { const a = st.sock.address(); return typeof a.port === 'number' ? a.port : null; } catch { return null; }
  };
  const liveAccepting = (port, dest) => {
    for (let k = 0; k < S.length; k++) {
      const st = S[k];
      if (!st) continue;
      let a;
      try { a = st.sock.address(); } catch { continue; }
      if (a.port === port && accepts(a, st.ipv6Only, dest)) return true;
    }
    return false;
  };
  const markDirty = (port) => {
    for (let k = 0; k < S.length; k++) if (S[k] && livePort(k) === port) S[k].dirty = true;
  };

  function mat(v, ctx) {
    switch (v.t) {
      case 'v': return v.v;
      case 'u': return undefined;
      case 'n': return null;
      case 'nan': return NaN;
      case 'inf': return Infinity;
      case 'cb': return t.cb(`${ctx.label} cb`);
      case 'noop': return function onMessage() {};
      case 'port': {
        const p = livePort(v.of);
        if (p === null) return v.bind ? 0 : CLOSED_PORT; // never bind a fixed port
        ctx.ports.push(p);
        return p;
      }
      case 'closed': return CLOSED_PORT;
      case 'bytes': {
        const b = bytesFromHex(v.hex);
        switch (v.ctor) {
          case 'Buffer': return b;
          case 'Buffer.subarray': return Buffer.from(b).subarray(1, Math.max(1, b.length - 1));
          case 'DataView': { const ab = new ArrayBuffer(b.length + 2); new Uint8Array(ab).set(b, 1); return new DataView(ab, 1, b.length); }
          default: { const C = globalThis[v.ctor]; const ab = new ArrayBuffer(b.length); new Uint8Array(ab).set(b); return new C(ab); }
        }
      }
      case 'big': return Buffer.alloc(v.n, v.fill);
      case 'ab': return new ArrayBuffer(v.n);
      case 'arr': return v.items.map((x) => mat(x, ctx));
      case 'obj': {
        const o = {};
        for (const [k, x] of Object.entries(v.props)) o[k] = mat(x, ctx);
        return o;
      }
      case 'lookup': return makeLookup(v.kind, t, `s${ctx.s}`);
      case 'signal': {
        const ac = new AbortController();
        if (v.pre) ac.abort();
        ctx.ac = ac;
        return ac.signal;
      }
      default: throw new Error(`fuzz: unknown value spec ${JSON.stringify(v)}`);
    }
  }

  function destAddress(st, addrArg) {
    // the address a send/connect goes to: default loopback, literal, or the lookup table's answer
    const fam = st.type === 'udp6' ? 6 : 4;
    if (addrArg === undefined || addrArg === null || addrArg === '') return loopback(st.type);
    if (typeof addrArg !== 'string') return null;
    if (!st.lookupKind) return addrArg;
    if (st.lookupKind === 'fail' || st.lookupKind === 'throw') return null;
    const a = lookupAnswer(addrArg, fam);
    return a ? a[0] : null;
  }

  for (let i = 0; i < prog.steps.length; i++) {
    const step = prog.steps[i];
    const label = `#${i}`;
    if (step.op === 'create') {
      const ctx = { label, ports: [], s: step.s };
      const args = step.args.map((a) => mat(a, ctx));
      const res = t.try(`${label} s${step.s} = createSocket`, () => dgram.createSocket(...args));
      if (res.ok && res.value) {
        const sock = res.value;
        const name = `s${step.s}`;
        t.name(sock, name);
        const o = args[0] && typeof args[0] === 'object' ? args[0] : {};
        const st = { sock, name, ac: ctx.ac, ipv6Only: !!o.ipv6Only, type: typeof args[0] === 'string' ? args[0] : o.type, lookupKind: null, dirty: false, counts: {}, consumed: {}, pendingPeer: null, port: null };
        const lk = step.args[0] && step.args[0].t === 'obj' && step.args[0].props.lookup;
        if (lk) st.lookupKind = lk.kind;
        S[step.s] = st;
        msgs.set(name, []);
        // (t._gc(): gc() inside every listener in hostile mode, a no-op otherwise)
        sock.on('listening', () => {
          t._gc();
          try { st.port = sock.address().port; } catch {}
          t.entries.push([name, 'listening']);
        });
        sock.on('connect', (...a) => { t._gc(); t.entries.push([name, 'connect', ...a.map((x) => t.normalize(x))]); });
        sock.on('close', (...a) => { t._gc(); t.entries.push([name, 'close', ...a.map((x) => t.normalize(x))]); });
        if (step.errListener) sock.on('error', (e) => { t._gc(); t.entries.push([name, 'error', t.errShape(e)]); });
        // (an 'error' listener only when the program has one: otherwise errors must stay uncaught)
        for (const ev of ['listening', 'connect', 'close', 'message'].concat(step.errListener ? ['error'] : [])) sock.on(ev, () => { st.counts[ev] = (st.counts[ev] || 0) + 1; });
        sock.on('message', (msg, rinfo) => {
          t._gc();
          msgs.get(name).push([rinfo && rinfo.port, rinfo && rinfo.address, rinfo && rinfo.family, rinfo && rinfo.size, msg]);
        });
      }
      continue;
    }
    if (step.op === 'wait') {
      switch (step.kind) {
        case 'tick': await new Promise((r) => process.nextTick(r)); break;
        case 'micro': await null; break;
        case 'immediate': await new Promise((r) => setImmediate(r)); break;
        case 'timer': await sleep(step.ms); break;
        case 'event': {
          const st = S[step.s];
          if (!st) break;
          // Count-based: consume one occurrence of the event, waiting for it if it has not
          // happened yet. (Whether a datagram was already received when the wait starts
          // depends on timing; whether it is received at all does not.)
          const seen = () => (st.counts[step.ev] || 0) > (st.consumed[step.ev] || 0);
          let got = seen();
          if (!got) {
            got = await new Promise((resolve) => {
              const fn = () => { t._gc(); clearTimeout(timer); resolve(true); };
              st.sock.once(step.ev, fn);
              const timer = setTimeout(() => { st.sock.removeListener(step.ev, fn); resolve(false); }, 250);
            });
          }
          if (got) st.consumed[step.ev] = (st.consumed[step.ev] || 0) + 1;
          t.entries.push([label, `wait ${st.name} ${step.ev}`, got ? 'got it' : 'timed out']);
          break;
        }
      }
      continue;
    }
    const st = S[step.s];
    if (!st) continue; // socket was never created (or creation threw)
    if (step.op === 'abort') {
      if (!st.ac) continue;
      if (st.dirty) { await sleep(20); st.dirty = false; }
      t.try(`${label} ac${step.s}.abort()`, () => st.ac.abort());
      continue;
    }
    // op === 'call'
    const sock = st.sock;
    const ctx = { label, ports: [], s: step.s };
    if (step.m === 'close' && st.dirty) { await sleep(20); st.dirty = false; }
    const args = step.args.map((a) => mat(a, ctx));
    if (step.m === 'send') {
      // A connected (or connecting) socket must only send where somebody listens.
      let peer = null;
      try { const ra = sock.remoteAddress(); peer = { port: ra.port, address: ra.address }; } catch {}
      if (!peer && st.pendingPeer) peer = st.pendingPeer;
      if (peer) {
        if (!(typeof peer.port === 'number' && typeof peer.address === 'string' && liveAccepting(peer.port, peer.address))) {
          t.entries.push([`${label} s${step.s}.send`, 'skipped: connected to a port nobody listens on']);
          continue;
        }
        markDirty(peer.port);
      }
      for (const p of ctx.ports) markDirty(p);
    }
    const r = t.tryIs(`${label} s${step.s}.${step.m}`, sock, () => sock[step.m](...args));
    if (step.m === 'connect' && r.ok) {
      const port = args[0];
      st.pendingPeer = { port, address: destAddress(st, typeof args[1] === 'function' ? undefined : args[1]) };
    }
    if (step.m === 'disconnect' && r.ok) st.pendingPeer = null;
  }

  // ---- finale: settle, final state, messages, close everything ----
  await sleep(30);
  await t.ticks(2);
  for (let k = 0; k < S.length; k++) {
    const st = S[k];
    if (!st) continue;
    t.try(`end s${k}.address()`, () => st.sock.address());
    t.try(`end s${k}.remoteAddress()`, () => st.sock.remoteAddress());
  }
  const portOwner = new Map();
  for (const st of S) if (st && st.port !== null) portOwner.set(st.port, st.name);
  for (const st of S) {
    if (!st) continue;
    const groups = new Map();
    for (const [port, address, family, size, buf] of msgs.get(st.name)) {
      const from = portOwner.has(port) ? portOwner.get(port) : `port ${t.port(port)}`;
      const key = JSON.stringify([from, address, family]);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push([size, t.msg(buf)]);
    }
    for (const key of [...groups.keys()].sort()) {
      t.entries.push([`${st.name} received from`, ...JSON.parse(key), groups.get(key)]);
    }
  }
  for (const st of S) {
    if (!st) continue;
    t.tryIs(`end ${st.name}.close()`, st.sock, () => st.sock.close());
  }
  await t.ticks(2);
  await sleep(5);
}

module.exports = { generate, render, renderStep, run, Rng, CLOSED_PORT };
