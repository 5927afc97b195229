'use strict';

/*
 * Argument validation for node-dgram, throwing exactly what `node:dgram`
 * throws (class, name, code, message). Written from observation of Node
 * 20.20.2 and 24.11.1 (test/errors.test.js replays ~150 bad calls on the
 * builtin dgram and compares); no Node source is copied.
 *
 * ==========================================================================
 * OBSERVED VALIDATION ORDER, per dgram API (Node 24.11.1; Node 20.20.2 is the
 * same except where marked [24]). "throws X" = synchronous throw; "emits" =
 * 'error' event; "cb(err)" = callback called with the error. A step's errors
 * win over every later step's.
 * ==========================================================================
 *
 * dgram.createSocket(typeOrOptions, listener)   -> validateSocketOptions()
 *   If typeOrOptions is a non-null object it is the options, type = options.type:
 *   1. options.recvBufferSize, only if truthy: validateUint32(v, 'options.recvBufferSize')
 *      (ERR_INVALID_ARG_TYPE "The "options.recvBufferSize" property must be of
 *      type number. Received ..." / ERR_OUT_OF_RANGE "... It must be an integer"
 *      / ">= 0 && <= 4294967295"). Falsy values (0, NaN, '', false) are skipped
 *      and not applied.
 *   2. options.sendBufferSize, same, 'options.sendBufferSize'.
 *   3. [24] options.receiveBlockList, only if truthy: must be a net.BlockList,
 *      else ERR_INVALID_ARG_TYPE('options.receiveBlockList', 'net.BlockList')
 *      -> "... property must be an net.BlockList. Received ..." (sic, "an").
 *      Node 20 ignores the option.
 *   4. [24] options.sendBlockList, same.
 *   5. options.lookup, if !== undefined: validateFunction(v, 'lookup')
 *      -> 'The "lookup" argument must be of type function' (argument, not property).
 *   6. type must be exactly 'udp4' or 'udp6', else ERR_SOCKET_BAD_TYPE
 *      (TypeError "Bad socket type specified. Valid types are: udp4, udp6").
 *   7. options.signal, if !== undefined: validateAbortSignal(v, 'options.signal')
 *      -> '... property must be an instance of AbortSignal'. Duck-typed: any
 *      object with an `aborted` key passes. Already aborted -> socket.close()
 *      right away ('close' on next tick, no error). Otherwise an abort listener
 *      (an object without addEventListener: TypeError
 *      "signal.addEventListener is not a function"). Aborting later just
 *      closes the socket (if not closed yet): no AbortError anywhere.
 *   listener: added as 'message' listener if it is a function, else ignored.
 *   Other options (reuseAddr, reusePort [24], ipv6Only) are not validated.
 *
 * socket.bind(port, address, callback) / bind(options, callback)
 *   1. closed -> ERR_SOCKET_DGRAM_NOT_RUNNING ("Not running").
 *   2. not unbound (binding or bound) -> ERR_SOCKET_ALREADY_BOUND
 *      ("Socket is already bound"). The state becomes "binding" right after
 *      this check, so if a later step throws, every later bind() throws
 *      ERR_SOCKET_ALREADY_BOUND.
 *   3. last argument a function -> once('listening') callback (removed on 'error').
 *   4. options object with isInt32(fd) && fd > 0: guessHandleType(fd) must be
 *      'UDP', else ERR_INVALID_FD_TYPE(type) -> TypeError "Unsupported fd
 *      type: FILE" (TCP, PIPE, TTY, UNKNOWN for a closed fd); open failure ->
 *      ErrnoException(err, 'open') thrown. Other fd values (0, 'x', 2**31)
 *      are ignored and a normal bind happens.
 *   5. No validation of the port at all. address: options.address || '' or
 *      the 2nd argument (a function there means ''); falsy -> '0.0.0.0' /
 *      '::'. The default lookup (dns.lookup) throws synchronously for a truthy
 *      non-string: ERR_INVALID_ARG_TYPE 'The "hostname" argument must be of
 *      type string. Received ...' (see validateHostname); a custom lookup gets
 *      the value as is.
 *   6. (async) lookup error -> state back to unbound, emits the lookup error
 *      as is.
 *   7. (async) port = ToUint32(port || 0) & 0xFFFF (see toBindPort): 65536
 *      -> 0 (ephemeral), -1 -> 65535, 1.5 -> 1, 'abc' -> 0, '80' -> 80; a
 *      Symbol / BigInt port throws a TypeError from inside the lookup callback
 *      (uncaught). Failure -> emits ExceptionWithHostPort(err, 'bind', ip,
 *      port) with the port as given: "bind EADDRINUSE 127.0.0.1:41234",
 *      "bind EADDRINUSE ::1:41234", "bind EADDRNOTAVAIL 192.0.2.1" (port 0:
 *      no ":0", no `port` property), "bind EINVAL ::1" on a udp4 socket.
 *   8. (async) success: options.recvBufferSize / sendBufferSize applied; a
 *      failure throws ERR_SOCKET_BUFFER_SIZE from the callback (uncaught), e.g.
 *      2**31 -> "uv_recv_buffer_size returned EINVAL (invalid argument)".
 *      Then 'listening'.
 *
 * socket.connect(port, address, callback)        -> normalizeConnectArgs()
 *   1. validatePort(port, 'Port', false) -> ERR_SOCKET_BAD_PORT "Port should
 *      be > 0 and < 65536. Received ...". Accepts numbers and numeric strings
 *      (' 12 ', '0x10', '1e3' pass; '0' passes because only the number 0 is
 *      rejected, '', '  ', '65536', 1.5, -0, NaN, null, booleans, bigint,
 *      objects rejected).
 *   2. address a function -> it is the callback, address ''; undefined -> ''.
 *   3. validateString(address, 'address') (null rejected).
 *   4. already connecting/connected -> ERR_SOCKET_DGRAM_IS_CONNECTED
 *      ("Already connected") — also after close if it was connected.
 *   5. state -> connecting; unbound -> implicit bind({port: 0, exclusive: true})
 *      -> on a closed socket ERR_SOCKET_DGRAM_NOT_RUNNING is thrown here.
 *      A socket closed after binding skips that and throws TypeError "Cannot
 *      read properties of null (reading 'lookup')".
 *   6. (async) lookup(address) error, [24] sendBlockList match ->
 *      ERR_IP_BLOCKED(ip) "IP(127.0.0.1) is blocked by net.BlockList", or
 *      connect failure -> ExceptionWithHostPort(err, 'connect', address as
 *      given, port) e.g. "connect EINVAL ::1:1234" on udp4: state back to
 *      disconnected, then on next tick callback(err) if a callback was given,
 *      else emits 'error'.
 *
 * socket.disconnect()
 *   1. not connected -> ERR_SOCKET_DGRAM_NOT_CONNECTED ("Not connected"),
 *      even when closed (no health check). Closed while connected -> TypeError
 *      "Cannot read properties of null (reading 'disconnect')".
 *   2. failure -> ErrnoException(err, 'connect').
 *
 * socket.send(msg, [offset, length,] [port, [address,]] [callback])
 *                                                -> normalizeSendArgs()
 *   Unconnected ("connected" means fully connected; connecting counts as
 *   unconnected):
 *   1. if the 5th arg (address) is truthy, or the 4th (port) is truthy and
 *      not a function: the (msg, offset, length, ...) form -> sliceBuffer:
 *      msg must be a string or ArrayBufferView else ERR_INVALID_ARG_TYPE
 *      ('buffer', ...) "The "buffer" argument must be of type string or an
 *      instance of Buffer, TypedArray, or DataView. Received ..."; offset and
 *      length are coerced with >>> 0 (never type-checked); offset >
 *      byteLength -> ERR_BUFFER_OUT_OF_BOUNDS('offset') (RangeError
 *      '"offset" is outside of buffer bounds'); offset + length >
 *      byteLength -> ERR_BUFFER_OUT_OF_BOUNDS('length').
 *      Otherwise the short form: callback = 4th, port = 2nd, address = 3rd.
 *   Connected:
 *   1. if length is a number: sliceBuffer as above; a function 4th arg is
 *      the callback. Otherwise callback = 2nd argument (and a port/address
 *      given in the short form is silently ignored: send('x', 1234,
 *      '127.0.0.1') on a connected socket sends to the peer).
 *   2. 4th or 5th argument truthy -> ERR_SOCKET_DGRAM_IS_CONNECTED.
 *   Both:
 *   3. msg: an array -> every item a string or ArrayBufferView else
 *      ERR_INVALID_ARG_TYPE('buffer list arguments', ...) "The "buffer list
 *      arguments" argument must be ... Received an instance of Array"
 *      (the whole array is reported); a string / ArrayBufferView -> [msg];
 *      anything else -> ERR_INVALID_ARG_TYPE('buffer', ...).
 *   4. unconnected: validatePort(port, 'Port', false).
 *   5. callback not a function -> ignored.
 *   6. address a function -> it is the callback; address != null ->
 *      validateString(address, 'address'); null/undefined -> default
 *      (127.0.0.1 / ::1).
 *   7. closed -> ERR_SOCKET_DGRAM_NOT_RUNNING (after all of the above).
 *   8. unbound -> implicit bind; send queued until 'listening'.
 *   9. (async) lookup error -> callback ? nextTick(callback, err) :
 *      nextTick(emit 'error'). [24] sendBlockList match -> callback ?
 *      callback(ERR_IP_BLOCKED(ip)) : dropped silently. Send failure ->
 *      callback(ExceptionWithHostPort(err, 'send', address, port)) e.g. "send
 *      EINVAL ::1:1234"; without a callback the failure is dropped (never
 *      emitted).
 *
 * socket.sendto(buffer, offset, length, port, address, callback)
 *   validateNumber(offset, 'offset'), validateNumber(length, 'length'),
 *   validateNumber(port, 'port'), validateString(address, 'address'), then
 *   send(...) with all six arguments.
 *
 * socket.close(callback)
 *   callback function -> on('close'); if sends are queued the close is
 *   queued too (no throw); else closed -> ERR_SOCKET_DGRAM_NOT_RUNNING.
 *
 * socket.address(): closed -> NOT_RUNNING; failure (unbound: EBADF) ->
 *   ErrnoException(err, 'getsockname') "getsockname EBADF".
 * socket.remoteAddress(): closed -> NOT_RUNNING; not connected ->
 *   ERR_SOCKET_DGRAM_NOT_CONNECTED; failure -> ErrnoException 'getpeername'.
 *
 * socket.setBroadcast(flag) / setMulticastLoopback(flag): no validation,
 *   no health check (closed: TypeError "Cannot read properties of null
 *   (reading 'setBroadcast')" / 'setMulticastLoopback'); failure (unbound:
 *   EBADF) -> ErrnoException(err, 'setBroadcast' / 'setMulticastLoopback').
 *   setMulticastLoopback returns its argument.
 *
 * socket.setTTL(ttl) / setMulticastTTL(ttl):
 *   1. validateNumber(ttl, 'ttl') (even when closed) -> 'The "ttl" argument
 *      must be of type number. Received ...'.
 *   2. closed -> TypeError "Cannot read properties of null (reading
 *      'setTTL')" / 'setMulticastTTL'.
 *   3. failure -> ErrnoException(err, 'setTTL' / 'setMulticastTTL'): unbound
 *      EBADF; bound: 0, 256, -1, NaN -> EINVAL (1.5 is accepted, truncated).
 *   Returns ttl.
 *
 * socket.setMulticastInterface(interfaceAddress):
 *   closed -> NOT_RUNNING; validateString(v, 'interfaceAddress'); failure ->
 *   ErrnoException(err, 'setMulticastInterface') (unbound EBADF, 'abc'
 *   EINVAL, a non-local address EADDRNOTAVAIL).
 *
 * socket.addMembership(multicastAddress, interfaceAddress) / dropMembership:
 *   closed -> NOT_RUNNING; falsy multicastAddress -> ERR_MISSING_ARGS
 *   ('multicastAddress') 'The "multicastAddress" argument must be
 *   specified'; no type check (non-strings are stringified); failure ->
 *   ErrnoException(err, 'addMembership' / 'dropMembership'): unparsable or
 *   non-multicast -> EINVAL; drop of a group not joined -> EADDRNOTAVAIL.
 *   NB: on an unbound udp4 socket libuv binds it to 0.0.0.0:0 first, so
 *   there is no EBADF and address() works afterwards.
 *
 * socket.addSourceSpecificMembership(source, group, iface) / drop...:
 *   closed -> NOT_RUNNING; validateString(source, 'sourceAddress');
 *   validateString(group, 'groupAddress'); failure -> ErrnoException(err,
 *   'addSourceSpecificMembership' / 'dropSourceSpecificMembership').
 *
 * socket.setRecvBufferSize(size) / setSendBufferSize(size):
 *   1. size >>> 0 !== size -> ERR_SOCKET_BAD_BUFFER_SIZE (TypeError "Buffer
 *      size must be a positive integer"), even when closed (see
 *      validateBufferSize).
 *   2. closed -> TypeError "Cannot read properties of null (reading
 *      'bufferSize')".
 *   3. failure -> ERR_SOCKET_BUFFER_SIZE (SystemError) with syscall
 *      'uv_recv_buffer_size' / 'uv_send_buffer_size' (unbound: EBADF).
 * socket.getRecvBufferSize() / getSendBufferSize(): steps 2-3.
 * socket.getSendQueueSize() / getSendQueueCount(): closed -> TypeError
 *   "Cannot read properties of null (reading 'getSendQueueSize')".
 * socket.ref() / unref(): never throw.
 */

// Every builtin is called through ./primordials, captured when the package
// loads (see there), so that patched prototypes or globals can neither change
// these results nor see the values passing through. No for-of, array
// destructuring or spread at call time. Read at call time, as Node reads
// them: the user's own values (options.*, a view's contents via Buffer).
const {
  ArrayBufferIsView,
  ArrayBufferViewGetBuffer,
  ArrayBufferViewGetByteLength,
  ArrayBufferViewGetByteOffset,
  ArrayCtor,
  ArrayIsArray,
  ArrayPrototypePush,
  BlockListCtor,
  BlockListIsBlockList,
  BufferAlloc,
  BufferFrom,
  BufferIsBuffer,
  FunctionPrototypeSymbolHasInstance,
  NumberIsInteger,
  NumberIsNaN,
  NumberMAX_SAFE_INTEGER,
  NumberMIN_SAFE_INTEGER,
  StringPrototypeTrim,
} = require('./primordials');
const {
  codes: {
    ERR_BUFFER_OUT_OF_BOUNDS,
    ERR_INVALID_ARG_TYPE,
    ERR_MISSING_ARGS,
    ERR_OUT_OF_RANGE,
    ERR_SOCKET_BAD_BUFFER_SIZE,
    ERR_SOCKET_BAD_PORT,
    ERR_SOCKET_BAD_TYPE,
    ERR_SOCKET_DGRAM_IS_CONNECTED,
  },
  hideStackFrames,
} = require('./errors');

const kBufferTypes = ['Buffer', 'TypedArray', 'DataView', 'string'];

function isInt32(value) {
  return value === (value | 0);
}

function isUint32(value) {
  return value === (value >>> 0);
}

function isArrayBufferView(value) {
  return ArrayBufferIsView(value);
}

const validateString = hideStackFrames(function validateString(value, name) {
  if (typeof value !== 'string') throw new ERR_INVALID_ARG_TYPE(name, 'string', value);
});

const validateNumber = hideStackFrames(function validateNumber(value, name, min = undefined, max) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  const hasMin = min != null;
  const hasMax = max != null;
  if ((hasMin && value < min) || (hasMax && value > max) ||
      ((hasMin || hasMax) && NumberIsNaN(value))) {
    const lo = hasMin ? `>= ${min}` : '';
    const hi = hasMax ? `<= ${max}` : '';
    throw new ERR_OUT_OF_RANGE(name, `${lo}${hasMin && hasMax ? ' && ' : ''}${hi}`, value);
  }
});

function checkInteger(value, name, min, max) {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!NumberIsInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value);
  if (value < min || value > max) throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
}

const validateInteger = hideStackFrames(function validateInteger(
  value, name, min = NumberMIN_SAFE_INTEGER, max = NumberMAX_SAFE_INTEGER) {
  checkInteger(value, name, min, max);
});

const validateInt32 = hideStackFrames(function validateInt32(
  value, name, min = -2147483648, max = 2147483647) {
  checkInteger(value, name, min, max);
});

const validateUint32 = hideStackFrames(function validateUint32(value, name, positive = false) {
  checkInteger(value, name, positive ? 1 : 0, 4294967295);
});

const validateBoolean = hideStackFrames(function validateBoolean(value, name) {
  if (typeof value !== 'boolean') throw new ERR_INVALID_ARG_TYPE(name, 'boolean', value);
});

const validateFunction = hideStackFrames(function validateFunction(value, name) {
  if (typeof value !== 'function') throw new ERR_INVALID_ARG_TYPE(name, 'Function', value);
});

// Flags for validateObject (by default: no null, no array, no function).
const kValidateObjectNone = 0;
const kValidateObjectAllowNullable = 1;
const kValidateObjectAllowArray = 2;
const kValidateObjectAllowFunction = 4;

const validateObject = hideStackFrames(function validateObject(value, name, options = kValidateObjectNone) {
  let flags = options;
  if (options !== null && typeof options === 'object') {
    // Also accept the older { nullable, allowArray, allowFunction } form.
    flags = (options.nullable ? kValidateObjectAllowNullable : 0) |
      (options.allowArray ? kValidateObjectAllowArray : 0) |
      (options.allowFunction ? kValidateObjectAllowFunction : 0);
  }
  if (value === null) {
    if (!(flags & kValidateObjectAllowNullable)) throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
    return;
  }
  if (ArrayIsArray(value) && !(flags & kValidateObjectAllowArray)) {
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  }
  const t = typeof value;
  if (t !== 'object' && !(t === 'function' && (flags & kValidateObjectAllowFunction))) {
    throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  }
});

// Duck-typed, like Node: undefined passes; otherwise a non-null object
// with an `aborted` key.
const validateAbortSignal = hideStackFrames(function validateAbortSignal(signal, name) {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
    throw new ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal);
  }
});

// Ports for connect()/send() (allowZero false) and Node's other APIs.
// Numbers and non-blank strings whose numeric value (+port) is an integer
// in [0, 65535] (or (0, 65535] without allowZero) pass; ' 12 ', '0x10',
// '1e3' pass; '0' passes even without allowZero (only the number 0 is
// refused). Returns the port as a number (port | 0).
const [PORT_MAJOR, PORT_MINOR] = process.versions.node.split('.').map(Number);
const ZERO_STRINGS_REFUSED = PORT_MAJOR >= 26 ? PORT_MAJOR > 26 || PORT_MINOR >= 5 : PORT_MAJOR === 24 && PORT_MINOR >= 19;
const validatePort = hideStackFrames(function validatePort(port, name = 'Port', allowZero = true) {
  const t = typeof port;
  let ok = t === 'number' || (t === 'string' && StringPrototypeTrim(port).length !== 0);
  if (ok) {
    const n = +port;
    // (Node 24.19+/26.5+ refuses any 0 without allowZero, the string '0' too.)
    ok = n === (n >>> 0) && n <= 0xFFFF && !((ZERO_STRINGS_REFUSED ? n : port) === 0 && !allowZero);
  }
  if (!ok) throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
  return port | 0;
});

// ---------------------------------------------------------------------------
// dgram specifics

// net.BlockList and its isBlockList (Node >= 22.13) as they were at load;
// before isBlockList existed: `value instanceof BlockList` through the
// captured Function.prototype[Symbol.hasInstance] (the class's `prototype`
// cannot be reassigned).
function isBlockList(value) {
  if (typeof BlockListCtor !== 'function') return false;
  if (typeof BlockListIsBlockList === 'function') return BlockListIsBlockList(value);
  return FunctionPrototypeSymbolHasInstance(BlockListCtor, value);
}

const validateBlockList = hideStackFrames(function validateBlockList(value, name) {
  if (!isBlockList(value)) throw new ERR_INVALID_ARG_TYPE(name, 'net.BlockList', value);
});

const validateSocketType = hideStackFrames(function validateSocketType(type) {
  if (type !== 'udp4' && type !== 'udp6') throw new ERR_SOCKET_BAD_TYPE();
});

// createSocket(typeOrOptions): validates in Node's order and returns the
// normalized settings. `lookup` is undefined when the default (dns.lookup)
// is to be used. `signal` is returned validated but not acted upon.
const validateSocketOptions = hideStackFrames(function validateSocketOptions(typeOrOptions) {
  let options;
  let type = typeOrOptions;
  let lookup;
  let recvBufferSize;
  let sendBufferSize;
  let receiveBlockList;
  let sendBlockList;
  let messagesDelay = 0;
  if (typeOrOptions !== null && typeof typeOrOptions === 'object') {
    options = typeOrOptions;
    type = options.type;
    lookup = options.lookup;
    if (options.recvBufferSize) validateUint32.withoutStackTrace(options.recvBufferSize, 'options.recvBufferSize');
    if (options.sendBufferSize) validateUint32.withoutStackTrace(options.sendBufferSize, 'options.sendBufferSize');
    recvBufferSize = options.recvBufferSize;
    sendBufferSize = options.sendBufferSize;
    if (options.receiveBlockList) {
      validateBlockList.withoutStackTrace(options.receiveBlockList, 'options.receiveBlockList');
      receiveBlockList = options.receiveBlockList;
    }
    if (options.sendBlockList) {
      validateBlockList.withoutStackTrace(options.sendBlockList, 'options.sendBlockList');
      sendBlockList = options.sendBlockList;
    }
    // (The 'messages' extension's own option: Node has none of this name and ignores it. Read
    // once: what is validated is what is used.)
    const delay = options.messagesDelay;
    if (delay !== undefined) {
      validateInteger.withoutStackTrace(delay, 'options.messagesDelay', 0, 1000);
      messagesDelay = delay;
    }
  }
  if (lookup !== undefined) validateFunction.withoutStackTrace(lookup, 'lookup');
  validateSocketType.withoutStackTrace(type);
  const signal = options === undefined ? undefined : options.signal;
  if (signal !== undefined) validateAbortSignal.withoutStackTrace(signal, 'options.signal');
  return {
    type,
    lookup,
    recvBufferSize,
    sendBufferSize,
    receiveBlockList,
    sendBlockList,
    reuseAddr: options?.reuseAddr,
    reusePort: options?.reusePort,
    ipv6Only: options?.ipv6Only,
    signal,
    messagesDelay,
  };
});

// What dns.lookup checks on its hostname before resolving (bind/connect/send
// with the default lookup): a truthy non-string is refused.
const validateHostname = hideStackFrames(function validateHostname(hostname) {
  if (hostname) validateString.withoutStackTrace(hostname, 'hostname');
});

// The port bind() really uses, as Node's native binding converts it:
// ToUint32(port || 0), low 16 bits. Throws V8's TypeError for Symbol/BigInt.
function toBindPort(port) {
  return (+(port || 0) >>> 0) & 0xFFFF;
}

// setRecvBufferSize / setSendBufferSize argument.
const validateBufferSize = hideStackFrames(function validateBufferSize(size) {
  if (size >>> 0 !== size) throw new ERR_SOCKET_BAD_BUFFER_SIZE();
});

const validateMulticastAddress = hideStackFrames(function validateMulticastAddress(multicastAddress) {
  if (!multicastAddress) throw new ERR_MISSING_ARGS('multicastAddress');
});

const validateSourceSpecificMembership = hideStackFrames(
  function validateSourceSpecificMembership(sourceAddress, groupAddress) {
    validateString.withoutStackTrace(sourceAddress, 'sourceAddress');
    validateString.withoutStackTrace(groupAddress, 'groupAddress');
  });

// A view of buffer[offset, offset + length) (strings are encoded as UTF-8
// first). offset/length are coerced with >>> 0, as Node does.
const sliceBuffer = hideStackFrames(function sliceBuffer(buffer, offset, length) {
  let buf = buffer;
  if (typeof buf === 'string') buf = BufferFrom(buf);
  else if (!isArrayBufferView(buf)) throw new ERR_INVALID_ARG_TYPE('buffer', kBufferTypes, buf);
  const off = offset >>> 0;
  const len = length >>> 0;
  // The view's own buffer/byteOffset/byteLength, through the captured
  // getters (Node reads the public properties; a patched getter must not
  // point us at other memory).
  const byteLength = ArrayBufferViewGetByteLength(buf);
  if (off > byteLength) throw new ERR_BUFFER_OUT_OF_BOUNDS('offset');
  if (off + len > byteLength) throw new ERR_BUFFER_OUT_OF_BOUNDS('length');
  return BufferFrom(ArrayBufferViewGetBuffer(buf), ArrayBufferViewGetByteOffset(buf) + off, len);
});

// Array of strings / ArrayBufferViews -> new array of Buffers, or null if an
// item is neither.
function toBufferList(list) {
  const out = new ArrayCtor(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item === 'string') {
      out[i] = BufferFrom(item);
    } else if (BufferIsBuffer(item)) {
      out[i] = item;
    } else if (isArrayBufferView(item)) {
      out[i] = BufferFrom(ArrayBufferViewGetBuffer(item), ArrayBufferViewGetByteOffset(item),
                          ArrayBufferViewGetByteLength(item));
    } else {
      return null;
    }
  }
  return out;
}

// socket.send(...) arguments -> { list, port, address, callback }, throwing
// what Node throws, in Node's order (see the table above; the health check
// and implicit bind come after this). `port` is the validated number when
// unconnected and undefined/null when connected; `address` is a string or
// undefined/null (= default); `callback` a function or undefined. An empty
// list gets one empty Buffer.
const normalizeSendArgs = hideStackFrames(function normalizeSendArgs(
  connected, buffer, offset, length, port, address, callback) {
  let msg = buffer;
  if (!connected) {
    if (address || (port && typeof port !== 'function')) {
      msg = sliceBuffer.withoutStackTrace(msg, offset, length);
    } else {
      callback = port;
      port = offset;
      address = length;
    }
  } else {
    if (typeof length === 'number') {
      msg = sliceBuffer.withoutStackTrace(msg, offset, length);
      if (typeof port === 'function') {
        callback = port;
        port = null;
      }
    } else {
      callback = offset;
    }
    if (port || address) throw new ERR_SOCKET_DGRAM_IS_CONNECTED();
  }

  let list;
  if (ArrayIsArray(msg)) {
    list = toBufferList(msg);
    if (list === null) throw new ERR_INVALID_ARG_TYPE('buffer list arguments', kBufferTypes, msg);
  } else if (typeof msg === 'string') {
    list = [BufferFrom(msg)];
  } else if (isArrayBufferView(msg)) {
    list = [msg];
  } else {
    throw new ERR_INVALID_ARG_TYPE('buffer', kBufferTypes, msg);
  }

  if (!connected) port = validatePort.withoutStackTrace(port, 'Port', false);
  if (typeof callback !== 'function') callback = undefined;
  if (typeof address === 'function') {
    callback = address;
    address = undefined;
  } else if (address != null) {
    validateString.withoutStackTrace(address, 'address');
  }
  if (list.length === 0) ArrayPrototypePush(list, BufferAlloc(0));
  return { list, port, address, callback };
});

// socket.connect(port, address, callback) -> { port, address, callback }.
// The "already connected" check and the health check come after this.
const normalizeConnectArgs = hideStackFrames(function normalizeConnectArgs(port, address, callback) {
  const p = validatePort.withoutStackTrace(port, 'Port', false);
  let addr = address;
  let cb = callback;
  if (typeof addr === 'function') {
    cb = addr;
    addr = '';
  } else if (addr === undefined) {
    addr = '';
  }
  validateString.withoutStackTrace(addr, 'address');
  return { port: p, address: addr, callback: cb };
});

// socket.sendto(buffer, offset, length, port, address, callback) checks
// (then calls send with all six arguments).
const validateSendtoArgs = hideStackFrames(function validateSendtoArgs(offset, length, port, address) {
  validateNumber.withoutStackTrace(offset, 'offset');
  validateNumber.withoutStackTrace(length, 'length');
  validateNumber.withoutStackTrace(port, 'port');
  validateString.withoutStackTrace(address, 'address');
});

module.exports = {
  isInt32,
  isUint32,
  isArrayBufferView,
  isBlockList,
  validateString,
  validateNumber,
  validateInteger,
  validateInt32,
  validateUint32,
  validateBoolean,
  validateFunction,
  validateObject,
  kValidateObjectNone,
  kValidateObjectAllowNullable,
  kValidateObjectAllowArray,
  kValidateObjectAllowFunction,
  validateAbortSignal,
  validatePort,
  validateBlockList,
  validateSocketType,
  validateSocketOptions,
  validateHostname,
  toBindPort,
  validateBufferSize,
  validateMulticastAddress,
  validateSourceSpecificMembership,
  validateSendtoArgs,
  sliceBuffer,
  toBufferList,
  normalizeSendArgs,
  normalizeConnectArgs,
};
