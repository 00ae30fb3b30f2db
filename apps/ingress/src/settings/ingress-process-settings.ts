import type { GatewayConfig, LoggingConfig, PluginEntry } from '@gateway/config';

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
