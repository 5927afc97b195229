'use strict';
// Repro of issue 15 item 2 (memory safety from JavaScript), meant to run under AddressSanitizer
// (scripts/asan.sh runs it against the ASan-built addon):
//
//   node test/asan-staging-repro.js [PATH]     # PATH: the package to load (default: this package;
//                                              # `builtin`: node:dgram, which must pass)
//
// A program patches TypedArray.prototype.set (as any dependency may) so that the first source it
// is handed has its ArrayBuffer transferred away, then drops the transferred copy and collects it.
// If the addon hands a private buffer it writes through a raw pointer (the staging buffer of
// small datagrams) to the patched `set`, that buffer's memory is freed and every later small
// datagram is written into freed memory: ASan reports a heap-use-after-free. A correct addon never
// lets user code see such a buffer (it captured `set` at load), so the patch never sees it and
// every datagram arrives intact. Loopback only (127.0.0.1); the process exits by itself.
// Exit status: 0 when all datagrams arrived intact, 1 otherwise (or ASan's abort).
const path = require('path');
const v8 = require('v8');
const vm = require('vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const impl = process.argv[2] || path.join(__dirname, '..');
const dgram = impl === 'builtin' ? require('node:dgram') : require(path.resolve(impl));

const COUNT = 50;
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const originalSet = TypedArrayProto.set;
let transferred = 0;
let sawDetached = 0;
function hostileSet(src, offset) {
  if (ArrayBuffer.isView(src) && src.buffer instanceof ArrayBuffer && src.buffer !== this.buffer) {
    if (src.buffer.byteLength === 0 && transferred > 0) {
      sawDetached++;
      return undefined; // a detached source: nothing to copy (the original would throw)
    }
    if (transferred === 0 && src.buffer.byteLength <= 4096) {
      // Take the source's memory away from its owner, then let the copy be collected.
      transferred++;
      const { byteOffset, length } = src;
      let stolen = structuredClone(src.buffer, { transfer: [src.buffer] });
      const copy = new Uint8Array(stolen, byteOffset, length);
      const r = originalSet.call(this, copy, offset);
      stolen = null;
      return r;
    }
  }
  return originalSet.call(this, src, offset);
}
TypedArrayProto.set = hostileSet;
Uint8Array.prototype.set = hostileSet;

const s = dgram.createSocket('udp4');
let received = 0;
let bad = 0;
const expected = (i) => Buffer.from(`small datagram ${String(i).padStart(3, '0')}`); // 18 bytes
s.on('error', (e) => {
  console.error('asan-staging-repro: socket error', e);
  process.exitCode = 1;
  s.close();
});
s.on('message', (msg) => {
  const i = received++;
  if (!msg.equals(expected(i))) bad++;
  gc(); // frees whatever memory was transferred away from its owner
  if (received < COUNT) {
    s.send(expected(received), s.address().port, '127.0.0.1');
  } else {
    s.close();
  }
});
s.bind(0, '127.0.0.1', () => {
  s.send(expected(0), s.address().port, '127.0.0.1');
});
s.on('close', () => {
  TypedArrayProto.set = originalSet;
  delete Uint8Array.prototype.set;
  const verdict = bad === 0 && received === COUNT ? 'ok' : 'FAILED';
  console.log(`asan-staging-repro: ${verdict}: ${received}/${COUNT} datagrams, ${bad} corrupted; ` +
    `patched set() took a buffer ${transferred} time(s), saw it detached ${sawDetached} time(s)`);
  if (verdict !== 'ok') process.exitCode = 1;
});
