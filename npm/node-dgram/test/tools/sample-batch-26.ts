// With @types/node 26 and later the 'messages' event itself is typed: the listener's parameter
// is a MessageBatch without annotation (test/tools/typescript.sh).
import * as dgram from 'node-dgram';
const s = dgram.createSocket('udp4');
s.on('messages', (batch) => { const n: number = batch.length + batch.size(0); void n; });
s.once('messages', (batch) => { const r: dgram.RemoteInfo = batch.rinfo(0); void r; });
s.on('messages', (batch) => {
  // @ts-expect-error: a MessageBatch has no such member (the parameter is not 'any')
  void batch.nope;
});
