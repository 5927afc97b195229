'use strict';

// Cluster support for node-dgram sockets.
//
// In a `cluster` worker, Node's own dgram does not bind a non-exclusive socket
// itself: it asks the primary (through `cluster._getServer`) for a handle. The
// primary, with no user code involved, binds one UDP socket per
// address:port:type:fd:index key and sends that same socket to every worker
// asking for the key, so all workers read from one kernel socket.
//
// Our sockets are not Node UDP handles, so we take the handle the primary sends,
// hand its descriptor to the addon (which dups it and owns the copy), and keep
// the handle itself open (not reading) until our socket closes, so that the
// primary's bookkeeping (which workers hold which key) stays what it would be
// with the built-in module.
//
// Facts this relies on (checked on Node 20.20 and 24.11):
// - `cluster._getServer(obj, options, cb)`, worker side. `options` is
//   { address, port, addressType, fd, flags }, sent to the primary as a
//   `queryServer` message together with a per-worker `index` for the
//   `${address}:${port}:${addressType}:${fd}` key. `obj` must be an
//   EventEmitter with `address()`: on its next 'listening' event the worker
//   sends `act: 'listening'` to the primary (which emits cluster 'listening').
//   `obj._getServerData` / `obj._setServerData` are used if present.
// - `cb(errno, handle)`: errno is a negative libuv code (0 on success); the
//   handle is a UDP wrap whose close() cluster has patched to send
//   `act: 'close'` to the primary and drop its own index/handle entries.
// - `worker.disconnect()` in the worker closes every handle in cluster's map by
//   calling `handle.close(cb)` (or the owner's close(cb) when the handle has one).

//
// Builtins are called through ./primordials (captured when the package loads).
// Read at call time on purpose, as Node's own dgram reads them: the cluster
// module's `_getServer` and `isWorker`, the handle's methods (close, unref,
// getsockname), the owner socket's EventEmitter methods (once, emit) and
// close(), and `process.nextTick`.

// (The module itself; under Parcel's ES module output, the namespace's default: see index.js.)
const eventsModule = require('node:events');
const EventEmitter = typeof eventsModule === 'function' ? eventsModule : eventsModule.default;
const {
  ErrorCtor,
  FunctionPrototypeCall,
  MapPrototypeForEach,
  NumberIsInteger,
  ObjectDefineProperty,
  TypeErrorCtor,
  UtilGetSystemErrorMap,
  UtilGetSystemErrorName,
} = require('./primordials');

// obj[key] = value on a fresh error, as an own enumerable data property,
// without passing through a setter on Error.prototype / Object.prototype.
function setOwn(obj, key, value) {
  ObjectDefineProperty(obj, key, {
    __proto__: null, value, writable: true, enumerable: true, configurable: true,
  });
}

// libuv's uv_udp_flags, as Node's dgram passes them.
const UV_UDP_IPV6ONLY = 1;
const UV_UDP_REUSEADDR = 4;

let cluster;
function lazyCluster() {
  if (cluster === undefined) cluster = require('node:cluster');
  return cluster;
}

function isWorker() {
  return lazyCluster().isWorker === true;
}

// The error objects Node's dgram emits: message/errno/code/syscall(/address/port),
// own enumerable keys in that order.
function bindError(errno, address, port) {
  const code = UtilGetSystemErrorName(errno);
  let details = '';
  if (port && port > 0) details = ` ${address}:${port}`;
  else if (address) details = ` ${address}`;
  const err = new ErrorCtor(`bind ${code}${details}`);
  setOwn(err, 'errno', errno);
  setOwn(err, 'code', code);
  setOwn(err, 'syscall', 'bind');
  setOwn(err, 'address', address);
  if (port) setOwn(err, 'port', port);
  return err;
}

function uvErrno(code) {
  let found;
  MapPrototypeForEach(UtilGetSystemErrorMap(), (entry, errno) => {
    if (found === undefined && entry[0] === code) found = errno;
  });
  return found === undefined ? -22 : found;
}

function openError(errno) {
  const code = UtilGetSystemErrorName(errno);
  const err = new ErrorCtor(`open ${code}`);
  setOwn(err, 'errno', errno);
  setOwn(err, 'code', code);
  setOwn(err, 'syscall', 'open');
  return err;
}

// acquireSharedFd(options, callback)
//
// options:
//   addressType  'udp4' | 'udp6' (required)
//   address      the already-resolved IP, as dgram passes it ('0.0.0.0', '::',
//                '127.0.0.1', ...); dgram resolves the user's host first
//   port         the port as the user gave it (0/undefined: the primary binds a
//                random port once, and every worker asking for the same key
//                shares it)
//   flags        UV_UDP_REUSEADDR | UV_UDP_IPV6ONLY bits (default 0); the
//                primary binds with them
//   fd           a descriptor number: if an int32 > 0 the primary opens *its own*
//                descriptor with that number instead of binding (what
//                `bind({fd})` does in a worker, built-in); address/port/flags
//                are then sent as null and errors look like `open EBADF`
//   owner        optional: the user-visible socket (EventEmitter with address()
//                and close(cb)). It gets cluster's `once('listening')` hook (so
//                its 'listening' event reaches the primary as cluster
//                'listening'), and worker.disconnect() closes it with
//                owner.close(cb). Without it, a private emitter is used and
//                'listening' is reported right after the callback returns.
//
// callback(err, fd, release):
//   err      like the built-in's: `bind EADDRINUSE 0.0.0.0:41234` with errno,
//            code, syscall 'bind', address, port; or `open CODE` for fd mode
//   fd       the shared socket's descriptor, valid until release(); dup it
//            before returning from the callback
//   release  release([cb]): closes the received handle and tells the primary
//            (act: 'close'), once; call it when the socket closes. If the socket
//            was closed while the request was in flight, call it at once.
function acquireSharedFd(options, callback) {
  if (options === null || typeof options !== 'object')
    throw new TypeErrorCtor('acquireSharedFd: options must be an object');
  if (typeof callback !== 'function')
    throw new TypeErrorCtor('acquireSharedFd: callback must be a function');
  const { addressType, owner } = options;
  if (addressType !== 'udp4' && addressType !== 'udp6')
    throw new TypeErrorCtor("acquireSharedFd: addressType must be 'udp4' or 'udp6'");
  const c = lazyCluster();
  if (!c.isWorker) {
    const err = new ErrorCtor('acquireSharedFd: not a cluster worker');
    setOwn(err, 'code', 'ERR_NOT_CLUSTER_WORKER');
    throw err;
  }

  const fdMode = NumberIsInteger(options.fd) && options.fd > 0 && options.fd <= 0x7fffffff;
  const query = fdMode
    ? { address: null, port: null, addressType, fd: options.fd, flags: null }
    : {
        address: options.address,
        port: options.port,
        addressType,
        fd: -1,
        flags: options.flags == null ? 0 : options.flags,
      };

  let handle = null;
  let obj = owner;
  if (obj == null) {
    obj = new EventEmitter();
    obj.address = () => {
      if (handle === null) return null;
      const out = {};
      return handle.getsockname(out) === 0 ? out : null;
    };
  } else if (typeof obj.once !== 'function' || typeof obj.address !== 'function') {
    throw new TypeErrorCtor('acquireSharedFd: owner must be an EventEmitter with address()');
  }

  c._getServer(obj, query, (errno, h) => {
    if (!errno && !h) errno = uvErrno('EINVAL'); // a round-robin reply: never for UDP
    if (errno) {
      // The primary could not bind/open: it sent no handle (nothing to release).
      callback(fdMode ? openError(errno) : bindError(errno, query.address, query.port));
      return;
    }
    handle = h;
    const fd = typeof h.fd === 'number' ? h.fd : -1;
    // cluster's patched close(): notifies the primary, then closes the handle.
    const clusterClose = h.close;
    let released = false;
    function release(cb) {
      if (released) {
        // The public process.nextTick at call time, as Node's dgram uses it.
        if (typeof cb === 'function') process.nextTick(cb);
        return;
      }
      released = true;
      if (typeof cb === 'function') FunctionPrototypeCall(clusterClose, h, cb);
      else FunctionPrototypeCall(clusterClose, h);
    }
    // worker.disconnect() closes every handle in cluster's map with
    // handle.close(cb); the built-in socket is closed then (its 'close' calls cb).
    h.close = function (cb) {
      if (!released && owner != null && typeof owner.close === 'function') {
        try {
          owner.close(cb);
        } finally {
          release();
        }
        return;
      }
      release(cb);
    };
    // This handle never reads; it only keeps the socket and the primary's
    // bookkeeping alive. It must not keep the event loop alive either.
    if (typeof h.unref === 'function') h.unref();
    if (fd < 0) {
      release();
      // No descriptor to share (Windows handles have none).
      const einval = uvErrno('EINVAL');
      callback(fdMode ? openError(einval) : bindError(einval, query.address, query.port));
      return;
    }
    callback(null, fd, release);
    if (owner == null && !released) obj.emit('listening');
  });
}

module.exports = {
  acquireSharedFd,
  isWorker,
  UV_UDP_IPV6ONLY,
  UV_UDP_REUSEADDR,
};
