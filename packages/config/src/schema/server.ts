import { z } from 'zod';
import { notSupported } from '../not-supported.js';
import { bytesBetween, durationBetween, integerBetween, section } from '../rules.js';
import { CidrSchema } from './cidr.js';

export const PortSchema = integerBetween(1, 65535);

export const ServerConfigSchema = section({
  port: PortSchema.prefault(8080),
  bodyLimitBytes: bytesBetween(1024, 10_485_760).prefault(262_144),
  maxInFlightRequests: integerBetween(1, 100_000).prefault(512),
  maxEventLoopDelay: durationBetween(10, 60_000).prefault('100ms'),
  requestTimeout: durationBetween(1000, 60_000).prefault('10s'),
  headersTimeout: durationBetween(1000, 60_000).prefault('5s'),
  keepAliveTimeout: durationBetween(1000, 600_000).prefault('65s'),
  trustedProxies: z.array(CidrSchema).prefault([]),
  // Serving plain HTTP where TLS was asked for would expose tokens on the wire.
  tls: notSupported(undefined, { suggestion: 'terminate TLS in front of the ingress and remove server.tls' }),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

export const WorkerConfigSchema = section({
  port: PortSchema.prefault(9091),
  concurrency: integerBetween(1, 1000).prefault(50),
  lockDuration: durationBetween(5000, 600_000).prefault('30s'),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;
