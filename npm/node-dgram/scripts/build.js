'use strict';
// Builds the native addon from source with cargo (no prebuilt tools) and copies it to
// ./node_dgram.node, which the loader (lib/loader.js) prefers to any prebuilt package.
// `NODE_DGRAM_PROFILE=debug` builds without optimisations.
//
// The Rust sources are those of the repository when this package sits in its checkout
// (npm/node-dgram), else the copy that the published package ships in ./rust (the node-dgram
// and napi crates, with the repository's Cargo.lock), so it also works from node_modules.
// Cargo fetches the crates they depend on from crates.io.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');

function cargoRoot() {
  const repo = path.join(pkg, '..', '..');
  if (fs.existsSync(path.join(repo, 'Cargo.toml')) && fs.existsSync(path.join(repo, 'crates', 'napi'))) {
    return repo;
  }
  const shipped = path.join(pkg, 'rust');
  if (fs.existsSync(path.join(shipped, 'Cargo.toml'))) return shipped;
  throw new Error(`node-dgram: no Rust sources to build from: neither ${repo} (a checkout) nor ${shipped} (the published package) has a Cargo.toml`);
}

const root = cargoRoot();
const profile = process.env.NODE_DGRAM_PROFILE === 'debug' ? 'debug' : 'release';
const args = ['build', '-p', 'node-dgram-napi'];
if (profile === 'release') args.push('--release');
try {
  execFileSync(process.env.CARGO || 'cargo', args, { cwd: root, stdio: 'inherit' });
} catch (e) {
  if (e.code === 'ENOENT') {
    console.error('node-dgram: building the addon from source needs Rust\'s cargo on PATH (https://rustup.rs); ' +
      'or install the prebuilt package of your platform (see the README)');
    process.exit(1);
  }
  throw e;
}
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const file = { darwin: 'libnode_dgram_napi.dylib', win32: 'node_dgram_napi.dll' }[process.platform] || 'libnode_dgram_napi.so';
const built = path.join(targetDir, profile, file);
const dest = path.join(pkg, 'node_dgram.node');
// Copy to a temporary name then rename, so a running process never sees half a file.
fs.copyFileSync(built, dest + '.tmp');
fs.renameSync(dest + '.tmp', dest);
console.log(`node-dgram: built ${path.relative(process.cwd(), dest)} (${profile}, from ${root})`);
