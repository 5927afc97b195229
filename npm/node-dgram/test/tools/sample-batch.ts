// The 'messages' extension's types (README.md), with every @types/node: MessageBatch, a listener
// annotated with it (test/tools/typescript.sh).
import * as dgram from 'node-dgram';
import type { MessageBatch } from 'node-dgram';
const s = dgram.createSocket('udp4');
// The extension's option, typed as part of SocketOptions.
const paced = dgram.createSocket({ type: 'udp4', messagesDelay: 1, recvBufferSize: 1 << 22 });
void paced;
s.on("messages", (batch: MessageBatch) => {
  const n: number = batch.length;
  const m: Buffer = batch.message(0);
  const f: 'IPv4' | 'IPv6' = batch.family(0);
  const r: dgram.RemoteInfo = batch.rinfo(0);
  for (const [msg, ri] of batch) { const x: number = msg.length + ri.port; void x; }
  void [n, m, f, r];
});
s.on('message', (msg, rinfo) => { const x: number = msg.length + rinfo.port; void x; });
const b: MessageBatch | undefined = undefined;
void b;
