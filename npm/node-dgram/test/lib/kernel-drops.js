'use strict';
// Datagrams the kernel dropped at the sockets bound to `port` (their receive buffer was full):
// the `drops` column of /proc/net/udp, summed (NaN where it cannot be read). The cluster tests
// show it for a run that lost datagrams, to tell the kernel's drops from datagrams lost on the
// way to a worker's listener.
function kernelDrops(port) {
  let n = 0;
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const line of require('node:fs').readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 12 && f[1].endsWith(hex)) n += Number(f[12]) || 0;
    }
  } catch {
    return NaN;
  }
  return n;
}

module.exports = { kernelDrops };
