'use strict';

// Finds and loads node-dgram's native addon, the way napi-rs packages do it:
//
// 1. `node_dgram.node` beside index.js: a local build (`npm run build`, scripts/build.js) wins,
//    so a checkout under development or a package built from source uses its own binary.
// 2. Else the prebuilt binary of this platform's package, one of the main package's
//    optionalDependencies (`node-dgram-linux-x64-gnu`, ...): npm installs only the one whose
//    `os`, `cpu` and `libc` fields match this machine.
// 3. Else an error naming the platform and what to do.
//
// Every require below names its file or package literally, so bundlers (esbuild, webpack) can
// see what the addon needs.

const fs = require('node:fs');
const path = require('node:path');

// The platform packages published with this version (scripts/package.sh builds them).
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu'];

// glibc or musl, on Linux; null elsewhere.
function linuxLibc() {
  if (process.platform !== 'linux') return null;
  try {
    const header = process.report.getReport().header;
    if (header.glibcVersionRuntime) return 'gnu';
  } catch {
    // no process.report (some embedders): look at the system's dynamic loaders instead
  }
  try {
    if (fs.readdirSync('/lib').some((f) => f.startsWith('ld-musl-'))) return 'musl';
  } catch {
    // no /lib
  }
  return 'gnu';
}

// The napi-rs style platform name: linux-x64-gnu, linux-arm64-musl, darwin-arm64, win32-x64-msvc.
function platformName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `${platform}-${arch}-${linuxLibc()}`;
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

// Requires the package of `name`'s platform (literal names only; see above).
function requirePrebuilt(name) {
  switch (name) {
    // (Each require in a try of its own: a bundler then leaves a package that is not installed,
    // the other platforms', to fail at run time instead of failing the bundle.)
    case 'linux-x64-gnu':
      try {
        return require('node-dgram-linux-x64-gnu');
      } catch (e) {
        throw e;
      }
    case 'linux-arm64-gnu':
      try {
        return require('node-dgram-linux-arm64-gnu');
      } catch (e) {
        throw e;
      }
    default:
      return undefined;
  }
}

// The addon's exports as a bundler may hand them over: rollup's CommonJS plugin turns the
// require of a .node file that another plugin (rollup-plugin-natives) made an ES module into that
// module's namespace, the addon being its `default`.
function addonExports(m) {
  if (m !== null && typeof m === 'object' && typeof m.init !== 'function' && m.default !== null &&
      typeof m.default === 'object' && typeof m.default.init === 'function') {
    return m.default;
  }
  return m;
}

function loadNative() {
  // (Asked for by requiring it rather than by looking for the file: in a bundle it is wherever
  // the bundler put it, e.g. esbuild's --loader:.node=copy, and __dirname is the bundle's.)
  try {
    return addonExports(require('../node_dgram.node'));
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') {
      const local = typeof __dirname === 'string' ? path.join(__dirname, '..', 'node_dgram.node') : 'node_dgram.node';
      e.message = `node-dgram: cannot load the locally built addon ${local} ` +
        `(rebuild it with \`npm run build\`, or delete it to use the prebuilt one): ${e.message}`;
      throw e;
    }
  }
  const name = platformName();
  let cause;
  try {
    const native = requirePrebuilt(name);
    if (native !== undefined) return addonExports(native);
  } catch (e) {
    cause = e;
  }
  const pkgDir = typeof __dirname === 'string' ? path.join(__dirname, '..') : 'node-dgram';
  let msg = `node-dgram: no native addon for this platform (${name}, Node ${process.version}).\n`;
  if (PREBUILT.includes(name)) {
    msg += cause && cause.code !== 'MODULE_NOT_FOUND'
      ? `  The prebuilt package node-dgram-${name} is installed but did not load: ${cause.message}\n`
      : `  Its prebuilt binary comes in the optional dependency node-dgram-${name}, which is not ` +
        'installed: reinstall without --no-optional / --omit=optional, and let npm install ' +
        'optional dependencies for this platform (a node_modules copied from another machine ' +
        'has the other machine\'s).\n';
  } else {
    msg += `  Prebuilt binaries exist for ${PREBUILT.join(', ')} only.\n`;
  }
  msg += '  To build it from source instead (needs Rust\'s cargo, https://rustup.rs): ' +
    `\`npm run build\` in ${pkgDir}`;
  const err = new Error(msg);
  err.code = 'ERR_NODE_DGRAM_NO_NATIVE';
  if (cause) err.cause = cause;
  throw err;
}

module.exports = { loadNative, platformName, PREBUILT };
