'use strict';
// Hostile mode of the parity runner and the fuzzer (`--hostile`): the child (lib/child.js) runs the
// scenario the way real programs run, identically for the built-in module and the addon:
//
//  - `--expose-gc` (added by the runner) and gc() forced often: in an unref'd 5 ms interval,
//    inside every listener and callback the harness makes, inside the sentinel's listeners;
//  - the harness holds sockets only weakly (WeakRef / WeakMap, see lib/harness.js);
//  - a no-op module hook is registered before the implementation loads
//    (module.registerHooks where it exists, else module.register of a data: URL loader);
//  - builtins the implementation could use are patched (patchBuiltins): when called from the
//    implementation's own JavaScript files they record ['HOSTILE BUILTIN USED', name, frame] in the
//    child's `extra` and misbehave as an attacker's patch would (TypedArray/Uint8Array .set transfers
//    its source's ArrayBuffer away first); for every other caller they behave normally;
//  - the implementation is loaded twice: a sentinel socket of the FIRST copy keeps sending itself a
//    datagram every 5 ms for the whole scenario, the first copy's files are deleted from
//    require.cache, and the scenario runs on the SECOND copy. Any error, exception or lost datagram
//    of the sentinel records ['HOSTILE SENTINEL FAILED', why] in `extra`.
//
// Both markers are counted as problems by test/parity.js and test/fuzz.js. Nothing here writes to
// the scenario's log (`entries`), so a clean run logs exactly what the non-hostile run logs.
//
// DGRAM_PARITY_HOSTILE (set by the runners, --hostile-patch):
//  'before' (default, --hostile): before the implementation's first load every listed builtin is
//     replaced by a TRANSPARENT wrapper (what the implementation captures at load is a patched
//     function that behaves as the original); after the second load they are replaced by the
//     DETECTING wrappers, which see every builtin the implementation looks up at run time;
//  'after': the originals during both loads, the detecting wrappers after;
//  'strict': the detecting wrappers before the first load: also flags builtins the
//     implementation captures at load and calls later (no JavaScript implementation that uses
//     these builtins at all passes; Node's built-in passes as its lib uses primordials).

const path = require('path');
const Module = require('module');

// Everything the detection machinery uses, captured before anything is patched.
const RApply = Reflect.apply;
const captureStackTrace = Error.captureStackTrace;
const origPush = Array.prototype.push;
const sClone = globalThis.structuredClone;
const isView = ArrayBuffer.isView;
const getBuffer = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'buffer').get;
const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const abDetachedDesc = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached');
const abDetached = abDetachedDesc && abDetachedDesc.get;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const StringPrototypeStartsWith = String.prototype.startsWith;
const THIS_FILE = __filename;
// Lines of this file that belong to the wrappers (marked /*WRAPPER*/): frames there are skipped
// when looking for the caller (a wrapper calling another through Function.prototype.call & co.).
const WRAPPER_LINES = Object.create(null);
require('fs').readFileSync(__filename, 'utf8').split('\n').forEach((l, i) => { if (l.includes('/*' + 'WRAPPER*/')) WRAPPER_LINES[i + 1] = true; });

const mode = process.env.DGRAM_PARITY_HOSTILE || '';
const enabled = mode !== '' && mode !== '0';
const patchWhen = mode === 'after' || mode === 'strict' ? mode : 'before';

// A full (major) gc, or a minor one when the last full gc ended less than 1 ms ago: a listener
// burst (hundreds of datagrams) would otherwise spend all its time in gc and turn the 10-15 ms
// timer races of the fuzzer into timing noise. The unref'd interval always forces a full gc.
const perfNow = require('perf_hooks').performance.now.bind(require('perf_hooks').performance);
let lastFull = -Infinity;
function fullGc() {
  if (typeof globalThis.gc !== 'function') return;
  globalThis.gc();
  lastFull = perfNow();
}
function gc() {
  if (typeof globalThis.gc !== 'function') return;
  if (perfNow() - lastFull < 1) globalThis.gc({ type: 'minor' });
  else fullGc();
}

// ---- module hook ----------------------------------------------------------------------------
// Returns how the hook was registered. With module.register (Node < 22.15 / 23.5) the hooks run
// on a worker thread whose start-up messages reach the main loop a while later: settleHook()
// makes one import through the hooks and waits 50 ms so that none of that lands in the scenario
// (it gives the loop an extra turn, which changes what an exitNaturally scenario sees).
function registerNoopHook() {
  if (typeof Module.registerHooks === 'function') {
    Module.registerHooks({
      resolve: (s, c, next) => next(s, c),
      load: (u, c, next) => next(u, c),
    });
    return 'registerHooks';
  }
  if (typeof Module.register === 'function') {
    const src = 'export async function resolve(s, c, next) { return next(s, c); }\n' +
      'export async function load(u, c, next) { return next(u, c); }\n';
    Module.register('data:text/javascript,' + encodeURIComponent(src));
    return 'register';
  }
  return null;
}

async function settleHook(how) {
  if (how !== 'register') return;
  await import('data:text/javascript,export default 1');
  await new Promise((r) => setTimeout(r, 50));
}

// ---- where the implementation lives -------------------------------------------------------------
// The package directory of `impl` (null for the built-in): the nearest directory with a
// package.json above the file require() resolves to.
function implDir(impl, addonDir) {
  if (impl === 'builtin') return null;
  const file = require.resolve(impl === 'addon' ? addonDir : path.resolve(impl));
  let dir = path.dirname(file);
  for (let d = dir; ; d = path.dirname(d)) {
    try { require('fs').accessSync(path.join(d, 'package.json')); return d; } catch {}
    if (path.dirname(d) === d) return dir;
  }
}

// Delete every require.cache entry of files under `dir` (the second require loads a new copy).
function purgeCache(dir) {
  if (!dir) return 0;
  let n = 0;
  for (const k of Object.keys(require.cache)) {
    if (k === dir || k.startsWith(dir + path.sep)) { delete require.cache[k]; n++; }
  }
  return n;
}

// ---- patched builtins --------------------------------------------------------------------------------
let busy = false;
let implPrefix = null; // '<dir>/' of the implementation's package
let implTestPrefix = null; // '<dir>/test/' (our own code: never counted)
let mark = null; // (entry) => void, records in the child's `extra`
const seen = Object.create(null);
const fileVerdict = Object.create(null);

function prepare(_err, sites) { return sites; }

// The first frame above the wrapper that has a file and is not one of this file's wrapper lines: "file:line:col" when it
// belongs to the implementation's JavaScript, else null. Builtin frames (Array.forEach,
// Reflect.apply) and this file's own frames (a wrapper calling a wrapper) are skipped.
function implCaller(wrapper) {
  if (implPrefix === null) return null;
  const holder = {};
  const savedLimit = Error.stackTraceLimit;
  const savedPrep = Error.prepareStackTrace;
  let sites;
  try {
    Error.stackTraceLimit = 8;
    Error.prepareStackTrace = prepare;
    captureStackTrace(holder, wrapper);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = savedPrep;
    Error.stackTraceLimit = savedLimit;
  }
  if (!sites || typeof sites.length !== 'number') return null;
  for (let i = 0; i < sites.length; i++) {
    let file = sites[i].getFileName();
    // A conversion (an array turned into a string calls its `join`): Node's own dgram makes
    // the same conversions, so they run whatever a program patched, there as here.
    if (!file && sites[i].getFunctionName() === 'toString') return null;
    if (!file) continue;
    if (file === THIS_FILE && WRAPPER_LINES[sites[i].getLineNumber()]) continue; // a wrapper calling a wrapper
    if (RApply(StringPrototypeStartsWith, file, ['file://'])) {
      try { file = require('url').fileURLToPath(file); } catch {}
    }
    let v = fileVerdict[file];
    if (v === undefined) {
      v = RApply(StringPrototypeStartsWith, file, [implPrefix]) && !RApply(StringPrototypeStartsWith, file, [implTestPrefix]);
      fileVerdict[file] = v;
    }
    if (!v) return null;
    return `${file}:${sites[i].getLineNumber()}:${sites[i].getColumnNumber()}`;
  }
  return null;
}

function record(name, frame) {
  const key = name + ' @ ' + frame;
  if (seen[key]) return;
  seen[key] = true;
  if (mark) mark(['HOSTILE BUILTIN USED', name, frame]);
}

// What an attacker's `set` does: move the source's memory away (detaching the source's
// ArrayBuffer), so that anything still holding a pointer to it holds a dangling one.
function transferSource(_self, args) {
  const src = args[0];
  if (!isView(src)) return;
  let ab;
  try { ab = RApply(getBuffer, src, []); } catch { return; }
  if (!(ab instanceof ArrayBuffer)) return; // SharedArrayBuffer: cannot be transferred
  try {
    if (abDetached && RApply(abDetached, ab, [])) return;
    if (RApply(abByteLength, ab, []) === 0) return;
    sClone(ab, { transfer: [ab] });
  } catch {} // untransferable (Node's Buffer pool): leave it
}

function invoke(wrapper, orig, name, misbehave, self, args) { /*WRAPPER*/
  if (!busy && misbehave !== null) { /*WRAPPER*/
    busy = true; /*WRAPPER*/
    try { /*WRAPPER*/
      const frame = implCaller(wrapper); /*WRAPPER*/
      if (frame !== null) { /*WRAPPER*/
        record(name, frame); /*WRAPPER*/
        if (misbehave) misbehave(self, args); /*WRAPPER*/
      } /*WRAPPER*/
    } finally { /*WRAPPER*/
      busy = false; /*WRAPPER*/
    } /*WRAPPER*/
  } /*WRAPPER*/
  return RApply(orig, self, args); /*WRAPPER*/
} /*WRAPPER*/

// The original of every patched builtin, by name (taken at the first patch).
const originals = Object.create(null);

// Replace owner[key] by a wrapper of the ORIGINAL builtin. misbehave: null = a transparent
// wrapper (no detection), false = detect and record, a function = detect, record and misbehave.
function wrap(owner, key, name, misbehave) {
  if (!(name in originals)) originals[name] = owner[key];
  const orig = originals[name];
  if (typeof orig !== 'function') return;
  const wrapper = function (...args) { return invoke(wrapper, orig, name, misbehave, this, args); }; /*WRAPPER*/
  ObjectDefineProperty(wrapper, 'name', { value: orig.name, configurable: true });
  ObjectDefineProperty(wrapper, 'length', { value: orig.length, configurable: true });
  const desc = Object.getOwnPropertyDescriptor(owner, key);
  ObjectDefineProperty(owner, key, {
    value: wrapper,
    writable: desc ? desc.writable : true,
    enumerable: desc ? desc.enumerable : false,
    configurable: true,
  });
}

// detect: false = transparent wrappers (installed before the implementation loads, so that what it
// captures at load is not the original function, but behaves as it); true = detecting wrappers.
function patchBuiltins(dir, markFn, detect) {
  implPrefix = dir ? dir + path.sep : null;
  implTestPrefix = dir ? path.join(dir, 'test') + path.sep : null;
  mark = markFn;
  const how = detect ? false : null;
  const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
  const list = [
    [Array.prototype, 'Array.prototype', ['push', 'map', 'forEach', 'slice', 'indexOf', 'includes', 'join', 'splice', 'shift', 'pop', 'filter', 'concat', 'some']],
    [Map.prototype, 'Map.prototype', ['get', 'set', 'has', 'delete']],
    [Set.prototype, 'Set.prototype', ['add', 'has', 'delete']],
    [WeakSet.prototype, 'WeakSet.prototype', ['add', 'has']],
    [WeakMap.prototype, 'WeakMap.prototype', ['get', 'set', 'has']],
    [Function.prototype, 'Function.prototype', ['call', 'apply', 'bind']],
    [Reflect, 'Reflect', ['apply']],
    [Promise.prototype, 'Promise.prototype', ['then']],
    [Object, 'Object', ['defineProperty', 'keys', 'assign', 'freeze', 'create', 'setPrototypeOf', 'getOwnPropertyDescriptor']],
    [Buffer, 'Buffer', ['from', 'isBuffer', 'allocUnsafeSlow', 'alloc', 'allocUnsafe', 'byteLength', 'concat']],
    [String.prototype, 'String.prototype', ['split', 'startsWith', 'includes', 'slice', 'indexOf', 'toLowerCase']],
    [Number, 'Number', ['isInteger']],
    [JSON, 'JSON', ['stringify']],
    [Array, 'Array', ['isArray']],
    [ArrayBuffer, 'ArrayBuffer', ['isView']],
  ];
  for (const [owner, oname, keys] of list) {
    for (const k of keys) wrap(owner, k, `${oname}.${k}`, how);
  }
  const setHow = detect ? transferSource : null;
  wrap(TypedArrayPrototype, 'set', 'TypedArray.prototype.set', setHow);
  // Uint8Array.prototype inherits `set`; an own wrapper is what a patch of Uint8Array alone does.
  if (!('Uint8Array.prototype.set' in originals)) originals['Uint8Array.prototype.set'] = originals['TypedArray.prototype.set'];
  wrap(Uint8Array.prototype, 'set', 'Uint8Array.prototype.set', setHow);
}

// ---- the sentinel -----------------------------------------------------------------------------------
// A socket of the implementation's FIRST copy, alive (unref'd, referenced only by its own
// listeners and timers) for the whole scenario, sending itself a numbered datagram every 5 ms.
// Loopback keeps order: a datagram that arrives after a later one, or never, is a failure.
function startSentinel(dgram, markFn) {
  const state = { sent: 0, received: 0, failed: false, port: null, timer: null };
  const fail = (why) => {
    if (state.failed) return;
    state.failed = true;
    markFn(['HOSTILE SENTINEL FAILED', why]);
  };
  let s;
  try {
    s = dgram.createSocket('udp4');
  } catch (e) {
    fail(`createSocket threw: ${e && e.message}`);
    return { finish() {} };
  }
  const send = () => {
    gc();
    if (state.failed || state.closed) return;
    if (state.sent - state.received > 40) { fail(`${state.sent - state.received} datagrams outstanding`); return; }
    const n = ++state.sent;
    try {
      s.send(`sentinel ${n}`, state.port, '127.0.0.1', (err) => {
        gc();
        if (err) fail(`send ${n} callback error: ${err.code || err.message}`);
      });
    } catch (e) {
      fail(`send ${n} threw: ${e && (e.code || e.message)}`);
      return;
    }
    state.timer = setTimeout(send, 5);
    state.timer.unref();
  };
  s.on('error', (e) => { gc(); fail(`error event: ${e && (e.code || e.message)}`); });
  s.on('close', () => { gc(); if (!state.closed) fail('closed unexpectedly'); });
  s.on('message', (msg, rinfo) => {
    gc();
    const want = `sentinel ${state.received + 1}`;
    const got = Buffer.isBuffer(msg) ? msg.toString() : String(msg);
    if (got !== want) { fail(`got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`); return; }
    if (!rinfo || rinfo.port !== state.port) { fail('datagram from an unexpected port'); return; }
    state.received++;
  });
  s.on('listening', () => {
    gc();
    try { state.port = s.address().port; } catch (e) { fail(`address() threw: ${e && e.message}`); return; }
    send();
  });
  try {
    s.bind(0, '127.0.0.1');
    s.unref();
  } catch (e) {
    fail(`bind threw: ${e && (e.code || e.message)}`);
  }
  return {
    // At the end: the sentinel must have got (about) everything it sent. A datagram sent in the
    // last loop turn may still be in flight.
    finish(close) {
      if (!state.failed) {
        if (state.port === null) fail('never listening');
        else if (state.sent === 0) fail('sent nothing');
        else if (state.sent - state.received > 3) fail(`sent ${state.sent}, received ${state.received}`);
      }
      if (close) {
        state.closed = true;
        if (state.timer) clearTimeout(state.timer);
        try { s.close(); } catch {}
      }
    },
  };
}

// ---- setup (called by lib/child.js) -------------------------------------------------------------------
// Resolves to { dgram, finish(close) }: the implementation's SECOND copy, on which the scenario runs.
async function setup(impl, loadImpl, addonDir, markFn) {
  // Until the child installs the harness's own handler (stopEarly), an uncaught exception can only
  // come from the first copy (the sentinel) or the loads: a marker, not a crash without a log.
  const early = (e) => {
    const what = e && typeof e.stack === 'string' ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e);
    markFn(['HOSTILE SENTINEL FAILED', `uncaught exception before the scenario started: ${what}`]);
  };
  process.on('uncaughtException', early);
  await settleHook(registerNoopHook());
  const dir = implDir(impl, addonDir);
  if (patchWhen === 'before') patchBuiltins(dir, markFn, false);
  if (patchWhen === 'strict') patchBuiltins(dir, markFn, true);
  const first = loadImpl(impl);
  const sentinel = startSentinel(first, markFn);
  purgeCache(dir);
  const dgram = loadImpl(impl);
  if (patchWhen !== 'strict') patchBuiltins(dir, markFn, true);
  const iv = setInterval(fullGc, 5);
  iv.unref();
  return {
    dgram,
    stopEarly() { process.removeListener('uncaughtException', early); },
    finish(close) {
      sentinel.finish(close);
      if (close) clearInterval(iv);
    },
  };
}

module.exports = { enabled, gc, fullGc, setup, registerNoopHook, patchBuiltins, purgeCache, implDir, startSentinel };
