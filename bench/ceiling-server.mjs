// The ceiling for `pnpm bench`: a bare Hono app on @hono/node-server (the ingress's own copies) whose signal route
// reads the body and answers 202 with the gateway's success shape. No auth, parsing or Redis: what is left is the
// cost of Node, HTTP and Hono on this machine, measured in the same run as the gateway so the ratio is meaningful.
// With `raw`, a node:http server answers the same without Hono: the cheapest server there is, against which the load
// generator's own ceiling is measured.
// Usage: node bench/ceiling-server.mjs <port> [raw]
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../apps/ingress/package.json', import.meta.url));
const { Hono } = require('hono');
const { serve } = require('@hono/node-server');

const port = Number(process.argv[2]);
const raw = process.argv[3] === 'raw';
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: ceiling-server.mjs <port>\n');
  process.exit(64);
}

const app = new Hono();
app.get('/readyz', (c) => c.json({ status: 'ready' }));
let n = 0;
app.post('/api/v1/signals/:source', async (c) => {
  await c.req.text();
  n += 1;
  return c.json({ status: 'accepted', accepted: 1, ignored: 0, requestId: `ceiling-${n}` }, 202);
});

const listening = () => process.stdout.write(`ceiling${raw ? ' (raw)' : ''} listening on 127.0.0.1:${port}\n`);
const server = raw
  ? createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n += 1;
        const body = JSON.stringify({ status: 'accepted', accepted: 1, ignored: 0, requestId: `ceiling-${n}` });
        res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' }).end(body);
      });
    }).listen(port, '127.0.0.1', listening)
  : serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, listening);
const shutdown = () => server.close(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
