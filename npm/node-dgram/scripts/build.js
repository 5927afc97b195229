'use strict';
// Builds the native addon with cargo (no prebuilt tools) and copies it to ./node_dgram.node,
// where index.js loads it. `NODE_DGRAM_PROFILE=debug` builds without optimisations.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const root = path.join(pkg, '..', '..');
const profile = process.env.NODE_DGRAM_PROFILE === 'debug' ? 'debug' : 'release';
const args = ['build', '-p', 'node-dgram-napi'];
if (profile === 'release') args.push('--release');
execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const built = path.join(targetDir, profile, 'libnode_dgram_napi.so');
const dest = path.join(pkg, 'node_dgram.node');
// Copy to a temporary name then rename, so a running process never sees half a file.
fs.copyFileSync(built, dest + '.tmp');
fs.renameSync(dest + '.tmp', dest);
console.log(`node-dgram: built ${path.relative(process.cwd(), dest)} (${profile})`);
