'use strict';
// The `t` object handed to every scenario, and the normalisation of observed
// values into plain JSON so that two runs (builtin vs addon) compare.
//
// Everything recorded goes through `normalize`, which turns values that JSON
// cannot show (undefined, NaN, -0, bigint, symbols, functions, Buffers,
// TypedArrays, errors, sockets) into tagged strings/objects, and replaces
// ephemeral port numbers by stable tokens `<port#N>`.

const fs = require('fs');
const { EventEmitter } = require('events');

function readEphemeralRange() {
  try {
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {}
  return [1024, 65535];
}
const [EPH_LO, EPH_HI] = readEphemeralRange();

function isEphemeral(n) {
  return typeof n === 'number' && Number.isInteger(n) && n >= EPH_LO && n <= EPH_HI;
}

function ctorName(v) {
  try {
    const c = v && v.constructor;
    return (c && typeof c.name === 'string') ? c.name : null;
  } catch { return null; }
}

function isPrintable(str) {
  return /^[\x20-\x7e]*$/.test(str);
}

function bytesOf(v) {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

// A short stable description of a value, used in labels (t.each).
function describe(v) {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'function';
  if (typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${ctorName(v)}(${v.byteLength})`;
  if (Array.isArray(v)) return `[${v.map(describe).join(',')}]`;
  if (v instanceof EventEmitter) return `<${ctorName(v)}>`;
  try {
    const cn = ctorName(v);
    const prefix = cn && cn !== 'Object' ? cn : '';
    return `${prefix}{${Object.keys(v).map((k) => `${k}:${describe(v[k])}`).join(',')}}`;
  } catch { return '<object>'; }
}

// Hostile mode (lib/hostile.js): the harness holds sockets only weakly, so that a socket that
// only its listeners refer to can be collected if the implementation lets it be (Node's built-in
// never does before close). Iterates the sockets still alive.
class WeakSocketSet {
  constructor() { this._refs = new Set(); this._members = new WeakSet(); }
  add(s) {
    if (s === null || (typeof s !== 'object' && typeof s !== 'function')) return this;
    if (!this._members.has(s)) { this._members.add(s); this._refs.add(new WeakRef(s)); }
    return this;
  }
  *[Symbol.iterator]() {
    for (const r of this._refs) {
      const s = r.deref();
      if (s === undefined) this._refs.delete(r);
      else yield s;
    }
  }
}

// (lib/hostile.js: a full gc, or a minor one if the last full one was less than 1 ms ago)
const hostileGc = require('./hostile').gc;
function forceGc() { hostileGc(); }

class Harness {
  constructor(dgram, opts = {}) {
    this.dgram = dgram;
    this.entries = [];
    this.portMap = new Map();
    this.impl = opts.impl;
    this.env = opts.env || {};
    this._finishResolve = null;
    this.finished = new Promise((r) => { this._finishResolve = r; });
    this.isDone = false;
    this.hostile = !!opts.hostile;
    this._sockets = this.hostile ? new WeakSocketSet() : new Set();
    // gc() inside every listener and callback of the harness in hostile mode.
    this._gc = this.hostile ? forceGc : () => {};
    // 'uncaught' is emitted here by lib/child.js on an uncaught exception.
    this.bus = new EventEmitter();
  }

  // ---- ports -------------------------------------------------------------
  // Map a real ephemeral port number to a stable token by first appearance.
  // Non-ephemeral numbers (0, 1, 65536, ...) are returned unchanged.
  port(n) {
    if (!isEphemeral(n)) return n;
    if (!this.portMap.has(n)) this.portMap.set(n, `<port#${this.portMap.size + 1}>`);
    return this.portMap.get(n);
  }

  // Replace known ephemeral ports inside a string (error messages).
  _scrub(str) {
    if (typeof str !== 'string') return str;
    return str.replace(/(?<!\d)\d{4,5}(?!\d)/g, (m) => {
      const n = Number(m);
      return this.portMap.has(n) || isEphemeral(n) ? String(this.port(n)) : m;
    });
  }

  // ---- normalisation -------------------------------------------------------
  errShape(e) {
    if (e === null || e === undefined || (typeof e !== 'object' && typeof e !== 'function')) {
      return { notAnError: this.normalize(e) };
    }
    const out = { error: ctorName(e) };
    const pick = (k) => {
      let v;
      try { v = e[k]; } catch (err) { v = `<getter threw ${err && err.message}>`; }
      return v;
    };
    out.name = pick('name');
    if (!(e instanceof Error)) out.instanceofError = false;
    for (const k of ['code', 'message', 'errno', 'syscall', 'address', 'port', 'hostname', 'info', 'cause']) {
      const v = pick(k);
      if (v === undefined) continue;
      if (k === 'port') out.port = this.port(v);
      else if (k === 'message') out.message = this._scrub(v);
      else if (k === 'cause' || k === 'info') out[k] = this.normalize(v);
      else out[k] = v;
    }
    try { out.keys = Object.keys(e).sort(); } catch {}
    const stack = pick('stack');
    if (typeof stack === 'string') out.stackHead = this._scrub(stack.split('\n')[0]);
    return out;
  }

  normalize(v, depth = 0) {
    if (v === undefined) return '<undefined>';
    if (v === null) return null;
    switch (typeof v) {
      case 'string': return v;
      case 'boolean': return v;
      case 'number':
        if (Number.isNaN(v)) return '<NaN>';
        if (Object.is(v, -0)) return '<-0>';
        if (!Number.isFinite(v)) return v > 0 ? '<Infinity>' : '<-Infinity>';
        return v;
      case 'bigint': return `<${v}n>`;
      case 'symbol': return `<${v.toString()}>`;
      case 'function': return `<function${v.name ? ' ' + v.name : ''}>`;
    }
    if (depth > 6) return '<deep>';
    if (v instanceof Error || (typeof v.code === 'string' && typeof v.message === 'string')) {
      return this.errShape(v);
    }
    if (this.dgram && typeof this.dgram.Socket === 'function' && v instanceof this.dgram.Socket) {
      return `<Socket${this._sockName(v)}>`;
    }
    if (v instanceof Promise) return '<Promise>';
    if (Buffer.isBuffer(v)) return { [ctorName(v) || 'Buffer']: this.bytes(v) };
    if (ArrayBuffer.isView(v)) return { [ctorName(v) || 'View']: this.bytes(bytesOf(v)) };
    if (v instanceof ArrayBuffer) return { ArrayBuffer: this.bytes(Buffer.from(v)) };
    if (v instanceof EventEmitter) return `<${ctorName(v)}>`;
    if (Array.isArray(v)) return v.map((x) => this.normalize(x, depth + 1));
    const out = {};
    const cn = ctorName(v);
    if (cn && cn !== 'Object') out['<class>'] = cn;
    for (const k of Object.keys(v)) {
      const x = v[k];
      out[k] = (k === 'port' && isEphemeral(x)) ? this.port(x) : this.normalize(x, depth + 1);
    }
    return out;
  }

  bytes(buf) {
    const s = buf.toString('latin1');
    if (buf.length <= 64 && isPrintable(s)) return `"${s}"`;
    if (buf.length <= 32) return `hex:${buf.toString('hex')}`;
    // Big payloads: length plus a digest-ish summary (sum and first/last bytes).
    let sum = 0;
    for (const b of buf) sum = (sum + b) >>> 0;
    return `len=${buf.length} sum=${sum} head=${buf.subarray(0, 8).toString('hex')} tail=${buf.subarray(-8).toString('hex')}`;
  }

  // Give sockets a stable name for logs: t.name(socket, 'srv').
  name(sock, label) { this._names = this._names || (this.hostile ? new WeakMap() : new Map()); this._names.set(sock, label); return sock; }
  _sockName(s) { const n = this._names && this._names.get(s); return n ? ' ' + n : ''; }

  // ---- recording -------------------------------------------------------------
  log(...values) {
    this.entries.push(values.map((v) => this.normalize(v)));
  }

  error(e, label) {
    const shape = this.errShape(e);
    this.entries.push(label === undefined ? [shape] : [label, shape]);
  }

  // Run fn; log what it returned (normalised) or what it threw.
  // Returns { ok, value, error }.
  try(label, fn) {
    try {
      const value = fn();
      this.entries.push([label, 'returned', this.normalize(value)]);
      return { ok: true, value };
    } catch (error) {
      this.entries.push([label, 'threw', this.errShape(error)]);
      return { ok: false, error };
    }
  }

  // Same as try() but logs whether the returned value is `expect` (e.g. the
  // socket itself, for chainable methods) instead of the value.
  tryIs(label, expect, fn) {
    try {
      const value = fn();
      this.entries.push([label, 'returned', value === expect ? '<same>' : this.normalize(value)]);
      return { ok: true, value };
    } catch (error) {
      this.entries.push([label, 'threw', this.errShape(error)]);
      return { ok: false, error };
    }
  }

  // For each value, t.try(`${label}(${describe(v)})`, () => fn(v)).
  each(label, values, fn) {
    for (const v of values) this.try(`${label}(${describe(v)})`, () => fn(v));
  }

  // A callback that logs its arguments when called.
  cb(label, after) {
    const self = this;
    return function (...args) {
      self._gc();
      self.entries.push([label, 'cb', ...args.map((a) => self.normalize(a))]);
      if (after) after.apply(this, args);
    };
  }

  // Wire listeners that log every standard dgram event of `sock`.
  watch(sock, label, events = ['listening', 'connect', 'message', 'error', 'close']) {
    this.name(sock, label);
    this._sockets.add(sock);
    for (const ev of events) {
      if (ev === 'message') {
        sock.on('message', (msg, rinfo) => {
          this._gc();
          this.entries.push([label, 'message', this.msg(msg), this.rinfo(rinfo)]);
        });
      } else if (ev === 'error') {
        sock.on('error', (err) => { this._gc(); this.entries.push([label, 'error', this.errShape(err)]); });
      } else {
        sock.on(ev, (...args) => { this._gc(); this.entries.push([label, ev, ...args.map((a) => this.normalize(a))]); });
      }
    }
    return sock;
  }

  msg(m) {
    if (Buffer.isBuffer(m)) return this.bytes(m);
    return { notBuffer: this.normalize(m) };
  }

  rinfo(r) {
    if (!r || typeof r !== 'object') return this.normalize(r);
    return this.normalize(r);
  }

  done() {
    if (!this.isDone) {
      this.isDone = true;
      this._finishResolve();
    }
  }

  // ---- timing helpers ----------------------------------------------------------
  tick() { return new Promise((r) => setImmediate(r)); }
  async ticks(n) { for (let i = 0; i < n; i++) await this.tick(); }
  sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

  // Resolve with the event's arguments the next time `ev` fires on `emitter`.
  // After `ms` without the event, log a timeout entry and resolve with null.
  once(emitter, ev, ms = 3000) {
    return new Promise((resolve) => {
      let timer;
      const fn = (...args) => { this._gc(); clearTimeout(timer); resolve(args); };
      emitter.once(ev, fn);
      timer = setTimeout(() => {
        emitter.removeListener(ev, fn);
        this.entries.push(['TIMEOUT waiting for event', ev]);
        resolve(null);
      }, ms);
    });
  }

  // Resolve with [event, args] for whichever of `events` fires first on
  // `emitter` (listeners removed afterwards), or ['uncaught', [err]] when an
  // uncaught exception happens first; logs a timeout entry after `ms`.
  first(emitter, events, ms = 3000) {
    return new Promise((resolve) => {
      const fns = new Map();
      const onUncaught = (e) => { this._gc(); cleanup(); resolve(['uncaught', [e]]); };
      this.bus.on('uncaught', onUncaught);
      const cleanup = () => {
        clearTimeout(timer);
        this.bus.removeListener('uncaught', onUncaught);
        for (const [ev, fn] of fns) emitter.removeListener(ev, fn);
      };
      for (const ev of events) {
        const fn = (...args) => { this._gc(); cleanup(); resolve([ev, args]); };
        fns.set(ev, fn);
        emitter.on(ev, fn);
      }
      const timer = setTimeout(() => {
        cleanup();
        this.entries.push(['TIMEOUT waiting for one of', events]);
        resolve([null, []]);
      }, ms);
    });
  }

  // Wait until pred() is true (polled each setImmediate / 2ms), or log a timeout.
  async until(pred, label = 'condition', ms = 3000) {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) { this.entries.push(['TIMEOUT waiting for', label]); return false; }
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  // Race a promise against a timeout; on timeout log an entry and resolve undefined.
  timeout(promise, ms = 3000, label = 'promise') {
    let timer;
    return Promise.race([
      promise.finally(() => clearTimeout(timer)),
      new Promise((r) => { timer = setTimeout(() => { this.entries.push(['TIMEOUT', label]); r(undefined); }, ms); }),
    ]);
  }

  // ---- socket helpers ------------------------------------------------------------
  // Create a socket of the implementation under test and bind it; resolves
  // once listening. The socket is closed at the end of the scenario.
  async bound(type = 'udp4', address, opts) {
    const s = typeof type === 'object' ? this.dgram.createSocket(type) : this.dgram.createSocket(type);
    const t = typeof type === 'object' ? type.type : type;
    const addr = address || (t === 'udp6' ? '::1' : '127.0.0.1');
    this._sockets.add(s);
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(Object.assign({ port: 0, address: addr }, opts), () => { this._gc(); s.removeListener('error', reject); resolve(); });
    });
    return s;
  }

  // Track a socket so that it is closed when the scenario ends.
  track(s) { this._sockets.add(s); return s; }

  // Wait for the next message on `sock` and log it under `label`.
  async recv(sock, label = 'recv', ms = 3000) {
    const args = await this.once(sock, 'message', ms);
    if (args) this.entries.push([label, this.msg(args[0]), this.rinfo(args[1])]);
    return args;
  }

  // Prove that `sock` can still send: a fresh receiver gets a datagram from it.
  async checkSends(sock, label = 'still works') {
    const udp6 = (() => { try { return sock.address().family === 'IPv6'; } catch { return false; } })();
    const r = await this.bound(udp6 ? 'udp6' : 'udp4');
    const got = this.once(r, 'message');
    try {
      sock.send(label, r.address().port, udp6 ? '::1' : '127.0.0.1');
    } catch (e) {
      this.entries.push([label, 'send threw', this.errShape(e)]);
      this.retire(r);
      return;
    }
    const args = await got;
    if (args) this.entries.push([label, 'received', this.msg(args[0])]);
    this.retire(r);
  }

  // Prove that `sock` can still receive.
  async checkReceives(sock, label = 'still receives') {
    const addr = sock.address();
    const udp6 = addr.family === 'IPv6';
    const s = this.dgram.createSocket(udp6 ? 'udp6' : 'udp4');
    const got = this.once(sock, 'message');
    const dst = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
    s.send(label, addr.port, dst);
    const args = await got;
    if (args) this.entries.push([label, 'received', this.msg(args[0])]);
    this.retire(s);
  }

  // Helper sockets are not closed but kept open (unref'd) until the process
  // exits: a closed socket's ephemeral port can be handed out again to a later
  // socket of the same scenario, and would then get the same <port#N> token in
  // one run but not in the other.
  retire(s) {
    this._sockets.add(s);
    try { s.unref(); } catch {}
    return s;
  }

  _closeAll() {
    for (const s of this._sockets) {
      try { s.close(); } catch {}
    }
  }
}

module.exports = { Harness, describe, isEphemeral, EPH_LO, EPH_HI };
