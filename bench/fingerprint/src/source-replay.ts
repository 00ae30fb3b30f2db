import { CLUSTER_ID_PATTERN, type ConfigProblem, configProblem, type GatewayConfig } from '@gateway/config';
import {
  formatTimestamp,
  type NormalizedSignal,
  NormalizedSignalSchema,
  type SignalDraft,
  type SourceType,
} from '@gateway/contracts';
import {
  builtinSources,
  parseOptions,
  type RawRequest,
  type SourceContext,
  type SourceDefinition,
  SourceInputError,
} from '@gateway/sources';
import type { StreamLine } from './stream-line.js';

/** The configured instance each kind of stream line is delivered to, as its sender would post it. */
const INSTANCE_OF_LINE_SOURCE: Readonly<Record<StreamLine['source'], string>> = {
  alertmanager: 'prometheus',
  'kubernetes-event': 'kubernetes-event',
};

/** Keys every source has; the rest of a source block belongs to its adapter (as the ingress splits them). */
const COMMON_SOURCE_KEYS = new Set([
  'type',
  'enabled',
  'route',
  'auth',
  'allowQueryToken',
  'requireTimestamp',
  'rateLimit',
  'overloadStatus',
  'severityMap',
  'defaultSeverity',
  'unresolvedTarget',
  'deliveryDedup',
]);

interface ReplayInstance {
  name: string;
  enabled: boolean;
  definition: SourceDefinition<unknown>;
  /** Without the clock, which is the moment each line was received. */
  context: Omit<SourceContext<unknown>, 'now'>;
  deliveryDedup: boolean;
}

export interface LineSignals {
  /** Firing and resolved signals, completed as the ingress completes them. */
  signals: NormalizedSignal[];
  /** Why items (or the whole line) were refused, as the ingress would have answered. */
  rejections: string[];
}

export class SourceConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map((problem) => problem.path).join(', '));
    this.name = 'SourceConfigError';
    this.problems = problems;
  }
}

function replayInstance(config: GatewayConfig, name: string): ReplayInstance {
  const source = config.sources[name];
  if (source === undefined) {
    throw new SourceConfigError([
      configProblem(['sources', name], undefined, 'is missing', `configure sources.${name} or remove the lines`),
    ]);
  }
  const definition = Object.hasOwn(builtinSources, source.type) ? builtinSources[source.type] : undefined;
  if (definition === undefined) {
    throw new SourceConfigError([
      configProblem(
        ['sources', name, 'type'],
        source.type,
        'is not a built-in adapter, which is all the evaluation replays',
        'use type alertmanager or kubernetes-event',
      ),
    ]);
  }
  const adapterOptions = Object.fromEntries(Object.entries(source).filter(([key]) => !COMMON_SOURCE_KEYS.has(key)));
  let options: unknown;
  try {
    options = parseOptions(definition, adapterOptions);
  } catch (error) {
    throw new SourceConfigError([
      configProblem(
        ['sources', name],
        adapterOptions,
        `options refused by the ${definition.type} adapter: ${(error as Error).message}`,
        'fix the keys the adapter names',
      ),
    ]);
  }
  return {
    name,
    enabled: source.enabled,
    definition,
    deliveryDedup: source.deliveryDedup,
    context: {
      name,
      sourceType: definition.type as SourceType,
      signalSource: definition.signalSource,
      options,
      settings: {
        severityMap: source.severityMap,
        defaultSeverity: source.defaultSeverity,
        unresolvedTarget: source.unresolvedTarget,
        clusterLabel: config.multiCluster.clusterLabel,
      },
    },
  };
}

/** The body the sender would have posted for this one line: a webhook of one alert, or the Event itself. */
function deliveryBody(line: StreamLine): unknown {
  if (line.source === 'kubernetes-event') return line.event;
  const alert = line.alert ?? {};
  const labels = (alert.labels ?? {}) as Record<string, unknown>;
  return {
    version: '4',
    groupKey: `{}:{alertname="${String(labels.alertname ?? '')}"}`,
    status: alert.status ?? 'firing',
    receiver: 'signal-gateway',
    groupLabels: {},
    commonLabels: labels,
    commonAnnotations: alert.annotations ?? {},
    externalURL: 'http://alertmanager.evaluation',
    truncatedAlerts: 0,
    alerts: [alert],
  };
}

/**
 * The cluster id precedence of the ingress with each line's `clusterId` as its sender's token binding: nothing
 * when multi-cluster is off, then the binding, then the payload's cluster label, then the default.
 */
function clusterIdOf(config: GatewayConfig, line: StreamLine, draft: SignalDraft): string | { rejection: string } {
  const { multiCluster } = config;
  if (!multiCluster.enabled) return '';
  if (line.clusterId !== '') return line.clusterId;
  if (draft.clusterId === '') return multiCluster.defaultClusterId;
  if (draft.clusterId.length > 253 || !CLUSTER_ID_PATTERN.test(draft.clusterId)) {
    return { rejection: `cluster id is not a valid DNS-1123 subdomain; fix the ${multiCluster.clusterLabel} label` };
  }
  return draft.clusterId;
}

export interface SourceReplay {
  signalsOf(line: StreamLine, lineIndex: number): Promise<LineSignals>;
}

/**
 * Parses stream lines with the adapters of the configured `prometheus` and `kubernetes-event` instances and completes
 * the drafts the way the ingress does for a one-item delivery. Throws SourceConfigError when an instance cannot run.
 */
export function createSourceReplay(config: GatewayConfig, configHash: string): SourceReplay {
  const instances = new Map(
    Object.entries(INSTANCE_OF_LINE_SOURCE).map(([lineSource, name]) => [lineSource, replayInstance(config, name)]),
  );
  return {
    async signalsOf(line, lineIndex) {
      const instance = instances.get(line.source);
      if (instance === undefined || !instance.enabled) {
        return { signals: [], rejections: [`sources.${INSTANCE_OF_LINE_SOURCE[line.source]} is disabled (404)`] };
      }
      const receivedAt = new Date(line.t);
      const json = deliveryBody(line);
      const raw: RawRequest = {
        method: 'POST',
        path: `/api/v1/signals/${instance.name}`,
        headers: { 'content-type': 'application/json' },
        query: {},
        rawBody: new TextEncoder().encode(JSON.stringify(json)),
        json,
        receivedAt,
      };
      const context: SourceContext<unknown> = { ...instance.context, now: () => receivedAt };
      let parsed: Awaited<ReturnType<SourceDefinition<unknown>['parse']>>;
      try {
        parsed = await instance.definition.parse(raw, context);
      } catch (error) {
        if (error instanceof SourceInputError) return { signals: [], rejections: [error.message] };
        throw error;
      }
      const rejections = parsed.rejected.map((item) => `${item.pointer || '/'}: ${item.message}`);
      const signals: NormalizedSignal[] = [];
      const receivedTime = formatTimestamp(receivedAt);
      for (const draft of parsed.signals) {
        const clusterId = clusterIdOf(config, line, draft);
        if (typeof clusterId !== 'string') {
          rejections.push(clusterId.rejection);
          continue;
        }
        const completed = NormalizedSignalSchema.safeParse({
          ...draft,
          signalId: `line-${lineIndex}-${draft.index}`,
          requestId: `line-${lineIndex}`,
          firingTime: draft.firingTime ?? receivedTime,
          receivedTime,
          principal: { type: 'token', id: 'evaluation' },
          clientIp: '127.0.0.1',
          configHash,
          clusterId,
          deliveryKey: instance.deliveryDedup ? draft.deliveryKey : null,
        });
        if (completed.success) signals.push(completed.data);
        else rejections.push(`source produced an invalid signal: ${completed.error.message}`);
      }
      return { signals, rejections };
    },
  };
}
