/// <reference types="node" />

// Typings for node-dgram: exactly those of `node:dgram` as the program's own @types/node
// declares them (20, 22, 24 and later), re-exported, so that a program typed against Node's
// module compiles unchanged when it imports this package instead: the same classes, overloads,
// events and message types (`NonSharedBuffer` where @types/node says so), and
// `typeof import('node-dgram')` is `typeof import('node:dgram')`. Members that exist only on
// some Node lines (bindSync/connectSync: 24.19+, 26.4+) are typed as @types/node types them.
//
// The one extension, the 'messages' event (README.md, "Extension: batched receive"): its
// `MessageBatch` type, and, with @types/node 26 and later (which type events with a map), the
// event itself, added by declaration merging to node:dgram's own types (so that the two module
// types stay one; TypeScript then also shows it on the built-in module's sockets, which never
// emit it). With @types/node 20 to 24, whose `Socket.on` has fixed overloads, a listener's
// parameter is annotated: `socket.on('messages', (batch: MessageBatch) => ...)`.
import dgram = require('node:dgram');

declare module 'node:dgram' {
  /**
   * node-dgram's extension (not in Node): the datagrams of one read, handed to `'messages'`
   * listeners. The payloads are back to back in `buffer`, which is never written again by
   * node-dgram: a listener may keep the batch, `buffer` or any `message(i)`.
   */
  interface MessageBatch extends Iterable<[msg: Buffer, rinfo: import('dgram').RemoteInfo]> {
    /** How many datagrams the batch holds (1 or more), in arrival order. */
    readonly length: number;
    /** Every payload, back to back. */
    readonly buffer: Buffer;
    /** Where datagram `i` starts in `buffer`. Throws `ERR_OUT_OF_RANGE` for a bad index. */
    offset(i: number): number;
    /** Datagram `i`'s size in bytes. */
    size(i: number): number;
    /** Datagram `i` as a view of `buffer` (no copy). */
    message(i: number): Buffer;
    /** Datagram `i`'s sender address. */
    address(i: number): string;
    /** Datagram `i`'s sender family. */
    family(i: number): 'IPv4' | 'IPv6';
    /** Datagram `i`'s sender port. */
    port(i: number): number;
    /** `{ address, family, port, size }`, as `'message'` gives it (a new object each call). */
    rinfo(i: number): import('dgram').RemoteInfo;
  }
  interface SocketOptions {
    /**
     * node-dgram's extension (not in Node, which ignores the option): after a read that found
     * 2 datagrams or more, reading pauses for this many milliseconds (an integer, 0 to 1000;
     * 0, the default: no pause), so that the next read takes what came meanwhile (with a
     * `'messages'` listener, as one batch; without, still one `'message'` per datagram, each
     * from its own callback). Fewer wakes and calls per datagram; each datagram may wait that
     * long, and `recvBufferSize` must hold what arrives in the pause.
     */
    messagesDelay?: number;
  }
  /** (@types/node 26 and later type events with this map; a new, unused one before.) */
  interface SocketEventMap {
    messages: [batch: MessageBatch];
  }
}

export = dgram;
