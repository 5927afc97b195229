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

const util = require('node:util');

const kTypeNames = new Set([
  'string', 'function', 'number', 'object', 'Function', 'Object',
  'boolean', 'bigint', 'symbol',
]);
const kClassName = /^[A-Z][a-zA-Z0-9]*$/;

// ---------------------------------------------------------------------------
// Stack handling

// V8 formats `stack` lazily, on first read, from the error's `name` and
// `message` at that time. Node's own errors print `Name [CODE]: message` on
// the first line; we get the same by giving the error a temporary own `name`
// while forcing the stack to be formatted, then restoring the real one.
function fixStackHeader(err) {
  const own = Object.getOwnPropertyDescriptor(err, 'name');
  const header = `${err.name} [${err.code}]`;
  Object.defineProperty(err, 'name', {
    __proto__: null, value: header, writable: true, enumerable: false, configurable: true,
  });
  try {
    // eslint-disable-next-line no-unused-expressions
    err.stack;
  } catch {
    // A throwing user Error.prepareStackTrace: leave the stack as it is.
  } finally {
    if (own === undefined) delete err.name;
    else Object.defineProperty(err, 'name', own);
  }
}

// Re-capture `err`'s stack so that it starts at the caller of `fn`
// (dropping `fn` and every frame above it), keeping Node's header line for
// coded errors. Use it to make errors thrown from inside the package point
// at the user's call, as Node's do.
function captureLargerStackTrace(err, fn) {
  if (err === null || typeof err !== 'object' || !Error.stackTraceLimit) return err;
  if (!Object.isExtensible(err)) return err;
  Error.captureStackTrace(err, fn);
  if (isNodeError(err)) fixStackHeader(err);
  return err;
}

// Wraps `fn` so that errors it throws get a stack starting at the wrapper's
// caller (frames inside `fn` are hidden), like Node's internal validators.
function hideStackFrames(fn) {
  function wrapped(...args) {
    try {
      return Reflect.apply(fn, this, args);
    } catch (err) {
      throw captureLargerStackTrace(err, wrapped);
    }
  }
  Object.defineProperty(wrapped, 'name', { __proto__: null, value: fn.name, configurable: true });
  wrapped.withoutStackTrace = fn;
  return wrapped;
}

const kNodeError = Symbol('node-dgram.isNodeError');

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
  return `${items.slice(0, n - 1).join(', ')}, ${conj} ${items[n - 1]}`;
}

// Integer digits grouped by three with '_' (sign kept in front):
// '4294967297' -> '4_294_967_297', '-12345' -> '-12_345'.
function addNumericalSeparator(digits) {
  const sign = digits[0] === '-' ? '-' : '';
  let body = sign ? digits.slice(1) : digits;
  let out = '';
  while (body.length > 3) {
    out = `_${body.slice(-3)}${out}`;
    body = body.slice(0, -3);
  }
  return `${sign}${body}${out}`;
}

function describeNumber(n) {
  if (Object.is(n, -0)) return '-0';
  return String(n); // NaN, Infinity, -Infinity, 1.5, 1e+21 ...
}

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
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'string': {
      let s = value;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    case 'object': {
      const ctor = value.constructor;
      if (ctor && 'name' in ctor) return `an instance of ${ctor.name}`;
      return util.inspect(value, { depth: -1 });
    }
    default: {
      // Not reachable with today's typeof results; kept for exotic hosts.
      let s = util.inspect(value, { colors: false });
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return `type ${typeof value} (${s})`;
    }
  }
}

// "must be ..." phrase of ERR_INVALID_ARG_TYPE from the expected list:
// primitive type names, class names (capitalised identifiers) and anything
// else (e.g. 'net.BlockList', 'a valid port').
function describeExpected(expected) {
  const list = Array.isArray(expected) ? expected : [expected];
  const types = [];
  const instances = [];
  const other = [];
  for (const e of list) {
    if (kTypeNames.has(e)) types.push(e.toLowerCase());
    else if (kClassName.test(e)) instances.push(e);
    else other.push(e);
  }
  // With class names present, a plain 'object' type reads as "an instance of Object".
  if (instances.length > 0) {
    const at = types.indexOf('object');
    if (at !== -1) {
      types.splice(at, 1);
      instances.push('Object');
    }
  }
  const parts = [];
  if (types.length > 0) {
    parts.push(`${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`);
  }
  if (instances.length > 0) {
    parts.push(`an instance of ${formatList(instances, 'or')}`);
  }
  if (other.length > 1) {
    parts.push(`one of ${formatList(other, 'or')}`);
  } else if (other.length === 1) {
    // Node writes "an" before anything that is not all lower case.
    parts.push(other[0].toLowerCase() !== other[0] ? `an ${other[0]}` : `${other[0]}`);
  }
  return parts.join(' or ');
}

function argOrProperty(name) {
  return name.includes('.') ? 'property' : 'argument';
}

// ---------------------------------------------------------------------------
// Coded error classes

const codes = {};

// kind: 'fixed' (constant message), 'format' (util.format template) or
// 'computed' (function of the constructor arguments).
function defineCode(code, Base, message, extraBases = []) {
  const kind = typeof message === 'function' ? 'computed' :
    (/%[dfijoOs]/.test(message) ? 'format' : 'fixed');
  const make = (B) => {
    class NodeError extends B {
      constructor(...args) {
        if (kind === 'computed') {
          super();
          this.code = code;
          Object.defineProperty(this, 'message', {
            __proto__: null,
            value: message.apply(this, args),
            enumerable: false,
            writable: true,
            configurable: true,
          });
        } else {
          super(kind === 'format' ? util.format(message, ...args) : message);
          this.code = code;
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
  for (const Extra of extraBases) Cls[Extra.name] = make(Extra);
  codes[code] = Cls;
  return Cls;
}

// Node's SystemError: message built from a libuv context object.
class SystemError extends Error {
  constructor(key, context) {
    super();
    const prefix = systemErrorPrefixes.get(key) || 'A system error occurred';
    let message = `${prefix}: ${context.syscall} returned ${context.code} (${context.message})`;
    if (context.path !== undefined) message += ` ${context.path}`;
    if (context.dest !== undefined) message += ` => ${context.dest}`;

    this.code = key;
    Object.defineProperties(this, {
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
    for (const key of ['path', 'dest']) {
      if (context[key] === undefined) continue;
      Object.defineProperty(this, key, {
        __proto__: null,
        get() { return context[key] != null ? context[key].toString() : context[key]; },
        set(v) { context[key] = v ? Buffer.from(v.toString()) : undefined; },
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
  [Symbol.for('nodejs.util.inspect.custom')](depth, options) {
    return util.inspect(this, { ...options, getters: true, customInspect: false });
  }
}

const systemErrorPrefixes = new Map();

function defineSystemCode(code, prefix) {
  systemErrorPrefixes.set(code, prefix);
  // Named NodeError like Node's, so err.constructor.name === 'NodeError'.
  const NodeError = class NodeError extends SystemError {
    constructor(context) {
      super(code, context);
    }
  };
  codes[code] = NodeError;
  return NodeError;
}

defineCode('ERR_BUFFER_OUT_OF_BOUNDS', RangeError, (name = undefined) =>
  (name ? `"${name}" is outside of buffer bounds` : 'Attempt to access memory outside buffer bounds'));

defineCode('ERR_INVALID_ARG_TYPE', TypeError, (name, expected, actual) => {
  const subject = name.endsWith(' argument') ? name : `"${name}" ${argOrProperty(name)}`;
  return `The ${subject} must be ${describeExpected(expected)}. Received ${describeReceived(actual)}`;
});

defineCode('ERR_INVALID_ARG_VALUE', TypeError, (name, value, reason = 'is invalid') => {
  let shown = util.inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return `The ${argOrProperty(name)} '${name}' ${reason}. Received ${shown}`;
}, [RangeError]);

defineCode('ERR_OUT_OF_RANGE', RangeError, (str, range, input, replaceDefaultBoolean = false) => {
  const head = replaceDefaultBoolean ? str : `The value of "${str}" is out of range.`;
  let received;
  if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
    received = addNumericalSeparator(String(input));
  } else if (typeof input === 'bigint') {
    received = String(input);
    if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
    received += 'n';
  } else {
    received = util.inspect(input);
  }
  return `${head} It must be ${range}. Received ${received}`;
});

defineCode('ERR_MISSING_ARGS', TypeError, (...names) => {
  const quoted = names.map((n) => (Array.isArray(n) ?
    n.map((a) => `"${a}"`).join(' or ') : `"${n}"`));
  return `The ${formatList(quoted)} argument${names.length > 1 ? 's' : ''} must be specified`;
});

defineCode('ERR_INVALID_FD_TYPE', TypeError, 'Unsupported fd type: %s');
defineCode('ERR_IP_BLOCKED', Error, (ip) => `IP(${ip}) is blocked by net.BlockList`);
defineCode('ERR_INVALID_THIS', TypeError, 'Value of "this" must be of type %s');
defineCode('ERR_SOCKET_ALREADY_BOUND', Error, 'Socket is already bound');
defineCode('ERR_SOCKET_BAD_BUFFER_SIZE', TypeError, 'Buffer size must be a positive integer');
defineCode('ERR_SOCKET_BAD_PORT', RangeError, (name, port, allowZero = true) => {
  const op = allowZero ? '>=' : '>';
  return `${name} should be ${op} 0 and < 65536. Received ${describeReceived(port)}.`;
});
defineCode('ERR_SOCKET_BAD_TYPE', TypeError, 'Bad socket type specified. Valid types are: udp4, udp6');
defineCode('ERR_SOCKET_CLOSED', Error, 'Socket is closed');
defineCode('ERR_SOCKET_DGRAM_IS_CONNECTED', Error, 'Already connected');
defineCode('ERR_SOCKET_DGRAM_NOT_CONNECTED', Error, 'Not connected');
defineCode('ERR_SOCKET_DGRAM_NOT_RUNNING', Error, 'Not running');
defineCode('ERR_METHOD_NOT_IMPLEMENTED', Error, 'The %s method is not implemented');
defineCode('ERR_OPERATION_FAILED', Error, 'Operation failed: %s', [TypeError]);
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
    runtimeMap = new Map();
    for (const [name, errno, desc] of kLinuxErrnos) runtimeMap.set(errno, [name, desc]);
    if (typeof util.getSystemErrorMap === 'function') {
      for (const [errno, entry] of util.getSystemErrorMap()) runtimeMap.set(errno, entry);
    }
  }
  return runtimeMap;
}

let nameToErrno = null;
function errnoByName() {
  if (nameToErrno === null) {
    nameToErrno = new Map();
    for (const [errno, [name]] of systemErrorMap()) {
      if (!nameToErrno.has(name)) nameToErrno.set(name, errno);
    }
    // EOPNOTSUPP is ENOTSUP's Linux alias (both 95).
    if (!nameToErrno.has('EOPNOTSUPP')) nameToErrno.set('EOPNOTSUPP', nameToErrno.get('ENOTSUP'));
    if (!nameToErrno.has('EWOULDBLOCK')) nameToErrno.set('EWOULDBLOCK', nameToErrno.get('EAGAIN'));
  }
  return nameToErrno;
}

// Negative libuv errno -> 'EBADF'; unknown -> 'Unknown system error -N'
// (what util.getSystemErrorName returns).
function getSystemErrorName(errno) {
  if (typeof util.getSystemErrorName === 'function') return util.getSystemErrorName(errno);
  const entry = systemErrorMap().get(errno);
  return entry ? entry[0] : `Unknown system error ${errno}`;
}

// Negative libuv errno -> 'bad file descriptor' (uv_strerror text).
function getSystemErrorMessage(errno) {
  const entry = systemErrorMap().get(errno);
  return entry ? entry[1] : `Unknown system error ${errno}`;
}

// Accepts a negative libuv errno (-98), a positive OS errno as Rust's
// io::Error::raw_os_error gives it (98), or a code name ('EADDRINUSE');
// returns the negative libuv errno (Linux numbering), or undefined.
function uvErrno(x) {
  if (typeof x === 'number') return x > 0 ? -x : x;
  if (typeof x === 'string') return errnoByName().get(x);
  return undefined;
}

// ---------------------------------------------------------------------------
// Errno-style exceptions

// `new ErrnoException(-9, 'setTTL')` -> Error 'setTTL EBADF' {errno, code, syscall}.
class ErrnoException extends Error {
  constructor(err, syscall, original) {
    const code = getSystemErrorName(err);
    super(original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`);
    this.errno = err;
    this.code = code;
    this.syscall = syscall;
  }

  get ['constructor']() {
    return Error;
  }
}

// `new ExceptionWithHostPort(-98, 'bind', '0.0.0.0', 41234)` ->
// Error 'bind EADDRINUSE 0.0.0.0:41234' {errno, code, syscall, address, port}.
class ExceptionWithHostPort extends Error {
  constructor(err, syscall, address, port, additional) {
    const code = getSystemErrorName(err);
    let details = '';
    if (port && port > 0) details = ` ${address}:${port}`;
    else if (address) details = ` ${address}`;
    if (additional) details += ` - Local (${additional})`;
    super(`${syscall} ${code}${details}`);
    this.errno = err;
    this.code = code;
    this.syscall = syscall;
    this.address = address;
    if (port) this.port = port;
  }

  get ['constructor']() {
    return Error;
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
  return new TypeError(`Cannot read properties of null (reading '${property}')`);
}

// Node's AbortError (not the DOMException): name 'AbortError', code 'ABORT_ERR'.
// dgram itself never creates one (an aborted `signal` just closes the
// socket); it is here for callers that need it.
class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    if (options !== undefined && typeof options !== 'object') {
      throw new codes.ERR_INVALID_ARG_TYPE('options', 'Object', options);
    }
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
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
