'use strict';

// Builtins captured when node-dgram loads.
//
// A program, or any of its dependencies, may replace a builtin method later
// (`Array.prototype.push = ...`, `Map.prototype.get = ...`,
// `Function.prototype.call = ...`, a getter on `%TypedArray%.prototype`, ...)
// or a global (`globalThis.Buffer = ...`). node-dgram's JavaScript must not be
// redirected or observed through such patches: a patched
// `TypedArray.prototype.set` that is handed a private staging buffer could
// detach it under the native side's feet (issue 15, item 2). So every builtin
// the package calls is read once, here, from the builtins as they are when
// this file is first required, and the rest of the package calls only these
// captured functions.
//
// Naming:
//   <Ctor>Prototype<Method>(self, ...args)  an uncurried prototype method:
//       ArrayPrototypePush(arr, x) behaves as the original arr.push(x) did.
//   <Ctor>PrototypeGet<Accessor>(self)      an uncurried getter:
//       TypedArrayPrototypeGetByteLength(u8).
//   <Ctor>PrototypeSymbol<Name>(self, ...)  a method keyed by a well-known
//       symbol: ArrayPrototypeSymbolIterator(arr).
//   <Ctor><Static>(...args)                 a static function or constant,
//       called as a plain function: ObjectDefineProperty(o, k, d),
//       NumberMAX_SAFE_INTEGER.
//   <Ctor>Ctor                              the constructor itself, e.g.
//       MapCtor, for `new MapCtor()`.
//   is<Thing> / isIP ...                    util.types / node:net predicates.
//
// Rules for the code using this file (things no capture can fix):
// * Construct collections empty (`new MapCtor()`) and fill them with the
//   captured methods: `new Map(iterable)` looks `set` up on the new map and
//   walks the iterable with its (patchable) iterator protocol.
// * No for-of, array destructuring or array spread (`[...a]`, `f(...a)`) at
//   call time: they go through `Array.prototype[Symbol.iterator]` and
//   `%ArrayIteratorPrototype%.next`, both patchable. Use index loops,
//   `MapPrototypeForEach`, and `ReflectApply(fn, thisArg, argsArray)`.
//   (Rest parameters and object spread are fine: no iterator is involved.)
// * Property descriptors passed to ObjectDefineProperty need
//   `__proto__: null`: an inherited `get`/`value` on Object.prototype would
//   otherwise be read into the descriptor. Likewise, a descriptor object
//   returned by ObjectGetOwnPropertyDescriptor should get a null prototype
//   before it is reused.
// * Prefer ObjectDefineProperty over `obj.key = value` on fresh objects when a
//   setter on Object.prototype / Error.prototype could intercept the write.
// * Methods that build their result with the species protocol
//   (ArrayPrototypeMap/Slice/Filter/Concat/Splice, TypedArrayPrototypeSubarray,
//   TypedArrayPrototypeSlice, ArrayBufferPrototypeSlice) read
//   `self.constructor[Symbol.species]`, which a program can change; prefer
//   index loops where the result matters. A setter defined on
//   Array.prototype for an index would still see writes to holes of our own
//   arrays (Node's own lib has the same exposure).
// * `RegExpPrototypeExec` is the only RegExp method here: `test`, `match`,
//   `replace`, `split` look `exec` up on the regexp at call time.
// * Deliberately NOT captured: `process.nextTick`. Node's own dgram calls
//   the public `process.nextTick` as it is at call time, so node-dgram does
//   too (a program that wraps nextTick, e.g. for async tracking, sees our
//   ticks as it sees Node's). Likewise `dns.lookup` and the EventEmitter
//   methods of a socket (`emit`, `once`, ...) are read at call time, as Node
//   reads them.

const {
  Array: Array_,
  ArrayBuffer: ArrayBuffer_,
  BigInt: BigInt_,
  Boolean: Boolean_,
  DataView: DataView_,
  Error: Error_,
  FinalizationRegistry: FinalizationRegistry_,
  Function: Function_,
  JSON: JSON_,
  Map: Map_,
  Math: Math_,
  Number: Number_,
  Object: Object_,
  Promise: Promise_,
  Proxy: Proxy_,
  RangeError: RangeError_,
  Reflect: Reflect_,
  RegExp: RegExp_,
  Set: Set_,
  SharedArrayBuffer: SharedArrayBuffer_,
  String: String_,
  Symbol: Symbol_,
  TypeError: TypeError_,
  Uint8Array: Uint8Array_,
  Uint32Array: Uint32Array_,
  WeakMap: WeakMap_,
  WeakRef: WeakRef_,
  WeakSet: WeakSet_,
} = globalThis;

const { Buffer: Buffer_ } = require('node:buffer');
const util = require('node:util');
const net = require('node:net');

// f.call(self, ...args) for a fixed f, as a plain function of (self, ...args).
// `bind` and `call` here are the originals: the bound function keeps them as
// its internal target, whatever Function.prototype.call becomes later.
const uncurryThis = Function_.prototype.bind.bind(Function_.prototype.call);

const ObjectGetOwnPropertyDescriptor_ = Object_.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf_ = Object_.getPrototypeOf;
const ReflectApply_ = Reflect_.apply;
const FunctionPrototypeBind_ = uncurryThis(Function_.prototype.bind);

// Everything is collected here; exported frozen, with no prototype (so a
// missing name reads as undefined, never as something from Object.prototype).
const P = { __proto__: null };

// 'push' -> 'Push'; Symbol.iterator -> 'SymbolIterator'.
function keyName(key) {
  if (typeof key === 'symbol') {
    const desc = ReflectApply_(ObjectGetOwnPropertyDescriptor_(Symbol_.prototype, 'description').get, key, []);
    // 'Symbol.iterator' -> 'SymbolIterator'
    const bare = ReflectApply_(String_.prototype.slice, desc, [7]);
    return `Symbol${ReflectApply_(String_.prototype.toUpperCase, bare[0], [])}${ReflectApply_(String_.prototype.slice, bare, [1])}`;
  }
  return `${ReflectApply_(String_.prototype.toUpperCase, key[0], [])}${ReflectApply_(String_.prototype.slice, key, [1])}`;
}

function define(name, value) {
  if (name in P) throw new Error_(`primordials: ${name} defined twice`);
  P[name] = value;
}

// Uncurries the named own methods and accessors of `proto` as
// `${prefix}Prototype...`. A name the running Node lacks is skipped (the
// test checks that the names the package needs are all there).
function captureProto(prefix, proto, keys) {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const desc = ObjectGetOwnPropertyDescriptor_(proto, key);
    if (desc === undefined) continue;
    const name = keyName(key);
    if (typeof desc.value === 'function') {
      define(`${prefix}Prototype${name}`, uncurryThis(desc.value));
    } else {
      if (typeof desc.get === 'function') define(`${prefix}PrototypeGet${name}`, uncurryThis(desc.get));
      if (typeof desc.set === 'function') define(`${prefix}PrototypeSet${name}`, uncurryThis(desc.set));
    }
  }
}

// Captures the named statics of `obj` as `${prefix}${Name}`: functions as they
// are (none of them uses `this`), unless `bindToOwner`, for statics that
// use `this` (Promise.resolve, Array.from, ...); constants (Number.MAX_...)
// keep their name as is after the prefix.
function captureStatics(prefix, obj, keys, bindToOwner = false) {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const desc = ObjectGetOwnPropertyDescriptor_(obj, key);
    if (desc === undefined) continue;
    const value = desc.value;
    if (typeof value === 'function') {
      define(`${prefix}${keyName(key)}`, bindToOwner ? FunctionPrototypeBind_(value, obj) : value);
    } else {
      // Constants: Number.MAX_SAFE_INTEGER -> NumberMAX_SAFE_INTEGER,
      // Symbol.iterator -> SymbolIterator.
      const upper = typeof key === 'string' && key[0] >= 'A' && key[0] <= 'Z';
      define(`${prefix}${upper ? key : keyName(key)}`, value);
    }
  }
}

// ---------------------------------------------------------------------------
// Constructors (for `new XCtor()`, `instanceof`, `class extends`)

define('ArrayCtor', Array_);
define('ArrayBufferCtor', ArrayBuffer_);
define('BigIntCtor', BigInt_);
define('BooleanCtor', Boolean_);
define('BufferCtor', Buffer_);
define('DataViewCtor', DataView_);
define('ErrorCtor', Error_);
define('FinalizationRegistryCtor', FinalizationRegistry_);
define('FunctionCtor', Function_);
define('MapCtor', Map_);
define('NumberCtor', Number_);
define('ObjectCtor', Object_);
define('PromiseCtor', Promise_);
define('ProxyCtor', Proxy_);
define('RangeErrorCtor', RangeError_);
define('RegExpCtor', RegExp_);
define('SetCtor', Set_);
define('SharedArrayBufferCtor', SharedArrayBuffer_);
define('StringCtor', String_);
define('SymbolCtor', Symbol_);
define('TypeErrorCtor', TypeError_);
define('Uint8ArrayCtor', Uint8Array_);
define('Uint32ArrayCtor', Uint32Array_);
define('WeakMapCtor', WeakMap_);
define('WeakRefCtor', WeakRef_);
define('WeakSetCtor', WeakSet_);

// ---------------------------------------------------------------------------
// Prototype methods and accessors

const TypedArray_ = ObjectGetPrototypeOf_(Uint8Array_);
const ArrayIteratorPrototype = ObjectGetPrototypeOf_(new Array_()[Symbol_.iterator]());
const MapIteratorPrototype = ObjectGetPrototypeOf_(new Map_()[Symbol_.iterator]());
const SetIteratorPrototype = ObjectGetPrototypeOf_(new Set_()[Symbol_.iterator]());
const StringIteratorPrototype = ObjectGetPrototypeOf_(''[Symbol_.iterator]());

captureProto('Array', Array_.prototype, [
  'at', 'concat', 'every', 'fill', 'filter', 'find', 'findIndex', 'forEach',
  'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'pop', 'push',
  'reduce', 'reverse', 'shift', 'slice', 'some', 'sort', 'splice', 'unshift',
  Symbol_.iterator,
]);
captureProto('ArrayIterator', ArrayIteratorPrototype, ['next']);
captureProto('ArrayBuffer', ArrayBuffer_.prototype, ['byteLength', 'slice']);
captureProto('SharedArrayBuffer', SharedArrayBuffer_.prototype, ['byteLength']);
captureProto('BigInt', BigInt_.prototype, ['toString']);
captureProto('Buffer', Buffer_.prototype, ['toString', 'equals', 'write', 'copy']);
captureProto('DataView', DataView_.prototype, ['buffer', 'byteLength', 'byteOffset']);
captureProto('Error', Error_.prototype, ['toString']);
captureProto('FinalizationRegistry', FinalizationRegistry_.prototype, ['register', 'unregister']);
captureProto('Function', Function_.prototype, ['apply', 'bind', 'call', 'toString', Symbol_.hasInstance]);
captureProto('Map', Map_.prototype, [
  'clear', 'delete', 'entries', 'forEach', 'get', 'has', 'keys', 'set', 'size',
  'values', Symbol_.iterator,
]);
captureProto('MapIterator', MapIteratorPrototype, ['next']);
captureProto('Number', Number_.prototype, ['toString', 'toFixed', 'valueOf']);
captureProto('Object', Object_.prototype, [
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toString', 'valueOf',
]);
captureProto('Promise', Promise_.prototype, ['then', 'catch', 'finally']);
captureProto('RegExp', RegExp_.prototype, ['exec']);
captureProto('Set', Set_.prototype, [
  'add', 'clear', 'delete', 'entries', 'forEach', 'has', 'size', 'values', Symbol_.iterator,
]);
captureProto('SetIterator', SetIteratorPrototype, ['next']);
captureProto('String', String_.prototype, [
  'at', 'charAt', 'charCodeAt', 'codePointAt', 'endsWith', 'includes', 'indexOf',
  'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice', 'split', 'startsWith',
  'substring', 'toLowerCase', 'toString', 'toUpperCase', 'trim', 'trimEnd',
  'trimStart', 'valueOf', Symbol_.iterator,
]);
captureProto('StringIterator', StringIteratorPrototype, ['next']);
captureProto('Symbol', Symbol_.prototype, ['description', 'toString', 'valueOf']);
captureProto('TypedArray', TypedArray_.prototype, [
  'buffer', 'byteLength', 'byteOffset', 'fill', 'includes', 'indexOf', 'length',
  'set', 'slice', 'subarray', Symbol_.toStringTag,
]);
captureProto('WeakMap', WeakMap_.prototype, ['delete', 'get', 'has', 'set']);
captureProto('WeakRef', WeakRef_.prototype, ['deref']);
captureProto('WeakSet', WeakSet_.prototype, ['add', 'delete', 'has']);

// ---------------------------------------------------------------------------
// Statics

captureStatics('Array', Array_, ['isArray']);
captureStatics('Array', Array_, ['from', 'of'], true);
captureStatics('ArrayBuffer', ArrayBuffer_, ['isView']);
captureStatics('Buffer', Buffer_, [
  'alloc', 'allocUnsafe', 'allocUnsafeSlow', 'byteLength', 'compare', 'concat',
  'from', 'isBuffer', 'isEncoding',
]);
captureStatics('Error', Error_, ['captureStackTrace']);
captureStatics('JSON', JSON_, ['parse', 'stringify']);
captureStatics('Math', Math_, [
  'abs', 'ceil', 'floor', 'max', 'min', 'pow', 'random', 'round', 'sign', 'trunc',
]);
captureStatics('Number', Number_, [
  'isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt',
  'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'MAX_VALUE', 'EPSILON',
]);
captureStatics('Object', Object_, [
  'assign', 'create', 'defineProperties', 'defineProperty', 'entries', 'freeze',
  'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors', 'getOwnPropertyNames',
  'getOwnPropertySymbols', 'getPrototypeOf', 'hasOwn', 'is', 'isExtensible',
  'isFrozen', 'isSealed', 'keys', 'preventExtensions', 'seal', 'setPrototypeOf',
  'values',
]);
captureStatics('Promise', Promise_, ['all', 'allSettled', 'any', 'race', 'reject', 'resolve'], true);
captureStatics('Reflect', Reflect_, [
  'apply', 'construct', 'defineProperty', 'deleteProperty', 'get',
  'getOwnPropertyDescriptor', 'getPrototypeOf', 'has', 'isExtensible', 'ownKeys',
  'set', 'setPrototypeOf',
]);
captureStatics('String', String_, ['fromCharCode', 'fromCodePoint']);
captureStatics('Symbol', Symbol_, [
  'for', 'keyFor', 'asyncIterator', 'hasInstance', 'iterator', 'species',
  'toPrimitive', 'toStringTag',
]);

// ---------------------------------------------------------------------------
// Node's own helpers, captured from their modules (statics: no `this`).

const utilTypes = util.types;
define('isAnyArrayBuffer', utilTypes.isAnyArrayBuffer);
define('isArrayBuffer', utilTypes.isArrayBuffer);
define('isDataView', utilTypes.isDataView);
define('isNativeError', utilTypes.isNativeError);
define('isPromise', utilTypes.isPromise);
define('isSharedArrayBuffer', utilTypes.isSharedArrayBuffer);
define('isTypedArray', utilTypes.isTypedArray);
define('isUint8Array', utilTypes.isUint8Array);

define('UtilFormat', util.format);
define('UtilInspect', util.inspect);
// Both exist on every Node this package supports (>= 20); kept optional.
define('UtilGetSystemErrorName', util.getSystemErrorName);
define('UtilGetSystemErrorMap', util.getSystemErrorMap);

define('isIP', net.isIP);
define('isIPv4', net.isIPv4);
define('isIPv6', net.isIPv6);
define('BlockListCtor', net.BlockList);
// Node >= 22.13 / 23.4 only; undefined before (then: FunctionPrototypeSymbolHasInstance).
define('BlockListIsBlockList', typeof net.BlockList === 'function' && typeof net.BlockList.isBlockList === 'function' ?
  FunctionPrototypeBind_(net.BlockList.isBlockList, net.BlockList) : undefined);

// ---------------------------------------------------------------------------
// Derived: the buffer/byteOffset/byteLength of any ArrayBufferView (a
// TypedArray, Buffer included, or a DataView) through the captured getters.
// Like the getters, they throw a TypeError for anything else.

const TypedArrayPrototypeGetSymbolToStringTag_ = P.TypedArrayPrototypeGetSymbolToStringTag;
const {
  TypedArrayPrototypeGetBuffer: taBuffer,
  TypedArrayPrototypeGetByteOffset: taByteOffset,
  TypedArrayPrototypeGetByteLength: taByteLength,
  DataViewPrototypeGetBuffer: dvBuffer,
  DataViewPrototypeGetByteOffset: dvByteOffset,
  DataViewPrototypeGetByteLength: dvByteLength,
} = P;

// The toStringTag getter answers undefined, without throwing, for anything
// that is not a TypedArray.
function isTypedArrayView(view) {
  return TypedArrayPrototypeGetSymbolToStringTag_(view) !== undefined;
}

define('ArrayBufferViewGetBuffer', function ArrayBufferViewGetBuffer(view) {
  return isTypedArrayView(view) ? taBuffer(view) : dvBuffer(view);
});
define('ArrayBufferViewGetByteOffset', function ArrayBufferViewGetByteOffset(view) {
  return isTypedArrayView(view) ? taByteOffset(view) : dvByteOffset(view);
});
define('ArrayBufferViewGetByteLength', function ArrayBufferViewGetByteLength(view) {
  return isTypedArrayView(view) ? taByteLength(view) : dvByteLength(view);
});

define('uncurryThis', uncurryThis);

module.exports = Object_.freeze(P);
