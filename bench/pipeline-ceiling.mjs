// The pipeline ceiling of `pnpm bench`: the gateway's design with none of its own work. `server` is a Hono app on
// @hono/node-server that parses the webhook and hands one SignalJob per alert to the gateway's own coalescing
// queue (createBullMqSignalQueue from the built ingress, with its default options: deliveries that arrive together
// share one version 2 job, with group commit), on a Redis connection with the ingress producer's options, answering
// 202 once Redis holds the delivery's job; `worker` is a BullMQ worker with the gateway worker's concurrency whose
// processor does nothing but count the signals of each job. What this pair sustains on this machine bounds what the
// gateway can sustain with the same enqueue strategy. The worker answers GET /stats with the signals and jobs done.
// Usage: node bench/pipeline-ceiling.mjs <port> server <redisUrl> <queuePrefix>
//        node bench/pipeline-ceiling.mjs <port> worker <redisUrl> <queuePrefix> <concurrency>
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createBullMqSignalQueue, DEFAULT_SIGNAL_QUEUE_OPTIONS } from '../apps/ingress/dist/queue/signal-queue.js';
import { producerRedisOptions } from '../apps/ingress/dist/redis/producer-redis-options.js';

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
// The gateway's completed-job retention: it decides how much BullMQ trims.
const { completedRetention } = DEFAULT_SIGNAL_QUEUE_OPTIONS;
const removeOnComplete = { age: completedRetention.ageSeconds, count: completedRetention.count };

let connection;
let close;
if (mode === 'server') {
  // The ingress's producer connection (auto-pipelining on): the enqueue costs what it costs in the gateway.
  connection = new IORedis(redisUrl, producerRedisOptions());
  connection.on('error', (error) => process.stderr.write(`pipeline ceiling server: Redis: ${error.message}\n`));
  const queue = new Queue(QUEUE, { connection, prefix });
  queue.on('error', () => undefined);
  // Without the offline queue a command sent before the connection is ready fails: be ready before /readyz is.
  await queue.waitUntilReady();
  const signalQueue = createBullMqSignalQueue(queue, DEFAULT_SIGNAL_QUEUE_OPTIONS);
  const app = new Hono();
  app.get('/readyz', (c) => c.json({ status: 'ready' }));
  let n = 0;
  app.post('/api/v1/signals/:source', async (c) => {
    const body = await c.req.json();
    const source = c.req.param('source');
    const enqueuedAt = new Date().toISOString();
    // The alert stands in for the normalised signal: the no-op worker reads nothing of it, the job's size is similar.
    const jobs = body.alerts.map((alert) => ({
      signal: { ...alert, signalId: randomUUID(), source },
      enqueuedAt,
      trace: {},
    }));
    await signalQueue.enqueue(jobs);
    n += 1;
    return c.json({ status: 'accepted', accepted: jobs.length, ignored: 0, requestId: `pipeline-${n}` }, 202);
  });
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  close = () => new Promise((resolve) => server.close(resolve)).then(() => queue.close());
} else {
  connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  // Signals, not jobs: a job holds a batch, and the ceiling is in alerts/s.
  let processed = 0;
  let jobs = 0;
  const worker = new Worker(
    QUEUE,
    async (job) => {
      processed += job.data.signals.length;
      jobs += 1;
    },
    { connection, prefix, concurrency: Number(concurrencyArg ?? 50), removeOnComplete },
  );
  await worker.waitUntilReady();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/stats' ? { processed, jobs } : { status: 'ready' }));
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
