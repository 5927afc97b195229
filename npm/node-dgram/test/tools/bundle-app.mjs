// The ES module form of bundle-app.js (test/tools/esbuild.sh).
import dgram, { createSocket } from 'node-dgram';

const a = createSocket('udp4');
const b = dgram.createSocket('udp6');
const timer = setTimeout(() => process.exit(1), 5000);
a.bind(0, '127.0.0.1', () => {
  b.bind(0, '::1', () => {
    b.once('message', (m) => {
      if (String(m) !== 'esm') process.exit(1);
      clearTimeout(timer);
      a.close();
      b.close(() => console.log('bundle (esm): ok'));
    });
    const c = createSocket('udp6');
    c.send('esm', b.address().port, '::1', () => c.close());
  });
});
