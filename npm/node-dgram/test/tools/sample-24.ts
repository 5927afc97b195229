// What @types/node 24 adds: bindSync()/connectSync() and the block list options (only
// checked with @types/node 24).
import { createSocket } from 'node-dgram';
import { BlockList, type AddressInfo } from 'node:net';

const s = createSocket('udp4');
const a: AddressInfo = s.bindSync({ address: '127.0.0.1', port: 0 });
s.bindSync();
const c = createSocket('udp4');
c.connectSync(a.port, '127.0.0.1');
c.connectSync(a.port);
const blocked = createSocket({ type: 'udp6', receiveBlockList: new BlockList(), sendBlockList: new BlockList() });
void blocked;
