'use strict';
// Lays out the npm packages for scripts/package.sh, the napi-rs way, under STAGE/:
// - STAGE/node-dgram: the main package (index.js, typings, lib/, the from-source build script
//   and the Rust sources it builds from, in rust/), whose optionalDependencies name one package
//   per platform at the same version;
// - STAGE/node-dgram-PLATFORM: one per prebuilt binary, holding only its .node file (plus
//   package.json, README, LICENSE), with the os, cpu and libc fields that make npm install only
//   the one matching the machine.
//
// Usage: node scripts/stage-npm.js STAGE PLATFORM=BINARY...   (PLATFORM: linux-x64-gnu, ...)
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const [stage, ...builds] = process.argv.slice(2);
if (!stage || builds.length === 0) {
  console.error('usage: node scripts/stage-npm.js STAGE PLATFORM=BINARY...');
  process.exit(2);
}

// npm's names for each platform: os, cpu, libc.
const PLATFORMS = {
  'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.17' },
  'linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc', glibc: '2.17' },
};

const main = JSON.parse(fs.readFileSync(path.join(root, 'npm/node-dgram/package.json'), 'utf8'));
const { version } = main;
const repository = { type: 'git', url: 'https://example.invalid/node-dgram.git' };

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}
function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

fs.rmSync(stage, { recursive: true, force: true });
const optionalDependencies = {};
for (const build of builds) {
  const [name, binary] = build.split('=');
  const p = PLATFORMS[name];
  if (!p || !binary) throw new Error(`unknown platform or no binary: ${build}`);
  const pkgName = `node-dgram-${name}`;
  const file = `node-dgram.${name}.node`;
  const dir = path.join(stage, pkgName);
  copy(binary, path.join(dir, file));
  copy(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
  write(path.join(dir, 'package.json'), JSON.stringify({
    name: pkgName,
    version,
    description: `The ${name} binary of node-dgram (glibc ${p.glibc} or newer); install node-dgram, which picks it`,
    main: file,
    files: [file],
    os: [p.os],
    cpu: [p.cpu],
    libc: [p.libc],
    engines: main.engines,
    license: main.license,
    repository,
  }, null, 2) + '\n');
  write(path.join(dir, 'README.md'),
    `# ${pkgName}\n\nThe prebuilt native addon of [node-dgram](https://www.npmjs.com/package/node-dgram) ` +
    `for ${name} (Linux, ${p.cpu}, glibc ${p.glibc} or newer).\nDo not install it directly: ` +
    '`npm install node-dgram` installs it on matching machines as an optional dependency.\n');
  optionalDependencies[pkgName] = version;
}

// The main package.
const dir = path.join(stage, 'node-dgram');
const src = path.join(root, 'npm/node-dgram');
for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'lib', 'scripts', 'README.md']) copy(path.join(src, f), path.join(dir, f));
copy(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
// The Rust sources `npm run build` builds from inside node_modules (scripts/build.js): the
// library and addon crates in a workspace of their own, with the repository's lock file.
const rust = path.join(dir, 'rust');
for (const crate of ['node-dgram', 'napi']) {
  copy(path.join(root, 'crates', crate, 'src'), path.join(rust, 'crates', crate, 'src'));
  let manifest = fs.readFileSync(path.join(root, 'crates', crate, 'Cargo.toml'), 'utf8');
  // Benches, tests and examples are not shipped: drop the targets that name them and the
  // dev-dependencies they use (a section runs to the next line that opens one).
  manifest = manifest.replace(/\n\[\[bench\]\][^[]*/g, '\n');
  manifest = manifest.replace(/^\[dev-dependencies\]\n(?:(?!\[).*\n)*/m, '');
  write(path.join(rust, 'crates', crate, 'Cargo.toml'), manifest);
}
let workspace = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
workspace = workspace
  .replace(/^members = .*$/m, 'members = ["crates/node-dgram", "crates/napi"]')
  .replace(/^# `cargo run --release`.*\n/m, '')
  .replace(/^default-members = .*\n/m, '');
write(path.join(rust, 'Cargo.toml'), workspace);
copy(path.join(root, 'Cargo.lock'), path.join(rust, 'Cargo.lock'));
copy(path.join(root, 'rustfmt.toml'), path.join(rust, 'rustfmt.toml'));

const pkg = { ...main };
pkg.files = ['index.js', 'index.mjs', 'index.d.ts', 'lib/', 'scripts/', 'rust/', 'README.md', 'LICENSE'];
pkg.repository = repository;
pkg.optionalDependencies = optionalDependencies;
delete pkg.scripts.test; // the tests stay in the repository
write(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
console.log(`stage-npm: ${Object.keys(optionalDependencies).concat('node-dgram').join(', ')} ${version} in ${stage}`);
