// The ES module form of bundle-app.js (test/tools/esbuild.sh, rollup.sh, ncc.sh): a datagram
// each way between a udp6 socket and another made with the named import; prints
// `bundle (esm): ok` and exits 0, or exits 1.
import dgram, { createSocket } from 'node-dgram';

const b = dgram.createSocket('udp6');
const timer = setTimeout(() => process.exit(1), 5000);
b.bind(0, '::1', () => {
  b.once('message', (m, r) => {
    if (String(m) !== 'esm') process.exit(1);
    b.send('esm back', r.port, r.address);
  });
  const c = createSocket('udp6');
  c.once('message', (m, r) => {
    if (String(m) !== 'esm back' || r.port !== b.address().port) process.exit(1);
    clearTimeout(timer);
    c.close();
    b.close(() => console.log('bundle (esm): ok'));
  });
  c.send('esm', b.address().port, '::1');
});
