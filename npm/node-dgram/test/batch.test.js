#!/usr/bin/env node
'use strict';
// The 'messages' extension (issue 19): a socket with a 'messages' listener gets each read as
// one MessageBatch. What a program sees: every datagram once, in order, with its bytes and its
// rinfo (IPv4, IPv6, two senders in one batch), sizes 0 to 65,507 bytes; 'message' listeners
// beside it; the switch back when the listener goes; a socket without it keeping Node's tick
// semantics; close inside a listener; the receive block list; the memory of a batch never
// reused while JavaScript can see it (messages kept across many batches and GCs are intact);
// bad indexes refused. Datagrams go to loopback only.
//
//   node --expose-gc test/batch.test.js      (re-runs itself with --expose-gc when needed)
//
// Ends with `N passed, N failed`; exits 1 on any failure.

if (typeof gc !== 'function') {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}

const assert = require('node:assert/strict');
const path = require('node:path');
const dgram = require(path.join(__dirname, '..'));

const [MAJOR, MINOR] = process.versions.node.split('.').map(Number);
const HAS_BLOCKLISTS = MAJOR > 23 || (MAJOR === 23 && MINOR >= 4) || (MAJOR === 22 && MINOR >= 13);

const cases = [];
const test = (name, fn) => cases.push({ name, fn });
const filter = process.argv.slice(2);

// Deterministic payload i of `size` bytes.
function payload(i, size) {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (i * 31 + k * 7) & 0xff;
  return b;
}

function bound(type, address, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type, ...opts });
    s.once('error', reject);
    s.bind(0, address, () => {
      s.removeListener('error', reject);
      resolve(s);
    });
  });
}

const closeAll = (...socks) => Promise.all(socks.map((s) => new Promise((r) => s.close(r))));

// Sends `list` (Buffers) from `from` to `to` in bursts of `burst`, each burst after the
// receiver has seen the previous one (`seen()` is how many it saw), so the receive buffer never
// overflows.
async function sendPaced(from, toPort, toAddr, list, burst, seen) {
  for (let i = 0; i < list.length; i += burst) {
    const end = Math.min(i + burst, list.length);
    await Promise.all(list.slice(i, end).map((b) => new Promise((r, j) => from.send(b, toPort, toAddr, (e) => (e ? j(e) : r())))));
    const t0 = Date.now();
    while (seen() < end) {
      if (Date.now() - t0 > 5000) throw new Error(`receiver saw ${seen()} of ${end}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

// Collects every datagram of every batch as [bytes copy, rinfo, accessors agree].
function collector(sock) {
  const got = [];
  const batches = [];
  sock.on('messages', (b) => {
    batches.push(b.length);
    assert.equal(Object.prototype.toString.call(b), '[object MessageBatch]');
    for (let i = 0; i < b.length; i++) {
      const m = b.message(i);
      const r = b.rinfo(i);
      assert.ok(Buffer.isBuffer(m));
      assert.equal(m.length, b.size(i));
      assert.deepEqual(m, b.buffer.subarray(b.offset(i), b.offset(i) + b.size(i)));
      assert.deepEqual(r, { address: b.address(i), family: b.family(i), port: b.port(i), size: b.size(i) });
      got.push([Buffer.from(m), r]);
    }
    let k = 0;
    for (const [m, r] of b) {
      assert.deepEqual(m, b.message(k));
      assert.deepEqual(r, b.rinfo(k));
      k++;
    }
    assert.equal(k, b.length);
  });
  return { got, batches };
}

test('order, bytes and rinfo for sizes 0 to 65507 (IPv4)', async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  const { got, batches } = collector(r);
  const sizes = [0, 1, 2, 63, 64, 65, 100, 1200, 1472, 4096, 8192, 9000, 32768, 65507];
  const list = [];
  for (let i = 0; i < 300; i++) list.push(payload(i, sizes[i % sizes.length] === 65507 && i > 14 ? 777 : sizes[i % sizes.length]));
  await sendPaced(s, r.address().port, '127.0.0.1', list, 30, () => got.length);
  assert.equal(got.length, list.length);
  for (let i = 0; i < list.length; i++) {
    assert.deepEqual(got[i][0], list[i], `datagram ${i}`);
    assert.deepEqual(got[i][1], { address: '127.0.0.1', family: 'IPv4', port: s.address().port, size: list[i].length });
  }
  assert.ok(batches.some((n) => n > 1), `some batch holds more than one datagram: ${batches}`);
  await closeAll(r, s);
});

test('bursts of equal-size datagrams (sent with GSO, received with GRO) come apart as sent', async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  const { got } = collector(r);
  const list = [];
  for (let i = 0; i < 640; i++) list.push(payload(i, [1, 100, 1200][Math.floor(i / 64) % 3]));
  // One burst per loop turn: the addon sends each with one GSO system call.
  await sendPaced(s, r.address().port, '127.0.0.1', list, 64, () => got.length);
  assert.equal(got.length, list.length);
  for (let i = 0; i < list.length; i++) {
    assert.deepEqual(got[i][0], list[i], `datagram ${i}`);
    assert.equal(got[i][1].size, list[i].length);
    assert.equal(got[i][1].port, s.address().port);
  }
  await closeAll(r, s);
});

test('IPv6 rinfo, and two senders (IPv4-mapped and ::1) in the batches of a dual-stack socket', async () => {
  const r = await bound('udp6', '::', { recvBufferSize: 1 << 20 });
  const s6 = await bound('udp6', '::1');
  const s4 = await bound('udp4', '127.0.0.1');
  const { got } = collector(r);
  const port = r.address().port;
  const n = 200;
  for (let i = 0; i < n; i += 20) {
    const sends = [];
    for (let k = i; k < i + 20; k++) {
      const [s, addr] = k % 2 ? [s4, '127.0.0.1'] : [s6, '::1'];
      sends.push(new Promise((res) => s.send(payload(k, 10 + (k % 50)), port, addr, res)));
    }
    await Promise.all(sends);
    const t0 = Date.now();
    while (got.length < i + 20 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 1));
  }
  assert.equal(got.length, n);
  // Order per sender (the two senders' datagrams may interleave either way).
  const bySender = { v4: [], v6: [] };
  for (const [m, ri] of got) {
    if (ri.family === 'IPv6' && ri.address === '::1') {
      assert.equal(ri.port, s6.address().port);
      bySender.v6.push(m);
    } else {
      assert.deepEqual(ri, { address: '::ffff:127.0.0.1', family: 'IPv6', port: s4.address().port, size: m.length });
      bySender.v4.push(m);
    }
  }
  assert.equal(bySender.v6.length, n / 2);
  for (let j = 0; j < n / 2; j++) {
    assert.deepEqual(bySender.v6[j], payload(2 * j, 10 + ((2 * j) % 50)));
    assert.deepEqual(bySender.v4[j], payload(2 * j + 1, 10 + ((2 * j + 1) % 50)));
  }
  await closeAll(r, s6, s4);
});

test("'message' listeners beside 'messages' get every datagram, in Buffers of their own, after the batch", async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 1 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  const log = [];
  let inBatch = 0;
  r.on('messages', (b) => {
    inBatch = b.length;
    for (let i = 0; i < b.length; i++) log.push(['batch', b.message(i).toString()]);
  });
  r.on('message', (m, ri) => {
    assert.ok(inBatch > 0);
    inBatch--;
    assert.equal(m.buffer.byteLength, m.length, 'a Buffer of its own');
    assert.deepEqual(ri, { address: '127.0.0.1', family: 'IPv4', port: s.address().port, size: m.length });
    log.push(['message', m.toString()]);
  });
  const list = [];
  for (let i = 0; i < 100; i++) list.push(Buffer.from(`d${i}`));
  await sendPaced(s, r.address().port, '127.0.0.1', list, 25, () => log.filter((x) => x[0] === 'message').length);
  // Per batch: its datagrams to 'messages', then each to 'message'.
  const batchOrder = log.filter((x) => x[0] === 'batch').map((x) => x[1]);
  const msgOrder = log.filter((x) => x[0] === 'message').map((x) => x[1]);
  assert.deepEqual(batchOrder, list.map(String));
  assert.deepEqual(msgOrder, list.map(String));
  let pos = 0;
  while (pos < log.length) {
    let k = 0;
    while (log[pos + k][0] === 'batch') k++;
    for (let j = 0; j < k; j++) assert.deepEqual(log[pos + k + j], ['message', log[pos + j][1]]);
    pos += 2 * k;
  }
  await closeAll(r, s);
});

test("a 'messages' listener runs in the socket's async context, as a 'message' listener does", async () => {
  const { AsyncLocalStorage, executionAsyncId } = require('node:async_hooks');
  const als = new AsyncLocalStorage();
  // The store in force when the socket was made is the one its callbacks see (as the built-in's).
  const r = await als.run('made here', () => bound('udp4', '127.0.0.1'));
  const s = await bound('udp4', '127.0.0.1');
  const seen = [];
  let count = 0;
  let done;
  r.on('message', () => seen.push(['message', als.getStore(), executionAsyncId()]));
  r.on('messages', (b) => {
    seen.push(['messages', als.getStore(), executionAsyncId()]);
    count += b.length;
    if (done && count >= done.want) done();
  });
  // The first datagram switches the socket to batches; the later ones come as whole reads.
  for (const [want, msgs] of [[1, ['x']], [3, ['y', 'z']]]) {
    const got = new Promise((res) => { done = res; done.want = want; });
    for (const m of msgs) als.run('sender', () => s.send(m, r.address().port, '127.0.0.1'));
    await got;
  }
  await new Promise((res) => setImmediate(res));
  assert.ok(seen.filter((x) => x[0] === 'messages').length >= 2, JSON.stringify(seen));
  for (const [, store, id] of seen) {
    assert.equal(store, 'made here', JSON.stringify(seen));
    assert.equal(id, seen[0][2], 'the same async resource (the socket) for both listeners');
    assert.notEqual(id, 0);
  }
  await closeAll(r, s);
});

test("without 'messages', each 'message' comes from its own callback (a nextTick runs between); after the listener goes, too", async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 1 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  let ticks = 0;
  let pending = false;
  let seen = 0;
  let batchEvents = 0;
  const onBatch = () => batchEvents++;
  r.on('message', () => {
    seen++;
    if (pending) return;
    // A tick queued by a 'message' listener runs before the next 'message' (Node's order);
    // within a batch it would not.
    pending = true;
    process.nextTick(() => {
      pending = false;
      ticks++;
    });
  });
  const burst = () => Array.from({ length: 40 }, (_, i) => Buffer.from(`x${i}`));
  await sendPaced(s, r.address().port, '127.0.0.1', burst(), 40, () => seen);
  assert.equal(ticks, 40, 'one tick per message: no batching without a messages listener');
  r.on('messages', onBatch);
  await sendPaced(s, r.address().port, '127.0.0.1', burst(), 40, () => seen - 40);
  assert.ok(batchEvents > 0);
  r.removeListener('messages', onBatch);
  // The read in progress when the listener went may still come whole; then one per callback.
  await sendPaced(s, r.address().port, '127.0.0.1', burst().slice(0, 1), 1, () => seen - 80);
  const before = batchEvents;
  ticks = 0;
  await sendPaced(s, r.address().port, '127.0.0.1', burst(), 40, () => seen - 81);
  assert.equal(ticks, 40);
  assert.equal(batchEvents, before);
  await closeAll(r, s);
});

// A socket with only 'message' listeners also reads with UDP GRO: a burst the addon sent with
// one GSO system call arrives in one read, and must still come as Node's built-in gives it,
// one 'message' per datagram, each from its own callback. The built-in, beside it, gets the
// same bursts cut by the kernel.
test("'message' alone: GSO bursts (read with GRO) come one datagram per 'message', as the built-in gets them, a tick between each", async () => {
  const builtin = require('node:dgram');
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20 });
  const b = builtin.createSocket('udp4');
  await new Promise((res) => b.bind(0, '127.0.0.1', res));
  const s = await bound('udp4', '127.0.0.1');
  const list = [];
  for (let i = 0; i < 512; i++) list.push(payload(i, [100, 1200, 7][Math.floor(i / 64) % 3]));
  const record = (sock) => {
    const got = [];
    let pending = false;
    let ticks = 0;
    sock.on('message', (m, ri) => {
      // The tick queued for the datagram before this one has run (one callback each).
      assert.equal(pending, false, `a tick is still pending at datagram ${got.length}`);
      pending = true;
      process.nextTick(() => {
        pending = false;
        ticks++;
      });
      got.push([Buffer.from(m), ri]);
    });
    return { got, ticks: () => ticks };
  };
  const a = record(r);
  const n = record(b);
  await sendPaced(s, r.address().port, '127.0.0.1', list, 64, () => a.got.length);
  await sendPaced(s, b.address().port, '127.0.0.1', list, 64, () => n.got.length);
  assert.equal(a.got.length, list.length);
  assert.equal(a.ticks(), list.length);
  for (let i = 0; i < list.length; i++) {
    assert.deepEqual(a.got[i][0], list[i], `datagram ${i}`);
    assert.deepEqual(a.got[i][1], { address: '127.0.0.1', family: 'IPv4', port: s.address().port, size: list[i].length });
    // What the built-in got of the same bursts.
    assert.deepEqual(a.got[i][0], n.got[i][0]);
    assert.deepEqual(a.got[i][1], n.got[i][1]);
  }
  await closeAll(r, s);
  await new Promise((res) => b.close(res));
});

test('close inside a messages listener: nothing more is delivered, close is emitted', async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 1 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  let batches = 0;
  let messages = 0;
  const closed = new Promise((res) => r.on('close', res));
  r.on('messages', (b) => {
    batches++;
    if (b.length > 1) r.close();
  });
  r.on('message', () => messages++);
  const port = r.address().port;
  // Bursts until a batch of several came (and the socket closed).
  for (let k = 0; k < 50 && batches === 0; k++) {
    await Promise.all(Array.from({ length: 30 }, () => new Promise((res) => s.send('y', port, '127.0.0.1', res))));
    await new Promise((res) => setTimeout(res, 5));
  }
  // Keep sending for a while: nothing may be delivered on the closed socket.
  for (let k = 0; k < 200; k++) {
    await new Promise((res) => s.send('z', port, '127.0.0.1', res));
    if (k % 50 === 0) await new Promise((res) => setTimeout(res, 2));
  }
  await closed;
  await new Promise((res) => setTimeout(res, 50));
  const lastBatchCount = batches;
  assert.ok(lastBatchCount >= 1);
  // Only batches of one can precede the closing one; the closing batch's 'message's are not
  // emitted (the socket was closed before them).
  assert.equal(messages, lastBatchCount - 1);
  await closeAll(s);
});

test('receiveBlockList applies to batches (each sender checked)', async () => {
  if (!HAS_BLOCKLISTS) return 'skip: this Node has no receiveBlockList';
  const net = require('node:net');
  const list = new net.BlockList();
  list.addAddress('127.0.0.2');
  const r = await bound('udp4', '0.0.0.0', { recvBufferSize: 1 << 20, receiveBlockList: list });
  const good = await bound('udp4', '127.0.0.1');
  const bad = await bound('udp4', '127.0.0.2');
  const { got } = collector(r);
  const port = r.address().port;
  for (let i = 0; i < 10; i++) {
    await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        new Promise((res) => (k % 2 ? bad : good).send(payload(i * 20 + k, 16), port, '127.0.0.1', res)),
      ),
    );
    const t0 = Date.now();
    while (got.length < (i + 1) * 10 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 1));
  }
  await new Promise((res) => setTimeout(res, 30));
  assert.equal(got.length, 100);
  for (let j = 0; j < 100; j++) {
    const i = Math.floor(j / 10);
    assert.deepEqual(got[j][0], payload(i * 20 + (j % 10) * 2, 16));
    assert.equal(got[j][1].address, '127.0.0.1');
  }
  await closeAll(r, good, bad);
});

test('memory: what JavaScript keeps of a batch is never written again (many batches, GCs)', async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20 });
  const s = await bound('udp4', '127.0.0.1');
  // First: each batch's copies are taken, then the batch is scribbled over, and some of its
  // views kept: later reads must neither see the scribbles nor land in the kept memory.
  const copies = [];
  const scribbled = [];
  r.on('messages', (b) => {
    for (let i = 0; i < b.length; i++) copies.push(Buffer.from(b.message(i)));
    if (copies.length % 3 === 0) scribbled.push(b.message(0), b.buffer);
    b.buffer.fill(0xee);
  });
  const list = [];
  for (let i = 0; i < 3000; i++) list.push(payload(i, 40 + (i % 80)));
  for (let i = 0; i < list.length; i += 100) {
    await sendPaced(s, r.address().port, '127.0.0.1', list.slice(i, i + 100), 100, () => copies.length - i);
    if (i % 500 === 0) gc();
  }
  gc();
  assert.equal(copies.length, list.length);
  for (let i = 0; i < list.length; i++) assert.deepEqual(copies[i], list[i], `copy ${i}`);
  assert.ok(scribbled.length > 0);
  for (const v of scribbled) assert.ok(v.every((x) => x === 0xee), 'kept memory was written again');
  // Then: views kept across every batch and GCs hold their datagrams.
  r.removeAllListeners('messages');
  const views = [];
  r.on('messages', (b) => {
    for (let i = 0; i < b.length; i++) views.push(b.message(i));
  });
  const list2 = list.slice(0, 2000);
  for (let i = 0; i < list2.length; i += 100) {
    await sendPaced(s, r.address().port, '127.0.0.1', list2.slice(i, i + 100), 100, () => views.length - i);
    gc();
  }
  assert.equal(views.length, list2.length);
  for (let i = 0; i < list2.length; i++) assert.deepEqual(views[i], list2[i], `view ${i}`);
  await closeAll(r, s);
});

// The messagesDelay option (the extension's): after a batch of 2 or more, reading pauses for
// that many milliseconds (a timer of the native side's, of the socket's ref state), so the next
// read takes what came meanwhile.

test('messagesDelay: every datagram once and in order across pauses (2,000 datagrams, paced)', async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20, messagesDelay: 5 });
  const s = await bound('udp4', '127.0.0.1');
  const { got, batches } = collector(r);
  const list = [];
  for (let i = 0; i < 2000; i++) list.push(payload(i, 1 + (i % 200)));
  await sendPaced(s, r.address().port, '127.0.0.1', list, 250, () => got.length);
  assert.equal(got.length, list.length);
  for (let i = 0; i < list.length; i++) assert.deepEqual(got[i][0], list[i], `datagram ${i}`);
  assert.ok(batches.some((n) => n > 1), `some batch holds more than one datagram: ${batches}`);
  await closeAll(r, s);
});

test('messagesDelay: what comes during a pause follows it, in order', async () => {
  const q = await bound('udp4', '127.0.0.1', { messagesDelay: 20 });
  const s = await bound('udp4', '127.0.0.1');
  const seen = (n) => new Promise((res) => {
    let total = 0;
    q.on('messages', (b) => {
      total += b.length;
      if (total === n) process.nextTick(res);
    });
  });
  const { got } = collector(q);
  const ten = seen(10);
  // Five queued at once: the first comes alone, the rest in a batch of 2 or more, which pauses.
  for (let i = 0; i < 5; i++) s.send(payload(i, 10), q.address().port, '127.0.0.1');
  await seen(5);
  for (let i = 5; i < 10; i++) s.send(payload(i, 10), q.address().port, '127.0.0.1');
  await ten;
  assert.deepEqual(got.map(([m]) => m), [...Array(10).keys()].map((i) => payload(i, 10)));
  await closeAll(q, s);
});

// A child paused by a 1 s messagesDelay (five datagrams queued at once: the batch after the
// first pauses); then `then` runs. Returns the child's output lines.
function pausedChild(then) {
  const { spawnSync } = require('node:child_process');
  const src = `
    const dgram = require(${JSON.stringify(path.join(__dirname, '..'))});
    const r = dgram.createSocket({ type: 'udp4', messagesDelay: 1000 });
    const s = dgram.createSocket('udp4');
    let total = 0;
    r.on('messages', (b) => {
      total += b.length;
      if (total === 5) process.nextTick(() => { s.close(); (${then})(r); });
      else if (total > 5) console.log('late batch');
    });
    r.on('close', () => console.log('close'));
    process.on('exit', () => console.log('exit ' + total));
    r.bind(0, '127.0.0.1', () => { for (let i = 0; i < 5; i++) s.send('d' + i, r.address().port, '127.0.0.1'); });
  `;
  const out = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', timeout: 20000 });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim().split('\n');
}

test('messagesDelay: a pause holds the process as the socket does (ref, unref, _handle), and close ends it', () => {
  // Paused and ref'd again from unref'd: only the pause's timer holds the loop (the descriptor
  // is not watched meanwhile), and it must, as the socket is ref'd: the unref'd timer runs.
  const refs = ['(r) => r.ref()'];
  // (`_handle`: DEP0112's member, on Node 20 to 24.)
  if (Object.getOwnPropertyDescriptor(dgram.Socket.prototype, '_handle')) refs.push('(r) => r._handle.ref()');
  for (const ref of refs) {
    const lines = pausedChild(`(r) => {
      r.unref(); (${ref})(r);
      setTimeout(() => { console.log('alive'); r.close(); }, 200).unref();
    }`);
    assert.deepEqual(lines, ['alive', 'close', 'exit 5'], ref);
  }
  // Unref'd while paused: nothing holds the loop, the process ends at once, before the pause.
  const unrefs = ['(r) => r.unref()'];
  if (refs.length === 2) unrefs.push('(r) => r._handle.unref()');
  for (const unref of unrefs) {
    const lines = pausedChild(`(r) => {
      (${unref})(r);
      setTimeout(() => console.log('held'), 500).unref();
    }`);
    assert.deepEqual(lines, ['exit 5'], unref);
  }
  // Closed while paused: close, nothing more, and the process ends.
  assert.deepEqual(pausedChild('(r) => r.close()'), ['close', 'exit 5']);
});

// The same pacing without a 'messages' listener: each datagram is still its own 'message' from
// its own callback (a tick queued by one listener call runs before the next), once, in order.
test("messagesDelay with only 'message' listeners: one event per datagram, in order, ticks between (2,000, paced)", async () => {
  const r = await bound('udp4', '127.0.0.1', { recvBufferSize: 4 << 20, messagesDelay: 5 });
  const s = await bound('udp4', '127.0.0.1');
  const got = [];
  let log = '';
  r.on('message', (m, rinfo) => {
    assert.equal(rinfo.port, s.address().port);
    assert.equal(rinfo.size, m.length);
    got.push(Buffer.from(m));
    log += 'm';
    process.nextTick(() => { log += 't'; });
  });
  const list = [];
  for (let i = 0; i < 2000; i++) list.push(payload(i, 1 + (i % 200)));
  await sendPaced(s, r.address().port, '127.0.0.1', list, 250, () => got.length);
  assert.equal(got.length, list.length);
  for (let i = 0; i < list.length; i++) assert.deepEqual(got[i], list[i], `datagram ${i}`);
  assert.equal(log, 'mt'.repeat(list.length));
  await closeAll(r, s);
});

test("messagesDelay with only 'message' listeners: a read of 2 or more pauses reading; what comes meanwhile follows the pause", () => {
  const { spawnSync } = require('node:child_process');
  // Five queued at once are read in one wake (reads of 1, then 2 or more: a pause of 1 s
  // begins); a sixth sent then is not read 300 ms later, and comes after the pause.
  const src = `
    const dgram = require(${JSON.stringify(path.join(__dirname, '..'))});
    const r = dgram.createSocket({ type: 'udp4', messagesDelay: 1000 });
    const s = dgram.createSocket('udp4');
    let total = 0;
    r.on('message', (m) => {
      total++;
      if (total === 5) {
        // (From an immediate: once the wake has read what waits, as Node's does.)
        setImmediate(() => s.send('d5', r.address().port, '127.0.0.1', () => setTimeout(() => console.log('at 300 ms: ' + total), 300)));
      } else if (total === 6) {
        console.log('sixth: ' + m);
        r.close();
        s.close();
      }
    });
    r.bind(0, '127.0.0.1', () => { for (let i = 0; i < 5; i++) s.send('d' + i, r.address().port, '127.0.0.1'); });
  `;
  const out = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', timeout: 20000 });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(out.stdout.trim().split('\n'), ['at 300 ms: 5', 'sixth: d5']);
});

test('messagesDelay: an integer from 0 to 1000, else refused with the code and message of a bad option', () => {
  for (const ok of [undefined, 0, 1, 1000]) dgram.createSocket({ type: 'udp4', messagesDelay: ok }).close();
  assert.throws(() => dgram.createSocket({ type: 'udp4', messagesDelay: '5' }), {
    code: 'ERR_INVALID_ARG_TYPE',
    name: 'TypeError',
    message: 'The "options.messagesDelay" property must be of type number. Received type string (\'5\')',
  });
  for (const [bad, range] of [[-1, '>= 0 && <= 1000'], [1001, '>= 0 && <= 1000'], [1.5, 'an integer'], [NaN, 'an integer']]) {
    assert.throws(() => dgram.createSocket({ type: 'udp4', messagesDelay: bad }), {
      code: 'ERR_OUT_OF_RANGE',
      name: 'RangeError',
      message: `The value of "options.messagesDelay" is out of range. It must be ${range}. Received ${String(bad)}`,
    });
  }
});

test('bad indexes and the constructor are refused', async () => {
  const r = await bound('udp4', '127.0.0.1');
  const s = await bound('udp4', '127.0.0.1');
  const batch = await new Promise((res) => {
    r.once('messages', res);
    s.send('hello', r.address().port, '127.0.0.1');
  });
  assert.equal(batch.length, 1);
  for (const bad of [-1, 1, 0.5, '0', NaN, undefined, 2 ** 32]) {
    for (const m of ['message', 'rinfo', 'offset', 'size', 'port', 'family', 'address']) {
      assert.throws(() => batch[m](bad), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' }, `${m}(${String(bad)})`);
    }
  }
  assert.equal(batch.message(0).toString(), 'hello');
  assert.throws(() => new batch.constructor(), TypeError);
  await closeAll(r, s);
});

(async () => {
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    if (filter.length && !filter.some((w) => c.name.includes(w))) continue;
    try {
      const out = await c.fn();
      console.log(`ok - ${c.name}${typeof out === 'string' ? ` # ${out}` : ''}`);
      passed++;
    } catch (e) {
      console.log(`not ok - ${c.name}`);
      console.log(String(e && e.stack).split('\n').map((l) => `    ${l}`).join('\n'));
      failed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
