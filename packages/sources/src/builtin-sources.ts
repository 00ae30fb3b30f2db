import { alertmanagerSource } from './alertmanager/alertmanager-source.js';
import { azureMonitorSource } from './azure-monitor/azure-monitor-source.js';
import { cloudwatchSource } from './cloudwatch/cloudwatch-source.js';
import { datadogSource } from './datadog/datadog-source.js';
import { grafanaSource } from './grafana/grafana-source.js';
import { kubernetesEventSource } from './kubernetes-event/kubernetes-event-source.js';
import type { SourceDefinition } from './source-definition.js';

/**
 * Built-in adapters keyed by source type. Options differ per adapter, so the map is typed loosely; callers get
 * typed options back through `parseOptions`.
 */
// biome-ignore lint/suspicious/noExplicitAny: heterogeneous option types; each definition validates its own.
export const builtinSources: Record<string, SourceDefinition<any>> = {
  [alertmanagerSource.type]: alertmanagerSource,
  [kubernetesEventSource.type]: kubernetesEventSource,
  [cloudwatchSource.type]: cloudwatchSource,
  [azureMonitorSource.type]: azureMonitorSource,
  [datadogSource.type]: datadogSource,
  [grafanaSource.type]: grafanaSource,
};

export interface BuiltinSourceInstance {
  type: string;
  route: string;
  enabled: boolean;
}

/** Source instances that exist without configuration (docs/signals-and-sources.md), keyed by instance name. */
export const builtinSourceInstances: Readonly<Record<string, BuiltinSourceInstance>> = {
  prometheus: { type: alertmanagerSource.type, route: '/api/v1/signals/prometheus', enabled: true },
  'kubernetes-event': { type: kubernetesEventSource.type, route: '/api/v1/signals/kubernetes-event', enabled: true },
};
