'use strict';

// Differential test: bad calls on the BUILTIN node:dgram versus the errors
// that lib/errors.js + lib/validators.js produce for the same inputs, following
// the validation order documented at the top of lib/validators.js (the
// `model` below is that table as code). Compared: constructor name, name,
// code, message, String(err), the stack's header, own property names (in
// order) and their descriptor kinds, Object.keys, errno/syscall/address/port/
// info, instanceof Error/TypeError/RangeError, and util.inspect without the
// stack frames.
//
// Plain node, no dependencies: `node test/errors.test.js`. Exit code 1 on any
// failure. Only loopback traffic; no DNS (custom lookups or IP literals only).

const assert = require('node:assert');
const dgram = require('node:dgram');
const events = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

const E = require('../lib/errors');
const V = require('../lib/validators');

const { codes } = E;
const major = Number(process.versions.node.split('.')[0]);
const hasBlockListOption = typeof net.BlockList === 'function' &&
  typeof net.BlockList.isBlockList === 'function';

let passed = 0;
let failed = 0;
let skipped = 0;

function fail(id, msg) {
  failed++;
  console.log(`not ok - ${id}\n    ${String(msg).split('\n').join('\n    ')}`);
}
function pass(id) {
  passed++;
  if (process.env.VERBOSE) console.log(`ok - ${id}`);
}

// ---------------------------------------------------------------------------
// Error comparison

function descriptorKinds(err) {
  return Object.getOwnPropertyNames(err).map((k) => {
    const d = Object.getOwnPropertyDescriptor(err, k);
    const kind = 'value' in d ? 'v' : `${d.get ? 'g' : ''}${d.set ? 's' : ''}`;
    return `${k}:${kind}${d.enumerable ? 'e' : ''}${d.writable ? 'w' : ''}${d.configurable ? 'c' : ''}`;
  });
}

function stackHeader(err) {
  const s = String(err.stack);
  const at = s.indexOf('\n    at ');
  return at === -1 ? s : s.slice(0, at);
}

function inspectNoFrames(err) {
  return util.inspect(err, { depth: 4 }).split('\n').filter((l) => !/^\s+at /.test(l)).join('\n');
}

function shape(err) {
  if (!(err instanceof Object)) return { nonError: util.inspect(err) };
  const o = {
    ctor: err.constructor && err.constructor.name,
    name: err.name,
    code: err.code,
    message: err.message,
    str: String(err),
    header: stackHeader(err),
    own: Object.getOwnPropertyNames(err),
    desc: descriptorKinds(err),
    keys: Object.keys(err),
    isError: err instanceof Error,
    isTypeError: err instanceof TypeError,
    isRangeError: err instanceof RangeError,
    inspect: inspectNoFrames(err),
  };
  for (const k of ['errno', 'syscall', 'address', 'port', 'info', 'cause']) {
    if (k in err) o[k] = err[k];
  }
  return o;
}

function compareErrors(id, actual, expected) {
  try {
    assert.deepStrictEqual(shape(expected), shape(actual));
    pass(id);
  } catch (e) {
    fail(id, e.message);
  }
}

function outcome(fn) {
  try {
    const r = fn();
    if (r instanceof Error) return { threw: false, value: r };
    return { threw: false, value: r };
  } catch (err) {
    return { threw: true, err };
  }
}

// ---------------------------------------------------------------------------
// The validation-order table of lib/validators.js, as code. `st` is the
// socket state; `native` is the error the OS/native layer gives at the end
// (or undefined for success). Returns 'ok' or throws.

const NOT_RUNNING = () => new codes.ERR_SOCKET_DGRAM_NOT_RUNNING();

function nativeStep(native, ctx) {
  if (native === undefined) return 'ok';
  throw native(ctx);
}

const model = {
  createSocket(st, native, ctx, typeOrOptions) {
    V.validateSocketOptions(typeOrOptions);
    return nativeStep(native, ctx);
  },
  bind(st, native, ctx, ...args) {
    if (st.closed) throw NOT_RUNNING();
    if (st.bindState !== 'unbound') throw new codes.ERR_SOCKET_ALREADY_BOUND();
    const port = args[0];
    if (port !== null && typeof port === 'object' && V.isInt32(port.fd) && port.fd > 0) {
      return nativeStep(native, ctx); // ERR_INVALID_FD_TYPE / open errors
    }
    let address;
    if (port !== null && typeof port === 'object') address = port.address || '';
    else address = typeof args[1] === 'function' ? '' : args[1];
    V.validateHostname(address); // the default lookup is dns.lookup
    return nativeStep(native, ctx);
  },
  connect(st, native, ctx, port, address, callback) {
    V.normalizeConnectArgs(port, address, callback);
    if (st.connectState !== 'disconnected') throw new codes.ERR_SOCKET_DGRAM_IS_CONNECTED();
    if (st.bindState === 'unbound') {
      if (st.closed) throw NOT_RUNNING();
    } else if (st.closed) {
      throw E.nullHandleError('lookup');
    }
    return nativeStep(native, ctx);
  },
  disconnect(st, native, ctx) {
    if (st.connectState !== 'connected') throw new codes.ERR_SOCKET_DGRAM_NOT_CONNECTED();
    if (st.closed) throw E.nullHandleError('disconnect');
    return nativeStep(native, ctx);
  },
  send(st, native, ctx, ...args) {
    V.normalizeSendArgs(st.connectState === 'connected', ...args);
    if (st.closed) throw NOT_RUNNING();
    return nativeStep(native, ctx);
  },
  sendto(st, native, ctx, buffer, offset, length, port, address, callback) {
    V.validateSendtoArgs(offset, length, port, address);
    return model.send(st, native, ctx, buffer, offset, length, port, address, callback);
  },
  close(st, native, ctx) {
    if (st.closed) throw NOT_RUNNING();
    return nativeStep(native, ctx);
  },
  address(st, native, ctx) {
    if (st.closed) throw NOT_RUNNING();
    return nativeStep(native, ctx);
  },
  remoteAddress(st, native, ctx) {
    if (st.closed) throw NOT_RUNNING();
    if (st.connectState !== 'connected') throw new codes.ERR_SOCKET_DGRAM_NOT_CONNECTED();
    return nativeStep(native, ctx);
  },
  setBroadcast(st, native, ctx) {
    if (st.closed) throw E.nullHandleError('setBroadcast');
    return nativeStep(native, ctx);
  },
  setMulticastLoopback(st, native, ctx) {
    if (st.closed) throw E.nullHandleError('setMulticastLoopback');
    return nativeStep(native, ctx);
  },
  setTTL(st, native, ctx, ttl) {
    V.validateNumber(ttl, 'ttl');
    if (st.closed) throw E.nullHandleError('setTTL');
    return nativeStep(native, ctx);
  },
  setMulticastTTL(st, native, ctx, ttl) {
    V.validateNumber(ttl, 'ttl');
    if (st.closed) throw E.nullHandleError('setMulticastTTL');
    return nativeStep(native, ctx);
  },
  setMulticastInterface(st, native, ctx, iface) {
    if (st.closed) throw NOT_RUNNING();
    V.validateString(iface, 'interfaceAddress');
    return nativeStep(native, ctx);
  },
  addMembership(st, native, ctx, multicastAddress) {
    if (st.closed) throw NOT_RUNNING();
    V.validateMulticastAddress(multicastAddress);
    return nativeStep(native, ctx);
  },
  dropMembership(st, native, ctx, multicastAddress) {
    return model.addMembership(st, native, ctx, multicastAddress);
  },
  addSourceSpecificMembership(st, native, ctx, source, group) {
    if (st.closed) throw NOT_RUNNING();
    V.validateSourceSpecificMembership(source, group);
    return nativeStep(native, ctx);
  },
  dropSourceSpecificMembership(st, native, ctx, source, group) {
    return model.addSourceSpecificMembership(st, native, ctx, source, group);
  },
  setRecvBufferSize(st, native, ctx, size) {
    V.validateBufferSize(size);
    if (st.closed) throw E.nullHandleError('bufferSize');
    return nativeStep(native, ctx);
  },
  setSendBufferSize(st, native, ctx, size) {
    return model.setRecvBufferSize(st, native, ctx, size);
  },
  getRecvBufferSize(st, native, ctx) {
    if (st.closed) throw E.nullHandleError('bufferSize');
    return nativeStep(native, ctx);
  },
  getSendBufferSize(st, native, ctx) {
    return model.getRecvBufferSize(st, native, ctx);
  },
  getSendQueueSize(st, native, ctx) {
    if (st.closed) throw E.nullHandleError('getSendQueueSize');
    return nativeStep(native, ctx);
  },
  getSendQueueCount(st, native, ctx) {
    if (st.closed) throw E.nullHandleError('getSendQueueCount');
    return nativeStep(native, ctx);
  },
};

// ---------------------------------------------------------------------------
// Cases: [id, setup, method, args | (ctx) => args, native?, options?]

const cases = [];
function add(id, setup, method, args, native, opts = {}) {
  cases.push({ id, setup, method, args, native, ...opts });
}

const errno = (code, syscall) => () => E.errnoException(code, syscall);
const bufSize = (code, syscall) => () => E.bufferSizeError(code, syscall);

class Foo {}
function namedFn() {}
const nullProto = Object.create(null);
const longString = 'x'.repeat(40);

// Values whose "Received ..." rendering is checked through setTTL
// (ERR_INVALID_ARG_TYPE) and connect (ERR_SOCKET_BAD_PORT).
const oddValues = [
  ['undefined', undefined], ['null', null], ['true', true], ['false', false],
  ['string', 'abc'], ['empty string', ''], ['28 chars', 'a'.repeat(28)],
  ['29 chars', 'a'.repeat(29)], ['40 chars', longString], ["single quote", "it's"],
  ['double quote', 'say "hi"'], ['both quotes', `it's "x"`],
  ['long with quote', "it's ".repeat(10)], ['newline', 'a\nb'], ['unicode', 'héllo ✓'],
  ['bigint', 10n], ['big bigint', 2n ** 70n], ['symbol', Symbol('s')], ['symbol no desc', Symbol()],
  ['named fn', namedFn], ['arrow fn', () => {}], ['class', Foo], ['instance', new Foo()],
  ['object', {}], ['array', [1, 2]], ['null proto', nullProto],
  ['null proto with keys', Object.assign(Object.create(null), { a: 1 })],
  ['map', new Map()], ['date', new Date(0)], ['regexp', /x/], ['buffer', Buffer.from('x')],
  ['boxed number', Object(1)], ['promise', Promise.resolve()],
  ['object with a nameless constructor', { constructor: Object.create(null) }],
];
const oddNumbers = [
  ['0', 0], ['-0', -0], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ['1.5', 1.5], ['-1', -1], ['65536', 65536], ['2**32', 2 ** 32], ['2**53', 2 ** 53],
  ['1e21', 1e21], ['5e-7', 5e-7],
];

// createSocket
add('createSocket()', 'none', 'createSocket', []);
add('createSocket(udp5)', 'none', 'createSocket', ['udp5']);
add('createSocket(UDP4)', 'none', 'createSocket', ['UDP4']);
add('createSocket(4)', 'none', 'createSocket', [4]);
add('createSocket(null)', 'none', 'createSocket', [null]);
add('createSocket(fn)', 'none', 'createSocket', [namedFn]);
add('createSocket({})', 'none', 'createSocket', [{}]);
add('createSocket lookup 1', 'none', 'createSocket', [{ type: 'udp4', lookup: 1 }]);
add('createSocket lookup null', 'none', 'createSocket', [{ type: 'udp4', lookup: null }]);
add('createSocket lookup {} + bad type', 'none', 'createSocket', [{ type: 'udp5', lookup: {} }]);
add('createSocket recvBufferSize x', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 'x' }]);
add('createSocket recvBufferSize -1', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: -1 }]);
add('createSocket recvBufferSize 1.5', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 1.5 }]);
add('createSocket recvBufferSize 2**32', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 2 ** 32 }]);
add('createSocket recvBufferSize 2**32+1', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 2 ** 32 + 1 }]);
add('createSocket recvBufferSize 2**40', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 2 ** 40 }]);
add('createSocket recvBufferSize -(2**40)', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: -(2 ** 40) }]);
add('createSocket recvBufferSize Infinity', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: Infinity }]);
add('createSocket recvBufferSize 1n', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 1n }]);
add('createSocket recvBufferSize true', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: true }]);
add('createSocket recvBufferSize 0 (skipped)', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 0 }]);
add('createSocket recvBufferSize NaN (skipped)', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: NaN }]);
add('createSocket sendBufferSize {}', 'none', 'createSocket', [{ type: 'udp4', sendBufferSize: {} }]);
add('createSocket sendBufferSize -0.5', 'none', 'createSocket', [{ type: 'udp4', sendBufferSize: -0.5 }]);
add('createSocket sendBufferSize 1e300', 'none', 'createSocket', [{ type: 'udp4', sendBufferSize: 1e300 }]);
add('createSocket recv before type', 'none', 'createSocket', [{ type: 'bad', recvBufferSize: 'x' }]);
add('createSocket recv before lookup', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: 'x', lookup: 1 }]);
add('createSocket recv before send', 'none', 'createSocket', [{ type: 'udp4', recvBufferSize: -1, sendBufferSize: 'x' }]);
add('createSocket receiveBlockList {}', 'none', 'createSocket', [{ type: 'udp4', receiveBlockList: {} }], undefined, { blockList: true });
add('createSocket sendBlockList 1', 'none', 'createSocket', [{ type: 'udp4', sendBlockList: 1 }], undefined, { blockList: true });
add('createSocket sendBlockList before type', 'none', 'createSocket', [{ type: 'udp9', sendBlockList: 'x' }], undefined, { blockList: true });
add('createSocket blockLists ok', 'none', 'createSocket', [{ type: 'udp4', sendBlockList: new net.BlockList(), receiveBlockList: new net.BlockList() }]);
add('createSocket signal 1', 'none', 'createSocket', [{ type: 'udp4', signal: 1 }]);
add('createSocket signal null', 'none', 'createSocket', [{ type: 'udp4', signal: null }]);
add('createSocket signal {}', 'none', 'createSocket', [{ type: 'udp4', signal: {} }]);
add('createSocket signal "x"', 'none', 'createSocket', [{ type: 'udp4', signal: 'x' }]);
add('createSocket type before signal', 'none', 'createSocket', [{ type: 'x', signal: 1 }]);
add('createSocket lookup before signal', 'none', 'createSocket', [{ type: 'udp4', lookup: 'x', signal: 1 }]);
add('createSocket aborted signal', 'none', 'createSocket', () => [{ type: 'udp4', signal: AbortSignal.abort() }]);
add('createSocket listener string', 'none', 'createSocket', ['udp4', 'x']);

// bind
add('bind on closed', 'closed', 'bind', [0]);
add('bind while binding', 'binding', 'bind', [0]);
add('bind when bound', 'bound', 'bind', [0, '127.0.0.1']);
add('bind address 123', 'unbound', 'bind', [0, 123]);
add('bind address true', 'unbound', 'bind', [0, true]);
add('bind address {}', 'unbound', 'bind', [0, {}]);
add('bind options address 123', 'unbound', 'bind', [{ port: 0, address: 123 }]);
add('bind closed before address check', 'closed', 'bind', [0, 123]);
add('bind fd of a file', 'unbound', 'bind', (ctx) => [{ fd: ctx.fileFd }], () => new codes.ERR_INVALID_FD_TYPE('FILE'));
add('bind fd of a tcp server', 'unbound', 'bind', (ctx) => [{ fd: ctx.tcpFd }], () => new codes.ERR_INVALID_FD_TYPE('TCP'));
add('bind fd not open', 'unbound', 'bind', [{ fd: 99999 }], () => new codes.ERR_INVALID_FD_TYPE('UNKNOWN'));

// connect
for (const [label, v] of [...oddValues, ...oddNumbers]) {
  add(`connect port ${label}`, 'unbound', 'connect', [v, '127.0.0.1']);
}
add('connect()', 'unbound', 'connect', []);
add('connect port "65536"', 'unbound', 'connect', ['65536']);
add('connect port "  "', 'unbound', 'connect', ['  ']);
add('connect port " 12 " ok', 'unbound', 'connect', [' 12 ', '127.0.0.1']);
add('connect port "0x10" ok', 'unbound', 'connect', ['0x10', '127.0.0.1']);
add('connect port "1e3" ok', 'unbound', 'connect', ['1e3', '127.0.0.1']);
add('connect port "0" ok', 'unbound', 'connect', ['0', '127.0.0.1']);
add('connect address 5', 'unbound', 'connect', [1234, 5]);
add('connect address null', 'unbound', 'connect', [1234, null]);
add('connect address {}', 'unbound', 'connect', [1234, {}]);
add('connect port before address', 'unbound', 'connect', [0, 5]);
add('connect on closed', 'closed', 'connect', [1234, '127.0.0.1']);
add('connect on closed, bad port first', 'closed', 'connect', [0]);
add('connect on closed, bad address first', 'closed', 'connect', [1234, 5]);
add('connect while connecting', 'connecting', 'connect', [1234, '127.0.0.1']);
add('connect when connected', 'connected', 'connect', [1234, '127.0.0.1']);
add('connect when connected, bad port first', 'connected', 'connect', [0, '127.0.0.1']);
add('connect on bound+closed', 'boundclosed', 'connect', [1234, '127.0.0.1']);
add('connect on connected+closed', 'connectedclosed', 'connect', [1234, '127.0.0.1']);
add('disconnect unconnected', 'unbound', 'disconnect', []);
add('disconnect closed', 'closed', 'disconnect', []);
add('disconnect connected+closed', 'connectedclosed', 'disconnect', []);
add('disconnect while connecting', 'connecting', 'disconnect', []);
add('remoteAddress unconnected', 'unbound', 'remoteAddress', []);
add('remoteAddress closed', 'closed', 'remoteAddress', []);
add('remoteAddress connected+closed', 'connectedclosed', 'remoteAddress', []);

// send, unconnected
add('send()', 'unbound', 'send', []);
add('send(1)', 'unbound', 'send', [1]);
add('send(x)', 'unbound', 'send', ['x']);
add('send(x, 0)', 'unbound', 'send', ['x', 0]);
add('send(x, 65536)', 'unbound', 'send', ['x', 65536]);
add('send(x, "abc")', 'unbound', 'send', ['x', 'abc']);
add('send(x, 1n)', 'unbound', 'send', ['x', 1n]);
add('send(x, 1234, 5)', 'unbound', 'send', ['x', 1234, 5]);
add('send(x, 1234, {})', 'unbound', 'send', ['x', 1234, {}]);
add('send(x, 1234, true)', 'unbound', 'send', ['x', 1234, true]);
add('send(x, "1234", 5)', 'unbound', 'send', ['x', '1234', 5]);
add('send(x, 1234, null) ok', 'unbound', 'send', ['x', 1234, null]);
add('send(x, 1234, "127.0.0.1", "notfn") ok', 'unbound', 'send', ['x', 1234, '127.0.0.1', 'notfn']);
add('send(hello, 10, 1, ...)', 'unbound', 'send', ['hello', 10, 1, 1234, '127.0.0.1']);
add('send(hello, 1, 10, ...)', 'unbound', 'send', ['hello', 1, 10, 1234, '127.0.0.1']);
add('send(hello, 5, 0, ...) ok', 'unbound', 'send', ['hello', 5, 0, 1234, '127.0.0.1']);
add('send(buf, -1, 1, ...)', 'unbound', 'send', [Buffer.alloc(4), -1, 1, 1234, '127.0.0.1']);
add('send(u8, 2, 3, ...)', 'unbound', 'send', [new Uint8Array(4), 2, 3, 1234, '127.0.0.1']);
add('send(dataview, 0, 9, ...)', 'unbound', 'send', [new DataView(new ArrayBuffer(8)), 0, 9, 1234, '127.0.0.1']);
add('send(1, 0, 1, ...)', 'unbound', 'send', [1, 0, 1, 1234, '127.0.0.1']);
add('send([x], 0, 1, ...)', 'unbound', 'send', [['x'], 0, 1, 1234, '127.0.0.1']);
add('send(x, 0, 1, 0, addr)', 'unbound', 'send', ['x', 0, 1, 0, '127.0.0.1']);
add('send(x, 0, 1, 70000)', 'unbound', 'send', ['x', 0, 1, 70000]);
add('send(x, 0, 1, 1234, 5)', 'unbound', 'send', ['x', 0, 1, 1234, 5]);
add('send(x, "a", "b", 1234, addr) ok', 'unbound', 'send', ['x', 'a', 'b', 1234, '127.0.0.1']);
add('send([1, 2], 1234)', 'unbound', 'send', [[1, 2], 1234]);
add('send([a, {}], 1234)', 'unbound', 'send', [['a', {}], 1234]);
add('send([], 1234) ok', 'unbound', 'send', [[], 1234, '127.0.0.1']);
add('send([a, u8], 1234) ok', 'unbound', 'send', [['a', new Uint8Array(1)], 1234, '127.0.0.1']);
add('send([1], 0) buffer first', 'unbound', 'send', [[1], 0]);
for (const [label, v] of oddValues) {
  if (typeof v === 'string' || (v && ArrayBuffer.isView(v))) continue;
  add(`send(${label}, 1234)`, 'unbound', 'send', [v, 1234]);
}
add('send on closed', 'closed', 'send', ['x', 1234, '127.0.0.1']);
add('send on closed, bad port first', 'closed', 'send', ['x', 0]);
add('send on closed, bad buffer first', 'closed', 'send', [1, 1234]);
add('send while connecting needs a port', 'connecting', 'send', ['x']);
// send, connected
add('connected send(x, 0, 1, 1234)', 'connected', 'send', ['x', 0, 1, 1234]);
add('connected send(x, 0, 1, null, addr)', 'connected', 'send', ['x', 0, 1, null, '127.0.0.1']);
add('connected send(x, 1234) ok', 'connected', 'send', ['x', 1234]);
add('connected send(x, 1234, addr) ok', 'connected', 'send', ['x', 1234, '127.0.0.1']);
add('connected send(1)', 'connected', 'send', [1]);
add('connected send(x, 0, 10)', 'connected', 'send', ['x', 0, 10]);
add('connected send(x, 0, 1, fn) ok', 'connected', 'send', ['x', 0, 1, () => {}]);
add('connected send(1, 0, 1, 1234) slice first', 'connected', 'send', [1, 0, 1, 1234]);
add('connected send(x, 0, 1, 1234) before buffer list', 'connected', 'send', ['x', 0, 1, 1234]);
add('connected+closed send', 'connectedclosed', 'send', ['x']);
// sendto
add('sendto()', 'unbound', 'sendto', []);
add('sendto(x, "0", ...)', 'unbound', 'sendto', ['x', '0', 1, 1234, '127.0.0.1']);
add('sendto(x, 0, null, ...)', 'unbound', 'sendto', ['x', 0, null, 1234, '127.0.0.1']);
add('sendto(x, 0, 1, "1234", ...)', 'unbound', 'sendto', ['x', 0, 1, '1234', '127.0.0.1']);
add('sendto(x, 0, 1, 1234, 5)', 'unbound', 'sendto', ['x', 0, 1, 1234, 5]);
add('sendto(x, 0, 1, 0, addr)', 'unbound', 'sendto', ['x', 0, 1, 0, '127.0.0.1']);
add('sendto on closed', 'closed', 'sendto', ['x', 0, 1, 1234, '127.0.0.1']);

// TTLs and flags
for (const [label, v] of oddValues) {
  if (typeof v === 'number') continue;
  add(`setTTL(${label})`, 'unbound', 'setTTL', [v]);
}
add('setMulticastTTL({})', 'unbound', 'setMulticastTTL', [{}]);
add('setMulticastTTL("1")', 'unbound', 'setMulticastTTL', ['1']);
add('setTTL(64) unbound', 'unbound', 'setTTL', [64], errno('EBADF', 'setTTL'));
add('setTTL(NaN) unbound', 'unbound', 'setTTL', [NaN], errno('EINVAL', 'setTTL'));
add('setTTL(0) bound', 'bound', 'setTTL', [0], errno('EINVAL', 'setTTL'));
add('setTTL(256) bound', 'bound', 'setTTL', [256], errno('EINVAL', 'setTTL'));
add('setTTL(64) bound ok', 'bound', 'setTTL', [64]);
add('setTTL(64) closed', 'closed', 'setTTL', [64]);
add('setTTL("x") closed', 'closed', 'setTTL', ['x']);
add('setMulticastTTL(1) unbound', 'unbound', 'setMulticastTTL', [1], errno('EBADF', 'setMulticastTTL'));
add('setMulticastTTL(256) bound', 'bound', 'setMulticastTTL', [256], errno('EINVAL', 'setMulticastTTL'));
add('setMulticastTTL(-1) bound', 'bound', 'setMulticastTTL', [-1], errno('EINVAL', 'setMulticastTTL'));
add('setMulticastTTL(1) closed', 'closed', 'setMulticastTTL', [1]);
add('setBroadcast unbound', 'unbound', 'setBroadcast', [true], errno('EBADF', 'setBroadcast'));
add('setBroadcast closed', 'closed', 'setBroadcast', [true]);
add('setMulticastLoopback unbound', 'unbound', 'setMulticastLoopback', [true], errno('EBADF', 'setMulticastLoopback'));
add('setMulticastLoopback closed', 'closed', 'setMulticastLoopback', [true]);
add('setMulticastInterface(1)', 'unbound', 'setMulticastInterface', [1]);
add('setMulticastInterface(null)', 'bound', 'setMulticastInterface', [null]);
add('setMulticastInterface closed', 'closed', 'setMulticastInterface', [1]);
add('setMulticastInterface unbound', 'unbound', 'setMulticastInterface', ['127.0.0.1'], errno('EBADF', 'setMulticastInterface'));
add('setMulticastInterface udp6 unbound', 'unbound6', 'setMulticastInterface', ['::1'], errno('EBADF', 'setMulticastInterface'));
add('setMulticastInterface(abc) bound', 'bound', 'setMulticastInterface', ['abc'], errno('EINVAL', 'setMulticastInterface'));
add('setMulticastInterface(192.0.2.1) bound', 'bound', 'setMulticastInterface', ['192.0.2.1'], errno('EADDRNOTAVAIL', 'setMulticastInterface'));

// membership
add('addMembership()', 'unbound', 'addMembership', []);
add('addMembership("")', 'unbound', 'addMembership', ['']);
add('addMembership(0)', 'unbound', 'addMembership', [0]);
add('addMembership closed', 'closed', 'addMembership', []);
add('addMembership(abc)', 'unbound', 'addMembership', ['abc'], errno('EINVAL', 'addMembership'));
add('addMembership(1)', 'unbound', 'addMembership', [1], errno('EINVAL', 'addMembership'));
add('addMembership(unicast, lo)', 'bound', 'addMembership', ['127.0.0.1', '127.0.0.1'], errno('EINVAL', 'addMembership'));
add('addMembership(group, abc)', 'bound', 'addMembership', ['224.0.0.114', 'abc'], errno('EINVAL', 'addMembership'));
add('dropMembership()', 'unbound', 'dropMembership', []);
add('dropMembership closed', 'closed', 'dropMembership', ['224.0.0.114']);
add('dropMembership(abc)', 'unbound', 'dropMembership', ['abc'], errno('EINVAL', 'dropMembership'));
add('dropMembership not joined', 'bound', 'dropMembership', ['224.0.0.114', '127.0.0.1'], errno('EADDRNOTAVAIL', 'dropMembership'));
add('addSourceSpecificMembership()', 'unbound', 'addSourceSpecificMembership', []);
add('addSourceSpecificMembership(a, 1)', 'unbound', 'addSourceSpecificMembership', ['a', 1]);
add('addSourceSpecificMembership(1, 1)', 'unbound', 'addSourceSpecificMembership', [1, 1]);
add('addSourceSpecificMembership closed', 'closed', 'addSourceSpecificMembership', []);
add('addSourceSpecificMembership(a, b)', 'unbound', 'addSourceSpecificMembership', ['a', 'b'], errno('EINVAL', 'addSourceSpecificMembership'));
add('dropSourceSpecificMembership(1)', 'unbound', 'dropSourceSpecificMembership', [1]);
add('dropSourceSpecificMembership(a, null)', 'unbound', 'dropSourceSpecificMembership', ['a', null]);
add('dropSourceSpecificMembership(a, b)', 'unbound', 'dropSourceSpecificMembership', ['a', 'b'], errno('EINVAL', 'dropSourceSpecificMembership'));

// buffer sizes
for (const v of ['x', -1, 1.5, 2 ** 32, NaN, undefined, null, '8192', {}]) {
  add(`setRecvBufferSize(${util.inspect(v)})`, 'unbound', 'setRecvBufferSize', [v]);
}
add('setSendBufferSize(-1)', 'unbound', 'setSendBufferSize', [-1]);
add('setRecvBufferSize(-1) closed', 'closed', 'setRecvBufferSize', [-1]);
add('setRecvBufferSize(8192) closed', 'closed', 'setRecvBufferSize', [8192]);
add('setRecvBufferSize(8192) unbound', 'unbound', 'setRecvBufferSize', [8192], bufSize('EBADF', 'uv_recv_buffer_size'));
add('setRecvBufferSize(0) unbound', 'unbound', 'setRecvBufferSize', [0], bufSize('EBADF', 'uv_recv_buffer_size'));
add('setSendBufferSize(8192) unbound', 'unbound', 'setSendBufferSize', [8192], bufSize('EBADF', 'uv_send_buffer_size'));
add('setRecvBufferSize(2**31) bound', 'bound', 'setRecvBufferSize', [2 ** 31], bufSize('EINVAL', 'uv_recv_buffer_size'));
add('setRecvBufferSize(8192) bound ok', 'bound', 'setRecvBufferSize', [8192]);
add('getRecvBufferSize unbound', 'unbound', 'getRecvBufferSize', [], bufSize('EBADF', 'uv_recv_buffer_size'));
add('getSendBufferSize unbound', 'unbound', 'getSendBufferSize', [], bufSize('EBADF', 'uv_send_buffer_size'));
add('getSendBufferSize closed', 'closed', 'getSendBufferSize', []);
add('getSendQueueSize closed', 'closed', 'getSendQueueSize', []);
add('getSendQueueCount closed', 'closed', 'getSendQueueCount', []);

// misc
add('address unbound', 'unbound', 'address', [], errno('EBADF', 'getsockname'));
add('address unbound6', 'unbound6', 'address', [], errno('EBADF', 'getsockname'));
add('address closed', 'closed', 'address', []);
add('close closed', 'closed', 'close', []);
add('close closed with callback', 'closed', 'close', [() => {}]);

// ---------------------------------------------------------------------------
// Runner

async function setupSocket(setup, ctx) {
  const st = { closed: false, bindState: 'unbound', connectState: 'disconnected' };
  if (setup === 'none') return { st, s: null };
  const s = dgram.createSocket(setup === 'unbound6' ? 'udp6' : 'udp4');
  s.on('error', () => {});
  switch (setup) {
    case 'unbound':
    case 'unbound6':
      break;
    case 'closed':
      s.close();
      st.closed = true;
      break;
    case 'binding':
      s.bind(0, '127.0.0.1');
      st.bindState = 'binding';
      break;
    case 'bound':
    case 'boundclosed':
      await new Promise((r) => s.bind(0, '127.0.0.1', r));
      st.bindState = 'bound';
      if (setup === 'boundclosed') {
        s.close();
        st.closed = true;
      }
      break;
    case 'connecting':
      s.connect(ctx.peerPort, '127.0.0.1');
      st.bindState = 'binding';
      st.connectState = 'connecting';
      break;
    case 'connected':
    case 'connectedclosed':
      await new Promise((r) => s.connect(ctx.peerPort, '127.0.0.1', r));
      st.bindState = 'bound';
      st.connectState = 'connected';
      if (setup === 'connectedclosed') {
        s.close();
        st.closed = true;
      }
      break;
    default:
      throw new Error(`unknown setup ${setup}`);
  }
  return { st, s };
}

async function runSyncCase(c, ctx) {
  if (c.blockList && !hasBlockListOption) {
    skipped++;
    return;
  }
  const { st, s } = await setupSocket(c.setup, ctx);
  const args = typeof c.args === 'function' ? c.args(ctx) : c.args;
  const created = [];
  const limit = Error.stackTraceLimit;
  const builtin = outcome(() => {
    if (c.method === 'createSocket') {
      const sock = dgram.createSocket(...args);
      created.push(sock);
      return 'ok';
    }
    s[c.method](...args);
    return 'ok';
  });
  Error.stackTraceLimit = limit;
  const mine = outcome(() => model[c.method](st, c.native, ctx, ...args));

  if (builtin.threw !== mine.threw) {
    fail(c.id, `builtin ${builtin.threw ? `threw ${builtin.err && builtin.err.message}` : 'did not throw'}, ` +
      `model ${mine.threw ? `threw ${mine.err && mine.err.message}` : 'did not throw'}`);
  } else if (builtin.threw) {
    compareErrors(c.id, mine.err, builtin.err);
  } else {
    pass(c.id);
  }

  for (const sock of created) {
    sock.on('error', () => {});
    try { sock.close(); } catch { /* already closed by its signal */ }
  }
  if (s) {
    try { s.close(); } catch { /* closed */ }
  }
}

function onceError(emitter) {
  return new Promise((resolve) => emitter.once('error', resolve));
}

async function asyncCases(ctx) {
  // bind failures emitted as 'error' (ExceptionWithHostPort)
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.bind(ctx.port4, '127.0.0.1');
    compareErrors('bind EADDRINUSE 127.0.0.1:port', E.exceptionWithHostPort(-98, 'bind', '127.0.0.1', ctx.port4), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.bind(ctx.port4, '127.0.0.1', () => {});
    compareErrors('bind EADDRINUSE with callback', E.exceptionWithHostPort('EADDRINUSE', 'bind', '127.0.0.1', ctx.port4), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp6');
    const p = onceError(s);
    s.bind({ port: ctx.port6, address: '::1' });
    compareErrors('bind EADDRINUSE ::1:port (no brackets)', E.exceptionWithHostPort(98, 'bind', '::1', ctx.port6), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.bind(1234, '192.0.2.1'); // bind only: TEST-NET-1 is not local
    compareErrors('bind EADDRNOTAVAIL with port', E.exceptionWithHostPort(-99, 'bind', '192.0.2.1', 1234), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.bind(0, '192.0.2.1');
    compareErrors('bind EADDRNOTAVAIL port 0 (no port)', E.exceptionWithHostPort(-99, 'bind', '192.0.2.1', 0), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp6');
    const p = onceError(s);
    s.bind(0, '127.0.0.1');
    compareErrors('bind EINVAL udp6 to IPv4', E.exceptionWithHostPort(-22, 'bind', '127.0.0.1', 0), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.bind({ port: 0, address: '::1' });
    compareErrors('bind EINVAL udp4 to IPv6', E.exceptionWithHostPort(-22, 'bind', '::1', undefined), await p);
    s.close();
  }
  // connect failure: emitted, or given to the callback
  {
    const s = dgram.createSocket('udp4');
    const p = onceError(s);
    s.connect(1234, '::1');
    compareErrors('connect EINVAL emitted', E.exceptionWithHostPort(-22, 'connect', '::1', 1234), await p);
    s.close();
  }
  {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    const err = await new Promise((resolve) => s.connect(4321, '::1', resolve));
    compareErrors('connect EINVAL to callback', E.exceptionWithHostPort(-22, 'connect', '::1', 4321), err);
    s.close();
  }
  // send failure goes to the callback
  {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    const err = await new Promise((resolve) => s.send('x', 1234, '::1', resolve));
    compareErrors('send EINVAL to callback', E.exceptionWithHostPort(-22, 'send', '::1', 1234), err);
    s.close();
  }
  // options.recvBufferSize applied after bind: thrown from the bind callback
  {
    const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 2 ** 31 });
    const p = new Promise((resolve) => process.once('uncaughtException', resolve));
    s.bind(0, '127.0.0.1');
    compareErrors('recvBufferSize option EINVAL (uncaught)', E.bufferSizeError(-22, 'uv_recv_buffer_size'), await p);
    s.close();
  }
  // sendBlockList (Node >= 22.13 / 23.4)
  if (hasBlockListOption) {
    const bl = new net.BlockList();
    bl.addAddress('127.0.0.1');
    {
      const s = dgram.createSocket({ type: 'udp4', sendBlockList: bl });
      const err = await new Promise((resolve) => s.send('x', ctx.port4, '127.0.0.1', resolve));
      compareErrors('send ERR_IP_BLOCKED', new codes.ERR_IP_BLOCKED('127.0.0.1'), err);
      s.close();
    }
    {
      const s = dgram.createSocket({ type: 'udp4', sendBlockList: bl });
      const p = onceError(s);
      s.connect(ctx.port4, '127.0.0.1');
      compareErrors('connect ERR_IP_BLOCKED', new codes.ERR_IP_BLOCKED('127.0.0.1'), await p);
      s.close();
    }
  } else {
    skipped += 2;
  }
  // An aborted signal closes the socket; no error at all.
  {
    const s = dgram.createSocket({ type: 'udp4', signal: AbortSignal.abort() });
    let errors = 0;
    s.on('error', () => errors++);
    await events.once(s, 'close');
    try {
      assert.throws(() => s.close(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
      assert.strictEqual(errors, 0);
      pass('aborted signal closes without error');
    } catch (e) {
      fail('aborted signal closes without error', e.message);
    }
  }
}

// Checks of errors.js against other Node APIs that share the formatting.
function formattingCases() {
  const other = [
    ['Buffer.from(1): "first argument", instances and "an Array-like Object"',
      () => Buffer.from(1),
      () => new codes.ERR_INVALID_ARG_TYPE('first argument',
        ['string', 'Buffer', 'ArrayBuffer', 'Array', 'Array-like Object'], 1)],
    ['dns.lookupService(): ERR_MISSING_ARGS with three names',
      () => require('node:dns').lookupService(),
      () => new codes.ERR_MISSING_ARGS('address', 'port', 'callback')],
    ['fs.openSync flags: ERR_INVALID_ARG_VALUE',
      () => fs.openSync(__filename, 'zz'),
      () => new codes.ERR_INVALID_ARG_VALUE('flags', 'zz')],
    ['dns.lookup options true: "one of type" with an other',
      () => require('node:dns').lookup('127.0.0.1', true, () => {}),
      () => new codes.ERR_INVALID_ARG_TYPE('options', ['integer', 'object'], true)],
    ['events.setMaxListeners(-1): ERR_OUT_OF_RANGE',
      () => events.setMaxListeners(-1),
      () => { V.validateNumber(-1, 'setMaxListeners', 0); }],
    ['Buffer.alloc(2**53): big integer with separators',
      () => Buffer.alloc(2 ** 53),
      () => new codes.ERR_OUT_OF_RANGE('size', `>= 0 && <= ${require('node:buffer').constants.MAX_LENGTH}`, 2 ** 53)],
    ['AbortSignal.timeout("x"): validateNumber/Integer',
      () => AbortSignal.timeout('x'),
      () => { V.validateInteger('x', 'delay', 0, Number.MAX_SAFE_INTEGER); }],
    ['AbortSignal.timeout(1.5): not an integer',
      () => AbortSignal.timeout(1.5),
      () => { V.validateInteger(1.5, 'delay', 0, Number.MAX_SAFE_INTEGER); }],
    ['net.BlockList.addAddress(1): validateString',
      () => new net.BlockList().addAddress(1),
      () => { V.validateString(1, 'address'); }],
  ];
  for (const [id, builtinFn, mineFn] of other) {
    const b = outcome(builtinFn);
    const m = outcome(() => {
      const r = mineFn();
      if (r instanceof Error) throw r;
      return r;
    });
    if (!b.threw || !m.threw) {
      fail(id, `builtin threw: ${b.threw}, mine threw: ${m.threw}`);
      continue;
    }
    compareErrors(id, m.err, b.err);
  }
}

async function abortErrorCase() {
  // Node's AbortError as produced by a public API, against ours.
  const reason = new Error('why');
  const ac = new AbortController();
  ac.abort(reason);
  let builtin;
  try {
    await events.once(new events.EventEmitter(), 'x', { signal: ac.signal });
  } catch (e) {
    builtin = e;
  }
  compareErrors('AbortError shape', new E.AbortError(undefined, { cause: reason }), builtin);
}

function stackCases() {
  // Errors thrown through the validators start at the caller's frame.
  const id = 'validator stacks start at the caller';
  try {
    const lines = [];
    for (const f of [
      () => V.validatePort(0, 'Port', false),
      () => V.normalizeSendArgs(false, 1, 1234),
      () => V.validateSocketOptions({ type: 'udp4', recvBufferSize: -1 }),
    ]) {
      try {
        f();
      } catch (e) {
        lines.push(String(e.stack).split('\n')[1]);
      }
    }
    assert.strictEqual(lines.length, 3);
    for (const l of lines) {
      assert.ok(l.includes(__filename) && !l.includes(`${path.sep}lib${path.sep}`), l);
    }
    pass(id);
  } catch (e) {
    fail(id, e.message);
  }
  // Node's formatter throws a plain TypeError ("Cannot use 'in' operator to
  // search for 'name' in 5") for an object whose `constructor` is a
  // primitive, and (a Node bug) leaves Error.stackTraceLimit at 0 with no
  // stack frames on that error; only the class and message are compared.
  for (const v of [{ constructor: 5 }, { constructor: 'x' }]) {
    const id3 = `primitive constructor property ${util.inspect(v)}`;
    const limit = Error.stackTraceLimit;
    const s = dgram.createSocket('udp4');
    const b = outcome(() => s.setTTL(v));
    Error.stackTraceLimit = limit;
    s.close();
    const m = outcome(() => V.validateNumber(v, 'ttl'));
    try {
      assert.ok(b.threw && m.threw);
      assert.strictEqual(m.err.constructor, b.err.constructor);
      assert.strictEqual(m.err.message, b.err.message);
      assert.strictEqual(m.err.code, b.err.code);
      pass(id3);
    } catch (e) {
      fail(id3, e.message);
    }
  }

  const id2 = 'errors.js helpers';
  try {
    assert.strictEqual(E.getSystemErrorName(-98), 'EADDRINUSE');
    assert.strictEqual(E.getSystemErrorMessage(-9), 'bad file descriptor');
    assert.strictEqual(E.uvErrno('EOPNOTSUPP'), -95);
    assert.strictEqual(E.uvErrno(111), -111);
    assert.strictEqual(E.errnoException('EINVAL', 'addMembership').message, 'addMembership EINVAL');
    assert.strictEqual(E.formatList(['a', 'b', 'c'], 'or'), 'a, b, or c');
    assert.strictEqual(E.addNumericalSeparator('-1234567'), '-1_234_567');
    assert.strictEqual(V.toBindPort(65536), 0);
    assert.strictEqual(V.toBindPort(-1), 65535);
    assert.strictEqual(V.toBindPort('80'), 80);
    assert.strictEqual(V.toBindPort(1.5), 1);
    assert.strictEqual(V.validatePort(' 12 '), 12);
    const m = util.getSystemErrorMap();
    for (const [name, num, desc] of E.kLinuxErrnos) {
      if (!m.has(num)) continue; // e.g. ENOEXEC is newer than Node 20's libuv
      assert.deepStrictEqual(m.get(num), [name, desc], name);
    }
    pass(id2);
  } catch (e) {
    fail(id2, e.stack);
  }
}

async function main() {
  const a4 = dgram.createSocket('udp4');
  await new Promise((r) => a4.bind(0, '127.0.0.1', r));
  const a6 = dgram.createSocket('udp6');
  await new Promise((r) => a6.bind(0, '::1', r));
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const tmp = path.join(os.tmpdir(), `node-dgram-errors-${process.pid}`);
  fs.writeFileSync(tmp, 'x');
  const fileFd = fs.openSync(tmp, 'r');
  const ctx = {
    port4: a4.address().port,
    port6: a6.address().port,
    peerPort: a4.address().port,
    fileFd,
    tcpFd: server._handle.fd,
  };

  try {
    for (const c of cases) {
      try {
        await runSyncCase(c, ctx);
      } catch (e) {
        fail(c.id, `harness: ${e.stack}`);
      }
    }
    await asyncCases(ctx);
    formattingCases();
    await abortErrorCase();
    stackCases();
  } finally {
    a4.close();
    a6.close();
    server.close();
    fs.closeSync(fileFd);
    fs.unlinkSync(tmp);
  }

  console.log(`node ${process.version}: ${cases.length} table cases`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
