// node-dgram as an ES module: the same object as require('node-dgram') (index.js), with the
// named exports of `node:dgram`: `import dgram from 'node-dgram'`, `import { createSocket,
// Socket } from 'node-dgram'`. (_createSocketHandle, DEP0112, is undefined where the running
// Node no longer has it, Node 25 and later.)
import dgram from './index.js';

export const { createSocket, Socket, _createSocketHandle } = dgram;
export default dgram;
