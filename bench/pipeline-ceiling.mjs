// The pipeline ceiling of `pnpm bench`: the gateway's design with none of its own work. `server` is a Hono app on
// @hono/node-server that parses the webhook and enqueues one BullMQ job per alert with one `addBulk` per request (the
// gateway's enqueue strategy today, with its job options), answering 202 once Redis holds them; `worker` is a BullMQ
// worker with the gateway worker's concurrency whose processor does nothing. What this pair sustains on this machine
// bounds what the gateway can sustain with the same strategy. The worker answers GET /stats with its processed count.
// Usage: node bench/pipeline-ceiling.mjs <port> server <redisUrl> <queuePrefix>
//        node bench/pipeline-ceiling.mjs <port> worker <redisUrl> <queuePrefix> <concurrency>
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../apps/ingress/package.json', import.meta.url));
const { Hono } = require('hono');
const { serve } = require('@hono/node-server');
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');

const [portArg, mode, redisUrl, prefix, concurrencyArg] = process.argv.slice(2);
const port = Number(portArg);
if (!['server', 'worker'].includes(mode) || !Number.isInteger(port) || !redisUrl || !prefix) {
  process.stderr.write('usage: pipeline-ceiling.mjs <port> server|worker <redisUrl> <queuePrefix> [concurrency]\n');
  process.exit(64);
}
const QUEUE = 'signals';
// The gateway's completed-job retention (apps/ingress/src/queue/signal-queue.ts): it decides how much BullMQ trims.
const removeOnComplete = { age: 3_600, count: 10_000 };
const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });

let close;
if (mode === 'server') {
  const queue = new Queue(QUEUE, { connection, prefix });
  const app = new Hono();
  app.get('/readyz', (c) => c.json({ status: 'ready' }));
  let n = 0;
  app.post('/api/v1/signals/:source', async (c) => {
    const body = await c.req.json();
    const source = c.req.param('source');
    const jobs = body.alerts.map((alert) => {
      const signalId = randomUUID();
      return {
        name: source,
        data: { signal: { ...alert, signalId, source } },
        opts: { jobId: signalId, removeOnComplete },
      };
    });
    await queue.addBulk(jobs);
    n += 1;
    return c.json({ status: 'accepted', accepted: jobs.length, ignored: 0, requestId: `pipeline-${n}` }, 202);
  });
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  close = () => new Promise((resolve) => server.close(resolve)).then(() => queue.close());
} else {
  let processed = 0;
  const worker = new Worker(
    QUEUE,
    async () => {
      processed += 1;
    },
    { connection, prefix, concurrency: Number(concurrencyArg ?? 50), removeOnComplete },
  );
  await worker.waitUntilReady();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/stats' ? { processed } : { status: 'ready' }));
  }).listen(port, '127.0.0.1');
  close = () => new Promise((resolve) => server.close(resolve)).then(() => worker.close());
}
process.stdout.write(`pipeline ceiling ${mode} on 127.0.0.1:${port}\n`);
const shutdown = () => {
  void close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
