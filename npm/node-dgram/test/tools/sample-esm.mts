// The ES module forms, as with node:dgram (test/tools/typescript.sh).
import dgram from 'node-dgram';
import { createSocket, Socket } from 'node-dgram';
import * as builtin from 'node:dgram';
import builtinDefault from 'node:dgram';

const s: Socket = createSocket('udp4');
const t: builtin.Socket = dgram.createSocket({ type: 'udp6' });
const m: typeof builtinDefault = dgram;
s.close();
t.close();
void m;
