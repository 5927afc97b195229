/// <reference types="node" />

// Typings for node-dgram: the same API as `node:dgram` (UDP datagram
// sockets), so code typed against Node's module keeps compiling when it
// imports this package instead.

import { EventEmitter } from 'node:events';
import type { LookupOneOptions } from 'node:dns';
import type { AddressInfo, BlockList } from 'node:net';

/** Where a received datagram came from. */
export interface RemoteInfo {
  /** Sender's address. */
  address: string;
  /** Address family of the sender. */
  family: 'IPv4' | 'IPv6';
  /** Sender's port. */
  port: number;
  /** Size of the message in bytes. */
  size: number;
}

/** Options form of `socket.bind()`. */
export interface BindOptions {
  /** Port to bind to; 0 or absent picks a free port. */
  port?: number | undefined;
  /** Local address; absent means all interfaces (`0.0.0.0` or `::`). */
  address?: string | undefined;
  /** Don't share the handle with cluster workers. Default `false`. */
  exclusive?: boolean | undefined;
  /** Use an already bound UDP file descriptor instead of creating a socket. */
  fd?: number | undefined;
}

/** The two kinds of datagram socket. */
export type SocketType = 'udp4' | 'udp6';

/** Callback of a custom `lookup` function (same contract as `dns.lookup`). */
export type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string,
  family: number,
) => void;

/** Options of `createSocket()`. */
export interface SocketOptions {
  /** `'udp4'` or `'udp6'`. */
  type: SocketType;
  /** Allow binding to an address/port already in use (SO_REUSEADDR). Default `false`. */
  reuseAddr?: boolean | undefined;
  /** Allow several sockets on the same port, load-balanced by the kernel (SO_REUSEPORT). Default `false`. */
  reusePort?: boolean | undefined;
  /** For `udp6`: bind to IPv6 only, not to the IPv4-mapped addresses too. Default `false`. */
  ipv6Only?: boolean | undefined;
  /** SO_RCVBUF to apply once bound. */
  recvBufferSize?: number | undefined;
  /** SO_SNDBUF to apply once bound. */
  sendBufferSize?: number | undefined;
  /** Host name resolution used by bind/connect/send. Default `dns.lookup`. */
  lookup?:
    | ((hostname: string, options: LookupOneOptions, callback: LookupCallback) => void)
    | undefined;
  /** Closes the socket when aborted. */
  signal?: AbortSignal | undefined;
  /** Datagrams from addresses this list blocks are dropped. */
  receiveBlockList?: BlockList | undefined;
  /** Sends and connects to addresses this list blocks fail with ERR_IP_BLOCKED. */
  sendBlockList?: BlockList | undefined;
}

/** Data accepted by `socket.send()`. */
export type SendData = string | NodeJS.ArrayBufferView;
/** Callback of `socket.send()`: the error, or the number of bytes sent. */
export type SendCallback = (error: Error | null, bytes: number) => void;
/** Listener of the `'message'` event. */
export type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;

/**
 * Creates a UDP socket. `callback`, when given, is added as a `'message'`
 * listener.
 */
export function createSocket(type: SocketType, callback?: MessageListener): Socket;
export function createSocket(options: SocketOptions, callback?: MessageListener): Socket;

/** A UDP socket, created with `createSocket()`. */
export class Socket extends EventEmitter {
  /** Joins a multicast group (IP_ADD_MEMBERSHIP), on one interface or on all of them. */
  addMembership(multicastAddress: string, multicastInterface?: string): void;
  /** Leaves a multicast group (IP_DROP_MEMBERSHIP). */
  dropMembership(multicastAddress: string, multicastInterface?: string): void;
  /** Joins a source-specific multicast channel. */
  addSourceSpecificMembership(
    sourceAddress: string,
    groupAddress: string,
    multicastInterface?: string,
  ): void;
  /** Leaves a source-specific multicast channel. */
  dropSourceSpecificMembership(
    sourceAddress: string,
    groupAddress: string,
    multicastInterface?: string,
  ): void;

  /** Local address of the bound socket. Throws EBADF when unbound. */
  address(): AddressInfo;
  /** Address of the connected peer. Throws ERR_SOCKET_DGRAM_NOT_CONNECTED when not connected. */
  remoteAddress(): AddressInfo;

  /**
   * Binds the socket and starts receiving. `'listening'` is emitted (and
   * `callback` called) once bound; failures are emitted as `'error'`.
   */
  bind(port?: number, address?: string, callback?: () => void): this;
  bind(port?: number, callback?: () => void): this;
  bind(callback?: () => void): this;
  bind(options: BindOptions, callback?: () => void): this;

  /** Closes the socket; `callback` is added as a `'close'` listener. */
  close(callback?: () => void): this;

  /**
   * Associates the socket with a remote address and port: every send goes
   * there and only datagrams from there are received. Binds first if needed.
   */
  connect(port: number, address?: string, callback?: () => void): void;
  connect(port: number, callback: () => void): void;
  /** Undoes `connect()`. */
  disconnect(): void;

  /** SO_RCVBUF in bytes. */
  getRecvBufferSize(): number;
  /** SO_SNDBUF in bytes. */
  getSendBufferSize(): number;
  /** Bytes queued for sending. */
  getSendQueueSize(): number;
  /** Number of send requests queued. */
  getSendQueueCount(): number;

  /** Keeps the event loop alive while the socket is open (the default). */
  ref(): this;
  /** Lets the process exit even though the socket is open. */
  unref(): this;

  /**
   * Sends a datagram. Without `port` the socket must be connected; without
   * `address` the loopback address of the socket's family is used. An array
   * sends its items as one datagram.
   */
  send(
    msg: SendData | ReadonlyArray<SendData>,
    port?: number,
    address?: string,
    callback?: SendCallback,
  ): void;
  send(msg: SendData | ReadonlyArray<SendData>, port?: number, callback?: SendCallback): void;
  send(msg: SendData | ReadonlyArray<SendData>, callback?: SendCallback): void;
  send(
    msg: SendData,
    offset: number,
    length: number,
    port?: number,
    address?: string,
    callback?: SendCallback,
  ): void;
  send(msg: SendData, offset: number, length: number, port?: number, callback?: SendCallback): void;
  send(msg: SendData, offset: number, length: number, callback?: SendCallback): void;

  /** SO_BROADCAST. */
  setBroadcast(flag: boolean): void;
  /** Outgoing interface for multicast (an interface address; `%scope` for IPv6). */
  setMulticastInterface(multicastInterface: string): void;
  /** IP_MULTICAST_LOOP. Returns `flag`. */
  setMulticastLoopback(flag: boolean): boolean;
  /** IP_MULTICAST_TTL (0 to 255). Returns `ttl`. */
  setMulticastTTL(ttl: number): number;
  /** SO_RCVBUF in bytes. */
  setRecvBufferSize(size: number): void;
  /** SO_SNDBUF in bytes. */
  setSendBufferSize(size: number): void;
  /** IP_TTL / IPV6_UNICAST_HOPS (1 to 255). Returns `ttl`. */
  setTTL(ttl: number): number;

  /** Closes the socket (if still open) and resolves once it is closed. */
  [Symbol.asyncDispose](): Promise<void>;

  /**
   * Events:
   * 1. close
   * 2. connect
   * 3. error
   * 4. listening
   * 5. message
   */
  addListener(event: string, listener: (...args: any[]) => void): this;
  addListener(event: 'close', listener: () => void): this;
  addListener(event: 'connect', listener: () => void): this;
  addListener(event: 'error', listener: (err: Error) => void): this;
  addListener(event: 'listening', listener: () => void): this;
  addListener(event: 'message', listener: MessageListener): this;

  emit(event: string | symbol, ...args: any[]): boolean;
  emit(event: 'close'): boolean;
  emit(event: 'connect'): boolean;
  emit(event: 'error', err: Error): boolean;
  emit(event: 'listening'): boolean;
  emit(event: 'message', msg: Buffer, rinfo: RemoteInfo): boolean;

  on(event: string, listener: (...args: any[]) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'connect', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'listening', listener: () => void): this;
  on(event: 'message', listener: MessageListener): this;

  once(event: string, listener: (...args: any[]) => void): this;
  once(event: 'close', listener: () => void): this;
  once(event: 'connect', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  once(event: 'listening', listener: () => void): this;
  once(event: 'message', listener: MessageListener): this;

  prependListener(event: string, listener: (...args: any[]) => void): this;
  prependListener(event: 'close', listener: () => void): this;
  prependListener(event: 'connect', listener: () => void): this;
  prependListener(event: 'error', listener: (err: Error) => void): this;
  prependListener(event: 'listening', listener: () => void): this;
  prependListener(event: 'message', listener: MessageListener): this;

  prependOnceListener(event: string, listener: (...args: any[]) => void): this;
  prependOnceListener(event: 'close', listener: () => void): this;
  prependOnceListener(event: 'connect', listener: () => void): this;
  prependOnceListener(event: 'error', listener: (err: Error) => void): this;
  prependOnceListener(event: 'listening', listener: () => void): this;
  prependOnceListener(event: 'message', listener: MessageListener): this;
}
