/// <reference types="node" />

// Typings for node-dgram: exactly those of `node:dgram` as the program's own @types/node
// declares them (20, 22, 24 and later), re-exported, so that a program typed against Node's
// module compiles unchanged when it imports this package instead: the same classes, overloads,
// events and message types (`NonSharedBuffer` where @types/node says so), and
// `typeof import('node-dgram')` is `typeof import('node:dgram')`. Members that exist only on
// some Node lines (bindSync/connectSync: 24.19+, 26.4+) are typed as @types/node types them.
import dgram = require('node:dgram');

export = dgram;
