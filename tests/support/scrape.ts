import { type GatewayConfig, loadConfig } from '@gateway/config';
import {
  findK8sObject,
  type K8sObject,
  k8sDataEntry,
  type MetricSample,
  parsePrometheusText,
  renderK8sKustomization,
} from '@gateway/testkit';
import { matchesSelector, type PromSelector } from './promql.js';

// What Prometheus sees of the apps once `k8s/base` is deployed: which job scrapes which app, and what each app
// exports, so alert, dashboard and compatibility checks all judge a query against the same real scrapes.

export type App = 'ingress' | 'worker';
export const APPS: readonly App[] = ['ingress', 'worker'];
type Labels = Record<string, string>;

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface ServiceSpec {
  selector: Labels;
  ports: { name?: string; port: number; targetPort?: string | number }[];
}
interface ServiceMonitorSpec {
  selector: LabelSelector;
  namespaceSelector?: unknown;
  jobLabel?: string;
  endpoints: { port?: string; targetPort?: unknown; path?: string }[];
}
interface PodTemplate {
  metadata: { labels: Labels };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
}

// Labels Prometheus attaches to every series of a target; the apps never export them.
export const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'service', 'pod', 'container', 'endpoint']);
export const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

export interface ScrapeJob {
  job: string;
  path: string;
}

export interface Deployed {
  objects: K8sObject[];
  config: GatewayConfig;
}

/** `kubectl apply -k k8s/base` as objects, with the gateway configuration its ConfigMap carries. */
export function renderDeployed(): Deployed {
  const objects = renderK8sKustomization();
  const file = k8sDataEntry(findK8sObject(objects, 'ConfigMap', 'signal-gateway-config'), 'config.yaml');
  const loaded = loadConfig({ env: { GATEWAY_CONFIG: 'config.yaml' }, readFile: () => file });
  if (!loaded.ok) throw new Error(`the deployed configuration is invalid: ${JSON.stringify(loaded.problems)}`);
  return { objects, config: loaded.config };
}

const DEPLOYMENTS: Record<App, string> = { ingress: 'signal-gateway-ingress', worker: 'signal-gateway-worker' };
const subsetOf = (selector: Labels, labels: Labels = {}): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/**
 * Each app's scrape jobs, found the way Prometheus finds them: ServiceMonitor → Service → the app's pods, with
 * what breaks that chain.
 */
export function scrapeJobs({ objects, config }: Deployed): { jobs: Record<App, ScrapeJob[]>; problems: string[] } {
  const ofKind = (kind: string): K8sObject[] => objects.filter((object) => object.kind === kind);
  const pods = Object.fromEntries(
    APPS.map((app) => [
      app,
      (findK8sObject(objects, 'Deployment', DEPLOYMENTS[app]).spec as { template: PodTemplate }).template,
    ]),
  ) as Record<App, PodTemplate>;
  const appPorts: Record<App, number> = { ingress: config.server.port, worker: config.worker.port };
  const jobs: Record<App, ScrapeJob[]> = { ingress: [], worker: [] };
  const problems: string[] = [];
  for (const monitor of ofKind('ServiceMonitor')) {
    const spec = monitor.spec as ServiceMonitorSpec;
    const name = monitor.metadata.name;
    // Without these, the job is the Service's name and only the monitor's own namespace is searched.
    if (spec.jobLabel !== undefined || spec.namespaceSelector !== undefined || spec.selector.matchExpressions) {
      problems.push(`${name}: sets jobLabel, namespaceSelector or matchExpressions`);
    }
    const services = ofKind('Service').filter(
      (service) =>
        service.metadata.namespace === monitor.metadata.namespace &&
        subsetOf(spec.selector.matchLabels ?? {}, service.metadata.labels),
    );
    if (services.length === 0) problems.push(`${name}: selects no Service`);
    for (const service of services) {
      const serviceSpec = service.spec as ServiceSpec;
      for (const [app, pod] of Object.entries(pods) as [App, PodTemplate][]) {
        if (!subsetOf(serviceSpec.selector, pod.metadata.labels)) continue;
        for (const endpoint of spec.endpoints) {
          const port = serviceSpec.ports.find((candidate) => candidate.name === endpoint.port);
          const containerPort = pod.spec.containers
            .flatMap((container) => container.ports ?? [])
            .find((candidate) => candidate.name === port?.targetPort || candidate.containerPort === port?.targetPort);
          if (containerPort?.containerPort !== appPorts[app]) {
            problems.push(`${name}: port ${endpoint.port} of ${service.metadata.name} misses the ${app}'s port`);
          }
          jobs[app].push({ job: service.metadata.name, path: endpoint.path ?? '/metrics' });
        }
      }
    }
  }
  return { jobs, problems };
}

/** What one app exported over some scrapes: each metric's declared type, and every sample. */
export interface AppExports {
  types: Map<string, string>;
  samples: MetricSample[];
}

export function appExports(scrapes: readonly string[]): AppExports {
  const types = new Map<string, string>();
  for (const text of scrapes) {
    for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1] ?? '', match[2] ?? '');
  }
  return { types, samples: scrapes.flatMap((text) => parsePrometheusText(text)) };
}

/**
 * Why `selector` would read nothing real from `app`: a metric it does not export (a histogram's `_bucket`,
 * `_sum` and `_count` count as exported), a label none of its series carries, or matchers no series meets.
 * Target labels are Prometheus's, so they are not looked for in the app's own series.
 */
export function selectorProblems(selector: PromSelector, app: App, exported: AppExports): string[] {
  const { types, samples } = exported;
  const histogram = HISTOGRAM_SUFFIXES.find(
    (suffix) => selector.metric.endsWith(suffix) && types.get(selector.metric.slice(0, -suffix.length)) === 'histogram',
  );
  if (!histogram && !types.has(selector.metric)) return [`the ${app} does not export ${selector.metric}`];
  const problems: string[] = [];
  const series = samples.filter((sample) => sample.name === selector.metric);
  const labels = new Set([...selector.matchers.map((matcher) => matcher.label), ...selector.groupedBy]);
  for (const label of [...labels].filter((candidate) => !TARGET_LABELS.has(candidate))) {
    if (!series.some((sample) => label in sample.labels)) {
      problems.push(`no ${app} series of ${selector.metric} has the label ${label}`);
    }
  }
  const appMatchers = selector.matchers.filter((matcher) => !TARGET_LABELS.has(matcher.label));
  if (appMatchers.length > 0 && !series.some((sample) => matchesSelector(sample.labels, appMatchers))) {
    problems.push(`no ${app} series matches ${selector.metric}${JSON.stringify(appMatchers)}`);
  }
  return problems;
}
