import { basename } from 'node:path';
import { loadConfig } from '@gateway/config';
import {
  findK8sObject,
  K8S_BASE_DIR,
  type K8sLabelSelector,
  type K8sObject,
  k8sOverlayDirs,
  k8sSelectorMatches,
  renderK8sKustomization,
} from '@gateway/testkit';
import * as keda from '@kubernetes-models/keda';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';
import * as kubernetes from 'kubernetes-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';

// What an operator applies (`k8s/base` and every overlay of `k8s/overlays`) must render, be valid Kubernetes for the
// API server's schemas, and hang together: autoscalers, disruption budgets and spread constraints aim at the gateway's
// own pods, probes at paths the running apps answer, and the kubernaut overlay sits where Kubernaut's gateway was.

type App = 'ingress' | 'worker';
type Labels = Record<string, string>;

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    runAsUser?: number;
  };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}
interface PodTemplate {
  metadata: { labels: Labels };
  spec: {
    serviceAccountName?: string;
    securityContext?: {
      runAsNonRoot?: boolean;
      runAsUser?: number;
      runAsGroup?: number;
      fsGroup?: number;
      seccompProfile?: { type: string };
    };
    topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; labelSelector: K8sLabelSelector }[];
    containers: Container[];
    volumes?: { name: string; configMap?: { name: string } }[];
  };
}
interface ScaleTarget {
  apiVersion: string;
  kind: string;
  name: string;
}

/** A generated model class: constructing it from an object and calling validate() checks it against its schema. */
interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

function collectModels(namespace: unknown, into: Map<string, ModelClass>): Map<string, ModelClass> {
  for (const value of Object.values(namespace as Record<string, unknown>)) {
    if (typeof value === 'function') {
      const model = value as Partial<ModelClass>;
      if (typeof model.apiVersion === 'string' && typeof model.kind === 'string') {
        into.set(`${model.apiVersion} ${model.kind}`, value as ModelClass);
      }
    } else if (typeof value === 'object' && value !== null) {
      collectModels(value, into);
    }
  }
  return into;
}

// Built-in kinds: kubernetes-models, generated from the Kubernetes OpenAPI of a 1.3x release. CRDs: the same project's
// models generated from the CRDs of KEDA and the Prometheus operator.
const MODELS = collectModels(prometheusOperator, collectModels(keda, collectModels(kubernetes, new Map())));

function validate(object: K8sObject): void {
  const model = MODELS.get(`${object.apiVersion} ${object.kind}`);
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new model(object).validate();
}

const DEPLOYMENTS: Record<App, string> = { ingress: 'signal-gateway-ingress', worker: 'signal-gateway-worker' };
const NAMESPACE = 'kubernaut-system';
const IMAGE_UID = 10001;

const defaults = loadConfig({ env: {} });
if (!defaults.ok) throw new Error('the default configuration is invalid');
const APP_PORTS: Record<App, number> = { ingress: defaults.config.server.port, worker: defaults.config.worker.port };

const rendered = new Map<string, K8sObject[]>([
  ['base', renderK8sKustomization(K8S_BASE_DIR)],
  ...k8sOverlayDirs().map((dir): [string, K8sObject[]] => [basename(dir), renderK8sKustomization(dir)]),
]);
const renders = [...rendered.entries()];
const objectsOf = (name: string): K8sObject[] => {
  const objects = rendered.get(name);
  if (!objects) throw new Error(`no kustomization ${name}`);
  return objects;
};
const podOf = (objects: readonly K8sObject[], kind: string, name: string): PodTemplate =>
  (findK8sObject(objects, kind, name).spec as { template: PodTemplate }).template;
const containerOf = (pod: PodTemplate): Container => {
  expect(pod.spec.containers).toHaveLength(1);
  return pod.spec.containers[0] as Container;
};
const podTemplates = (objects: readonly K8sObject[]) =>
  objects
    .filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind))
    .map((object) => ({ name: object.metadata.name, pod: (object.spec as { template: PodTemplate }).template }));
const ofKind = (objects: readonly K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);

/** The only objects without a namespace: owner lookups read workloads in whatever namespace an alert names. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['ClusterRole', 'ClusterRoleBinding']);

describe('k8s overlays', () => {
  it('finds the overlays an operator applies', () => {
    expect([...rendered.keys()].sort()).toEqual(['base', 'kubernaut', 'openshift', 'production']);
  });

  it.each(renders)('renders %s into objects of the gateway namespace only', (_name, objects) => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects.filter(({ kind }) => !CLUSTER_SCOPED_KINDS.has(kind))) {
      expect(object.metadata.namespace, object.metadata.name).toBe(NAMESPACE);
    }
  });

  it.each(renders)(
    'renders %s with cluster-wide access limited to get on the workloads owners are read from',
    (_name, objects) => {
      const clusterScoped = objects.filter(({ kind }) => CLUSTER_SCOPED_KINDS.has(kind));
      expect(clusterScoped.map(({ kind, metadata }) => `${kind}/${metadata.name}`).sort()).toEqual([
        'ClusterRole/signal-gateway-worker-owner-lookups',
        'ClusterRoleBinding/signal-gateway-worker-owner-lookups',
      ]);
      const role = clusterScoped.find(({ kind }) => kind === 'ClusterRole') as unknown as {
        rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      };
      expect(role.rules.flatMap((rule) => rule.verbs)).toEqual(['get', 'get', 'get']);
      expect(role.rules.flatMap((rule) => rule.resources).sort()).toEqual([
        'cronjobs',
        'daemonsets',
        'deployments',
        'jobs',
        'pods',
        'replicasets',
        'statefulsets',
      ]);
    },
  );

  it.each(renders)('renders %s into objects that validate against their Kubernetes schemas', (_name, objects) => {
    for (const object of objects) {
      expect(() => validate(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('refuses an object its schema does not allow, so a pass above means something', () => {
    const deployment = structuredClone(findK8sObject(objectsOf('base'), 'Deployment', DEPLOYMENTS.ingress));
    const container = containerOf((deployment.spec as { template: PodTemplate }).template);
    container.startupProbe = { httpGet: { path: '/healthz' } } as Probe;
    expect(() => validate(deployment)).toThrow(/port/);
    expect(() => validate({ ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } })).toThrow(
      /integer/,
    );
  });

  it.each(renders)(
    'has %s run every container non-root, read-only, without capabilities or escalation',
    (name, objects) => {
      for (const { name: workload, pod } of podTemplates(objects)) {
        expect(pod.spec.securityContext?.runAsNonRoot, workload).toBe(true);
        expect(pod.spec.securityContext?.seccompProfile, workload).toEqual({ type: 'RuntimeDefault' });
        for (const container of pod.spec.containers) {
          expect(container.securityContext, `${workload}/${container.name}`).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(container.securityContext?.capabilities?.add, workload).toBeUndefined();
        }
        const ids = pod.spec.securityContext ?? {};
        if (name === 'openshift') {
          // restricted-v2 assigns these from the namespace's range and refuses any value outside it.
          expect([ids.runAsUser, ids.runAsGroup, ids.fsGroup], workload).toEqual([undefined, undefined, undefined]);
          expect(containerOf(pod).securityContext?.runAsUser, workload).toBeUndefined();
        } else if (Object.values(DEPLOYMENTS).includes(workload)) {
          expect(ids.runAsUser, workload).toBe(IMAGE_UID);
        }
      }
    },
  );

  it.each(renders)(
    'has %s probe the ports both apps listen on, with a startup probe before liveness',
    (_name, objects) => {
      for (const [app, deployment] of Object.entries(DEPLOYMENTS) as [App, string][]) {
        const container = containerOf(podOf(objects, 'Deployment', deployment));
        const probes = {
          startup: container.startupProbe,
          readiness: container.readinessProbe,
          liveness: container.livenessProbe,
        };
        expect(Object.fromEntries(Object.entries(probes).map(([kind, probe]) => [kind, probe?.httpGet?.path]))).toEqual(
          {
            startup: '/healthz',
            readiness: '/readyz',
            liveness: '/healthz',
          },
        );
        for (const probe of Object.values(probes)) {
          const port = container.ports?.find((candidate) => candidate.name === probe?.httpGet?.port);
          expect(port?.containerPort, `${deployment} probe port ${probe?.httpGet?.port}`).toBe(APP_PORTS[app]);
        }
      }
    },
  );

  it.each(renders)('has %s request CPU and memory on every container and cap memory', (_name, objects) => {
    for (const { name: workload, pod } of podTemplates(objects)) {
      if (!Object.values(DEPLOYMENTS).includes(workload)) continue;
      const { requests, limits } = containerOf(pod).resources ?? {};
      expect(requests?.cpu, workload).toBeDefined();
      expect(requests?.memory, workload).toBeDefined();
      expect(limits?.memory, workload).toBeDefined();
      // A CPU limit throttles the one event loop, which is what stretches the 202's tail.
      expect(limits?.cpu, workload).toBeUndefined();
    }
  });

  it.each(renders)('has %s budget disruptions and spread replicas over the pods of each app only', (_name, objects) => {
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const deployment of Object.values(DEPLOYMENTS)) {
      const pod = podOf(objects, 'Deployment', deployment);
      const covering = budgets.filter((budget) =>
        k8sSelectorMatches((budget.spec as { selector: K8sLabelSelector }).selector, pod.metadata.labels),
      );
      expect(covering.map((budget) => budget.spec)).toEqual([expect.objectContaining({ maxUnavailable: 1 })]);
      const others = podTemplates(objects).filter(({ name }) => name !== deployment);
      for (const budget of covering) {
        for (const other of others) {
          const selector = (budget.spec as { selector: K8sLabelSelector }).selector;
          expect(
            k8sSelectorMatches(selector, other.pod.metadata.labels),
            `${budget.metadata.name} vs ${other.name}`,
          ).toBe(false);
        }
      }
      const spread = pod.spec.topologySpreadConstraints ?? [];
      expect(spread.map((constraint) => [constraint.topologyKey, constraint.whenUnsatisfiable])).toEqual([
        ['kubernetes.io/hostname', 'DoNotSchedule'],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ]);
      for (const constraint of spread) {
        expect(k8sSelectorMatches(constraint.labelSelector, pod.metadata.labels)).toBe(true);
        for (const other of others)
          expect(k8sSelectorMatches(constraint.labelSelector, other.pod.metadata.labels)).toBe(false);
      }
    }
  });

  it.each(renders)('has %s scale the ingress on CPU against its CPU request', (_name, objects) => {
    const [hpa, ...more] = ofKind(objects, 'HorizontalPodAutoscaler');
    expect(more).toEqual([]);
    const spec = hpa?.spec as { scaleTargetRef: ScaleTarget; metrics: { resource?: { name: string } }[] };
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENTS.ingress });
    expect(spec.metrics.map((metric) => metric.resource?.name)).toEqual(['cpu']);
    expect(containerOf(podOf(objects, 'Deployment', DEPLOYMENTS.ingress)).resources?.requests?.cpu).toBeDefined();
  });

  it.each(['production', 'openshift'])(
    'has %s scale the workers on the queue depth the ingress is scraped for',
    (name) => {
      const objects = objectsOf(name);
      const [scaled, ...more] = ofKind(objects, 'ScaledObject');
      expect(more).toEqual([]);
      const spec = scaled?.spec as {
        scaleTargetRef: ScaleTarget;
        minReplicaCount: number;
        triggers: { type: string; metadata: { query: string; threshold: string } }[];
      };
      expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENTS.worker });
      findK8sObject(objects, 'Deployment', spec.scaleTargetRef.name);
      // Never below what survives a node loss; the HPA on the ingress stays the only other autoscaler.
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(2);
      const [trigger] = spec.triggers;
      expect(trigger?.type).toBe('prometheus');
      // The scrape job of the ingress is the name of the Service its ServiceMonitor selects.
      const monitor = findK8sObject(objects, 'ServiceMonitor', DEPLOYMENTS.ingress).spec as {
        selector: K8sLabelSelector;
      };
      const jobs = ofKind(objects, 'Service')
        .filter((service) => k8sSelectorMatches(monitor.selector, service.metadata.labels ?? {}))
        .map((service) => service.metadata.name);
      expect(jobs).toHaveLength(1);
      const query = trigger?.metadata.query ?? '';
      expect(query).toContain('gateway_queue_depth{');
      expect(query).toContain(`job="${jobs[0]}"`);
      expect(query).toContain(`namespace="${NAMESPACE}"`);
      expect(query).toContain('state=~"waiting|prioritized"');
      expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
    },
  );

  it.each(renders)(
    'has %s admit senders only to the ingress signal port, and monitoring to both apps',
    (name, objects) => {
      const senders = findK8sObject(objects, 'NetworkPolicy', 'signal-gateway-senders').spec as {
        podSelector: K8sLabelSelector;
        ingress: { from: { namespaceSelector: K8sLabelSelector }[]; ports: { port: number }[] }[];
      };
      expect(
        k8sSelectorMatches(senders.podSelector, podOf(objects, 'Deployment', DEPLOYMENTS.ingress).metadata.labels),
      ).toBe(true);
      expect(
        k8sSelectorMatches(senders.podSelector, podOf(objects, 'Deployment', DEPLOYMENTS.worker).metadata.labels),
      ).toBe(false);
      const admits = (namespace: string) =>
        senders.ingress.some((rule) =>
          rule.from.some((peer) =>
            k8sSelectorMatches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': namespace }),
          ),
        );
      expect(admits('monitoring')).toBe(true);
      expect(admits(NAMESPACE)).toBe(name === 'kubernaut');
      expect(admits('default')).toBe(false);
      expect(senders.ingress.flatMap((rule) => rule.ports.map((port) => port.port))).toEqual([APP_PORTS.ingress]);
    },
  );

  describe('kubernaut overlay', () => {
    const objects = objectsOf('kubernaut');
    const ingressPod = podOf(objects, 'Deployment', DEPLOYMENTS.ingress);
    const workerPod = podOf(objects, 'Deployment', DEPLOYMENTS.worker);
    const worker = containerOf(workerPod);

    it("serves senders at gateway-service:8080, the name and port of Kubernaut's gateway", () => {
      const service = findK8sObject(objects, 'Service', 'gateway-service').spec as {
        selector: Labels;
        ports: { name: string; port: number; targetPort: string; protocol: string }[];
      };
      expect(service.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 'http' }]);
      const target = containerOf(ingressPod).ports?.find((port) => port.name === 'http');
      expect(target?.containerPort).toBe(APP_PORTS.ingress);
      expect(k8sSelectorMatches({ matchLabels: service.selector }, ingressPod.metadata.labels)).toBe(true);
      expect(k8sSelectorMatches({ matchLabels: service.selector }, workerPod.metadata.labels)).toBe(false);
    });

    it('keeps one scrape job per app, whatever Service was added for senders', () => {
      for (const monitor of ofKind(objects, 'ServiceMonitor')) {
        const selector = (monitor.spec as { selector: K8sLabelSelector }).selector;
        const selected = ofKind(objects, 'Service').filter((service) =>
          k8sSelectorMatches(selector, service.metadata.labels ?? {}),
        );
        expect(selected.map((service) => service.metadata.name)).toEqual([
          monitor.metadata.name === DEPLOYMENTS.ingress ? 'signal-gateway' : 'signal-gateway-worker',
        ]);
      }
    });

    it("labels the worker, and only the worker, app=gateway for Data Storage's NetworkPolicy", () => {
      expect(workerPod.metadata.labels.app).toBe('gateway');
      expect(ingressPod.metadata.labels.app).toBeUndefined();
      // Added beside the selector's labels: a Deployment's selector cannot change on apply.
      const selector = (findK8sObject(objects, 'Deployment', DEPLOYMENTS.worker).spec as { selector: K8sLabelSelector })
        .selector;
      expect(selector.matchLabels?.app).toBeUndefined();
    });

    it("binds the worker's ServiceAccount to Kubernaut's data-storage-client ClusterRole", () => {
      const account = workerPod.spec.serviceAccountName;
      findK8sObject(objects, 'ServiceAccount', account ?? '');
      const bindings = ofKind(objects, 'RoleBinding').filter(
        (binding) => (binding.roleRef as { name: string }).name === 'data-storage-client',
      );
      expect(bindings.map((binding) => ({ roleRef: binding.roleRef, subjects: binding.subjects }))).toEqual([
        {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'data-storage-client' },
          subjects: [{ kind: 'ServiceAccount', name: account, namespace: NAMESPACE }],
        },
      ]);
    });

    it('sends audit to Data Storage over HTTPS, trusting the CA of inter-service-ca', () => {
      const env = Object.fromEntries((worker.env ?? []).map((variable) => [variable.name, variable.value]));
      expect(env.DATA_STORAGE_URL).toBe(`https://data-storage-service.${NAMESPACE}.svc.cluster.local:8080`);
      const caFile = env.NODE_EXTRA_CA_CERTS ?? '';
      const mount = worker.volumeMounts?.find((candidate) => caFile.startsWith(`${candidate.mountPath}/`));
      const volume = workerPod.spec.volumes?.find((candidate) => candidate.name === mount?.name);
      expect(volume?.configMap?.name).toBe('inter-service-ca');
      expect(caFile.slice((mount?.mountPath.length ?? 0) + 1)).toBe('ca.crt');
      // The rest of the worker's environment is the base's.
      const base = containerOf(podOf(objectsOf('base'), 'Deployment', DEPLOYMENTS.worker)).env ?? [];
      expect(Object.keys(env).sort()).toEqual([...base.map((variable) => variable.name), 'NODE_EXTRA_CA_CERTS'].sort());
    });

    it('keeps the configuration, alerts and Redis of the base unchanged', () => {
      const base = objectsOf('base');
      for (const [kind, name] of [
        ['ConfigMap', 'signal-gateway-config'],
        ['PrometheusRule', 'signal-gateway'],
        ['StatefulSet', 'signal-gateway-redis'],
      ] as const) {
        expect(findK8sObject(objects, kind, name), `${kind} ${name}`).toEqual(findK8sObject(base, kind, name));
      }
    });
  });

  describe('probe paths', () => {
    let fx: GatewayFixture | undefined;
    beforeAll(async () => {
      fx = await startGatewayFixture();
    }, 60_000);
    afterAll(async () => {
      await fx?.close();
    });

    it('answers 200 on every probe path of both Deployments once the apps are up', async () => {
      const urls: Record<App, string> = { ingress: fx?.stack.ingressUrl ?? '', worker: fx?.stack.workerUrl ?? '' };
      for (const [app, deployment] of Object.entries(DEPLOYMENTS) as [App, string][]) {
        const container = containerOf(podOf(objectsOf('base'), 'Deployment', deployment));
        for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
          const response = await fetch(`${urls[app]}${probe?.httpGet?.path}`);
          expect(response.status, `${app} ${probe?.httpGet?.path}`).toBe(200);
        }
      }
    });
  });
});
