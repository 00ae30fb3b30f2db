import { DEFAULT_QUEUE_PREFIX } from '@gateway/contracts';
import type { z } from 'zod';
import { notSupported } from '../not-supported.js';
import { section, stringMatching, urlWithScheme } from '../rules.js';

export const RedisConfigSchema = section({
  url: urlWithScheme(['redis', 'rediss'], 'redis://127.0.0.1:6379').prefault('redis://127.0.0.1:6379'),
  prefix: stringMatching(
    /^[A-Za-z0-9_-]{1,32}$/,
    'must match ^[A-Za-z0-9_-]{1,32}$',
    `use letters, digits, "_" and "-" only, e.g. ${DEFAULT_QUEUE_PREFIX}`,
  ).prefault(DEFAULT_QUEUE_PREFIX),
  waitReplicas: notSupported('redisDurability'),
  waitTimeout: notSupported('redisDurability'),
});
export type RedisConfig = z.infer<typeof RedisConfigSchema>;
