'use strict';

// The JavaScript errors for what the native core reports. The core decides the class, code,
// message and system details (errno, syscall, address, port); these give them Node's shapes,
// with the constructors of ./errors.js.

const errors = require('./errors');

const classes = { Error, TypeError, RangeError };

// An ERR_* error with the core's message: the class, an own enumerable `code`, and
// `Name [CODE]: message` at the head of the stack, as Node's errors have.
function plainError(kind, code, message) {
  const Ctor = classes[kind] || Error;
  const e = new Ctor(message);
  e.code = code;
  if (typeof e.stack === 'string') {
    const nl = e.stack.indexOf('\n');
    e.stack = `${e.name} [${code}]: ${message}${nl === -1 ? '' : e.stack.slice(nl)}`;
  }
  return e;
}

// A system error: `bind EADDRINUSE 0.0.0.0:41234` with errno, code, syscall, address and port,
// or `setTTL EBADF` with errno, code and syscall.
function systemError(errno, syscall, address, port, message, hostname) {
  if (hostname !== undefined) {
    const e = new Error(message);
    e.errno = errno;
    e.code = require('node:util').getSystemErrorName(errno);
    e.syscall = syscall;
    e.hostname = hostname;
    return e;
  }
  if (address !== undefined) return errors.exceptionWithHostPort(errno, syscall, address, port);
  return errors.errnoException(errno, syscall);
}

// ERR_SOCKET_BUFFER_SIZE: Node's SystemError around libuv's error.
function bufferSizeError(d) {
  if (d.errno !== undefined && d.syscall !== undefined) return errors.bufferSizeError(d.errno, d.syscall);
  return plainError('Error', d.code, d.message);
}

module.exports = { plainError, systemError, bufferSizeError };
