// A program written against @types/node's `dgram`, importing node-dgram instead: it must
// type-check unchanged (tsc --strict) with @types/node 20, 22 and 24 (test/tools/typescript.sh).
import * as dgram from 'node-dgram';
import * as builtin from 'node:dgram';
import dgramDefault from 'node-dgram';
import { createSocket, Socket, type RemoteInfo, type BindOptions, type SocketOptions, type SocketType } from 'node-dgram';
import type { AddressInfo } from 'node:net';

// The package's module type is node:dgram's, both ways.
const asBuiltin: typeof builtin = dgram;
const asPackage: typeof dgram = builtin;
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same: Same<typeof dgram, typeof builtin> = true;
const sameDefault: Same<typeof dgramDefault, typeof builtin> = true;
void [asBuiltin, asPackage, same, sameDefault];

type Message = Parameters<Extract<Parameters<typeof builtin.createSocket>[1], Function>>[0];

const type: SocketType = 'udp4';
const options: SocketOptions = {
  type,
  reuseAddr: true,
  ipv6Only: false,
  recvBufferSize: 1 << 16,
  sendBufferSize: 1 << 16,
  lookup: (hostname, opts, cb) => cb(null, '127.0.0.1', 4),
  signal: new AbortController().signal,
};
const server: Socket = createSocket(options, (msg: Message, rinfo: RemoteInfo) => {
  const text: string = msg.toString('utf8');
  const size: number = rinfo.size;
  void [text, size, rinfo.address, rinfo.family, rinfo.port];
});
const client = dgram.createSocket('udp4');
const other: dgram.Socket = dgram.createSocket({ type: 'udp6' });
void (other instanceof Socket);

server.on('listening', () => {
  const a: AddressInfo = server.address();
  client.send('hello', a.port, '127.0.0.1', (err: Error | null, bytes: number) => {
    void [err, bytes];
  });
  client.send(Buffer.from('x'), 0, 1, a.port, '127.0.0.1');
  client.send([Buffer.from('a'), new Uint8Array([1])], a.port);
  client.send(new DataView(new ArrayBuffer(2)), a.port, () => {});
  client.connect(a.port, '127.0.0.1', () => {
    const remote: AddressInfo = client.remoteAddress();
    client.send('connected');
    client.send('connected', (err) => void err);
    client.disconnect();
    void remote;
  });
});
server.on('message', (msg, rinfo) => void [msg.byteLength, rinfo.port]);
server.on('error', (err: Error) => void err);
server.once('close', () => {});
server.on('connect', () => {});
server.prependListener('message', () => {});
const bound: Socket = server.bind({ port: 0, address: '127.0.0.1', exclusive: true } satisfies BindOptions);
void bound;
server.bind(0, () => {});
server.bind(0, '127.0.0.1', () => {});
server.bind();
server.setBroadcast(true);
const ttl: number = server.setTTL(64);
const mttl: number = server.setMulticastTTL(1);
const loop: boolean = server.setMulticastLoopback(true);
void [ttl, mttl, loop];
server.setMulticastInterface('127.0.0.1');
server.addMembership('239.1.2.3', '127.0.0.1');
server.dropMembership('239.1.2.3');
server.addSourceSpecificMembership('127.0.0.1', '232.1.2.3');
server.dropSourceSpecificMembership('127.0.0.1', '232.1.2.3', '127.0.0.1');
server.setRecvBufferSize(1 << 16);
server.setSendBufferSize(1 << 16);
const sizes: number[] = [server.getRecvBufferSize(), server.getSendBufferSize(), server.getSendQueueSize(), server.getSendQueueCount()];
void sizes;
const r1: Socket = server.ref();
const r2: Socket = server.unref();
void [r1, r2];
server.close(() => {});
void client[Symbol.asyncDispose]();
