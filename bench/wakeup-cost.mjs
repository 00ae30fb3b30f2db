// What one wake-up costs on this machine: a byte ping-ponged over a loopback TCP connection within one process, at
// a fixed rate, and the CPU that process used per round trip (both ends' reads, writes and event-loop turns).
// docs/benchmarks.md reads the per-signal figures of the gateway against it.
//   node bench/wakeup-cost.mjs [messages per second …]   (default 300 1000)

import { connect, createServer } from 'node:net';

const DURATION_MS = 5000;

async function measure(rate) {
  const server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect(server.address().port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('data', () => undefined);
  let sent = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      socket.write('x');
      sent += 1;
      if (performance.now() - started >= DURATION_MS) {
        clearInterval(timer);
        resolve();
      }
    }, 1000 / rate);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const cpuUs = cpu.user + cpu.system;
  socket.destroy();
  server.close();
  return {
    rate,
    roundTrips: sent,
    cpuUsPerRoundTrip: Math.round(cpuUs / sent),
    cores: +(cpuUs / 1e3 / DURATION_MS).toFixed(3),
  };
}

const rates = process.argv.slice(2).map(Number);
for (const rate of rates.length > 0 ? rates : [300, 1000]) console.log(JSON.stringify(await measure(rate)));
