'use strict';

// node-dgram: a drop-in `node:dgram` whose sockets run on node-dgram's Rust core.
//
// The native handle (crates/napi) runs the engine (crates/node-dgram's core): the socket, its
// send queue, the system calls and their errors, watching the descriptor on Node's own loop.
// This file is the JavaScript face: `Socket` is an EventEmitter; it checks JavaScript argument
// types (Node's ERR_INVALID_ARG_TYPE & co.), turns every message form into Buffers, runs lookups
// through `dns.lookup` (read at call time) or the `lookup` option, applies `net.BlockList`s, and
// emits the events the engine produced at the moment Node's own module would. The protocol
// between the two (event kinds, how a method returns its events) is defined once, in
// crates/napi/src/protocol.rs, and read here from the addon.
//
// Builtins are called through ./lib/primordials, captured when the package loads, so that a
// program that patches a builtin cannot redirect or observe the addon's internals. Read at call
// time on purpose, as Node's own dgram does: `dns.lookup`, `process.nextTick`, and the
// EventEmitter methods of a socket.

// The module itself, as Node's dgram takes it. (Parcel's ES module output turns a whole-module
// require of a builtin into `import * as`: a namespace object, whose default is the module;
// test/tools/parcel.sh.)
const eventsModule = require('node:events');
const EventEmitter = typeof eventsModule === 'function' ? eventsModule : eventsModule.default;
const {
  ArrayBufferCtor,
  ArrayIsArray,
  ArrayPrototypeJoin,
  ArrayPrototypeMap,
  ArrayPrototypePush,
  BufferAllocUnsafeSlow,
  BufferFrom,
  BufferIsBuffer,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  ErrorCaptureStackTrace,
  ErrorCtor,
  FunctionPrototypeCall,
  ObjectGetOwnPropertyNames,
  MapCtor,
  MapPrototypeDelete,
  MapPrototypeGet,
  MapPrototypeSet,
  MathTrunc,
  NumberCtor,
  NumberIsFinite,
  ObjectDefineProperty,
  ObjectFreeze,
  ObjectGetOwnPropertySymbols,
  ObjectGetPrototypeOf,
  ObjectSetPrototypeOf,
  PromiseCtor,
  PromiseResolve,
  ProxyCtor,
  ReflectConstruct,
  SetCtor,
  SetPrototypeAdd,
  SetPrototypeClear,
  SetPrototypeDelete,
  SetPrototypeForEach,
  StringCtor,
  StringPrototypeIncludes,
  StringPrototypeSplit,
  SymbolCtor,
  SymbolIterator,
  SymbolToStringTag,
  SymbolPrototypeGetDescription,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeSet,
  TypeErrorCtor,
  Uint8ArrayCtor,
  Uint32ArrayCtor,
  WeakSetCtor,
  WeakSetPrototypeAdd,
  WeakSetPrototypeHas,
  isDataView,
  isIP,
  isSharedArrayBuffer,
  isUint8Array,
} = require('./lib/primordials');

const errors = require('./lib/errors');
const shapes = require('./lib/shapes');
const v = require('./lib/validators');
const clusterSupport = require('./lib/cluster');

const native = loadNative();

function loadNative() {
  return require('./lib/loader').loadNative();
}

const { LOOKUP, LISTENING, CONNECT, ERROR, CLOSE, DONE, DONE_RUN, STRIDE } = native.protocol;

// Node's bind states, as the handle's state() reports the engine's (the engine owns the bind
// and connect states; this face keeps none of its own and reads them where Node's code does).
const UNBOUND = 0;
const BOUND = 2;
const CONNECTED = 2;

const kState = SymbolCtor('node-dgram state');
const { errorMonitor } = EventEmitter;

// Bursts of equal-size datagrams to one destination leave with one UDP GSO system call; every
// receiver still gets separate datagrams. NODE_DGRAM_GSO=0 turns it off (packet filters on the
// sending host see one large packet per burst).
const GSO = process.env.NODE_DGRAM_GSO !== '0';
// Every socket asks the kernel for UDP GRO once bound (not a descriptor other readers may
// share): a burst a GSO sender sent in one piece arrives in one read, split back into its
// datagrams natively, each delivered as if read alone. NODE_DGRAM_GRO=0 turns it off.
const GRO = process.env.NODE_DGRAM_GRO !== '0';

// Options that appeared in later Node versions; on older ones they are ignored, as there.
const [MAJOR, MINOR] = process.versions.node.split('.').map(Number);
const since = (a, b, c, d) => MAJOR > c || (MAJOR === c && MINOR >= d) || (MAJOR === a && MINOR >= b);
const HAS_BLOCKLISTS = since(22, 13, 23, 4);
const HAS_REUSEPORT = since(22, 12, 23, 1);
// Node 24.19 / 26.4: socket.bindSync() and socket.connectSync(). Node 24.19 / 26.5: the default
// lookup answers an IP literal of the socket's family itself (a replaced dns.lookup is not
// asked), and a port '0' is refused where 0 is. Node 24.21 / 26.8: bind(..., callback) waits
// for its error through errorMonitor (an error nobody listens to is thrown, not swallowed).
// Before Node 25: the private members of DEP0112 on Socket.prototype.
const HAS_SYNC = since(24, 19, 26, 4);
const SKIPS_LITERAL_LOOKUP = since(24, 19, 26, 5);
const BIND_ERRORS_THROWN = since(24, 21, 26, 8);
const HAS_DEP0112 = MAJOR < 25;
// Node 26: under the permission model (--permission) without --allow-net, binds are refused.
const NET_PERMISSION = MAJOR >= 26;
// `node --test-udp-no-try-send` (a Node test flag, refused in NODE_OPTIONS: only on the command
// line, where process.execArgv shows it; the last of it and its --no- form wins).
const NO_TRY_SEND = (() => {
  let on = false;
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = ArrayPrototypeJoin(StringPrototypeSplit(args[i], '_'), '-');
    if (a === '--test-udp-no-try-send' || a === '--test-udp-no-try-send=true') on = true;
    else if (a === '--no-test-udp-no-try-send' || a === '--test-udp-no-try-send=false') on = false;
  }
  return on;
})();

// Errors a lookup gave: with no send callback they go to 'error', as Node does; kernel send
// errors without a callback are dropped, as Node does.
const lookupFailures = new WeakSetCtor();
const dns = require('node:dns');
const originalLookup = dns.lookup;

// The lookup in force: the `lookup` option, else `dns.lookup` as it is now (programs may replace it).
function lookupFn(st, host) {
  if (st.lookup !== undefined) return st.lookup;
  if (SKIPS_LITERAL_LOOKUP && isIP(host) === (st.type === 'udp4' ? 4 : 6)) return answerLiteral;
  return dns.lookup;
}

// Node's default lookup on 24.19+/26.5+ for an IP literal of the socket's family: the literal,
// one tick later, without dns.lookup.
function answerLiteral(host, family, callback) {
  process.nextTick(callback, null, host, family);
}

// An error of Node's class and shape from the addon's descriptor (see protocol.rs); an error a
// lookup gave comes back as the very value it gave.
function toError(d, sync) {
  if (d === null || d === undefined) return d;
  if (d.given !== undefined) return d.given;
  const err = makeError(d);
  // The stack starts where the module was entered (as Node's own errors hide its internals):
  // the call that dispatched the event, or the loop's event.
  if (d.syscall !== undefined && d.kind !== 'SystemError') ErrorCaptureStackTrace(err, sync ? dispatch : deliver);
  return err;
}

function makeError(d) {
  if (d.kind === 'SystemError') return shapes.bufferSizeError(d);
  if (d.errno !== undefined && d.syscall !== undefined) {
    return shapes.systemError(d.errno, d.syscall, d.address, d.port, d.message, d.hostname);
  }
  return shapes.plainError(d.kind, d.code, d.message);
}

// An event from the loop (one call per event, in its own callback scope).
function onevent(kind, a, b, c) {
  const st = this[kState];
  if (inSocketScope(st)) {
    FunctionPrototypeCall(scopeKit.run, st.shadow, deliverInScope, undefined, this, kind, a, b, c);
    return;
  }
  deliver(this, kind, a, b, c, false);
}

// (An exception a listener throws is handed to Node's uncaught-exception handling while the
// socket's async context is still entered, as Node does: 'uncaughtException' listeners run in
// it, and Node's handling then leaves it, with its after hooks.)
function deliverInScope(socket, kind, a, b, c) {
  try {
    deliver(socket, kind, a, b, c, false);
  } catch (e) {
    native.uncaught(e);
  }
}

function receiveInScope(socket, data, address, family, port) {
  try {
    return FunctionPrototypeCall(receive, socket, data, address, family, port);
  } catch (e) {
    listenerThrew = true;
    native.uncaught(e);
    return wantsBatches(socket);
  }
}

function receiveBatchInScope(socket, buf, count, senders) {
  try {
    return FunctionPrototypeCall(receiveBatch, socket, buf, count, senders);
  } catch (e) {
    listenerThrew = true;
    native.uncaught(e);
    return wantsBatches(socket);
  }
}

// Whether the receive callback running now had a listener throw: its callback scope then ends
// as Node's does after an exception, without running the tick queue (what the listener queued
// runs at the end of the next callback, after that callback's own listeners).
let listenerThrew = false;

// The end of a receive callback of a socket that runs the tick queue itself (see runTicks).
function endReceive() {
  if (listenerThrew) {
    listenerThrew = false;
    return;
  }
  runTicks();
}

// Events a native method returned, as [socket, kind, a, b, c, ...], delivered in order. If a
// listener throws, the exception goes on to the caller and the events not yet delivered wait
// for the next dispatch (they are never lost nor delivered twice).
let backlog = [];
function dispatch(list) {
  if (backlog.length !== 0) {
    const waiting = backlog;
    backlog = [];
    for (let i = 0; i < waiting.length; i += 2) deliverFrom(waiting[i], waiting[i + 1]);
  }
  if (list !== undefined) deliverFrom(list, 0);
}

// (No catch and rethrow: an exception goes on untouched, so the report of an uncaught one
// points where it was thrown, as with the built-in module.)
function deliverFrom(list, from) {
  let i = from;
  try {
    for (; i < list.length; i += STRIDE) deliver(list[i], list[i + 1], list[i + 2], list[i + 3], list[i + 4], true);
  } finally {
    if (i + STRIDE < list.length) ArrayPrototypePush(backlog, list, i + STRIDE);
  }
}

// A native call that threw may have left events queued (a membership call that bound the
// socket before failing): they are delivered before the exception goes on.
function takeAfterThrow() {
  dispatch(native.take());
}

function deliver(socket, kind, a, b, c, sync) {
  const st = socket[kState];
  switch (kind) {
    case LOOKUP:
      return startLookup(socket, a, b);
    case LISTENING:
      // (What waited for the bind runs from a 'listening' listener: see enqueue.)
      return socket.emit('listening');
    case ERROR:
      a = toError(a, sync);
      if (a !== null && typeof a === 'object') {
        // A buffer size refused at bind: Node throws it from its bind callback (the engine
        // emits no 'listening' after it).
        if (a.code === 'ERR_SOCKET_BUFFER_SIZE') throw a;
        if (a.syscall === 'bind' && typeof a.errno === 'number' && !isLookupFailure(a)) {
          a = errors.exceptionWithHostPort(a.errno, 'bind', a.address, st.bindGivenPort);
          ErrorCaptureStackTrace(a, sync ? dispatch : deliver);
        }
      }
      // (The queue of what waited for the bind is dropped by its errorMonitor listener.)
      return socket.emit('error', a);
    case CONNECT:
      return later(sync, () => socket.emit('connect'));
    case CLOSE:
      return later(sync, () => socket.emit('close'));
    case DONE:
      return finish(socket, st, a, toError(b, sync), c, sync);
    case DONE_RUN:
      return finishRun(socket, st, a, b, c, sync);
  }
}

// Sends id .. id + count - 1 ended, each having sent `bytes` (one DONE each, in order). Should
// one of them throw, the rest wait in the backlog like any event not yet delivered.
function finishRun(socket, st, id, count, bytes, sync) {
  let k = 0;
  try {
    for (; k < count; k++) finish(socket, st, id + k, null, bytes, sync);
  } finally {
    if (k + 1 < count) ArrayPrototypePush(backlog, [socket, DONE_RUN, id + k + 1, count - k - 1, bytes], 0);
  }
}

function later(sync, fn) {
  if (sync) process.nextTick(fn);
  else fn();
}

function finish(socket, st, id, err, bytes, sync) {
  if (id === 0) {
    // The connect: success shows as 'connect'; a failure goes to the callback or 'error'.
    if (err === null || st.closed) return;
    const cb = st.connectCallback;
    st.connectCallback = undefined;
    return later(sync, () => {
      if (cb) {
        socket.removeListener('connect', cb);
        cb(err);
      } else {
        socket.emit('error', err);
      }
    });
  }
  let rec = takeLiteral(st, id);
  if (rec === undefined) rec = MapPrototypeGet(st.sendCallbacks, id);
  if (NO_TRY_SEND && rec !== undefined && finishQueued(socket, st, id, rec, err, bytes, sync)) return;
  if (rec !== undefined && rec.awaiting) {
    // A literal send whose callback already has its place in the tick queue.
    rec.ended = true;
    rec.err = err;
    rec.bytes = bytes;
    return;
  }
  MapPrototypeDelete(st.sendCallbacks, id);
  callBack(socket, rec, err, bytes, sync);
}

// The send `id` of the literal FIFO, taken out of it (the first one, unless the native side
// ended them in another order); undefined when it holds none.
function takeLiteral(st, id) {
  const q = st.literals;
  let i = st.literalsHead;
  if (i === q.length) return undefined;
  if (q[i].id !== id) {
    while (i < q.length && (q[i] === undefined || q[i].id !== id)) i++;
    if (i === q.length) return undefined;
  }
  const rec = q[i];
  q[i] = undefined;
  let h = st.literalsHead;
  while (h < q.length && q[h] === undefined) h++;
  if (h === q.length) {
    q.length = 0;
    h = 0;
  }
  st.literalsHead = h;
  return rec;
}

// A send's callback with its outcome (none without one; an omitted send's lookup failure goes
// to 'error').
function callBack(socket, rec, err, bytes, sync) {
  if (err !== null && err.code === 'ECANCELED' && socket[kState].closed) return; // Node drops them.
  if (rec !== undefined) {
    const cb = rec.callback;
    if (err === null) {
      if (sync) process.nextTick(cb, null, bytes);
      else cb(null, bytes);
    } else {
      const e = sendError(err, rec.address, rec.port);
      if (sync) process.nextTick(cb, e);
      else cb(e);
    }
  } else if (err !== null && isLookupFailure(err)) {
    later(sync, () => socket.emit('error', err));
  }
}

// A system call's error for a send, as Node builds it: with the address and port the send was
// given (whatever the core knew of them), for connected sends too (`address: undefined`).
function sendError(err, address, port) {
  if (isLookupFailure(err) || err.syscall !== 'send' || typeof err.errno !== 'number') return err;
  return errors.exceptionWithHostPort(err.errno, 'send', address, port);
}

function isLookupFailure(err) {
  return typeof err === 'object' && err !== null && WeakSetPrototypeHas(lookupFailures, err);
}

// A lookup the engine asked for: the bind's (while bind() runs), else a send's or a connect's,
// whose answer the send block list checks, however the lookup calls back (at once or later).
function startLookup(socket, id, host) {
  const st = socket[kState];
  if (st.bindLookupPending) {
    st.bindLookupPending = false;
    // A bind address that is no string reaches a custom lookup as it was given.
    const given = st.bindAddress;
    st.bindAddress = null;
    return runLookup(socket, id, given !== null && typeof given !== 'string' ? given : host, false);
  }
  return runLookup(socket, id, host, true);
}

// What waits for the bind, as Node keeps it: the calls made meanwhile (send, connect, close) are
// queued as they were made and made again, in order, from a 'listening' listener added with the
// first of them. Any 'error' while they wait (a failed bind) drops them all; a bind that failed
// at once, inside the call that started it, failed before the call was queued: that call then
// waits for a later bind.
function enqueue(socket, st, fn) {
  if (st.queue === null) {
    st.queue = [];
    socket.once(errorMonitor, onQueueError);
    socket.once('listening', onQueueListening);
  }
  ArrayPrototypePush(st.queue, fn);
}

function onQueueError() {
  const st = this[kState];
  this.removeListener('listening', onQueueListening);
  st.queue = null;
}

function onQueueListening() {
  const st = this[kState];
  this.removeListener(errorMonitor, onQueueError);
  const queue = st.queue;
  st.queue = null;
  // (One that throws ends the run: the rest is dropped, as in Node.)
  if (queue !== null) for (let i = 0; i < queue.length; i++) queue[i]();
}

function runLookup(socket, id, host, checkBlockList) {
  const st = socket[kState];
  if (st.closed) return;
  const lookup = lookupFn(st, host);
  const family = st.type === 'udp4' ? 4 : 6;
  let answered = false;
  lookup(host, family, (err, address) => {
    // (A lookup that calls back twice: the engine takes the first answer.)
    if (answered) return;
    answered = true;
    const handle = st.handle;
    if (err) {
      if (typeof err === 'object' && err !== null) WeakSetPrototypeAdd(lookupFailures, err);
      return dispatch(handle.resolved(id, err, null));
    }
    if (!checkBlockList && netDenied()) {
      // (The bind's lookup: Node 26 refuses the bind itself, after the lookup, as the system would.)
      return dispatch(handle.resolved(id, accessDenied(StringCtor(address), st.bindPortGiven), null));
    }
    if (checkBlockList && st.sendBlockList !== undefined) {
      const fam = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (st.sendBlockList.check(address, fam)) {
        return dispatch(handle.resolved(id, new errors.codes.ERR_IP_BLOCKED(address), null));
      }
    }
    dispatch(handle.resolved(id, null, typeof address === 'string' ? address : StringCtor(address)));
  });
}

// Small datagrams arrive as their length, their bytes at the start of this buffer, which only
// this module ever sees: the Buffer made here from them is one V8 keeps inside its heap.
// (The copy uses the `set` captured at load: the staging buffer never reaches any other code.)
const STAGED = 64;
const staging = new ArrayBufferCtor(STAGED);
const stagedViews = [];
for (let n = 0; n <= STAGED; n++) ArrayPrototypePush(stagedViews, new Uint8ArrayCtor(staging, 0, n));

// One datagram, Node's way: a 'message' per datagram, each from its own callback. `from` is
// the sender as [address, family (4 or 6), port], the same array while the sender stays the
// same (read, never written). Returns true when the socket has a 'messages' listener (the
// extension below): the native side then hands over whole reads (onbatch) from its next read on.
function onmessage(data, from) {
  const st = this[kState];
  listenerThrew = false;
  const r = inSocketScope(st)
    ? FunctionPrototypeCall(scopeKit.run, st.shadow, receiveInScope, undefined, this, data, from[0], from[1], from[2])
    : FunctionPrototypeCall(receive, this, data, from[0], from[1], from[2]);
  if (st.runsTicks) endReceive();
  return r;
}

function receive(data, address, family, port) {
  let buf = data;
  if (typeof data === 'number') {
    buf = BufferAllocUnsafeSlow(data);
    TypedArrayPrototypeSet(buf, stagedViews[data]);
  }
  const st = this[kState];
  if (st.stoppedReceiving) return; // (DEP0112's _stopReceiving())
  if (st.receiveBlockList !== undefined && st.receiveBlockList.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    return wantsBatches(this);
  }
  if (wantsBatches(this)) {
    const meta = new Uint32ArrayCtor(BATCH_WORDS);
    meta[1] = buf.length;
    meta[2] = family === 6 ? port | V6_BIT : port;
    deliverBatch(this, st, new MessageBatch(kBatchToken, buf, meta, 1, address));
    return true;
  }
  this.emit('message', buf, { address, family: family === 4 ? 'IPv4' : 'IPv6', port, size: buf.length });
}

// ---- The extension: 'messages', a whole read in one event (see README.md) ----
//
// A socket with a 'messages' listener gets, per read (up to 64 datagrams), one MessageBatch:
// the payloads back to back in one Buffer made for that batch alone (never written again once
// JavaScript has it, so whatever a listener keeps stays as it was), described by 4 words per
// datagram (BATCH_WORDS: offset, length, port with V6_BIT for IPv6, index of the sender's
// address string), before the payloads in the same store. rinfo objects and per-message Buffers
// are made only when asked for. 'message' listeners of the same socket still get every
// datagram, right after the batch's 'messages'.
const BATCH_WORDS = 4;
const V6_BIT = 0x10000;
const kBatchToken = SymbolCtor('node-dgram batch');
const kFilter = SymbolCtor('node-dgram batch filter');

// Whether the socket has a 'messages' listener (read from the emitter's own table, as
// EventEmitter keeps it: no method of the socket, which a program may replace, is called).
function wantsBatches(socket) {
  const events = socket._events;
  return events !== undefined && events !== null && events.messages !== undefined;
}

function hasMessageListeners(socket) {
  const events = socket._events;
  return events !== undefined && events !== null && events.message !== undefined;
}

class MessageBatch {
  #data;
  #meta;
  #count;
  #senders;

  constructor(token, data, meta, count, senders) {
    if (token !== kBatchToken) throw new TypeErrorCtor('Illegal constructor');
    this.#data = data;
    this.#meta = meta;
    this.#count = count;
    this.#senders = senders;
  }

  // How many datagrams the batch holds.
  get length() {
    return this.#count;
  }

  // Every payload, back to back (message i is at offset(i), size(i) bytes).
  get buffer() {
    return this.#data;
  }

  #at(i) {
    if (typeof i !== 'number' || !(i >= 0 && i < this.#count) || MathTrunc(i) !== i) {
      throw new errors.codes.ERR_OUT_OF_RANGE('index', `>= 0 && < ${this.#count}`, i);
    }
    return i * BATCH_WORDS;
  }

  offset(i) {
    return this.#meta[this.#at(i)];
  }

  size(i) {
    return this.#meta[this.#at(i) + 1];
  }

  port(i) {
    return this.#meta[this.#at(i) + 2] & 0xffff;
  }

  family(i) {
    return this.#meta[this.#at(i) + 2] & V6_BIT ? 'IPv6' : 'IPv4';
  }

  address(i) {
    const w = this.#at(i);
    const s = this.#senders;
    return typeof s === 'string' ? s : s[this.#meta[w + 3]];
  }

  // Message i as a Buffer: a view of the batch's buffer (no copy).
  message(i) {
    const w = this.#at(i);
    const data = this.#data;
    return BufferFrom(TypedArrayPrototypeGetBuffer(data), TypedArrayPrototypeGetByteOffset(data) + this.#meta[w], this.#meta[w + 1]);
  }

  // Message i's rinfo, as 'message' has it: { address, family, port, size }.
  rinfo(i) {
    const w = this.#at(i);
    const meta = this.#meta;
    const s = this.#senders;
    return {
      address: typeof s === 'string' ? s : s[meta[w + 3]],
      family: meta[w + 2] & V6_BIT ? 'IPv6' : 'IPv4',
      port: meta[w + 2] & 0xffff,
      size: meta[w + 1],
    };
  }

  // [message, rinfo] for each datagram, in order.
  *[SymbolIterator]() {
    for (let i = 0; i < this.#count; i++) yield [this.message(i), this.rinfo(i)];
  }

  // Leaves out the datagrams of senders the block list refuses (each sender is checked once).
  static [kFilter](batch, list) {
    const s = batch.#senders;
    const senders = typeof s === 'string' ? [s] : s;
    let blocked;
    for (let k = 0; k < senders.length; k++) {
      const a = senders[k];
      if (list.check(a, StringPrototypeIncludes(a, ':') ? 'ipv6' : 'ipv4')) {
        if (blocked === undefined) blocked = [];
        blocked[k] = true;
      }
    }
    if (blocked === undefined) return;
    const meta = batch.#meta;
    let kept = 0;
    for (let i = 0; i < batch.#count; i++) {
      const w = i * BATCH_WORDS;
      if (blocked[meta[w + 3]] === true) continue;
      const to = kept * BATCH_WORDS;
      for (let k = 0; k < BATCH_WORDS; k++) meta[to + k] = meta[w + k];
      kept++;
    }
    batch.#count = kept;
  }
}
ObjectDefineProperty(MessageBatch.prototype, SymbolToStringTag, { __proto__: null, value: 'MessageBatch', configurable: true });

// A read handed over whole: `buf` holds the words, then the payloads; `senders` is the one
// sender's address, or an array of them. Returns whether the socket still wants batches. (In
// the socket's async context, as every callback from the loop.)
function onbatch(buf, count, senders) {
  const st = this[kState];
  listenerThrew = false;
  const r = inSocketScope(st)
    ? FunctionPrototypeCall(scopeKit.run, st.shadow, receiveBatchInScope, undefined, this, buf, count, senders)
    : FunctionPrototypeCall(receiveBatch, this, buf, count, senders);
  if (st.runsTicks) endReceive();
  return r;
}

function receiveBatch(buf, count, senders) {
  const st = this[kState];
  if (st.stoppedReceiving) return wantsBatches(this);
  const metaBytes = count * BATCH_WORDS * 4;
  const ab = TypedArrayPrototypeGetBuffer(buf);
  const base = TypedArrayPrototypeGetByteOffset(buf);
  let meta;
  if (base % 4 === 0) {
    meta = new Uint32ArrayCtor(ab, base, count * BATCH_WORDS);
  } else {
    meta = new Uint32ArrayCtor(count * BATCH_WORDS);
    TypedArrayPrototypeSet(new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(meta)), new Uint8ArrayCtor(ab, base, metaBytes));
  }
  const data = BufferFrom(ab, base + metaBytes, TypedArrayPrototypeGetByteLength(buf) - metaBytes);
  deliverBatch(this, st, new MessageBatch(kBatchToken, data, meta, count, senders));
  return wantsBatches(this);
}

function deliverBatch(socket, st, batch) {
  if (st.receiveBlockList !== undefined) MessageBatch[kFilter](batch, st.receiveBlockList);
  const n = batch.length;
  if (n === 0) return;
  if (wantsBatches(socket)) socket.emit('messages', batch);
  // 'message' listeners get each datagram too (in a Buffer of its own, as Node gives it),
  // until the socket closes.
  for (let i = 0; i < n && hasMessageListeners(socket) && !st.closed && !st.stoppedReceiving; i++) {
    const size = batch.size(i);
    const msg = BufferAllocUnsafeSlow(size);
    TypedArrayPrototypeSet(msg, batch.message(i));
    socket.emit('message', msg, batch.rinfo(i));
  }
}

// The receive callbacks (onmessage, onbatch) of a socket that enters its handle's async context
// itself are called without a callback scope of Node's (napi_call_function, not
// napi_make_callback: a scope costs about 4% of a round trip) and end as Node's scope ends:
// process.nextTick callbacks, then promise jobs, run before the native side reads on. That is
// the tick queue's own entry point, process._tickCallback (runNextTicks), taken at load: where
// it is not Node's, every callback keeps Node's callback scope. (A listener that synchronously
// calls native code making a callback scope of its own sees the ticks it queued before run at
// that scope's end: see test/known-differences.js.)
const runTicks = (() => {
  const f = process._tickCallback;
  return typeof f === 'function' && f.name === 'runNextTicks' ? f : null;
})();
native.init(onevent, onmessage, makeError, staging, onbatch);

// What the JavaScript face keeps of a socket: the objects only JavaScript has (the lookup, the
// block lists, callbacks, the queue of calls waiting for the bind as Node keeps it in listeners),
// what Node's error shapes name (the port as given), and what close() ended. The bind and
// connect states are the engine's (see bindStateOf).
function newState(type, options) {
  return {
    type,
    handle: null,
    closed: false,
    lookup: options.lookup,
    reuseAddr: !!options.reuseAddr,
    reusePort: !!options.reusePort,
    queue: null,
    bindLookupPending: false,
    bindAddress: null,
    bindGivenPort: undefined,
    ipv6Only: !!options.ipv6Only,
    receiveBlockList: options.receiveBlockList,
    sendBlockList: options.sendBlockList,
    sendCallbacks: new MapCtor(),
    // Literal sends with a callback, handed to the native side and not yet ended, in the order
    // they were handed over (which is the order they end in); `literalsHead`: the first one.
    literals: [],
    literalsHead: 0,
    corked: false,
    // Bound, and connect() never called: so it stays until close (a bind is never undone and
    // only connect() starts a connection), and send() need not ask the engine again.
    boundUnconnected: false,
    connectCalled: false,
    // (Connected with port 0: getpeername fails as Node's does; see connectNow.)
    peerless: false,
    nextSend: 1,
    pendingLiterals: 0,
    lastLiteral: undefined,
    connectCallback: undefined,
    clusterRelease: undefined,
    signalCleanup: undefined,
    // (Read by the DEP0112 members and the Node-line additions at the end of this file.)
    reuseAddrGiven: options.reuseAddr,
    handleView: undefined,
    receivingView: undefined,
    stoppedReceiving: false,
    bindStateWritten: undefined,
    bindPortGiven: 0,
    shadow: undefined,
    // Whether this socket's receive callbacks run the tick queue themselves (see runTicks).
    runsTicks: false,
    queuedBytes: 0,
    queuedCount: 0,
  };
}

function Socket(type, listener) {
  if (!(this instanceof Socket)) return new Socket(type, listener);
  FunctionPrototypeCall(EventEmitter, this);
  let given = type;
  if (!HAS_BLOCKLISTS && type !== null && typeof type === 'object') {
    given = { ...type, receiveBlockList: undefined, sendBlockList: undefined };
  }
  const o = v.validateSocketOptions(given);
  if (!HAS_REUSEPORT) o.reusePort = false;
  const st = newState(o.type, o);
  this[kState] = st;
  this.type = o.type;
  // The native handle holds this socket strongly until its close is delivered: an open socket
  // is never collected, whatever refers to it (Node's handles do the same).
  st.shadow = newShadow(this);
  const ownScope = scopeKit !== null && st.shadow !== undefined;
  st.runsTicks = ownScope && runTicks !== null;
  st.handle = new native.Handle(this, {
    __proto__: null,
    family: o.type === 'udp4' ? 4 : 6,
    reuseAddr: !!o.reuseAddr,
    reusePort: !!o.reusePort,
    ipv6Only: !!o.ipv6Only,
    recvBufferSize: o.recvBufferSize ? o.recvBufferSize : undefined,
    sendBufferSize: o.sendBufferSize ? o.sendBufferSize : undefined,
    gso: GSO,
    gro: GRO,
    // (The 'messages' extension's pacing: after a batch of 2 or more, reads pause this many
    // milliseconds, on a timer of the native side's, of the socket's ref state.)
    messagesDelay: o.messagesDelay,
    // (null: no async context of the native side's own; see scopeKit.)
    asyncResource: ownScope ? null : st.shadow,
    // (true: the receive callbacks are called without a callback scope; see runTicks.)
    runsTicks: st.runsTicks,
  });
  if (typeof listener === 'function') this.on('message', listener);

  const signal = o.signal;
  if (signal !== undefined) {
    const onAbort = () => {
      if (!st.closed) this.close();
    };
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
      st.signalCleanup = () => signal.removeEventListener('abort', onAbort);
    }
  }
}
ObjectSetPrototypeOf(Socket.prototype, EventEmitter.prototype);
ObjectSetPrototypeOf(Socket, EventEmitter);

function createSocket(type, listener) {
  return new Socket(type, listener);
}

function running(socket) {
  const st = socket[kState];
  if (st.closed) throw new errors.codes.ERR_SOCKET_DGRAM_NOT_RUNNING();
  return st;
}

// Methods Node runs on the socket's handle without checking that it is open: on a closed
// socket they fail as Node's do, reading a property of the null handle.
function openHandle(socket, property) {
  const st = socket[kState];
  if (st.closed) throw errors.nullHandleError(property);
  return st;
}

// The engine's states, read where Node's code reads its own.
function bindStateOf(st) {
  return st.handle.state() & 3;
}

function connectStateOf(st) {
  return st.handle.state() >> 2;
}

// A state check the engine refused (its descriptor), thrown from the public method.
function refuse(d) {
  if (d !== undefined) throw shapes.plainError(d.kind, d.code, d.message, refuse);
}

function defaultLookup(st) {
  return st.lookup === undefined;
}

Socket.prototype.bind = function bind(port_, address_ /* , callback */) {
  const st = this[kState];
  // (Binding from here on, whatever fails below, as in Node.)
  refuse(st.handle.reserveBind());
  let callback = arguments.length > 0 ? arguments[arguments.length - 1] : undefined;
  if (typeof callback === 'function') {
    const cb = callback;
    // (Node 24.21+/26.8+ waits for the error through errorMonitor: an unheard error is thrown.)
    const errorEvent = BIND_ERRORS_THROWN ? errorMonitor : 'error';
    const removeListeners = () => {
      this.removeListener(errorEvent, removeListeners);
      this.removeListener('listening', onListening);
    };
    function onListening() {
      removeListeners();
      FunctionPrototypeCall(cb, this);
    }
    onListening.listener = cb;
    this.on(errorEvent, removeListeners);
    this.on('listening', onListening);
  } else {
    callback = undefined;
  }

  let port = port_;
  let address;
  let exclusive = false;
  let fd;
  if (port !== null && typeof port === 'object') {
    address = port.address || '';
    exclusive = !!port.exclusive;
    fd = port.fd;
    port = port.port;
  } else {
    address = typeof address_ === 'function' ? '' : address_;
  }
  if (v.isInt32(fd) && fd > 0 && !exclusive && clusterSupport.isWorker()) {
    // (A worker's bind({ fd }) goes through the primary, which opens its own descriptor fd.)
    bindFdInCluster(this, st, fd);
    return this;
  }
  if (v.isInt32(fd) && fd > 0) {
    dispatch(st.handle.bind(0, null, fd));
    return this;
  }
  // Node's bind errors name the port as it was given (`bind EADDRNOTAVAIL 192.0.2.1:65536`,
  // `port: '-1'`), not the port the system got.
  st.bindGivenPort = port;
  if (!address) address = null;
  // (Node 24.19+/26.5+ first asks whether it is an IP literal: a Symbol throws there.)
  if (SKIPS_LITERAL_LOOKUP && address !== null && defaultLookup(st)) isIP(address);
  if (address !== null && defaultLookup(st)) v.validateHostname(address);
  if (typeof port === 'symbol' || typeof port === 'bigint') {
    // Node converts the port inside its lookup callback: the TypeError is uncaught there.
    process.nextTick(() => +port);
    return this;
  }
  const portNum = bindPort(port);
  if (!exclusive && !st.reusePort && clusterSupport.isWorker()) {
    bindInCluster(this, st, portNum, address);
  } else {
    // The native bind asks for its lookup at once (see startLookup).
    st.bindPortGiven = portNum;
    st.bindLookupPending = true;
    st.bindAddress = address;
    try {
      dispatch(st.handle.bind(portNum, address === null ? null : StringCtor(address), -1));
    } finally {
      st.bindLookupPending = false;
      st.bindAddress = null;
    }
  }
  return this;
};

// The port libuv gets, as Node hands it over: numbers modulo 2^16, numeric strings unless
// negative, booleans as 0 or 1, anything else 0 (a random port).
function bindPort(port) {
  let n;
  if (typeof port === 'number') n = port;
  else if (typeof port === 'boolean') n = +port;
  else if (typeof port === 'string') {
    n = NumberCtor(port);
    if (!(n >= 0)) n = 0;
  } else n = 0;
  if (!NumberIsFinite(n)) return 0;
  return (MathTrunc(n) >>> 0) & 0xffff;
}

function bindInCluster(socket, st, port, address) {
  // The primary binds and shares one socket among workers; we adopt a duplicate of it once the
  // address is resolved, as the built-in module does through the same cluster mechanism.
  const family = st.type === 'udp4' ? 4 : 6;
  const host = address === null ? (family === 4 ? '0.0.0.0' : '::') : address;
  const lookup = lookupFn(st, host);
  lookup(host, family, (err, ip) => {
    if (st.closed) return;
    if (err) return abandonBind(st, err);
    const flags =
      (st.reuseAddr ? clusterSupport.UV_UDP_REUSEADDR : 0) | (st.ipv6Only ? clusterSupport.UV_UDP_IPV6ONLY : 0);
    clusterSupport.acquireSharedFd(
      { owner: socket, address: ip, port, addressType: st.type, flags, fd: -1 },
      adoptShared(socket, st),
    );
  });
}

Socket.prototype.send = function send(buffer, offset, length, port, address, callback) {
  const st = this[kState];
  // The common call, send(buffer, port, address[, callback]) with a Uint8Array, a valid port
  // number and the IP literal this socket sent to last, on an open socket bound and never
  // connected: what the general path below does with it, without building its argument record.
  // (Anything else, valid or not, takes the general path: its checks, errors and their order.)
  if (
    st.boundUnconnected &&
    typeof length === 'string' &&
    length === st.lastLiteral &&
    address === undefined &&
    callback === undefined &&
    (port === undefined || typeof port === 'function') &&
    typeof offset === 'number' &&
    offset >= 1 &&
    offset <= 0xffff &&
    offset >>> 0 === offset &&
    isUint8Array(buffer) &&
    !st.closed &&
    literalsSkipLookup(st)
  ) {
    sendToLiteral(this, st, toBuffer(buffer), offset, length, port);
    return;
  }
  const state = st.boundUnconnected ? BOUND : st.handle.state();
  if (state === BOUND && !st.connectCalled) st.boundUnconnected = true;
  const connected = state >> 2 === CONNECTED;
  const a = v.normalizeSendArgs(connected, buffer, offset, length, port, address, callback);
  running(this);
  let bound = state & 3;
  if (!connected && NumberCtor(a.port) === 0) {
    // A port that passes the check but is 0 as a number ('0'): Node fails later, uncaught.
    if (bound === UNBOUND) this.bind({ port: 0, exclusive: true }, null);
    process.nextTick(() => {
      throw new errors.codes.ERR_SOCKET_BAD_PORT('Port', 0, false);
    });
    return;
  }
  if (bound === UNBOUND) {
    this.bind({ port: 0, exclusive: true }, null);
    bound = bindStateOf(st);
  }
  if (bound !== BOUND) {
    // Made again once bound (a connection made meanwhile then refuses an address).
    const { list, port, address, callback } = a;
    enqueue(this, st, () => this.send(list, port, address, callback));
    return;
  }
  const list = a.list.length === 1 ? toBuffer(a.list[0]) : ArrayPrototypeMap(a.list, toBuffer);

  // An IP literal (or no address: the family's loopback) with dns.lookup as it ships:
  // dns.lookup answers it unchanged one tick later, and Node sends then. So do we, without the
  // lookup's round trip through the native side. Any other send asks for its lookup at once,
  // so the ticks keep the sends in the order Node hands them to the system.
  const literal =
    !connected && literalsSkipLookup(st) && (!a.address || a.address === st.lastLiteral || isLiteral(st, a.address));
  // Node's send errors name the address and port as they were given (`send EMSGSIZE undefined:9`).
  if (literal) {
    sendToLiteral(this, st, list, a.port, a.address, a.callback);
    return;
  }
  const id = nextSendId(st);
  if (a.callback !== undefined || NO_TRY_SEND) {
    MapPrototypeSet(st.sendCallbacks, id, new SendRecord(a.callback, a.address, a.port, list));
  }
  let events;
  try {
    const port = connected ? 0 : NumberCtor(a.port);
    events = nativeSend(st, list, a.address ? StringCtor(a.address) : null, sendWord(id, connected ? SEND_CONNECTED : 0, port));
  } catch (e) {
    MapPrototypeDelete(st.sendCallbacks, id);
    throw e;
  }
  dispatch(events);
};

// Whether this socket's sends to an IP literal go without a lookup: no send block list to check,
// no custom lookup, dns.lookup as it ships (which answers a literal unchanged, a tick later).
function literalsSkipLookup(st) {
  return st.sendBlockList === undefined && st.lookup === undefined && dns.lookup === originalLookup;
}

// A send to an IP literal (or, without an address, the family's loopback): sent one tick later,
// when Node's dns.lookup would have answered (see sendLiteral).
function sendToLiteral(socket, st, list, port, address, callback) {
  const host = address || (st.type === 'udp4' ? '127.0.0.1' : '::1');
  st.pendingLiterals++;
  if (callback === undefined && !NO_TRY_SEND) {
    // (Nothing to call back: no record, no id.)
    process.nextTick(sendLiteralQuiet, socket, list, port, host);
    return;
  }
  const rec = new SendRecord(callback, address, port, list);
  rec.socket = socket;
  rec.list = list;
  rec.host = host;
  rec.id = nextSendId(st);
  process.nextTick(sendLiteral, rec);
}

// A send's callback, with the address and port as given (Node's send errors name them:
// `send EMSGSIZE undefined:9`), and, for a corked send, its outcome until the callback's turn.
class SendRecord {
  constructor(callback, address, port, list) {
    // (A literal send's: its socket, what it sends and where, its id; see sendLiteral.)
    this.socket = undefined;
    this.list = undefined;
    this.host = undefined;
    this.id = 0;
    this.callback = callback;
    // (Under --test-udp-no-try-send: the bytes the send puts in Node's queue.)
    this.length = NO_TRY_SEND ? messageLength(list) : 0;
    this.queued = false;
    this.address = address;
    this.port = port;
    this.awaiting = false;
    this.ended = false;
    this.err = null;
    this.bytes = undefined;
  }
}

// Whether `address` is an IP literal, remembering the last one (a socket usually sends to few).
function isLiteral(st, address) {
  if (typeof address !== 'string' || isIP(address) === 0) return false;
  st.lastLiteral = address;
  return true;
}

// handle.send(message, address, word): the send's id, its flags and its port (0 when connected)
// in one number (the addon reads one argument instead of four), (id * 8 + flags) * 65536 + port.
// Ids stay below 2^31, so the number stays below 2^50, exact in a double.
const SEND_CONNECTED = 1;
const SEND_LITERAL = 2;
const SEND_CORK = 4;
function sendWord(id, flags, port) {
  return (id * 8 + flags) * 65536 + port;
}

function nextSendId(st) {
  const id = st.nextSend++;
  if (st.nextSend > 0x7fffffff) st.nextSend = 1;
  return id;
}

// The moment Node would send a literal-addressed datagram. When more such sends of this socket
// wait in the tick queue (a burst), the native side holds this one ("cork") and the burst's last
// send writes them all with one system call. Anything else done on any socket meanwhile lets
// them go first, and so does the process's exit; a send callback keeps the place in the tick
// queue where Node queues it. Nothing can tell the difference but the system call count.
function sendLiteral(rec) {
  const socket = rec.socket;
  const st = socket[kState];
  if (!literalTurn(socket, st)) return;
  const more = st.pendingLiterals > 0;
  const id = rec.id;
  rec.awaiting = true;
  const q = st.literals;
  q[q.length] = rec;
  process.nextTick(literalDone, rec);
  if (more && hold(socket, rec.list, rec.host, NumberCtor(rec.port), id)) {
    afterLiteral(socket, st, more, undefined);
    return;
  }
  let events;
  try {
    events = nativeSend(st, rec.list, rec.host, sendWord(id, more ? SEND_LITERAL | SEND_CORK : SEND_LITERAL, NumberCtor(rec.port)));
  } catch (e) {
    rec.awaiting = false;
    takeLiteral(st, id);
    throw e;
  }
  afterLiteral(socket, st, more, events);
}

// The same for a send without callback (id 0: the native side reports nothing of it).
function sendLiteralQuiet(socket, list, port, host) {
  const st = socket[kState];
  if (!literalTurn(socket, st)) return;
  const more = st.pendingLiterals > 0;
  if (more && hold(socket, list, host, NumberCtor(port), 0)) {
    afterLiteral(socket, st, more, undefined);
    return;
  }
  const events = nativeSend(st, list, host, sendWord(0, more ? SEND_LITERAL | SEND_CORK : SEND_LITERAL, NumberCtor(port)));
  afterLiteral(socket, st, more, events);
}

// A burst's corked literal sends, held here rather than handed to the native side one call
// each: copied (as the native side copies a send) into one store, with three words each
// (length, port, id) in another, and handed over in one call (sendHeld),
// where each is corked as it would have been, before any other call into the native side
// (every Handle method but send and sendHeld goes through heldFirst; send is called through
// nativeSend, which keeps that hot call direct) or when the store is full. So the
// native side sees what it saw, in the same order, only in fewer calls.
const HELD_MAX = 64;
const HELD_WORDS = HELD_MAX * 3;
const heldWords = new Uint32ArrayCtor(HELD_WORDS);
const heldBytes = new Uint8ArrayCtor(64 * 1024);
let heldSocket = null;
let heldHost = '';
let heldCount = 0;
let heldEnd = 0;

// Holds a literal send of `socket` (one Buffer): false when it cannot be held (the native side
// then takes it as before).
function hold(socket, list, host, port, id) {
  if (!isUint8Array(list)) return false;
  const len = TypedArrayPrototypeGetByteLength(list);
  if (heldSocket !== null &&
      (heldSocket !== socket || heldHost !== host || heldCount === HELD_MAX || heldEnd + len > heldBytes.length)) {
    handOverHeld();
  }
  if (heldEnd + len > heldBytes.length) return false;
  TypedArrayPrototypeSet(heldBytes, list, heldEnd);
  const w = heldCount * 3;
  heldWords[w] = len;
  heldWords[w + 1] = port;
  heldWords[w + 2] = id;
  heldEnd += len;
  heldCount++;
  heldSocket = socket;
  heldHost = host;
  return true;
}

// handle.send(message, address, word), after the held sends (see hold).
function nativeSend(st, list, address, word) {
  if (heldSocket !== null) handOverHeld();
  return st.handle.send(list, address, word);
}

// Hands the held sends to the native side (corked there, as each would have been).
function handOverHeld() {
  const socket = heldSocket;
  const n = heldCount;
  const end = heldEnd;
  heldSocket = null;
  heldCount = 0;
  heldEnd = 0;
  const words = new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(heldWords), 0, n * 12);
  const bytes = new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(heldBytes), 0, end);
  dispatch(FunctionPrototypeCall(sendHeld, socket[kState].handle, words, bytes, n, heldHost));
}

// Every Handle method but send (see above) and sendHeld first hands over what is held (see
// hold).
const sendHeld = native.Handle.prototype.sendHeld;
{
  const proto = native.Handle.prototype;
  const names = ObjectGetOwnPropertyNames(proto);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const f = proto[name];
    if (name === 'constructor' || name === 'send' || name === 'sendHeld' || typeof f !== 'function') continue;
    // (Four arguments: the most any method takes; the native side reads a missing one as
    // undefined.)
    proto[name] = function heldFirst(a, b, c, d) {
      if (heldSocket !== null) handOverHeld();
      return FunctionPrototypeCall(f, this, a, b, c, d);
    };
  }
}

// A literal send's turn has come: false when the socket closed meanwhile (nothing of its burst
// is held any more: the close wrote it).
function literalTurn(socket, st) {
  st.pendingLiterals--;
  if (!st.closed) return true;
  if (st.corked) {
    st.corked = false;
    SetPrototypeDelete(corkedSockets, socket);
  }
  return false;
}

function afterLiteral(socket, st, more, events) {
  if (more !== st.corked) {
    st.corked = more;
    if (more) SetPrototypeAdd(corkedSockets, socket);
    else SetPrototypeDelete(corkedSockets, socket);
  }
  dispatch(events);
}

// A literal send's callback, at its place in the tick queue: with its outcome, or, when the
// system did not take the datagram at once (a full buffer), later from the loop.
function literalDone(rec) {
  const socket = rec.socket;
  if (!rec.ended) drainCorked(socket, socket[kState]);
  rec.awaiting = false;
  if (!rec.ended) return; // still queued: finish() calls back when it ends
  callBack(socket, rec, rec.err, rec.bytes, false);
}

function drainCorked(socket, st) {
  if (st.closed) return;
  dispatch(st.handle.flush());
}

// Sockets that may hold corked sends: a process that exits in the middle of a burst
// (process.exit() or a throw in a tick callback) still sends them, as Node would have already.
const corkedSockets = new SetCtor();
process.on('exit', () => {
  SetPrototypeForEach(corkedSockets, (socket) => {
    const st = socket[kState];
    if (!st.closed) st.handle.flush();
  });
  SetPrototypeClear(corkedSockets);
});

// Bytes as the native side reads them: a Buffer, or a copy of a view of shared memory (the
// native side copies every message again, but never reads memory another thread may write as
// if it were its own).
function toBuffer(x) {
  if (typeof x === 'string') return BufferFrom(x);
  let ab;
  let off;
  let len;
  if (isDataView(x)) {
    ab = DataViewPrototypeGetBuffer(x);
    off = DataViewPrototypeGetByteOffset(x);
    len = DataViewPrototypeGetByteLength(x);
  } else {
    ab = TypedArrayPrototypeGetBuffer(x);
    if (BufferIsBuffer(x) && !isSharedArrayBuffer(ab)) return x;
    off = TypedArrayPrototypeGetByteOffset(x);
    len = TypedArrayPrototypeGetByteLength(x);
  }
  if (isSharedArrayBuffer(ab)) {
    const copy = BufferAllocUnsafeSlow(len);
    TypedArrayPrototypeSet(copy, new Uint8ArrayCtor(ab, off, len));
    return copy;
  }
  return BufferFrom(ab, off, len);
}

Socket.prototype.sendto = function sendto(buffer, offset, length, port, address, callback) {
  v.validateSendtoArgs(offset, length, port, address);
  this.send(buffer, offset, length, port, address, callback);
};

// Every connection starts here (connect(), connectSync()): from now on send() asks the engine
// for the connect state (see boundUnconnected).
function reserveConnect(st) {
  st.connectCalled = true;
  st.boundUnconnected = false;
  refuse(st.handle.reserveConnect());
}

Socket.prototype.connect = function connect(port_, address_, callback_) {
  const { port, address, callback } = v.normalizeConnectArgs(port_, address_, callback_);
  const st = this[kState];
  reserveConnect(st);
  // (Closed: the implicit bind throws ERR_SOCKET_DGRAM_NOT_RUNNING, a socket closed while binding
  // queues the connect, one closed once bound fails in connectNow.)
  if (bindStateOf(st) === UNBOUND) this.bind({ port: 0, exclusive: true }, null);
  if (bindStateOf(st) !== BOUND) {
    enqueue(this, st, () => connectNow(this, st, port, address, callback));
    return;
  }
  connectNow(this, st, port, address, callback);
};

// The connect proper, once bound (Node makes no more checks then: on a socket closed meanwhile
// it fails reading the lookup of the null handle).
function connectNow(socket, st, port, address, callback) {
  // The callback of this connect only: a connect without one reports its failure as 'error',
  // even after an earlier connect (succeeded, then disconnected) had a callback.
  st.connectCallback = undefined;
  if (callback) {
    // (A callback that is no function makes `once` throw Node's ERR_INVALID_ARG_TYPE.)
    socket.once('connect', callback);
    if (typeof callback === 'function') st.connectCallback = callback;
  }
  if (st.closed) throw errors.nullHandleError('lookup');
  if (address !== '' && defaultLookup(st)) v.validateHostname(address);
  // Linux accepts a UDP connect to port 0 ('0' passes Node's check) but has no peer then.
  st.peerless = NumberCtor(port) === 0;
  dispatch(st.handle.connect(NumberCtor(port), address || null));
}

Socket.prototype.disconnect = function disconnect() {
  const st = this[kState];
  if (connectStateOf(st) !== CONNECTED) throw new errors.codes.ERR_SOCKET_DGRAM_NOT_CONNECTED();
  openHandle(this, 'disconnect');
  dispatch(st.handle.disconnect());
};

Socket.prototype.close = function close(callback) {
  const st = this[kState];
  if (typeof callback === 'function') this.on('close', callback);
  if (st.queue !== null) {
    // Behind the sends and connects waiting for the bind (made again even if closed by then).
    enqueue(this, st, () => this.close());
    return this;
  }
  running(this);
  st.closed = true;
  if (st.signalCleanup) st.signalCleanup();
  if (st.shadow !== undefined) st.shadow.close();
  const events = st.handle.close();
  if (st.clusterRelease) {
    const release = st.clusterRelease;
    st.clusterRelease = undefined;
    release();
  }
  dispatch(events);
  return this;
};

if (Symbol.asyncDispose) {
  Socket.prototype[Symbol.asyncDispose] = function asyncDispose() {
    const st = this[kState];
    if (st.closed) return PromiseResolve();
    return new PromiseCtor((resolve, reject) => {
      try {
        this.close((err) => (err ? reject(err) : resolve()));
      } catch (e) {
        reject(e);
      }
    });
  };
}

Socket.prototype.address = function address() {
  return running(this).handle.address();
};

Socket.prototype.remoteAddress = function remoteAddress() {
  const st = running(this);
  if (connectStateOf(st) !== CONNECTED) throw new errors.codes.ERR_SOCKET_DGRAM_NOT_CONNECTED();
  if (st.peerless) throw errors.errnoException(-107, 'getpeername');
  return st.handle.remoteAddress();
};

Socket.prototype.setBroadcast = function setBroadcast(flag) {
  openHandle(this, 'setBroadcast').handle.setBroadcast(!!flag);
};

Socket.prototype.setTTL = function setTTL(ttl) {
  v.validateNumber(ttl, 'ttl');
  // (Node's handle takes the TTL as a 32-bit integer: 2 ** 32 + 64 sets 64.)
  openHandle(this, 'setTTL').handle.setHops(ttl | 0, false);
  return ttl;
};

Socket.prototype.setMulticastTTL = function setMulticastTTL(ttl) {
  v.validateNumber(ttl, 'ttl');
  openHandle(this, 'setMulticastTTL').handle.setHops(ttl | 0, true);
  return ttl;
};

Socket.prototype.setMulticastLoopback = function setMulticastLoopback(flag) {
  openHandle(this, 'setMulticastLoopback').handle.setMulticastLoopback(!!flag);
  return flag;
};

Socket.prototype.setMulticastInterface = function setMulticastInterface(interfaceAddress) {
  const st = running(this);
  v.validateString(interfaceAddress, 'interfaceAddress');
  st.handle.setMulticastInterface(interfaceAddress);
};

function group(x) {
  if (typeof x === 'symbol' && MAJOR >= 22) return ' '; // refused by the system (EINVAL), as there
  const s = `${x}`; // a Symbol throws here, as in Node 20
  return s === '' ? ' ' : s; // truthy but empty when stringified: refused by the system (EINVAL)
}

function iface(x) {
  return x === undefined || x === null ? null : StringCtor(x);
}

// (libuv binds an unbound socket for a membership call without Node knowing: the engine does
// the same, with no 'listening', and a later bind() fails with EINVAL.)
function membership(socket, st, which, grp, src, ifc) {
  let events;
  let threw = true;
  try {
    events = st.handle.membership(which, grp, src, ifc);
    threw = false;
  } finally {
    if (threw) takeAfterThrow();
  }
  dispatch(events);
}

Socket.prototype.addMembership = function addMembership(multicastAddress, interfaceAddress) {
  const st = running(this);
  v.validateMulticastAddress(multicastAddress);
  membership(this, st, 0, group(multicastAddress), null, iface(interfaceAddress));
};

Socket.prototype.dropMembership = function dropMembership(multicastAddress, interfaceAddress) {
  const st = running(this);
  v.validateMulticastAddress(multicastAddress);
  membership(this, st, 1, group(multicastAddress), null, iface(interfaceAddress));
};

Socket.prototype.addSourceSpecificMembership = function addSourceSpecificMembership(
  sourceAddress,
  groupAddress,
  interfaceAddress,
) {
  const st = running(this);
  v.validateSourceSpecificMembership(sourceAddress, groupAddress);
  membership(this, st, 2, groupAddress, sourceAddress, iface(interfaceAddress));
};

Socket.prototype.dropSourceSpecificMembership = function dropSourceSpecificMembership(
  sourceAddress,
  groupAddress,
  interfaceAddress,
) {
  const st = running(this);
  v.validateSourceSpecificMembership(sourceAddress, groupAddress);
  membership(this, st, 3, groupAddress, sourceAddress, iface(interfaceAddress));
};

Socket.prototype.ref = function ref() {
  const st = this[kState];
  if (!st.closed) st.handle.ref(true);
  if (!st.closed && st.shadow !== undefined) st.shadow.ref();
  return this;
};

Socket.prototype.unref = function unref() {
  const st = this[kState];
  if (!st.closed) st.handle.ref(false);
  if (!st.closed && st.shadow !== undefined) st.shadow.unref();
  return this;
};

Socket.prototype.setRecvBufferSize = function setRecvBufferSize(size) {
  v.validateBufferSize(size);
  openHandle(this, 'bufferSize').handle.bufferSize(true, size);
};
Socket.prototype.setSendBufferSize = function setSendBufferSize(size) {
  v.validateBufferSize(size);
  openHandle(this, 'bufferSize').handle.bufferSize(false, size);
};
Socket.prototype.getRecvBufferSize = function getRecvBufferSize() {
  return openHandle(this, 'bufferSize').handle.bufferSize(true, undefined);
};
Socket.prototype.getSendBufferSize = function getSendBufferSize() {
  return openHandle(this, 'bufferSize').handle.bufferSize(false, undefined);
};
Socket.prototype.getSendQueueSize = function getSendQueueSize() {
  const st = openHandle(this, 'getSendQueueSize');
  return st.handle.queueSize() + st.queuedBytes;
};
Socket.prototype.getSendQueueCount = function getSendQueueCount() {
  const st = openHandle(this, 'getSendQueueCount');
  return st.handle.queueCount() + st.queuedCount;
};

// ---------------------------------------------------------------------------------------------
// Members that exist on some Node lines only (issue 16): each is defined exactly where the
// running Node has it.

// A native call made for a synchronous method: the lookups it asks for are IP literals answered
// at once, and this socket's outcome is returned (the error descriptor, or null) instead of
// being emitted; events of other sockets that came with it are dispatched as usual.
function settleNow(socket, st, events) {
  let failure = null;
  let others;
  let list = events;
  while (list !== undefined && list !== null) {
    let next;
    for (let i = 0; i < list.length; i += STRIDE) {
      const kind = list[i + 1];
      const mine = list[i] === socket;
      if (mine && kind === LOOKUP) {
        next = st.handle.resolved(list[i + 2], null, list[i + 3]);
      } else if (mine && kind === ERROR) {
        failure = list[i + 2];
      } else if (mine && kind === DONE && list[i + 2] === 0) {
        if (list[i + 3] !== null) failure = list[i + 3];
      } else if (!(mine && (kind === LISTENING || kind === CONNECT))) {
        // (Anything else, e.g. the end of a send written first: delivered as usual.)
        if (others === undefined) others = [];
        for (let k = 0; k < STRIDE; k++) ArrayPrototypePush(others, list[i + k]);
      }
    }
    list = next;
  }
  if (others !== undefined) dispatch(others);
  return failure;
}

function syncFailure(d, syscall, address, port) {
  if (d !== null && typeof d === 'object' && typeof d.errno === 'number' && d.kind !== 'SystemError') {
    return errors.exceptionWithHostPort(d.errno, syscall, address, port);
  }
  return makeError(d);
}

if (HAS_SYNC) {
  const noOptions = ObjectFreeze({ __proto__: null });

  Socket.prototype.bindSync = function bindSync(options = noOptions) {
    const st = running(this);
    v.validateObject(options, 'options');
    if (bindStateOf(st) !== UNBOUND) throw new errors.codes.ERR_SOCKET_ALREADY_BOUND();
    const given = options.port;
    const port = v.validatePort(given === undefined || given === null ? 0 : given, 'options.port');
    let address = options.address;
    if (!address) {
      address = st.type === 'udp4' ? '0.0.0.0' : '::';
    } else {
      v.validateString(address, 'options.address');
      if (isIP(address) === 0) {
        throw new errors.codes.ERR_INVALID_ARG_VALUE(
          'options.address',
          address,
          'must be a numeric IP address; bindSync does not perform DNS resolution',
        );
      }
    }
    if (netDenied()) throw accessDenied(address, port);
    refuse(st.handle.reserveBind());
    // (A plain bind of this socket's own descriptor: bindSync never goes through the cluster.
    // The engine is unbound again after a failure.)
    const failure = settleNow(this, st, st.handle.bind(port, address, -1));
    if (failure !== null) throw syncFailure(failure, 'bind', address, port);
    process.nextTick(emitListeningNow, this, st);
    return st.handle.address();
  };

  Socket.prototype.connectSync = function connectSync(port_, address_) {
    const st = running(this);
    const port = v.validatePort(port_, 'Port', false);
    if (connectStateOf(st) !== 0) throw new errors.codes.ERR_SOCKET_DGRAM_IS_CONNECTED();
    let address = address_;
    if (address === undefined || address === null || address === '') {
      address = st.type === 'udp4' ? '127.0.0.1' : '::1';
    } else {
      v.validateString(address, 'address');
      if (isIP(address) === 0) {
        throw new errors.codes.ERR_INVALID_ARG_VALUE(
          'address',
          address,
          'must be a numeric IP address; connectSync does not perform DNS resolution',
        );
      }
    }
    const bound = bindStateOf(st);
    if (bound === UNBOUND) FunctionPrototypeCall(Socket.prototype.bindSync, this);
    else if (bound !== BOUND) throw new errors.codes.ERR_SOCKET_ALREADY_BOUND();
    if (st.sendBlockList !== undefined && st.sendBlockList.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) {
      throw new errors.codes.ERR_IP_BLOCKED(address);
    }
    reserveConnect(st);
    // (The engine is disconnected again after a failure.)
    const failure = settleNow(this, st, st.handle.connect(port, address));
    if (failure !== null) throw syncFailure(failure, 'connect', address, port);
    st.peerless = false;
    process.nextTick(emitConnectNow, this, st);
  };
}

// DEP0112 (Node 20-24): the private members programs still read, with Node's deprecation
// warning (util.deprecate: one warning per process for the code, shared with the built-in's).
// `_handle` is a small stand-in for Node's UDP handle (see UDPHandle), null once closed.
if (HAS_DEP0112) {
  const deprecate = require('node:util').deprecate;
  const P = Socket.prototype;
  const accessor = (name, get, set) => {
    const message = `Socket.prototype.${name} is deprecated`;
    ObjectDefineProperty(P, name, {
      __proto__: null,
      get: deprecate(get, message, 'DEP0112'),
      set: deprecate(set, message, 'DEP0112'),
    });
  };
  accessor(
    '_handle',
    function () {
      const st = this[kState];
      if (st.handleView === undefined) st.handleView = st.closed ? null : new UDPHandle(this, st);
      if (st.closed && st.handleView instanceof UDPHandle) st.handleView = null;
      return st.handleView;
    },
    function (value) {
      this[kState].handleView = value;
    },
  );
  accessor(
    '_receiving',
    function () {
      const st = this[kState];
      return st.receivingView !== undefined ? st.receivingView : isReceiving(st);
    },
    function (value) {
      this[kState].receivingView = value;
    },
  );
  // (A value written is read back, as Node keeps it; the engine's state is not changed by it.)
  accessor(
    '_bindState',
    function () {
      const st = this[kState];
      return st.bindStateWritten !== undefined ? st.bindStateWritten : bindStateOf(st);
    },
    function (value) {
      this[kState].bindStateWritten = value;
    },
  );
  accessor(
    '_queue',
    function () {
      const q = this[kState].queue;
      return q === null ? undefined : q;
    },
    function (value) {
      this[kState].queue = value === undefined ? null : value;
    },
  );
  accessor(
    '_reuseAddr',
    function () {
      return this[kState].reuseAddrGiven;
    },
    function (value) {
      this[kState].reuseAddrGiven = value;
    },
  );
  P._healthCheck = deprecate(
    function () {
      running(this);
    },
    'Socket.prototype._healthCheck() is deprecated',
    'DEP0112',
  );
  P._stopReceiving = deprecate(
    function () {
      const st = this[kState];
      if (!isReceiving(st)) return;
      // (The native side keeps reading; what it reads is dropped, as Node leaves it unread.)
      st.stoppedReceiving = true;
      st.receivingView = undefined;
    },
    'Socket.prototype._stopReceiving() is deprecated',
    'DEP0112',
  );
}

function isReceiving(st) {
  return !st.closed && bindStateOf(st) === BOUND && !st.stoppedReceiving;
}

// What `_handle` is for a program that reads it: `fd` (the descriptor, -9 (EBADF) until bound),
// getsockname/getpeername(out) filling `out` as Node's handle does (0, or a negative errno),
// ref/unref/hasRef. Nothing else of Node's UDP handle is offered.
class UDPHandle {
  constructor(socket, st) {
    ObjectDefineProperty(this, kState, { __proto__: null, value: st });
    ObjectDefineProperty(this, 'owner', { __proto__: null, value: socket, enumerable: false });
  }

  get fd() {
    const st = this[kState];
    if (st.closed) return -9;
    const fd = st.handle.fd();
    return fd >= 0 ? fd : -9;
  }

  getsockname(out) {
    return fillAddress(this[kState], out, false);
  }

  getpeername(out) {
    return fillAddress(this[kState], out, true);
  }

  ref() {
    const st = this[kState];
    if (!st.closed) st.handle.ref(true);
  }

  unref() {
    const st = this[kState];
    if (!st.closed) st.handle.ref(false);
  }

  hasRef() {
    const st = this[kState];
    return !st.closed && !!st.handle.hasRef();
  }
}
ObjectDefineProperty(UDPHandle, 'name', { __proto__: null, value: 'UDP' });

function fillAddress(st, out, peer) {
  if (st.closed) return -9;
  let a;
  try {
    a = peer ? st.handle.remoteAddress() : st.handle.address();
  } catch (e) {
    return typeof e.errno === 'number' ? e.errno : -9;
  }
  out.address = a.address;
  out.family = a.family;
  out.port = a.port;
  return 0;
}

// Diagnostics: each socket has one of Node's own UDP handles beside it, never bound (no
// descriptor, nothing on the loop), ref'd, unref'd and closed with the socket, owned by it: so
// process.getActiveResourcesInfo() lists 'UDPWrap' and process._getActiveHandles() the socket
// exactly when the built-in's would, and async_hooks see its 'UDPWRAP' resource created with
// the socket and destroyed with its close. The native side's callbacks (datagrams, the ends of
// binds, connects and sends from the loop) run in that handle's async context, as the built-in's
// run in its handle's: see scopeKit. Node's UDP constructor and owner symbol are read from a
// built-in socket made once at load (left unreferenced and unbound: it shows nowhere and holds
// nothing).
const shadowKit = (() => {
  try {
    const probe = require('node:dgram').createSocket('udp4');
    const handle = ownSymbolValue(probe, 'state symbol').handle;
    handle.unref();
    const owner = symbolNamed(handle, 'owner_symbol');
    const proto = ObjectGetPrototypeOf(handle);
    return {
      UDP: handle.constructor,
      owner,
      getAsyncId: proto.getAsyncId,
      // (Node 24+: the AsyncLocalStorage context frame the handle was made in.)
      getFrame: proto.getAsyncContextFrameForDebuggingOnly,
    };
  } catch {
    return null;
  }
})();

// Node-API has no way to run a callback in an existing resource's async context:
// napi_async_init always makes a new resource (a second 'UDPWRAP' init per socket, and
// callbacks that run in its id instead of the socket's). So the native side calls in with no
// async context of its own, and the JavaScript side enters the shadow handle's with
// AsyncResource.prototype.runInAsyncScope, the public way to run code in a resource's context,
// applied to the handle: before and after hooks with its id, executionAsyncId() and
// triggerAsyncId() as the built-in's handle gives them, executionAsyncResource() the handle (so
// AsyncLocalStorage on Node 20/22 finds what its init hook stored there) and, on Node 24+, the
// AsyncLocalStorage context frame the handle was made in. runInAsyncScope reads the resource's
// ids and frame under symbols of Node's own; they are learned once here, from the keys an
// AsyncResource's constructor sets, on an object whose prototype sees the sets and stops the
// construction before its init (no resource is made, no hook sees anything).
const scopeKit = (() => {
  try {
    const { AsyncResource, executionAsyncId } = require('node:async_hooks');
    const keys = { __proto__: null };
    const values = { __proto__: null };
    const stop = new ErrorCtor('stop');
    const watcher = new ProxyCtor({}, {
      __proto__: null,
      set(target, key, value) {
        if (typeof key === 'symbol') {
          const name = SymbolPrototypeGetDescription(key);
          keys[name] = key;
          values[name] = value;
          if (name === 'trigger_async_id_symbol') throw stop;
        }
        return true;
      },
    });
    function Watched() {}
    Watched.prototype = watcher;
    // Runs AsyncResource's constructor up to its init: the values it set, by description.
    const watch = () => {
      try {
        ReflectConstruct(AsyncResource, ['NODE_DGRAM_KEYS'], Watched);
      } catch (e) {
        if (e !== stop) throw e;
      }
      return values;
    };
    watch();
    const run = AsyncResource.prototype.runInAsyncScope;
    if (typeof keys.async_id_symbol !== 'symbol' || typeof keys.trigger_async_id_symbol !== 'symbol' ||
        typeof run !== 'function' || shadowKit === null || typeof shadowKit.getAsyncId !== 'function') {
      return null;
    }
    return {
      run,
      executionAsyncId,
      asyncId: keys.async_id_symbol,
      triggerId: keys.trigger_async_id_symbol,
      frame: keys.context_frame,
      // The AsyncLocalStorage context frame now (Node 22 with --experimental-async-context-frame,
      // whose handles do not tell theirs).
      currentFrame: () => watch().context_frame,
    };
  } catch {
    return null;
  }
})();

// Whether the native side's callbacks for this socket enter its handle's async context: while
// the handle is open (it is closed, and destroyed for async hooks, with the socket).
function inSocketScope(st) {
  return scopeKit !== null && st.shadow !== undefined && !st.closed;
}

function symbolNamed(o, description) {
  const syms = ObjectGetOwnPropertySymbols(o);
  for (let i = 0; i < syms.length; i++) if (SymbolPrototypeGetDescription(syms[i]) === description) return syms[i];
  return undefined;
}

function ownSymbolValue(o, description) {
  return o[symbolNamed(o, description)];
}

function newShadow(socket) {
  if (shadowKit === null || typeof shadowKit.UDP !== 'function') return undefined;
  const shadow = new shadowKit.UDP();
  if (shadowKit.owner !== undefined) shadow[shadowKit.owner] = socket;
  if (scopeKit !== null) {
    // (What runInAsyncScope reads: the handle's id, its trigger, the id it was made in as its
    // init reported, and its context frame where Node has them.)
    shadow[scopeKit.asyncId] = FunctionPrototypeCall(shadowKit.getAsyncId, shadow);
    shadow[scopeKit.triggerId] = scopeKit.executionAsyncId();
    if (scopeKit.frame !== undefined) {
      shadow[scopeKit.frame] = typeof shadowKit.getFrame === 'function'
        ? FunctionPrototypeCall(shadowKit.getFrame, shadow)
        : scopeKit.currentFrame();
    }
  }
  return shadow;
}

// bind({ fd }) in a cluster worker (not exclusive), as Node's: the primary opens the
// descriptor of that number it has and shares it; the worker adopts a duplicate of what it got.
function bindFdInCluster(socket, st, fd) {
  clusterSupport.acquireSharedFd({ owner: socket, addressType: st.type, fd }, adoptShared(socket, st));
}

// What a worker does with the descriptor the primary shared (or its refusal): adopt a
// duplicate, released with the socket's close.
function adoptShared(socket, st) {
  return (e, sharedFd, release) => {
    if (st.closed) {
      if (release) release();
      return;
    }
    if (e) return abandonBind(st, e);
    st.clusterRelease = release;
    dispatch(st.handle.bind(0, null, native.dup(sharedFd)));
  };
}

// A cluster worker's bind that failed outside the engine (its lookup, the primary's refusal):
// the engine ends the reserved bind and emits this very error.
function abandonBind(st, err) {
  if (typeof err === 'object' && err !== null) WeakSetPrototypeAdd(lookupFailures, err);
  dispatch(st.handle.abandonBind(err));
}

// --test-udp-no-try-send: Node puts every send in its handle's queue, where it stays, counted
// by getSendQueueSize()/getSendQueueCount(), from the moment the socket hands it over until
// its completion runs from the loop, one completion (and callback) at a time. The addon has
// written it by then: here a send that reached the system is counted from that moment, and
// leaves the count just before its callback, run from the loop's next check phase.
const timers = { setImmediate: require('node:timers').setImmediate };
function finishQueued(socket, st, id, rec, err, bytes, sync) {
  if (rec.queued) return true;
  if (err !== null && (isLookupFailure(err) || err.syscall !== 'send')) {
    // Failed before reaching the queue (a lookup, a block list): as without the flag.
    if (rec.callback !== undefined) return false;
    MapPrototypeDelete(st.sendCallbacks, id);
    if (isLookupFailure(err)) later(sync, () => socket.emit('error', err));
    return true;
  }
  rec.queued = true;
  MapPrototypeDelete(st.sendCallbacks, id);
  st.queuedBytes += rec.length;
  st.queuedCount++;
  timers.setImmediate(() => {
    st.queuedBytes -= rec.length;
    st.queuedCount--;
    const cb = rec.callback;
    if (cb === undefined) return;
    if (err === null) cb(null, bytes);
    else cb(sendError(err, rec.address, rec.port));
  });
  return true;
}

function messageLength(list) {
  if (!ArrayIsArray(list)) return TypedArrayPrototypeGetByteLength(list);
  let n = 0;
  for (let i = 0; i < list.length; i++) n += TypedArrayPrototypeGetByteLength(list[i]);
  return n;
}

// Node 26's refusal of a bind under --permission without --allow-net: `bind ERR_ACCESS_DENIED
// ...` whose errno is the permission error itself (as Node's reads).
function netDenied() {
  if (!NET_PERMISSION) return false;
  const permission = process.permission;
  return permission !== undefined && permission !== null && !permission.has('net');
}

function accessDenied(address, port) {
  const text = 'Access to this API has been restricted. Use --allow-net to manage permissions.';
  const cause = new ErrorCtor(text);
  setOwnValue(cause, 'code', 'ERR_ACCESS_DENIED');
  setOwnValue(cause, 'permission', 'Net');
  setOwnValue(cause, 'resource', address);
  const err = new ErrorCtor(`bind ERR_ACCESS_DENIED ${text}`);
  setOwnValue(err, 'errno', cause);
  setOwnValue(err, 'code', 'ERR_ACCESS_DENIED');
  setOwnValue(err, 'syscall', 'bind');
  setOwnValue(err, 'address', address);
  if (port) setOwnValue(err, 'port', port);
  return err;
}

function setOwnValue(o, key, value) {
  ObjectDefineProperty(o, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
}

function emitListeningNow(socket, st) {
  if (!st.closed) socket.emit('listening');
}

function emitConnectNow(socket, st) {
  if (!st.closed) socket.emit('connect');
}

module.exports = { createSocket, Socket };
// DEP0112's dgram._createSocketHandle() makes one of Node's own UDP handles: the built-in's.
// (Read from the module object at run time: Node 25 and later have no such export, and a bundler
// that turns the require into an ES import of the name (Parcel's ES module output) made a bundle
// that failed to link there: "does not provide an export named '_createSocketHandle'".)
if (HAS_DEP0112) {
  const builtin = require('node:dgram');
  module.exports._createSocketHandle = builtin._createSocketHandle;
}
