'use strict';

// Node-style errors for node-dgram, reproducing what `node:dgram` throws:
// the same class, `name`, `code`, `message`, own-property layout and the same
// first line of `stack` / `String(err)` (`TypeError [ERR_X]: message`).
//
// Everything here was written from observation of Node 20.20 and 24.11 (the
// messages, codes and property shapes they produce); no Node source is copied.
//
// Shapes, as observed:
//
// * Coded errors (`codes.ERR_*`): an instance of the base class (Error,
//   TypeError or RangeError). `name` is NOT an own property (it is inherited
//   from the base prototype, e.g. 'TypeError'); `code` IS an own, enumerable,
//   writable property; `message` an own, non-enumerable one; `err.constructor`
//   is the base class (so `err.constructor.name === 'TypeError'`).
//   `Object.getOwnPropertyNames(err)` is ['stack', 'message', 'code'] for
//   fixed/format-string messages and ['stack', 'code', 'message'] for
//   computed messages (ERR_INVALID_ARG_TYPE, ERR_SOCKET_BAD_PORT, ...).
//   `String(err)` and the first line of `err.stack` are
//   `${name} [${code}]: ${message}`.
//
// * System errors (`codes.ERR_SOCKET_BUFFER_SIZE`): constructor named
//   'NodeError' (a subclass of the exported `SystemError`), own non-enumerable
//   `name` 'SystemError', enumerable `code`, `info` (the context object
//   {errno, code, message, syscall}), and enumerable accessor properties
//   `errno` and `syscall` reading/writing `info`. Message:
//   `Could not get or set buffer size: uv_recv_buffer_size returned EBADF (bad file descriptor)`.
//
// * Errno exceptions (`errnoException(-9, 'setTTL')`): plain `Error`,
//   message `setTTL EBADF`, own enumerable `errno`, `code`, `syscall` in that
//   order.
//
// * Host/port exceptions (`exceptionWithHostPort(-98, 'bind', '0.0.0.0', 41234)`):
//   plain `Error`, message `bind EADDRINUSE 0.0.0.0:41234` (IPv6 addresses
//   are not bracketed: `bind EADDRINUSE ::1:41234`); when the port is falsy
//   or not > 0 the message is `bind EADDRNOTAVAIL 192.0.2.1` and there is no
//   `port` property; own enumerable `errno`, `code`, `syscall`, `address`,
//   (`port`).

// Every builtin is called through ./primordials (captured when the package
// loads), so that a program patching Array.prototype.push, Map.prototype.get,
// Function.prototype.call, util.inspect, ... can neither change these errors
// nor observe how they are built. No for-of, array destructuring or spread at
// call time (they use the patchable array iterator). Read at call time on
// purpose, as Node does: Error.stackTraceLimit and Error.prepareStackTrace
// (the user's stack settings), and `name`/`message`/`constructor` of the
// values being described.
const {
  ArrayIsArray,
  ArrayPrototypeIndexOf,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  BufferFrom,
  ErrorCaptureStackTrace,
  ErrorCtor,
  JSONStringify,
  MapCtor,
  MapPrototypeForEach,
  MapPrototypeGet,
  MapPrototypeHas,
  MapPrototypeSet,
  MathAbs,
  NumberIsInteger,
  ObjectDefineProperties,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectIs,
  ObjectIsExtensible,
  ObjectSetPrototypeOf,
  RangeErrorCtor,
  ReflectApply,
  RegExpPrototypeExec,
  SetCtor,
  SetPrototypeAdd,
  SetPrototypeHas,
  StringCtor,
  StringPrototypeEndsWith,
  StringPrototypeIncludes,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  SymbolCtor,
  SymbolFor,
  TypeErrorCtor,
  UtilFormat,
  UtilGetSystemErrorMap,
  UtilGetSystemErrorName,
  UtilInspect,
} = require('./primordials');

const kTypeNames = new SetCtor();
{
  const names = [
    'string', 'function', 'number', 'object', 'Function', 'Object',
    'boolean', 'bigint', 'symbol',
  ];
  for (let i = 0; i < names.length; i++) SetPrototypeAdd(kTypeNames, names[i]);
}
const kClassName = /^[A-Z][a-zA-Z0-9]*$/;

// obj[key] = value for a fresh object, as an own enumerable writable data
// property (what the assignment creates), without going through a setter a
// program may have put on Object.prototype or Error.prototype.
function setOwn(obj, key, value) {
  ObjectDefineProperty(obj, key, {
    __proto__: null, value, writable: true, enumerable: true, configurable: true,
  });
}

// ---------------------------------------------------------------------------
// Stack handling

// V8 formats `stack` lazily, on first read, from the error's `name` and
// `message` at that time. Node's own errors print `Name [CODE]: message` on
// the first line; we get the same by giving the error a temporary own `name`
// while forcing the stack to be formatted, then restoring the real one.
function fixStackHeader(err) {
  const own = ObjectGetOwnPropertyDescriptor(err, 'name');
  // Reused as a descriptor below: nothing may be inherited into it.
  if (own !== undefined) ObjectSetPrototypeOf(own, null);
  const header = `${err.name} [${err.code}]`;
  ObjectDefineProperty(err, 'name', {
    __proto__: null, value: header, writable: true, enumerable: false, configurable: true,
  });
  try {
    // eslint-disable-next-line no-unused-expressions
    err.stack;
  } catch {
    // A throwing user Error.prepareStackTrace: leave the stack as it is.
  } finally {
    if (own === undefined) delete err.name;
    else ObjectDefineProperty(err, 'name', own);
  }
}

// Re-capture `err`'s stack so that it starts at the caller of `fn`
// (dropping `fn` and every frame above it), keeping Node's header line for
// coded errors. Use it to make errors thrown from inside the package point
// at the user's call, as Node's do.
function captureLargerStackTrace(err, fn) {
  // Error.stackTraceLimit is the user's setting: read at call time, as Node does.
  if (err === null || typeof err !== 'object' || !ErrorCtor.stackTraceLimit) return err;
  if (!ObjectIsExtensible(err)) return err;
  ErrorCaptureStackTrace(err, fn);
  if (isNodeError(err)) fixStackHeader(err);
  return err;
}

// Wraps `fn` so that errors it throws get a stack starting at the wrapper's
// caller (frames inside `fn` are hidden), like Node's internal validators.
function hideStackFrames(fn) {
  function wrapped(...args) {
    try {
      return ReflectApply(fn, this, args);
    } catch (err) {
      throw captureLargerStackTrace(err, wrapped);
    }
  }
  ObjectDefineProperty(wrapped, 'name', { __proto__: null, value: fn.name, configurable: true });
  wrapped.withoutStackTrace = fn;
  return wrapped;
}

const kNodeError = SymbolCtor('node-dgram.isNodeError');

function isNodeError(err) {
  return err !== null && typeof err === 'object' && err[kNodeError] === true;
}

// ---------------------------------------------------------------------------
// "Received ..." formatting and list phrasing

// 'a', 'a or b', 'a, b, or c', 'a, b, c, or d' (Oxford comma from 3 items).
function formatList(items, conj = 'and') {
  const n = items.length;
  if (n === 0) return '';
  if (n === 1) return `${items[0]}`;
  if (n === 2) return `${items[0]} ${conj} ${items[1]}`;
  // items[0..n-1) joined with ', ' (as Array.prototype.join: null and
  // undefined items read as '').
  let head = '';
  for (let i = 0; i < n - 1; i++) {
    const item = items[i];
    head += `${i === 0 ? '' : ', '}${item == null ? '' : item}`;
  }
  return `${head}, ${conj} ${items[n - 1]}`;
}

// Integer digits grouped by three with '_' (sign kept in front):
// '4294967297' -> '4_294_967_297', '-12345' -> '-12_345'.
function addNumericalSeparator(digits) {
  const sign = digits[0] === '-' ? '-' : '';
  let body = sign ? StringPrototypeSlice(digits, 1) : digits;
  let out = '';
  while (body.length > 3) {
    out = `_${StringPrototypeSlice(body, -3)}${out}`;
    body = StringPrototypeSlice(body, 0, -3);
  }
  return `${sign}${body}${out}`;
}

function describeNumber(n) {
  if (ObjectIs(n, -0)) return '-0';
  return StringCtor(n); // NaN, Infinity, -Infinity, 1.5, 1e+21 ...
}

const [NODE_MAJOR, NODE_MINOR] = process.versions.node.split('.').map(Number);
const CHECKS_CONSTRUCTOR_NAME = NODE_MAJOR > 26 || (NODE_MAJOR === 26 && NODE_MINOR >= 9) || (NODE_MAJOR === 24 && NODE_MINOR >= 22);

// The "Received ..." tail used by ERR_INVALID_ARG_TYPE and ERR_SOCKET_BAD_PORT.
function describeReceived(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'number':
      return `type number (${describeNumber(value)})`;
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'boolean':
      return `type boolean (${value})`;
    case 'symbol':
      return `type symbol (${StringCtor(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'string': {
      let s = value;
      if (s.length > 28) s = `${StringPrototypeSlice(s, 0, 25)}...`;
      return StringPrototypeIncludes(s, "'") ? `type string (${JSONStringify(s)})` : `type string ('${s}')`;
    }
    case 'object': {
      const ctor = value.constructor;
      if (CHECKS_CONSTRUCTOR_NAME) {
        // (Node 24.22+/26.9+: only a constructor object with a non-empty string name counts.)
        const named = ctor !== null && (typeof ctor === 'object' || typeof ctor === 'function') && typeof ctor.name === 'string' && ctor.name !== '';
        if (named) return `an instance of ${ctor.name}`;
        return UtilInspect(value, { __proto__: null, depth: -1 });
      }
      if (ctor && 'name' in ctor) return `an instance of ${ctor.name}`;
      return UtilInspect(value, { __proto__: null, depth: -1 });
    }
    default: {
      // Not reachable with today's typeof results; kept for exotic hosts.
      let s = UtilInspect(value, { __proto__: null, colors: false });
      if (s.length > 28) s = `${StringPrototypeSlice(s, 0, 25)}...`;
      return `type ${typeof value} (${s})`;
    }
  }
}

// "must be ..." phrase of ERR_INVALID_ARG_TYPE from the expected list:
// primitive type names, class names (capitalised identifiers) and anything
// else (e.g. 'net.BlockList', 'a valid port').
function describeExpected(expected) {
  const list = ArrayIsArray(expected) ? expected : [expected];
  let types = [];
  const instances = [];
  const other = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (SetPrototypeHas(kTypeNames, e)) ArrayPrototypePush(types, StringPrototypeToLowerCase(e));
    else if (RegExpPrototypeExec(kClassName, e) !== null) ArrayPrototypePush(instances, e);
    else ArrayPrototypePush(other, e);
  }
  // With class names present, a plain 'object' type reads as "an instance of Object".
  if (instances.length > 0) {
    const at = ArrayPrototypeIndexOf(types, 'object');
    if (at !== -1) {
      const rest = [];
      for (let i = 0; i < types.length; i++) if (i !== at) ArrayPrototypePush(rest, types[i]);
      types = rest;
      ArrayPrototypePush(instances, 'Object');
    }
  }
  const parts = [];
  if (types.length > 0) {
    ArrayPrototypePush(parts, `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`);
  }
  if (instances.length > 0) {
    ArrayPrototypePush(parts, `an instance of ${formatList(instances, 'or')}`);
  }
  if (other.length > 1) {
    ArrayPrototypePush(parts, `one of ${formatList(other, 'or')}`);
  } else if (other.length === 1) {
    // Node writes "an" before anything that is not all lower case.
    ArrayPrototypePush(parts, StringPrototypeToLowerCase(other[0]) !== other[0] ? `an ${other[0]}` : `${other[0]}`);
  }
  return ArrayPrototypeJoin(parts, ' or ');
}

function argOrProperty(name) {
  return StringPrototypeIncludes(name, '.') ? 'property' : 'argument';
}

// ---------------------------------------------------------------------------
// Coded error classes

const codes = {};

// util.format(template, ...args), without spreading args.
function formatMessage(template, args) {
  const all = [template];
  for (let i = 0; i < args.length; i++) ArrayPrototypePush(all, args[i]);
  return ReflectApply(UtilFormat, undefined, all);
}

// kind: 'fixed' (constant message), 'format' (util.format template) or
// 'computed' (function of the constructor arguments).
function defineCode(code, Base, message, extraBases = []) {
  const kind = typeof message === 'function' ? 'computed' :
    (RegExpPrototypeExec(/%[dfijoOs]/, message) !== null ? 'format' : 'fixed');
  const make = (B) => {
    class NodeError extends B {
      constructor(...args) {
        if (kind === 'computed') {
          super();
          setOwn(this, 'code', code);
          ObjectDefineProperty(this, 'message', {
            __proto__: null,
            value: ReflectApply(message, this, args),
            enumerable: false,
            writable: true,
            configurable: true,
          });
        } else {
          super(kind === 'format' ? formatMessage(message, args) : message);
          setOwn(this, 'code', code);
        }
        fixStackHeader(this);
      }

      // `err.constructor` is the base class, as in Node.
      get ['constructor']() {
        return B;
      }

      get [kNodeError]() {
        return true;
      }

      toString() {
        return `${this.name} [${code}]: ${this.message}`;
      }
    }
    return NodeError;
  };
  const Cls = make(Base);
  for (let i = 0; i < extraBases.length; i++) Cls[extraBases[i].name] = make(extraBases[i]);
  codes[code] = Cls;
  return Cls;
}

const kPathKeys = ['path', 'dest'];

// Node's SystemError: message built from a libuv context object.
class SystemError extends ErrorCtor {
  constructor(key, context) {
    super();
    const prefix = MapPrototypeGet(systemErrorPrefixes, key) || 'A system error occurred';
    let message = `${prefix}: ${context.syscall} returned ${context.code} (${context.message})`;
    if (context.path !== undefined) message += ` ${context.path}`;
    if (context.dest !== undefined) message += ` => ${context.dest}`;

    setOwn(this, 'code', key);
    ObjectDefineProperties(this, {
      [kNodeError]: { __proto__: null, value: true, enumerable: false, writable: false, configurable: true },
      name: { __proto__: null, value: 'SystemError', enumerable: false, writable: true, configurable: true },
      message: { __proto__: null, value: message, enumerable: false, writable: true, configurable: true },
      info: { __proto__: null, value: context, enumerable: true, writable: false, configurable: true },
      errno: {
        __proto__: null,
        get() { return context.errno; },
        set(v) { context.errno = v; },
        enumerable: true,
        configurable: true,
      },
      syscall: {
        __proto__: null,
        get() { return context.syscall; },
        set(v) { context.syscall = v; },
        enumerable: true,
        configurable: true,
      },
    });
    for (let i = 0; i < kPathKeys.length; i++) {
      const key = kPathKeys[i];
      if (context[key] === undefined) continue;
      ObjectDefineProperty(this, key, {
        __proto__: null,
        // toString() of the value given (a Buffer or a string), called at
        // call time as Node does; dgram never sets path/dest.
        get() { return context[key] != null ? context[key].toString() : context[key]; },
        set(v) { context[key] = v ? BufferFrom(v.toString()) : undefined; },
        enumerable: true,
        configurable: true,
      });
    }
    fixStackHeader(this);
  }

  toString() {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  // util.inspect shows the accessors with their values, as Node does.
  [SymbolFor('nodejs.util.inspect.custom')](depth, options) {
    return UtilInspect(this, { __proto__: null, ...options, getters: true, customInspect: false });
  }
}

const systemErrorPrefixes = new MapCtor();

function defineSystemCode(code, prefix) {
  MapPrototypeSet(systemErrorPrefixes, code, prefix);
  // Named NodeError like Node's, so err.constructor.name === 'NodeError'.
  const NodeError = class NodeError extends SystemError {
    constructor(context) {
      super(code, context);
    }
  };
  codes[code] = NodeError;
  return NodeError;
}

defineCode('ERR_BUFFER_OUT_OF_BOUNDS', RangeErrorCtor, (name = undefined) =>
  (name ? `"${name}" is outside of buffer bounds` : 'Attempt to access memory outside buffer bounds'));

defineCode('ERR_INVALID_ARG_TYPE', TypeErrorCtor, (name, expected, actual) => {
  const subject = StringPrototypeEndsWith(name, ' argument') ? name : `"${name}" ${argOrProperty(name)}`;
  return `The ${subject} must be ${describeExpected(expected)}. Received ${describeReceived(actual)}`;
});

defineCode('ERR_INVALID_ARG_VALUE', TypeErrorCtor, (name, value, reason = 'is invalid') => {
  let shown = UtilInspect(value);
  if (shown.length > 128) shown = `${StringPrototypeSlice(shown, 0, 128)}...`;
  return `The ${argOrProperty(name)} '${name}' ${reason}. Received ${shown}`;
}, [RangeErrorCtor]);

defineCode('ERR_OUT_OF_RANGE', RangeErrorCtor, (str, range, input, replaceDefaultBoolean = false) => {
  const head = replaceDefaultBoolean ? str : `The value of "${str}" is out of range.`;
  let received;
  if (NumberIsInteger(input) && MathAbs(input) > 2 ** 32) {
    received = addNumericalSeparator(StringCtor(input));
  } else if (typeof input === 'bigint') {
    received = StringCtor(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
    received += 'n';
  } else {
    received = UtilInspect(input);
  }
  return `${head} It must be ${range}. Received ${received}`;
});

defineCode('ERR_MISSING_ARGS', TypeErrorCtor, (...names) => {
  const quoted = [];
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (ArrayIsArray(n)) {
      const alternatives = [];
      for (let j = 0; j < n.length; j++) ArrayPrototypePush(alternatives, `"${n[j]}"`);
      ArrayPrototypePush(quoted, ArrayPrototypeJoin(alternatives, ' or '));
    } else {
      ArrayPrototypePush(quoted, `"${n}"`);
    }
  }
  return `The ${formatList(quoted)} argument${names.length > 1 ? 's' : ''} must be specified`;
});

defineCode('ERR_INVALID_FD_TYPE', TypeErrorCtor, 'Unsupported fd type: %s');
defineCode('ERR_IP_BLOCKED', ErrorCtor, (ip) => `IP(${ip}) is blocked by net.BlockList`);
defineCode('ERR_INVALID_THIS', TypeErrorCtor, 'Value of "this" must be of type %s');
defineCode('ERR_SOCKET_ALREADY_BOUND', ErrorCtor, 'Socket is already bound');
defineCode('ERR_SOCKET_BAD_BUFFER_SIZE', TypeErrorCtor, 'Buffer size must be a positive integer');
defineCode('ERR_SOCKET_BAD_PORT', RangeErrorCtor, (name, port, allowZero = true) => {
  const op = allowZero ? '>=' : '>';
  return `${name} should be ${op} 0 and < 65536. Received ${describeReceived(port)}.`;
});
defineCode('ERR_SOCKET_BAD_TYPE', TypeErrorCtor, 'Bad socket type specified. Valid types are: udp4, udp6');
defineCode('ERR_SOCKET_CLOSED', ErrorCtor, 'Socket is closed');
defineCode('ERR_SOCKET_DGRAM_IS_CONNECTED', ErrorCtor, 'Already connected');
defineCode('ERR_SOCKET_DGRAM_NOT_CONNECTED', ErrorCtor, 'Not connected');
defineCode('ERR_SOCKET_DGRAM_NOT_RUNNING', ErrorCtor, 'Not running');
defineCode('ERR_METHOD_NOT_IMPLEMENTED', ErrorCtor, 'The %s method is not implemented');
defineCode('ERR_OPERATION_FAILED', ErrorCtor, 'Operation failed: %s', [TypeErrorCtor]);
defineSystemCode('ERR_SOCKET_BUFFER_SIZE', 'Could not get or set buffer size');
defineSystemCode('ERR_SYSTEM_ERROR', 'A system error occurred');

// ---------------------------------------------------------------------------
// libuv errno names and descriptions (Linux numbering: UV_Exxx === -Exxx)

// [name, negative libuv errno on Linux, uv_strerror text]
const kLinuxErrnos = [
  ['E2BIG', -7, 'argument list too long'],
  ['EACCES', -13, 'permission denied'],
  ['EADDRINUSE', -98, 'address already in use'],
  ['EADDRNOTAVAIL', -99, 'address not available'],
  ['EAFNOSUPPORT', -97, 'address family not supported'],
  ['EAGAIN', -11, 'resource temporarily unavailable'],
  ['EALREADY', -114, 'connection already in progress'],
  ['EBADF', -9, 'bad file descriptor'],
  ['EBUSY', -16, 'resource busy or locked'],
  ['ECANCELED', -125, 'operation canceled'],
  ['ECONNABORTED', -103, 'software caused connection abort'],
  ['ECONNREFUSED', -111, 'connection refused'],
  ['ECONNRESET', -104, 'connection reset by peer'],
  ['EDESTADDRREQ', -89, 'destination address required'],
  ['EEXIST', -17, 'file already exists'],
  ['EFAULT', -14, 'bad address in system call argument'],
  ['EHOSTDOWN', -112, 'host is down'],
  ['EHOSTUNREACH', -113, 'host is unreachable'],
  ['EINTR', -4, 'interrupted system call'],
  ['EINVAL', -22, 'invalid argument'],
  ['EIO', -5, 'i/o error'],
  ['EISCONN', -106, 'socket is already connected'],
  ['EMFILE', -24, 'too many open files'],
  ['EMSGSIZE', -90, 'message too long'],
  ['ENETDOWN', -100, 'network is down'],
  ['ENETUNREACH', -101, 'network is unreachable'],
  ['ENFILE', -23, 'file table overflow'],
  ['ENOBUFS', -105, 'no buffer space available'],
  ['ENODEV', -19, 'no such device'],
  ['ENOENT', -2, 'no such file or directory'],
  ['ENOMEM', -12, 'not enough memory'],
  ['ENONET', -64, 'machine is not on the network'],
  ['ENOPROTOOPT', -92, 'protocol not available'],
  ['ENOSYS', -38, 'function not implemented'],
  ['ENOTCONN', -107, 'socket is not connected'],
  ['ENOTSOCK', -88, 'socket operation on non-socket'],
  ['ENOTSUP', -95, 'operation not supported on socket'],
  ['ENOEXEC', -8, 'exec format error'],
  ['EOVERFLOW', -75, 'value too large for defined data type'],
  ['EPERM', -1, 'operation not permitted'],
  ['EPIPE', -32, 'broken pipe'],
  ['EPROTO', -71, 'protocol error'],
  ['EPROTONOSUPPORT', -93, 'protocol not supported'],
  ['EPROTOTYPE', -91, 'protocol wrong type for socket'],
  ['ERANGE', -34, 'result too large'],
  ['ESHUTDOWN', -108, 'cannot send after transport endpoint shutdown'],
  ['ESOCKTNOSUPPORT', -94, 'socket type not supported'],
  ['ETIMEDOUT', -110, 'connection timed out'],
  ['EAI_ADDRFAMILY', -3000, 'address family not supported'],
  ['EAI_AGAIN', -3001, 'temporary failure'],
  ['EAI_BADFLAGS', -3002, 'bad ai_flags value'],
  ['EAI_CANCELED', -3003, 'request canceled'],
  ['EAI_FAIL', -3004, 'permanent failure'],
  ['EAI_FAMILY', -3005, 'ai_family not supported'],
  ['EAI_MEMORY', -3006, 'out of memory'],
  ['EAI_NODATA', -3007, 'no address'],
  ['EAI_NONAME', -3008, 'unknown node or service'],
  ['EAI_SERVICE', -3010, 'service not available for socket type'],
  ['EAI_SOCKTYPE', -3011, 'socket type not supported'],
  ['EAI_BADHINTS', -3013, 'invalid value for hints'],
  ['EAI_OVERFLOW', -3009, 'argument buffer overflow'],
  ['EAI_PROTOCOL', -3014, 'resolved protocol is unknown'],
  ['ECHARSET', -4080, 'invalid Unicode character'],
  ['EFBIG', -27, 'file too large'],
  ['EFTYPE', -4028, 'inappropriate file type or format'],
  ['EILSEQ', -84, 'illegal byte sequence'],
  ['EISDIR', -21, 'illegal operation on a directory'],
  ['ELOOP', -40, 'too many symbolic links encountered'],
  ['EMLINK', -31, 'too many links'],
  ['ENAMETOOLONG', -36, 'name too long'],
  ['ENODATA', -61, 'no data available'],
  ['ENOSPC', -28, 'no space left on device'],
  ['ENOTDIR', -20, 'not a directory'],
  ['ENOTEMPTY', -39, 'directory not empty'],
  ['ENOTTY', -25, 'inappropriate ioctl for device'],
  ['ENXIO', -6, 'no such device or address'],
  ['EREMOTEIO', -121, 'remote I/O error'],
  ['EROFS', -30, 'read-only file system'],
  ['ESPIPE', -29, 'invalid seek'],
  ['ESRCH', -3, 'no such process'],
  ['ETXTBSY', -26, 'text file is busy'],
  ['EUNATCH', -49, 'protocol driver not attached'],
  ['EXDEV', -18, 'cross-device link not permitted'],
  ['UNKNOWN', -4094, 'unknown error'],
  ['EOF', -4095, 'end of file'],
];

// The running Node's own table (util.getSystemErrorMap, Node >= 16) wins; the
// static Linux table above is the fallback and covers names the native side
// may report.
let runtimeMap = null;
function systemErrorMap() {
  if (runtimeMap === null) {
    const map = new MapCtor();
    for (let i = 0; i < kLinuxErrnos.length; i++) {
      const row = kLinuxErrnos[i];
      MapPrototypeSet(map, row[1], [row[0], row[2]]);
    }
    if (typeof UtilGetSystemErrorMap === 'function') {
      MapPrototypeForEach(UtilGetSystemErrorMap(), (entry, errno) => MapPrototypeSet(map, errno, entry));
    }
    runtimeMap = map;
  }
  return runtimeMap;
}

let nameToErrno = null;
function errnoByName() {
  if (nameToErrno === null) {
    const map = new MapCtor();
    MapPrototypeForEach(systemErrorMap(), (entry, errno) => {
      const name = entry[0];
      if (!MapPrototypeHas(map, name)) MapPrototypeSet(map, name, errno);
    });
    // EOPNOTSUPP is ENOTSUP's Linux alias (both 95).
    if (!MapPrototypeHas(map, 'EOPNOTSUPP')) MapPrototypeSet(map, 'EOPNOTSUPP', MapPrototypeGet(map, 'ENOTSUP'));
    if (!MapPrototypeHas(map, 'EWOULDBLOCK')) MapPrototypeSet(map, 'EWOULDBLOCK', MapPrototypeGet(map, 'EAGAIN'));
    nameToErrno = map;
  }
  return nameToErrno;
}

// Negative libuv errno -> 'EBADF'; unknown -> 'Unknown system error -N'
// (what util.getSystemErrorName returns).
function getSystemErrorName(errno) {
  if (typeof UtilGetSystemErrorName === 'function') return UtilGetSystemErrorName(errno);
  const entry = MapPrototypeGet(systemErrorMap(), errno);
  return entry ? entry[0] : `Unknown system error ${errno}`;
}

// Negative libuv errno -> 'bad file descriptor' (uv_strerror text).
function getSystemErrorMessage(errno) {
  const entry = MapPrototypeGet(systemErrorMap(), errno);
  return entry ? entry[1] : `Unknown system error ${errno}`;
}

// Accepts a negative libuv errno (-98), a positive OS errno as Rust's
// io::Error::raw_os_error gives it (98), or a code name ('EADDRINUSE');
// returns the negative libuv errno (Linux numbering), or undefined.
function uvErrno(x) {
  if (typeof x === 'number') return x > 0 ? -x : x;
  if (typeof x === 'string') return MapPrototypeGet(errnoByName(), x);
  return undefined;
}

// ---------------------------------------------------------------------------
// Errno-style exceptions

// `new ErrnoException(-9, 'setTTL')` -> Error 'setTTL EBADF' {errno, code, syscall}.
class ErrnoException extends ErrorCtor {
  constructor(err, syscall, original) {
    const code = getSystemErrorName(err);
    super(original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`);
    setOwn(this, 'errno', err);
    setOwn(this, 'code', code);
    setOwn(this, 'syscall', syscall);
  }

  get ['constructor']() {
    return ErrorCtor;
  }
}

// `new ExceptionWithHostPort(-98, 'bind', '0.0.0.0', 41234)` ->
// Error 'bind EADDRINUSE 0.0.0.0:41234' {errno, code, syscall, address, port}.
class ExceptionWithHostPort extends ErrorCtor {
  constructor(err, syscall, address, port, additional) {
    const code = getSystemErrorName(err);
    let details = '';
    if (port && port > 0) details = ` ${address}:${port}`;
    else if (address) details = ` ${address}`;
    if (additional) details += ` - Local (${additional})`;
    super(`${syscall} ${code}${details}`);
    setOwn(this, 'errno', err);
    setOwn(this, 'code', code);
    setOwn(this, 'syscall', syscall);
    setOwn(this, 'address', address);
    if (port) setOwn(this, 'port', port);
  }

  get ['constructor']() {
    return ErrorCtor;
  }
}

function errnoException(err, syscall, original) {
  return new ErrnoException(uvErrno(err), syscall, original);
}

function exceptionWithHostPort(err, syscall, address, port, additional) {
  return new ExceptionWithHostPort(uvErrno(err), syscall, address, port, additional);
}

// ERR_SOCKET_BUFFER_SIZE for a failed uv_{recv,send}_buffer_size:
// bufferSizeError(-9, 'uv_recv_buffer_size').
function bufferSizeError(err, syscall) {
  const errno = uvErrno(err);
  return new codes.ERR_SOCKET_BUFFER_SIZE({
    errno,
    code: getSystemErrorName(errno),
    message: getSystemErrorMessage(errno),
    syscall,
  });
}

// What Node throws when a method reaches the handle of a closed socket
// without a health check (setTTL, setBroadcast, setRecvBufferSize, ...):
// TypeError "Cannot read properties of null (reading 'setTTL')".
function nullHandleError(property) {
  return new TypeErrorCtor(`Cannot read properties of null (reading '${property}')`);
}

// Node's AbortError (not the DOMException): name 'AbortError', code 'ABORT_ERR'.
// dgram itself never creates one (an aborted `signal` just closes the
// socket); it is here for callers that need it.
class AbortError extends ErrorCtor {
  constructor(message = 'The operation was aborted', options = undefined) {
    if (options !== undefined && typeof options !== 'object') {
      throw new codes.ERR_INVALID_ARG_TYPE('options', 'Object', options);
    }
    super(message, options);
    setOwn(this, 'code', 'ABORT_ERR');
    setOwn(this, 'name', 'AbortError');
  }
}

module.exports = {
  codes,
  AbortError,
  SystemError,
  ErrnoException,
  ExceptionWithHostPort,
  errnoException,
  exceptionWithHostPort,
  bufferSizeError,
  nullHandleError,
  getSystemErrorName,
  getSystemErrorMessage,
  uvErrno,
  kLinuxErrnos,
  describeReceived,
  describeExpected,
  formatList,
  addNumericalSeparator,
  hideStackFrames,
  captureLargerStackTrace,
  isNodeError,
};
