'use strict';

// The JavaScript errors for what the native core reports. The core decides the class, code,
// message and system details (errno, syscall, address, port); these give them Node's shapes,
// with the constructors of ./errors.js.

const {
  ErrorCaptureStackTrace,
  ErrorCtor,
  ObjectDefineProperty,
  RangeErrorCtor,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  TypeErrorCtor,
  UtilGetSystemErrorName,
} = require('./primordials');
const {
  bufferSizeError: systemBufferSizeError,
  errnoException,
  exceptionWithHostPort,
} = require('./errors');

// Builtins come from ./primordials (captured at load): see there.
// No prototype: a kind that is not one of these never finds Object.prototype's members.
const classes = { __proto__: null, Error: ErrorCtor, TypeError: TypeErrorCtor, RangeError: RangeErrorCtor };

// obj[key] = value on a fresh error, as an own enumerable data property,
// without passing through a setter on Error.prototype / Object.prototype.
function setOwn(obj, key, value) {
  ObjectDefineProperty(obj, key, {
    __proto__: null, value, writable: true, enumerable: true, configurable: true,
  });
}

// An ERR_* error with the core's message: the class, an own enumerable `code`, and
// `Name [CODE]: message` at the head of the stack, as Node's errors have.
// (`at`: the stack starts at that function's caller, as for an error thrown there.)
function plainError(kind, code, message, at) {
  const Ctor = classes[kind] || ErrorCtor;
  const e = new Ctor(message);
  if (at !== undefined) ErrorCaptureStackTrace(e, at);
  setOwn(e, 'code', code);
  const stack = e.stack;
  if (typeof stack === 'string') {
    const nl = StringPrototypeIndexOf(stack, '\n');
    e.stack = `${e.name} [${code}]: ${message}${nl === -1 ? '' : StringPrototypeSlice(stack, nl)}`;
  }
  return e;
}

// A system error: `bind EADDRINUSE 0.0.0.0:41234` with errno, code, syscall, address and port,
// or `setTTL EBADF` with errno, code and syscall.
function systemError(errno, syscall, address, port, message, hostname) {
  if (hostname !== undefined) {
    const e = new ErrorCtor(message);
    setOwn(e, 'errno', errno);
    setOwn(e, 'code', UtilGetSystemErrorName(errno));
    setOwn(e, 'syscall', syscall);
    setOwn(e, 'hostname', hostname);
    return e;
  }
  if (address !== undefined) return exceptionWithHostPort(errno, syscall, address, port);
  return errnoException(errno, syscall);
}

// ERR_SOCKET_BUFFER_SIZE: Node's SystemError around libuv's error.
function bufferSizeError(d) {
  if (d.errno !== undefined && d.syscall !== undefined) return systemBufferSizeError(d.errno, d.syscall);
  return plainError('Error', d.code, d.message);
}

module.exports = { plainError, systemError, bufferSizeError };
