// A program that uses node-dgram, bundled by esbuild (test/tools/esbuild.sh): two sockets on
// loopback send each other a datagram; prints `bundle: ok` and exits 0, or exits 1.
const dgram = require('node-dgram');

const a = dgram.createSocket('udp4');
const b = dgram.createSocket('udp4');
const timer = setTimeout(() => {
  console.error('bundle: timed out');
  process.exit(1);
}, 5000);
a.bind(0, '127.0.0.1', () => {
  b.bind(0, '127.0.0.1', () => {
    a.once('message', (m, r) => {
      if (String(m) !== 'b to a' || r.port !== b.address().port) process.exit(1);
      a.send('a to b', b.address().port, '127.0.0.1');
    });
    b.once('message', (m, r) => {
      if (String(m) !== 'a to b' || r.port !== a.address().port) process.exit(1);
      clearTimeout(timer);
      a.close();
      b.close(() => console.log(`bundle: ok (${dgram.Socket.name} from ${typeof __filename === 'string' ? 'a bundle' : '?'})`));
    });
    b.send('b to a', a.address().port, '127.0.0.1');
  });
});
