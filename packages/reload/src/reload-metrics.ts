import { Counter, Gauge, type Registry } from 'prom-client';

export interface ReloadMetrics {
  /** `gateway_config_info{hash}`: 1 for the running hash only. */
  configInfo: Gauge<'hash'>;
  reloads: Counter<'result' | 'trigger'>;
  lastReloadSuccessful: Gauge;
  lastReloadSuccessTimestamp: Gauge;
  restartRequired: Gauge;
}

/** The configuration metrics both apps export (docs/observability.md#metrics). */
export function createReloadMetrics(registry: Registry): ReloadMetrics {
  const registers = [registry];
  return {
    configInfo: new Gauge({
      name: 'gateway_config_info',
      help: 'Hash of the configuration this process runs (1 for the running hash)',
      labelNames: ['hash'],
      registers,
    }),
    reloads: new Counter({
      name: 'gateway_config_reloads_total',
      help: 'Configuration reload attempts by result and trigger',
      labelNames: ['result', 'trigger'],
      registers,
    }),
    lastReloadSuccessful: new Gauge({
      name: 'gateway_config_last_reload_successful',
      help: '1 when the last reload attempt applied or found nothing to change, 0 when it was rejected or rolled back',
      registers,
    }),
    lastReloadSuccessTimestamp: new Gauge({
      name: 'gateway_config_last_reload_success_timestamp_seconds',
      help: 'When the running configuration was last applied (startup counts)',
      registers,
    }),
    restartRequired: new Gauge({
      name: 'gateway_config_restart_required',
      help: '1 while the configuration changed restart-only keys that apply only at the next restart',
      registers,
    }),
  };
}
