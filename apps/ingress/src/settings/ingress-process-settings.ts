import type { GatewayConfig, LoggingConfig, PluginEntry } from '@gateway/config';

/**
 * The largest `server.requestTimeout` the schema accepts. Node's own request timeout is set once at startup, so it is
 * based on this bound rather than on the running value, which a reload may raise up to it.
 */
export const MAX_REQUEST_TIMEOUT_MS = 60_000;

/**
 * What the ingress process itself is built from once at startup (listener, Redis, logging, plugins, shutdown), as
 * opposed to the per-request snapshot of `IngressSettings`. Changing any of it needs a restart.
 */
export interface IngressProcessSettings {
  port: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  redis: { url: string; prefix: string };
  logging: Pick<LoggingConfig, 'level' | 'format'>;
  plugins: readonly PluginEntry[];
  shutdown: { drainDelayMs: number; timeoutMs: number };
  /** OTLP endpoint for traces; tracing is off without one. */
  otlpEndpoint: string | undefined;
}

export function ingressProcessSettingsFromConfig(config: GatewayConfig): IngressProcessSettings {
  return {
    port: config.server.port,
    headersTimeoutMs: config.server.headersTimeout,
    keepAliveTimeoutMs: config.server.keepAliveTimeout,
    redis: { url: config.redis.url, prefix: config.redis.prefix },
    logging: { level: config.logging.level, format: config.logging.format },
    plugins: config.plugins,
    shutdown: { drainDelayMs: config.shutdown.drainDelay, timeoutMs: config.shutdown.timeout },
    otlpEndpoint: config.telemetry.otlpEndpoint,
  };
}
