'use strict';

// Builtins patched after load change nothing (issue 15, item 2).
//
// lib/validators.js, lib/errors.js and lib/shapes.js call builtins only through
// lib/primordials.js, captured when they load. This test loads two copies of
// them, runs every case on copy A with the builtins untouched (the expected
// results), then patches the builtins the package could touch (prototype
// methods and accessors, statics, util/net/Buffer helpers, globals, setters on
// Object.prototype) so that any use throws and is counted, runs the same cases
// on copy B, restores the builtins, and compares: return values, or for
// errors the class, name, code, message, String(err), the first two lines of
// the stack, own property names, keys, errno/syscall/address/port/info, and
// util.inspect. Copy B is fresh, so its lazily built tables (errno maps) are
// built while the builtins are patched.
//
//   node test/primordials.test.js
//   PRIMORDIALS_TEST_LIB=/path/to/other/lib node test/primordials.test.js
//
// Exits 1 on any difference, or if a patched builtin was called at all.

const path = require('node:path');
const util = require('node:util');
const net = require('node:net');

const libDir = process.env.PRIMORDIALS_TEST_LIB ?
  path.resolve(process.env.PRIMORDIALS_TEST_LIB) : path.join(__dirname, '..', 'lib');
const libFiles = ['primordials', 'errors', 'validators', 'shapes', 'cluster'];

function loadCopy() {
  for (const f of libFiles) {
    try {
      delete require.cache[require.resolve(path.join(libDir, f))];
    } catch {
      // Not in this lib (an older lib without primordials.js).
    }
  }
  const mods = {
    E: require(path.join(libDir, 'errors')),
    V: require(path.join(libDir, 'validators')),
    S: require(path.join(libDir, 'shapes')),
    C: require(path.join(libDir, 'cluster')),
    P: null,
  };
  try {
    mods.P = require(path.join(libDir, 'primordials'));
  } catch {
    mods.P = null;
  }
  return mods;
}

const copyA = loadCopy();
const copyB = loadCopy();

let passed = 0;
let failed = 0;
function pass() {
  passed++;
}
function fail(id, msg) {
  failed++;
  console.log(`not ok - ${id}\n    ${String(msg).split('\n').join('\n    ')}`);
}

// ---------------------------------------------------------------------------
// The cases: (m) => value; m is a copy's { E, V, S, C, P }.

// Case bodies run while the builtins are patched: no spread, no array
// methods, no globals (their originals are captured here, before patching).
const captured = { inspect: util.inspect };
const OrigError = Error;
const OrigUint8Array = Uint8Array;
const OrigArrayBuffer = ArrayBuffer;
const OrigDataView = DataView;
const testSymbol = Symbol.for('node-dgram.test');
const cb = function callback() {};

// fn(...args) / new C(...args) with the exact arity, without spread.
function callArgs(fn, a) {
  switch (a.length) {
    case 0: return fn();
    case 1: return fn(a[0]);
    case 2: return fn(a[0], a[1]);
    case 3: return fn(a[0], a[1], a[2]);
    case 4: return fn(a[0], a[1], a[2], a[3]);
    case 5: return fn(a[0], a[1], a[2], a[3], a[4]);
    case 6: return fn(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    default: throw new OrigError('callArgs: too many arguments');
  }
}
function constructArgs(C, a) {
  switch (a.length) {
    case 0: return new C();
    case 1: return new C(a[0]);
    case 2: return new C(a[0], a[1]);
    case 3: return new C(a[0], a[1], a[2]);
    case 4: return new C(a[0], a[1], a[2], a[3]);
    default: throw new OrigError('constructArgs: too many arguments');
  }
}
function mapArr(arr, f) {
  const out = [];
  for (let i = 0; i < arr.length; i++) out[i] = f(arr[i]);
  return out;
}
const longString = 'a'.repeat(40);
const cases = [];
function add(id, fn) {
  cases.push([id, fn]);
}

// Validators, valid and invalid inputs.
const blockList = new net.BlockList();
add('isInt32', (m) => [m.V.isInt32(1), m.V.isInt32(2 ** 31), m.V.isInt32('1')]);
add('isUint32', (m) => [m.V.isUint32(5), m.V.isUint32(-1), m.V.isUint32(2 ** 32)]);
add('isArrayBufferView', (m) => [m.V.isArrayBufferView(new Uint8Array(1)),
  m.V.isArrayBufferView(new DataView(new ArrayBuffer(1))), m.V.isArrayBufferView('x')]);
add('isBlockList', (m) => [m.V.isBlockList(blockList), m.V.isBlockList({}), m.V.isBlockList(null)]);
for (const [i, args] of [['x', 'a'], [1, 'a'], [null, 'a'], [Symbol('s'), 'a'], [1n, 'a.b'],
  [longString, 'a'], ["it's", 'a'], [{}, 'a'], [Object.create(null), 'a'], [cb, 'a'],
  [new (class Foo {})(), 'a'], [-0, 'a'], [NaN, 'a'], [true, 'a'], [[1, 2], 'a']].entries()) {
  add(`validateString #${i}`, (m) => m.V.validateString(args[0], args[1]));
}
for (const [i, args] of [[1, 'n'], ['1', 'n'], [5, 'n', 0, 3], [NaN, 'n', 0], [-1, 'n', 0],
  [2, 'n', undefined, 1], [NaN, 'n']].entries()) {
  add(`validateNumber #${i}`, (m) => callArgs(m.V.validateNumber, args));
}
for (const [i, args] of [[1.5, 'i'], [2 ** 60, 'i'], [3, 'i', 0, 2], [3, 'i'], ['3', 'i'],
  [-(2 ** 53), 'i']].entries()) {
  add(`validateInteger #${i}`, (m) => callArgs(m.V.validateInteger, args));
}
for (const [i, args] of [[2 ** 31, 'x'], [-5, 'x'], [5, 'x', 6], [1.1, 'x']].entries()) {
  add(`validateInt32 #${i}`, (m) => callArgs(m.V.validateInt32, args));
}
for (const [i, args] of [[-1, 'x'], [0, 'x', true], ['1', 'x'], [2 ** 40, 'x'], [5n, 'x'],
  [7, 'x'], [-(2 ** 40), 'x']].entries()) {
  add(`validateUint32 #${i}`, (m) => callArgs(m.V.validateUint32, args));
}
add('validateBoolean ok', (m) => m.V.validateBoolean(true, 'b'));
add('validateBoolean bad', (m) => m.V.validateBoolean(1, 'b'));
add('validateFunction ok', (m) => m.V.validateFunction(cb, 'f'));
add('validateFunction bad', (m) => m.V.validateFunction(1, 'f'));
for (const [i, args] of [[{}, 'o'], [null, 'o'], [[], 'o'], [cb, 'o'], [cb, 'o', { allowFunction: true }],
  [null, 'o', 1], [[], 'o', 2], [5, 'o.p']].entries()) {
  add(`validateObject #${i}`, (m) => callArgs(m.V.validateObject, args));
}
for (const [i, v] of [undefined, { aborted: false }, {}, 1, null].entries()) {
  add(`validateAbortSignal #${i}`, (m) => m.V.validateAbortSignal(v, 'options.signal'));
}
for (const [i, args] of [[80], [' 12 '], ['0x10'], ['1e3'], ['', 'Port', false], ['  ', 'Port', false],
  [0, 'Port', false], ['0', 'Port', false], [1.5], [65536], ['abc'], [null], [true], [5n],
  [Symbol('p')], [{}], [-0, 'Port', false], [NaN], [65535, 'port']].entries()) {
  add(`validatePort #${i}`, (m) => callArgs(m.V.validatePort, args));
}
add('validateBlockList ok', (m) => m.V.validateBlockList(blockList, 'b'));
add('validateBlockList bad', (m) => m.V.validateBlockList({}, 'options.sendBlockList'));
add('validateSocketType ok', (m) => m.V.validateSocketType('udp6'));
add('validateSocketType bad', (m) => m.V.validateSocketType('udp5'));
for (const [i, arg] of ['udp4', { type: 'udp6' }, { type: 'udp4', recvBufferSize: -1 },
  { type: 'udp4', sendBufferSize: 1.5 }, { type: 'udp4', lookup: 1 }, { type: 'x' },
  { type: 'udp4', signal: {} }, { type: 'udp4', receiveBlockList: {} },
  { type: 'udp4', sendBlockList: blockList }, { type: 'udp4', recvBufferSize: 1024, reuseAddr: true },
  { type: 'udp4', lookup: cb, signal: { aborted: false }, ipv6Only: true, reusePort: false },
  null, 'udp7', undefined].entries()) {
  add(`validateSocketOptions #${i}`, (m) => m.V.validateSocketOptions(arg));
}
for (const [i, v] of ['localhost', 1, '', { toString() { return 'x'; } }].entries()) {
  add(`validateHostname #${i}`, (m) => m.V.validateHostname(v));
}
for (const [i, v] of [65536, '80', -1, 1.5, 'abc', undefined, Symbol('x'), 5n].entries()) {
  add(`toBindPort #${i}`, (m) => m.V.toBindPort(v));
}
for (const [i, v] of [1, -1, 1.5, '1', 2 ** 32].entries()) {
  add(`validateBufferSize #${i}`, (m) => m.V.validateBufferSize(v));
}
add('validateMulticastAddress ok', (m) => m.V.validateMulticastAddress('224.0.0.1'));
add('validateMulticastAddress bad', (m) => m.V.validateMulticastAddress(''));
add('validateSourceSpecificMembership ok', (m) => m.V.validateSourceSpecificMembership('a', 'b'));
add('validateSourceSpecificMembership bad 1', (m) => m.V.validateSourceSpecificMembership(1, 'b'));
add('validateSourceSpecificMembership bad 2', (m) => m.V.validateSourceSpecificMembership('a', null));
add('validateSendtoArgs ok', (m) => m.V.validateSendtoArgs(0, 1, 80, 'x'));
add('validateSendtoArgs bad offset', (m) => m.V.validateSendtoArgs('0', 1, 80, 'x'));
add('validateSendtoArgs bad address', (m) => m.V.validateSendtoArgs(0, 1, 80, 1));
const sab = new SharedArrayBuffer(4);
new Uint8Array(sab).set([1, 2, 3, 4]);
for (const [i, args] of [['hello', 1, 2], [Buffer.from('abc'), 1, 1], [new Uint16Array([1, 2, 3]), 2, 2],
  [new DataView(new Uint8Array([9, 8, 7, 6, 5, 4]).buffer, 2), 1, 3], [{}, 0, 0], [Buffer.alloc(2), 3, 0],
  [Buffer.alloc(2), 1, 5], [new Uint8Array(sab, 1), 0, 3], ['x', -1, 0], [null, 0, 0]].entries()) {
  add(`sliceBuffer #${i}`, (m) => callArgs(m.V.sliceBuffer, args));
}
const mixedList = ['a', Buffer.from('b'), new Uint8Array([1, 2]), new DataView(new Uint8Array([3, 4, 5]).buffer, 1)];
add('toBufferList ok', (m) => m.V.toBufferList(mixedList));
add('toBufferList bad', (m) => m.V.toBufferList(['a', 1]));
for (const [i, args] of [
  [false, 'msg', 1234, '127.0.0.1', cb],
  [false, 'msg', 0, 3, 1234, '127.0.0.1', cb],
  [false, ['a', 'b'], 1234, undefined],
  [false, [], 1234],
  [false, [1], 1234],
  [false, 5, 1234],
  [false, 'x', 0],
  [false, 'x', 1234, 5],
  [false, 'x', 1234, cb],
  [false, new Uint8Array([1, 2, 3]), 1, 1, 1234, '::1'],
  [false, {}, 0, 1, 1234, 'h'],
  [false, 'x', 9, 1, 1234, 'h'],
  [true, 'x', cb],
  [true, 'x', 0, 1, cb],
  [true, 'x', 0, 1, 1234],
  [true, ['x', new DataView(new ArrayBuffer(2))]],
].entries()) {
  add(`normalizeSendArgs #${i}`, (m) => callArgs(m.V.normalizeSendArgs, args));
}
for (const [i, args] of [[1234, '127.0.0.1', cb], [1234, cb], [1234], [0], [1234, null], ['70000']].entries()) {
  add(`normalizeConnectArgs #${i}`, (m) => callArgs(m.V.normalizeConnectArgs, args));
}

// Error constructors, with every message form.
const codeArgs = {
  ERR_BUFFER_OUT_OF_BOUNDS: [[], ['offset']],
  ERR_INVALID_ARG_TYPE: [
    ['x', 'string', 1], ['x.y', ['string', 'Buffer', 'object'], null],
    ['first argument', ['a valid port'], {}], ['x', ['Function', 'object', 'number'], function foo() {}],
    ['x', 'net.BlockList', longString], ['buffer', ['Buffer', 'TypedArray', 'DataView', 'string'], "it's"],
    ['x', ['a', 'b', 'c'], 1n], ['x', ['Object', 'Buffer', 'Array'], -0], ['x', 'object', Symbol('q')],
    ['x', ['string', 'number', 'boolean', 'Foo'], Object.create(null)], ['x', 'AbortSignal', true],
  ],
  ERR_INVALID_ARG_VALUE: [['x', [1, 2]], ['x.y', 'a'.repeat(200), 'must be short'], ['x', { a: 1 }]],
  ERR_OUT_OF_RANGE: [['x', '>= 0', 2 ** 40], ['x', '>= 0', 5n ** 20n], ['x', '>= 0', -1],
    ['custom message.', 'fine', 3, true], ['x', 'y', 1.5], ['x', 'y', -(2n ** 40n)], ['x', 'y', 'str']],
  ERR_MISSING_ARGS: [['a'], ['a', 'b'], [['a', 'b'], 'c'], ['a', 'b', 'c']],
  ERR_INVALID_FD_TYPE: [['FILE']],
  ERR_IP_BLOCKED: [['1.2.3.4']],
  ERR_INVALID_THIS: [['Socket']],
  ERR_SOCKET_ALREADY_BOUND: [[]],
  ERR_SOCKET_BAD_BUFFER_SIZE: [[]],
  ERR_SOCKET_BAD_PORT: [['Port', 'x', false], ['Port', 70000], ['Port', 2 ** 40, false], ['Port', null]],
  ERR_SOCKET_BAD_TYPE: [[]],
  ERR_SOCKET_CLOSED: [[]],
  ERR_SOCKET_DGRAM_IS_CONNECTED: [[]],
  ERR_SOCKET_DGRAM_NOT_CONNECTED: [[]],
  ERR_SOCKET_DGRAM_NOT_RUNNING: [[]],
  ERR_METHOD_NOT_IMPLEMENTED: [['x']],
  ERR_OPERATION_FAILED: [['y'], ['a %s b', 1]],
  ERR_SOCKET_BUFFER_SIZE: [[{ errno: -9, code: 'EBADF', message: 'bad file descriptor', syscall: 'uv_recv_buffer_size' }]],
  ERR_SYSTEM_ERROR: [[{ errno: -2, code: 'ENOENT', message: 'no such file', syscall: 'open', path: 'p', dest: 'd' }]],
};
for (const code of Object.keys(copyA.E.codes)) {
  const list = codeArgs[code] || [[]];
  list.forEach((args, i) => add(`codes.${code} #${i}`, (m) => constructArgs(m.E.codes[code], args)));
}
add('codes.ERR_INVALID_ARG_VALUE.RangeError', (m) => new m.E.codes.ERR_INVALID_ARG_VALUE.RangeError('x', 5));
add('codes.ERR_OPERATION_FAILED.TypeError', (m) => new m.E.codes.ERR_OPERATION_FAILED.TypeError('z'));
add('thrown ERR_INVALID_ARG_TYPE', (m) => {
  throw new m.E.codes.ERR_INVALID_ARG_TYPE('x', 'string', 1);
});
add('inspect SystemError', (m) => captured.inspect(new m.E.codes.ERR_SOCKET_BUFFER_SIZE(
  { errno: -9, code: 'EBADF', message: 'bad file descriptor', syscall: 'uv_send_buffer_size' })));
add('inspect coded error', (m) => captured.inspect(new m.E.codes.ERR_SOCKET_BAD_PORT('Port', -1)));
add('AbortError', (m) => new m.E.AbortError());
add('AbortError cause', (m) => new m.E.AbortError('m', { cause: 1 }));
add('AbortError bad options', (m) => new m.E.AbortError('m', 5));
add('SystemError', (m) => new m.E.SystemError('ERR_X',
  { errno: -13, code: 'EACCES', message: 'permission denied', syscall: 'bind' }));
add('ErrnoException', (m) => new m.E.ErrnoException(-9, 'setTTL'));
add('ErrnoException original', (m) => new m.E.ErrnoException(-9, 'x', 'orig'));
add('ExceptionWithHostPort', (m) => new m.E.ExceptionWithHostPort(-98, 'bind', '0.0.0.0', 41234));
add('ExceptionWithHostPort no port', (m) => new m.E.ExceptionWithHostPort(-99, 'bind', '192.0.2.1', 0));
add('ExceptionWithHostPort additional', (m) => new m.E.ExceptionWithHostPort(-98, 'bind', '::1', 1, 'extra'));
for (const [i, args] of [['EBADF', 'x'], [9, 'x'], [-9, 'x', 'orig'], ['EOPNOTSUPP', 'x'],
  ['EWOULDBLOCK', 'x'], [-123456, 'x'], ['NOPE', 'x'], [{}, 'x']].entries()) {
  add(`errnoException #${i}`, (m) => callArgs(m.E.errnoException, args));
}
for (const [i, args] of [[98, 'bind', '1.2.3.4', 5], ['EADDRINUSE', 'bind', '::', 0],
  [-111, 'connect', '127.0.0.1', 9, 'local']].entries()) {
  add(`exceptionWithHostPort #${i}`, (m) => callArgs(m.E.exceptionWithHostPort, args));
}
add('bufferSizeError', (m) => m.E.bufferSizeError(-9, 'uv_recv_buffer_size'));
add('bufferSizeError by name', (m) => m.E.bufferSizeError('EINVAL', 'uv_send_buffer_size'));
add('nullHandleError', (m) => m.E.nullHandleError('setTTL'));
add('getSystemErrorName', (m) => [m.E.getSystemErrorName(-9), m.E.getSystemErrorName(-123456)]);
add('getSystemErrorMessage', (m) => [m.E.getSystemErrorMessage(-9), m.E.getSystemErrorMessage(-99999),
  m.E.getSystemErrorMessage(-3008)]);
add('uvErrno', (m) => [m.E.uvErrno(-98), m.E.uvErrno(98), m.E.uvErrno('EADDRINUSE'),
  m.E.uvErrno('EWOULDBLOCK'), m.E.uvErrno('EOPNOTSUPP'), m.E.uvErrno('NOPE'), m.E.uvErrno({})]);
const receivedValues = [null, undefined, 1, -0, NaN, 1n, true, Symbol('d'), cb, 'x',
  longString, "it's", {}, Object.create(null), [1], new Map(), Buffer.alloc(1)];
add('describeReceived', (m) => mapArr(receivedValues, (v) => m.E.describeReceived(v)));
const expectedLists = [
  'string', ['string', 'number'], ['Buffer', 'object'], ['a valid port'], ['a', 'Bc'],
  ['string', 'Buffer', 'TypedArray', 'DataView', 'x y', 'Z z'], ['object', 'Function'],
];
add('describeExpected', (m) => mapArr(expectedLists, (e) => m.E.describeExpected(e)));
add('formatList', (m) => [m.E.formatList([]), m.E.formatList(['a']), m.E.formatList(['a', 'b']),
  m.E.formatList(['a', 'b', 'c'], 'or'), m.E.formatList(['a', 'b', 'c', 'd'])]);
add('addNumericalSeparator', (m) => mapArr(['1', '123', '1234', '-12345', '4294967297'],
  (d) => m.E.addNumericalSeparator(d)));
add('hideStackFrames', (m) => {
  const f = m.E.hideStackFrames(function inner(x) {
    throw new m.E.codes.ERR_INVALID_ARG_TYPE('x', 'string', x);
  });
  return [f.name, f.withoutStackTrace.name, (() => {
    try {
      f(1);
    } catch (e) {
      return e;
    }
  })()];
});
add('captureLargerStackTrace', (m) => {
  const err = new m.E.codes.ERR_SOCKET_CLOSED();
  return m.E.captureLargerStackTrace(err, function notOnStack() {});
});
add('captureLargerStackTrace plain', (m) => m.E.captureLargerStackTrace(new OrigError('plain'), add));
add('isNodeError', (m) => [m.E.isNodeError(new m.E.codes.ERR_SOCKET_CLOSED()), m.E.isNodeError(new OrigError('x')),
  m.E.isNodeError(null), m.E.isNodeError(new m.E.codes.ERR_SOCKET_BUFFER_SIZE({ errno: -9, syscall: 's' }))]);

// shapes.js
for (const [i, args] of [['TypeError', 'ERR_X', 'bad x'], ['RangeError', 'ERR_Y', 'y'], ['Error', 'ERR_Z', 'z'],
  ['SystemError', 'ERR_W', 'w'], ['toString', 'ERR_V', 'v']].entries()) {
  add(`plainError #${i}`, (m) => callArgs(m.S.plainError, args));
}
for (const [i, args] of [[-98, 'bind', '0.0.0.0', 41234], [-9, 'setTTL'],
  [-3008, 'getaddrinfo', undefined, undefined, 'getaddrinfo ENOTFOUND nope', 'nope'],
  [-99, 'bind', '192.0.2.1', 0]].entries()) {
  add(`systemError #${i}`, (m) => callArgs(m.S.systemError, args));
}
add('shapes.bufferSizeError', (m) => m.S.bufferSizeError({ errno: -22, syscall: 'uv_recv_buffer_size' }));
add('shapes.bufferSizeError plain', (m) => m.S.bufferSizeError({ code: 'ERR_SOCKET_BUFFER_SIZE', message: 'm' }));

// cluster.js (what runs outside a worker)
add('cluster.isWorker', (m) => [m.C.isWorker(), m.C.UV_UDP_IPV6ONLY, m.C.UV_UDP_REUSEADDR]);
add('acquireSharedFd bad options', (m) => m.C.acquireSharedFd(null, cb));
add('acquireSharedFd bad callback', (m) => m.C.acquireSharedFd({}, 1));
add('acquireSharedFd bad type', (m) => m.C.acquireSharedFd({ addressType: 'x' }, cb));
add('acquireSharedFd not a worker', (m) => m.C.acquireSharedFd({ addressType: 'udp4' }, cb));

// The captured functions themselves, used while their originals are patched.
if (copyA.P !== null) {
  add('primordials work under patches', (m) => {
    const P = m.P;
    const arr = [];
    P.ArrayPrototypePush(arr, 1, 2, 3);
    const map = new P.MapCtor();
    P.MapPrototypeSet(map, 'k', 'v');
    const set = new P.SetCtor();
    P.SetPrototypeAdd(set, 'a');
    const wm = new P.WeakMapCtor();
    P.WeakMapPrototypeSet(wm, arr, 7);
    const ws = new P.WeakSetCtor();
    P.WeakSetPrototypeAdd(ws, arr);
    const dst = new OrigUint8Array(4);
    P.TypedArrayPrototypeSet(dst, new OrigUint8Array([5, 6]), 1);
    const view = new OrigUint8Array(new OrigArrayBuffer(8), 2, 3);
    const dv = new OrigDataView(new OrigArrayBuffer(8), 3, 2);
    return [
      arr, P.ArrayPrototypeJoin(arr, '-'), P.ArrayPrototypeSlice(arr, 1), P.ArrayPrototypeIncludes(arr, 2),
      P.ArrayPrototypeMap(arr, (x) => x * 2),
      P.MapPrototypeGet(map, 'k'), P.MapPrototypeHas(map, 'k'), P.MapPrototypeDelete(map, 'k'), P.MapPrototypeGetSize(map),
      P.SetPrototypeHas(set, 'a'), P.SetPrototypeDelete(set, 'a'),
      P.WeakMapPrototypeGet(wm, arr), P.WeakMapPrototypeHas(wm, arr), P.WeakMapPrototypeDelete(wm, arr),
      P.WeakSetPrototypeHas(ws, arr),
      dst, P.TypedArrayPrototypeGetByteOffset(view), P.TypedArrayPrototypeGetByteLength(view),
      P.ArrayBufferPrototypeGetByteLength(P.TypedArrayPrototypeGetBuffer(view)),
      P.ArrayBufferViewGetByteOffset(dv), P.ArrayBufferViewGetByteLength(dv), P.ArrayBufferViewGetByteLength(view),
      P.ArrayBufferIsView(dv), P.isSharedArrayBuffer(sab), P.isSharedArrayBuffer(new OrigArrayBuffer(1)),
      P.FunctionPrototypeCall(function f(a) { return [this, a]; }, 'self', 'arg'),
      P.ReflectApply((a, b) => a + b, undefined, [1, 2]),
      P.StringPrototypeStartsWith('hello', 'he'), P.StringPrototypeSlice('hello', 1, 3),
      P.NumberIsInteger(1.5), P.NumberIsFinite(Infinity), P.NumberIsNaN(NaN), P.MathTrunc(-1.5), P.MathFloor(-1.5),
      P.JSONStringify({ a: [1] }), P.BufferFrom('hi'), P.BufferIsBuffer(P.BufferAllocUnsafeSlow(2)),
      P.BufferByteLength('héllo'), P.isIP('::1'), P.isIP('1.2.3.4'), P.isIP('x'),
      P.SymbolFor('node-dgram.test') === testSymbol,
      P.ObjectGetPrototypeOf(P.ObjectSetPrototypeOf({}, null)),
      P.ObjectAssign({}, { a: 1 }), P.ObjectIsFrozen(P.ObjectFreeze({})),
      P.NumberCtor('12'), P.StringCtor(12), typeof P.PromiseCtor,
    ];
  });
}

// ---------------------------------------------------------------------------
// Running the cases. No builtin method, iterator or spread is used between
// patching and restoring: index loops, plain calls and try/catch only.

function runAll(mods, out) {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    let outcome;
    try {
      outcome = { threw: false, value: c[1](mods) };
    } catch (err) {
      outcome = { threw: true, value: err };
    }
    // Format the stack now (it is formatted lazily, on first read).
    const v = outcome.value;
    if (v !== null && typeof v === 'object') {
      try {
        outcome.stack = v.stack;
      } catch (err) {
        outcome.stack = err;
      }
    }
    out[i] = outcome;
  }
}

// ---------------------------------------------------------------------------
// Patches: every builtin the package might use throws (and is counted).

const hits = { __proto__: null };
// PRIMORDIALS_TEST_TRACE=1: print where each patched builtin was called from.
const traceHits = !!process.env.PRIMORDIALS_TEST_TRACE;
const origCaptureStackTrace = Error.captureStackTrace;
const hitStacks = [];
const hitLabels = [];
let hitCount = 0;
const origReflectApply = Reflect.apply;
const origReflectConstruct = Reflect.construct;
const origStartsWith = String.prototype.startsWith;
const libPrefix = `${libDir}${path.sep}`;
function returnCallSites(err, callSites) {
  return callSites;
}

// Whether the code that called `fn` (a stub) is in the lib under test. V8's
// CallSite objects, through a temporary Error.prepareStackTrace.
function calledFromLib(fn) {
  const prevPrepare = OrigError.prepareStackTrace;
  const prevLimit = OrigError.stackTraceLimit;
  OrigError.prepareStackTrace = returnCallSites;
  OrigError.stackTraceLimit = 1;
  const holder = {};
  let sites;
  try {
    origCaptureStackTrace(holder, fn);
    sites = holder.stack;
  } finally {
    OrigError.prepareStackTrace = prevPrepare;
    OrigError.stackTraceLimit = prevLimit;
  }
  // Not an array: called while a stack is being formatted (by Node itself).
  if (sites === null || typeof sites !== 'object' || sites.length === 0) return false;
  const file = sites[0].getFileName();
  return typeof file === 'string' && origReflectApply(origStartsWith, file, [libPrefix]);
}

// A patched builtin: called from the lib under test, it counts the call and
// throws; called from anywhere else (Node's own internals, e.g. util.inspect
// calling `array.includes`, which Node's dgram would do just the same), it
// does what the original does.
function stub(label, kind, original, key) {
  const patched = function patched(...args) {
    if (calledFromLib(patched)) {
      hits[label] = (hits[label] || 0) + 1;
      hitCount++;
      if (traceHits) {
        const where = {};
        origCaptureStackTrace(where, patched);
        hitStacks[hitStacks.length] = where;
        hitLabels[hitLabels.length] = label;
      }
      throw `patched builtin called: ${label}`; // eslint-disable-line no-throw-literal
    }
    if (kind === 'value') {
      if (new.target !== undefined) {
        return origReflectConstruct(original, args, new.target === patched ? original : new.target);
      }
      return origReflectApply(original, this, args);
    }
    if (kind === 'get') return origReflectApply(original, this, args);
    if (kind === 'setter') {
      // What the assignment would have done without the setter.
      origDefineProperty(this, key, {
        __proto__: null, value: args[0], writable: true, enumerable: true, configurable: true,
      });
      return undefined;
    }
    return undefined; // 'getter-only': as if Object.prototype had no such field
  };
  return patched;
}

const saved = [];
const origDefineProperty = Object.defineProperty;
const origGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const origSetPrototypeOf = Object.setPrototypeOf;

const patchPlan = [];
function planMethods(label, target, keys) {
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(target, key);
    if (d === undefined) continue;
    patchPlan.push([target, key, `${label}.${String(key)}`, typeof d.value === 'function' ? 'value' : 'get']);
  }
}
function planSetter(label, target, key) {
  patchPlan.push([target, key, `${label}.${key} (setter)`, 'setter']);
}
function planGlobal(name) {
  patchPlan.push([globalThis, name, `globalThis.${name}`, 'value']);
}

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const ArrayIteratorProto = Object.getPrototypeOf([][Symbol.iterator]());
const MapIteratorProto = Object.getPrototypeOf(new Map()[Symbol.iterator]());
const SetIteratorProto = Object.getPrototypeOf(new Set()[Symbol.iterator]());

planMethods('Array.prototype', Array.prototype, ['push', 'pop', 'shift', 'unshift', 'slice', 'splice',
  'join', 'map', 'filter', 'forEach', 'indexOf', 'includes', 'concat', 'at', 'some', 'every', 'reduce',
  'find', 'findIndex', 'fill', 'keys', 'values', 'entries', Symbol.iterator]);
planMethods('ArrayIterator', ArrayIteratorProto, ['next']);
planMethods('Array', Array, ['isArray', 'from', 'of']);
planMethods('Map.prototype', Map.prototype, ['get', 'set', 'has', 'delete', 'clear', 'forEach', 'entries',
  'keys', 'values', 'size', Symbol.iterator]);
planMethods('MapIterator', MapIteratorProto, ['next']);
planMethods('Set.prototype', Set.prototype, ['add', 'has', 'delete', 'clear', 'forEach', 'values', 'size',
  Symbol.iterator]);
planMethods('SetIterator', SetIteratorProto, ['next']);
planMethods('WeakMap.prototype', WeakMap.prototype, ['get', 'set', 'has', 'delete']);
planMethods('WeakSet.prototype', WeakSet.prototype, ['add', 'has', 'delete']);
planMethods('Function.prototype', Function.prototype, ['call', 'apply', 'bind']);
planMethods('String.prototype', String.prototype, ['startsWith', 'endsWith', 'includes', 'indexOf',
  'lastIndexOf', 'slice', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimStart', 'trimEnd',
  'split', 'replace', 'replaceAll', 'padStart', 'padEnd', 'repeat', 'charCodeAt', 'charAt', 'at',
  'match', Symbol.iterator]);
planMethods('TypedArray.prototype', TypedArrayProto, ['set', 'subarray', 'slice', 'fill', 'indexOf',
  'includes', 'buffer', 'byteOffset', 'byteLength']);
planMethods('DataView.prototype', DataView.prototype, ['buffer', 'byteOffset', 'byteLength']);
planMethods('RegExp.prototype', RegExp.prototype, ['exec', 'test', Symbol.match, Symbol.replace,
  Symbol.split]);
planMethods('Error.prototype', Error.prototype, ['toString']);
planMethods('Object', Object, ['defineProperty', 'defineProperties', 'getOwnPropertyDescriptor',
  'getOwnPropertyNames', 'getPrototypeOf', 'setPrototypeOf', 'is', 'isExtensible', 'keys', 'assign',
  'freeze', 'create', 'entries', 'values', 'hasOwn']);
planMethods('Object.prototype', Object.prototype, ['hasOwnProperty']);
planMethods('Reflect', Reflect, ['apply', 'construct', 'defineProperty', 'get', 'has', 'ownKeys']);
planMethods('Number', Number, ['isInteger', 'isNaN', 'isFinite', 'isSafeInteger']);
planMethods('Math', Math, ['abs', 'trunc', 'floor', 'ceil', 'min', 'max']);
planMethods('JSON', JSON, ['stringify', 'parse']);
planMethods('Error', Error, ['captureStackTrace']);
planMethods('Symbol', Symbol, ['for']);
planMethods('ArrayBuffer', ArrayBuffer, ['isView']);
planMethods('Buffer', Buffer, ['from', 'isBuffer', 'alloc', 'allocUnsafe', 'allocUnsafeSlow', 'byteLength',
  'concat']);
planMethods('util', util, ['inspect', 'format', 'getSystemErrorName', 'getSystemErrorMap']);
planMethods('util.types', util.types, ['isSharedArrayBuffer', 'isTypedArray', 'isAnyArrayBuffer']);
planMethods('net', net, ['isIP', 'isIPv4', 'isIPv6']);
if (typeof net.BlockList.isBlockList === 'function') planMethods('net.BlockList', net.BlockList, ['isBlockList']);
// Writes to fresh errors must not go through setters on the prototype chain,
// and descriptors must not inherit fields from Object.prototype.
for (const key of ['code', 'errno', 'syscall', 'address', 'port', 'hostname', 'info']) {
  planSetter('Object.prototype', Object.prototype, key);
}
for (const key of ['get', 'set', 'value', 'writable', 'enumerable', 'configurable']) {
  patchPlan.push([Object.prototype, key, `Object.prototype.${key} (inherited descriptor field)`, 'getter-only']);
}
for (const name of ['Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError',
  'Buffer', 'Reflect', 'JSON', 'Math', 'Symbol', 'Number', 'String', 'Object', 'ArrayBuffer', 'DataView',
  'Uint8Array', 'Promise', 'SharedArrayBuffer']) {
  planGlobal(name);
}

function applyPatches() {
  for (let i = 0; i < patchPlan.length; i++) {
    const p = patchPlan[i];
    const target = p[0];
    const key = p[1];
    const label = p[2];
    const kind = p[3];
    const before = origGetOwnPropertyDescriptor(target, key);
    // Reused to restore: nothing may be inherited into it once Object.prototype is patched.
    if (before !== undefined) origSetPrototypeOf(before, null);
    saved[i] = before;
    let original;
    if (before !== undefined) original = kind === 'value' ? before.value : before.get;
    const s = stub(label, kind, original, key);
    let desc;
    if (kind === 'value') desc = { __proto__: null, value: s, writable: true, configurable: true, enumerable: false };
    else if (kind === 'get') desc = { __proto__: null, get: s, configurable: true, enumerable: false };
    else if (kind === 'setter') desc = { __proto__: null, set: s, configurable: true, enumerable: false };
    else desc = { __proto__: null, get: s, configurable: true, enumerable: false };
    origDefineProperty(target, key, desc);
  }
}

function restorePatches() {
  for (let i = patchPlan.length - 1; i >= 0; i--) {
    const p = patchPlan[i];
    if (saved[i] === undefined) delete p[0][p[1]];
    else origDefineProperty(p[0], p[1], saved[i]);
  }
}

// ---------------------------------------------------------------------------
// Run: expected first (unpatched, copy A), then patched (copy B).

const expected = new Array(cases.length);
const actual = new Array(cases.length);
runAll(copyA, expected);
applyPatches();
try {
  runAll(copyB, actual);
} finally {
  restorePatches();
}

// ---------------------------------------------------------------------------
// Comparing (builtins restored).

function describe(v, depth = 0) {
  if (depth > 6) return '...';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'undefined': return 'undefined';
    // Without stack frames (the runs are called from different lines).
    case 'string': return JSON.stringify(v.split('\n').filter((l) => !l.startsWith('    at ')).join('\n'));
    case 'number': return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint': return `${v}n`;
    case 'boolean': return String(v);
    case 'symbol': return String(v);
    case 'function': return `[function ${v.name}]`;
    default: break;
  }
  if (v instanceof Error) return describeError(v);
  if (ArrayBuffer.isView(v)) {
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    // (Not the offset: pooled Buffers land at different places in the pool.)
    return `${v.constructor.name}<${bytes}>${util.types.isSharedArrayBuffer(v.buffer) ? ' shared' : ''}`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => describe(x, depth + 1)).join(', ')}]`;
  const proto = Object.getPrototypeOf(v);
  const name = proto === null ? 'null-proto' : (proto.constructor && proto.constructor.name);
  const keys = Reflect.ownKeys(v).map((k) => `${String(k)}: ${describe(v[k], depth + 1)}`);
  return `${name} {${keys.join(', ')}}`;
}

function describeError(e) {
  const own = Object.getOwnPropertyNames(e).map((k) => {
    const d = Object.getOwnPropertyDescriptor(e, k);
    const kind = 'value' in d ? 'data' : 'accessor';
    return `${k}:${kind}${d.enumerable ? ':e' : ''}${d.writable ? ':w' : ''}`;
  });
  return JSON.stringify({
    constructor: e.constructor && e.constructor.name,
    protoConstructor: Object.getPrototypeOf(e).constructor.name,
    name: e.name,
    code: e.code,
    message: e.message,
    string: String(e),
    stackHead: typeof e.stack === 'string' ? e.stack.split('\n').slice(0, 2).join('\n') : typeof e.stack,
    own,
    keys: Object.keys(e),
    errno: e.errno,
    syscall: e.syscall,
    address: e.address,
    port: e.port,
    hostname: e.hostname,
    info: e.info === undefined ? undefined : describe(e.info),
    instanceOf: [e instanceof Error, e instanceof TypeError, e instanceof RangeError],
    inspect: util.inspect(e).split('\n    at ')[0],
  }, null, 1);
}

function summary(outcome) {
  const head = outcome.threw ? 'throws ' : 'returns ';
  if (outcome.threw && (outcome.value === null || typeof outcome.value !== 'object')) {
    return `${head}${typeof outcome.value} ${String(outcome.value)}`;
  }
  return head + describe(outcome.value);
}

for (let i = 0; i < cases.length; i++) {
  const id = cases[i][0];
  const want = summary(expected[i]);
  const got = summary(actual[i]);
  if (want === got) pass();
  else fail(id, `expected (builtins untouched):\n${want}\ngot (builtins patched):\n${got}`);
}

if (traceHits) {
  const seen = new Set();
  for (let i = 0; i < hitStacks.length; i++) {
    const text = `${hitLabels[i]}\n${hitStacks[i].stack}`;
    if (!seen.has(text)) console.log(text);
    seen.add(text);
  }
}
if (hitCount === 0) pass();
else fail('no patched builtin was called', `calls: ${JSON.stringify(hits)}`);

// The export object itself.
if (copyA.P !== null) {
  const P = copyA.P;
  const required = [
    'TypedArrayPrototypeSet', 'TypedArrayPrototypeGetBuffer', 'TypedArrayPrototypeGetByteOffset',
    'TypedArrayPrototypeGetByteLength', 'ArrayBufferIsView', 'isSharedArrayBuffer', 'FunctionPrototypeCall',
    'ReflectApply', 'MapPrototypeGet', 'MapPrototypeSet', 'MapPrototypeHas', 'MapPrototypeDelete',
    'SetPrototypeAdd', 'SetPrototypeHas', 'SetPrototypeDelete', 'WeakSetPrototypeAdd', 'WeakSetPrototypeHas',
    'WeakMapPrototypeGet', 'WeakMapPrototypeSet', 'WeakMapPrototypeHas', 'WeakMapPrototypeDelete',
    'ArrayPrototypePush', 'ArrayPrototypeMap', 'ArrayPrototypeSlice', 'ArrayPrototypeJoin',
    'ArrayPrototypeIncludes', 'PromiseCtor', 'ObjectSetPrototypeOf', 'ObjectGetPrototypeOf', 'ObjectAssign',
    'ObjectFreeze', 'SymbolFor', 'NumberCtor', 'StringCtor', 'NumberIsFinite', 'NumberIsNaN', 'MathTrunc',
    'MathFloor', 'BufferFrom', 'BufferIsBuffer', 'BufferAllocUnsafeSlow', 'BufferByteLength', 'isIP',
    'ObjectDefineProperty', 'ObjectKeys', 'NumberIsInteger', 'JSONStringify', 'ErrorCaptureStackTrace',
    'StringPrototypeStartsWith', 'MapCtor', 'SetCtor', 'WeakMapCtor', 'WeakSetCtor', 'ErrorCtor',
    'TypeErrorCtor', 'RangeErrorCtor', 'UtilInspect', 'UtilFormat', 'UtilGetSystemErrorName',
    'UtilGetSystemErrorMap', 'ArrayBufferViewGetBuffer', 'ArrayBufferViewGetByteOffset',
    'ArrayBufferViewGetByteLength', 'FunctionPrototypeSymbolHasInstance', 'BlockListCtor',
  ];
  const missing = required.filter((k) => typeof P[k] !== 'function');
  if (missing.length === 0) pass();
  else fail('primordials exports the required functions', `missing: ${missing.join(', ')}`);
  if (Object.isFrozen(P) && Object.getPrototypeOf(P) === null) pass();
  else fail('primordials export is frozen, with no prototype', `frozen ${Object.isFrozen(P)}`);
  if (!('nextTick' in P) && !('ProcessNextTick' in P)) pass();
  else fail('process.nextTick is not captured', 'found a nextTick export');
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
