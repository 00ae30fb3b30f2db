import type { RedisOptions } from 'ioredis';

/**
 * The ingress producer connection fails fast instead of queueing commands while Redis is away, so a request
 * answers 503 within about a second rather than waiting for a reconnect; it keeps reconnecting forever so
 * the process recovers on its own (start unready, retry every second: docs/operations.md#startup-and-shutdown).
 */
export function producerRedisOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    // A command cut off with its connection would otherwise be sent again once Redis is back, however late: a
    // signal already answered with 503 (and retried by its sender) would land as a second job.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
}
