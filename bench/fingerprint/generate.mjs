// Labelled signal streams for `pnpm eval:fingerprint` (docs/fingerprinting.md#evaluation): a seeded model of
// Kubernetes clusters watched by kube-prometheus-stack and an Event exporter. Every line says which incident it
// belongs to (`truth`, by the truth rules in docs/fingerprinting.md) and which scenario made it (`scenario`).
//
//   node bench/fingerprint/generate.mjs --seed 1 [--clusters prod-a,prod-b] [--incidents 8] \
//     [--objects objects.jsonl] > stream.jsonl
//
// The same arguments always write the same bytes: all randomness comes from the seed and all times from a fixed
// start, so a figure measured on a seed can be reproduced exactly.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The test kit's PRNG, like the bench's traffic mix (the bench needs the build anyway).
import { seededRandom } from '../../packages/testkit/dist/seeded-random.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
/** Incidents start within this window after START_MS. */
const WINDOW_MS = 10 * HOUR_MS;
/** The alphabet of generated name suffixes (ReplicaSet hashes, pod suffixes): no vowels, no look-alike digits. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** kube-prometheus-stack's Alertmanager route, but re-notifying after 1 h rather than 12 h so it happens within incidents. */
const ALERTMANAGER = { groupWaitMs: 30_000, groupIntervalMs: 5 * MINUTE_MS, repeatIntervalMs: HOUR_MS };
const ALERT_FIRING_ENDS_AT = '0001-01-01T00:00:00Z';
const KSM = 'kube-prometheus-stack-kube-state-metrics';
const NODE_EXPORTER = 'kube-prometheus-stack-prometheus-node-exporter';
const PROMETHEUS = 'monitoring/kube-prometheus-stack-prometheus';
const APP_NAMES = [
  'checkout',
  'cart',
  'catalog',
  'search',
  'frontend',
  'inventory',
  'shipping',
  'notifications',
  'accounts',
  'reviews',
];
const APP_NAMESPACES = ['shop', 'payments', 'orders', 'platform', 'marketing', 'identity'];
const BACKGROUND_NAMES = [
  'ledger',
  'pricing',
  'geo',
  'mailer',
  'tax',
  'ads',
  'sessions',
  'thumbnails',
  'quotes',
  'audit',
];

const USAGE =
  'usage: node bench/fingerprint/generate.mjs --seed <n> [--clusters a,b] [--incidents <per scenario>] [--objects <file>]';

function iso(ms) {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function createRandom(seed) {
  const next = seededRandom(seed);
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    chars: (length, alphabet = NAME_ALPHABET) =>
      Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
  };
}

/**
 * The clusters, their objects over time (for the objects file) and the signals (for the stream). Objects are named
 * as Kubernetes names them: Deployment pods `<deploy>-<pod-template-hash>-<5>`, StatefulSet pods `<name>-<ordinal>`,
 * CronJob jobs `<name>-<unix minutes>` and their pods `<job>-<5>`.
 */
function createWorld(random, { nodesPerCluster, backgroundWorkloads }) {
  const objects = [];
  const lines = [];
  const clusters = new Map();
  let uidCounter = 0;
  let ipCounter = 10;

  const uid = () => {
    uidCounter++;
    const hex = createHash('sha256').update(`${uidCounter}:${random.next()}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
  const podIp = () => {
    ipCounter++;
    return `10.42.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
  };

  function addObject(cluster, { apiVersion, kind, namespace, name, createdMs, owner, nodeName }) {
    const object = {
      cluster: cluster.id,
      apiVersion,
      kind,
      metadata: {
        name,
        ...(namespace ? { namespace } : {}),
        uid: uid(),
        creationTimestamp: iso(createdMs),
        ...(owner
          ? {
              ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, controller: true }],
            }
          : {}),
      },
      ...(nodeName ? { spec: { nodeName } } : {}),
    };
    objects.push(object);
    return {
      apiVersion,
      kind,
      namespace: namespace ?? '',
      name,
      uid: object.metadata.uid,
      createdMs,
      nodeName,
      ip: kind === 'Pod' || kind === 'Node' ? podIp() : undefined,
      delete(atMs) {
        object.metadata.deletionTimestamp = iso(atMs);
        this.deletedMs = atMs;
      },
      deletedMs: Number.POSITIVE_INFINITY,
    };
  }

  function deploymentPod(cluster, replicaSet, createdMs, nodeName = random.pick(cluster.nodes).name) {
    const name = `${replicaSet.deployment.name}-${replicaSet.hash}-${random.chars(5)}`;
    const pod = addObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: replicaSet.deployment.namespace,
      name,
      createdMs,
      owner: replicaSet.object,
      nodeName,
    });
    pod.workload = replicaSet.deployment;
    cluster.pods.push(pod);
    replicaSet.pods.push(pod);
    return pod;
  }

  function replicaSet(cluster, deployment, createdMs, replicas) {
    const hash = random.chars(random.int(8, 10));
    const object = addObject(cluster, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      namespace: deployment.namespace,
      name: `${deployment.name}-${hash}`,
      createdMs,
      owner: deployment.object,
    });
    const set = { deployment, hash, object, pods: [] };
    for (let i = 0; i < replicas; i++) deploymentPod(cluster, set, createdMs + i * 2_000);
    deployment.current = set;
    return set;
  }

  /** The Deployment `name` in `namespace`, created (with three running pods) the first time it is asked for. */
  function deployment(cluster, namespace, name) {
    const key = `${namespace}/${name}`;
    const existing = cluster.deployments.get(key);
    if (existing) return existing;
    const createdMs = START_MS - 30 * 24 * HOUR_MS - random.int(0, 100) * HOUR_MS;
    const object = addObject(cluster, { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name, createdMs });
    const created = { namespace, name, object, current: undefined };
    replicaSet(cluster, created, START_MS - random.int(24, 72) * HOUR_MS, 3);
    cluster.deployments.set(key, created);
    return created;
  }

  function statefulSetPods(cluster, namespace, name, replicas) {
    const createdMs = START_MS - 20 * 24 * HOUR_MS;
    const owner = addObject(cluster, { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, name, createdMs });
    return Array.from({ length: replicas }, (_, ordinal) => {
      const pod = addObject(cluster, {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: `${name}-${ordinal}`,
        createdMs: createdMs + ordinal * MINUTE_MS,
        owner,
        nodeName: random.pick(cluster.nodes).name,
      });
      pod.workload = { namespace, name };
      cluster.pods.push(pod);
      return pod;
    });
  }

  function cluster(id) {
    const existing = clusters.get(id);
    if (existing) return existing;
    const created = { id, nodes: [], pods: [], deployments: new Map(), claimed: new Set() };
    clusters.set(id, created);
    const longAgo = START_MS - 60 * 24 * HOUR_MS;
    const daemonSet = addObject(created, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      namespace: 'monitoring',
      name: NODE_EXPORTER,
      createdMs: longAgo,
    });
    for (let i = 0; i < nodesPerCluster; i++) {
      const name = `ip-10-${random.int(0, 3)}-${random.int(0, 255)}-${random.int(1, 254)}.ec2.internal`;
      const node = addObject(created, { apiVersion: 'v1', kind: 'Node', name, createdMs: longAgo });
      node.exporterPod = addObject(created, {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'monitoring',
        name: `${NODE_EXPORTER}-${random.chars(5)}`,
        createdMs: longAgo,
        owner: daemonSet,
        nodeName: name,
      });
      created.nodes.push(node);
    }
    const ksm = deployment(created, 'monitoring', KSM);
    created.ksmPod = ksm.current.pods[0];
    // Workloads no scenario picks: the pods a failing node takes down with it.
    for (let i = 0; i < backgroundWorkloads; i++) {
      const base = BACKGROUND_NAMES[i % BACKGROUND_NAMES.length];
      deployment(
        created,
        'services',
        i < BACKGROUND_NAMES.length ? base : `${base}-${Math.floor(i / BACKGROUND_NAMES.length)}`,
      );
    }
    return created;
  }

  /**
   * Reserves an object for one incident for the whole stream. Pairs are counted over the whole stream, so an object
   * in two incidents hours apart would count as a wrong merge for any strategy (the windows would have closed in
   * between); keeping objects apart keeps the score about the strategy.
   */
  function claim(clusterState, key) {
    if (clusterState.claimed.has(key)) return false;
    clusterState.claimed.add(key);
    return true;
  }

  return { objects, lines, addObject, cluster, deployment, replicaSet, deploymentPod, statefulSetPods, claim };
}

function alertmanagerFingerprint(labels) {
  const text = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join('\xff');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Labels every series scraped from kube-state-metrics carries: its own pod, not the object it describes. */
function ksmLabels(cluster) {
  return {
    container: 'kube-state-metrics',
    endpoint: 'http',
    instance: `${cluster.ksmPod.ip}:8080`,
    job: 'kube-state-metrics',
    pod: cluster.ksmPod.name,
    prometheus: PROMETHEUS,
    service: KSM,
  };
}

/**
 * One Alertmanager group's notifications: the first `group_wait` after its first alert, then at the next
 * `group_interval` tick after any change (an alert starting or resolving), and every `repeat_interval` without one.
 * Each notification carries every firing alert of the group and the alerts resolved since the last one.
 */
function notifyGroup(world, incident, alerts) {
  const changes = alerts.flatMap((alert) => [alert.startMs, alert.endMs]).sort((a, b) => a - b);
  const firstMs = changes[0];
  const lastMs = changes[changes.length - 1];
  const reported = new Set();
  const resolvedSent = new Set();
  let at = firstMs + ALERTMANAGER.groupWaitMs;
  while (true) {
    for (const alert of alerts) {
      const firing = alert.startMs <= at && at < alert.endMs;
      if (firing) reported.add(alert);
      const resolvedNow = at >= alert.endMs && reported.has(alert) && !resolvedSent.has(alert);
      if (!firing && !resolvedNow) continue;
      if (resolvedNow) resolvedSent.add(alert);
      // Each cluster's Prometheus adds its `cluster` external label.
      const labels = { ...alert.labels, cluster: incident.clusterId };
      world.lines.push({
        // The alerts of one notification arrive in one webhook: a millisecond apart keeps their order in the stream.
        t: at + (alert.order ?? 0),
        source: 'alertmanager',
        clusterId: incident.clusterId,
        alert: {
          status: firing ? 'firing' : 'resolved',
          labels,
          annotations: {
            summary: alert.summary,
            runbook_url: `https://runbooks.prometheus-operator.dev/runbooks/${alert.runbook}/${labels.alertname.toLowerCase()}`,
          },
          startsAt: iso(alert.startMs),
          endsAt: firing ? ALERT_FIRING_ENDS_AT : iso(alert.endMs),
          generatorURL: `http://prometheus.monitoring:9090/graph?g0.expr=${encodeURIComponent(labels.alertname)}`,
          fingerprint: alertmanagerFingerprint(labels),
        },
        truth: incident.truth,
        scenario: incident.scenario,
      });
    }
    if (at >= lastMs) break;
    const nextChange = changes.find((time) => time > at) ?? lastMs;
    const nextTick = at + Math.ceil((nextChange - at) / ALERTMANAGER.groupIntervalMs) * ALERTMANAGER.groupIntervalMs;
    at = Math.min(at + ALERTMANAGER.repeatIntervalMs, Math.max(nextTick, at + ALERTMANAGER.groupIntervalMs));
  }
}

/** An incident's alerts grouped as kube-prometheus-stack's default route groups them (by namespace), then notified. */
function emitAlerts(world, incident, alerts) {
  const groups = new Map();
  for (const alert of alerts) {
    const key = alert.labels.namespace ?? '';
    groups.set(key, [...(groups.get(key) ?? []), alert]);
  }
  for (const group of groups.values()) notifyGroup(world, incident, group);
}

/** The Event as core/v1 serves it. */
function coreEvent({ metadata, object, reason, message, component, firstMs, lastMs, count }) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata,
    involvedObject: objectReference(object),
    reason,
    message,
    source: { component, ...(object.nodeName ? { host: object.nodeName } : {}) },
    firstTimestamp: iso(firstMs),
    lastTimestamp: iso(lastMs),
    count,
    type: 'Warning',
    reportingComponent: component,
  };
}

/** The same Event as events.k8s.io/v1 serves it: `regarding`, `note`, and repetitions counted in `series`. */
function eventsApiEvent({ metadata, object, reason, message, component, firstMs, lastMs, count }) {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata,
    eventTime: `${new Date(firstMs).toISOString().slice(0, -1)}000Z`,
    ...(count > 1 ? { series: { count, lastObservedTime: `${new Date(lastMs).toISOString().slice(0, -1)}000Z` } } : {}),
    reportingController: component === 'kubelet' ? 'kubelet' : `k8s.io/${component}`,
    reportingInstance: object.nodeName ?? component,
    action: reason,
    reason,
    regarding: objectReference(object),
    note: message,
    type: 'Warning',
  };
}

function objectReference(object) {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.name,
    ...(object.namespace ? { namespace: object.namespace } : {}),
    uid: object.uid,
  };
}

/**
 * A series of one Event: the recorder updates the same Event (same name, count + 1, new last time and
 * resourceVersion) on every repetition, and the exporter posts each update. A quarter of the series are read
 * through events.k8s.io/v1, as newer exporters do.
 */
function emitEventSeries(world, random, incident, { object, reason, message, component, fromMs, untilMs, everyMs }) {
  const name = `${object.name}.${random.chars(16, '0123456789abcdef')}`;
  const eventUid = createHash('sha256').update(`${incident.truth}:${name}`).digest('hex').slice(0, 32);
  const shape = random.chance(0.25) ? eventsApiEvent : coreEvent;
  let resourceVersion = random.int(100_000, 900_000);
  let count = 0;
  for (let at = fromMs; at < untilMs; at += everyMs + random.int(0, Math.floor(everyMs / 2))) {
    count++;
    resourceVersion += random.int(1, 40);
    const metadata = {
      name,
      namespace: object.namespace || 'default',
      uid: eventUid,
      resourceVersion: String(resourceVersion),
      creationTimestamp: iso(fromMs),
    };
    world.lines.push({
      t: at + random.int(200, 2_000),
      source: 'kubernetes-event',
      clusterId: incident.clusterId,
      event: shape({ metadata, object, reason, message, component, firstMs: fromMs, lastMs: at, count }),
      truth: incident.truth,
      scenario: incident.scenario,
    });
  }
}

/** A generated workload name no other incident of the cluster uses. */
function freeName(world, cluster, namespace, generateName) {
  for (;;) {
    const name = generateName();
    if (world.claim(cluster, `${namespace}/${name}`)) return name;
  }
}

function crashLoopSignals(world, random, incident, pods, fromMs, untilMs) {
  const alerts = [];
  for (const [order, pod] of pods.entries()) {
    const startMs = Math.max(pod.createdMs, fromMs) + random.int(3, 8) * MINUTE_MS;
    const endMs = Math.min(pod.deletedMs, untilMs);
    if (endMs <= startMs) continue;
    const container = pod.workload.name;
    alerts.push({
      order,
      startMs: startMs + 15 * MINUTE_MS,
      endMs,
      runbook: 'kubernetes',
      summary: 'Pod is crash looping.',
      labels: {
        alertname: 'KubePodCrashLooping',
        ...ksmLabels(incident.cluster),
        container,
        namespace: pod.namespace,
        pod: pod.name,
        reason: 'CrashLoopBackOff',
        severity: 'warning',
        uid: pod.uid,
      },
    });
    alerts.push({
      order,
      startMs: startMs + 15 * MINUTE_MS,
      endMs,
      runbook: 'kubernetes',
      summary: 'Pod has been in a non-ready state for more than 15 minutes.',
      labels: { alertname: 'KubePodNotReady', namespace: pod.namespace, pod: pod.name, severity: 'warning' },
    });
    emitEventSeries(world, random, incident, {
      object: pod,
      reason: 'BackOff',
      message: `Back-off restarting failed container ${container} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
      component: 'kubelet',
      fromMs: startMs,
      untilMs: endMs,
      everyMs: random.int(2, 5) * MINUTE_MS,
    });
  }
  emitAlerts(world, incident, alerts);
}

/** An app whose pods crash loop; an operator deletes one pod half-way, and its replacement crashes too. */
function crashLoop(world, random, incident, deployment) {
  const { fromMs, untilMs, cluster } = incident;
  const pods = deployment.current.pods.filter((pod) => pod.createdMs < fromMs && pod.deletedMs > fromMs);
  const crashing = pods.slice(0, random.int(2, pods.length));
  const victim = crashing[0];
  const replacedAtMs = fromMs + Math.floor((untilMs - fromMs) / 2);
  victim.delete(replacedAtMs);
  const replacement = world.deploymentPod(cluster, deployment.current, replacedAtMs + 3_000);
  crashLoopSignals(world, random, incident, [...crashing, replacement], fromMs, untilMs);
}

/** A new ReplicaSet whose pods crash; the rollout stalls until it is rolled back at the incident's end. */
function rollout(world, random, incident, deployment) {
  const { fromMs, untilMs, cluster } = incident;
  const previous = deployment.current;
  const next = world.replicaSet(cluster, deployment, fromMs, 0);
  const surge = [
    world.deploymentPod(cluster, next, fromMs + 2_000),
    world.deploymentPod(cluster, next, fromMs + 4_000),
  ];
  for (const pod of surge) pod.delete(untilMs);
  deployment.current = previous;
  crashLoopSignals(world, random, incident, surge, fromMs, untilMs);
  const labels = { ...ksmLabels(cluster), namespace: deployment.namespace, deployment: deployment.name };
  emitAlerts(world, incident, [
    {
      startMs: fromMs + 15 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Deployment rollout is not progressing.',
      labels: { alertname: 'KubeDeploymentRolloutStuck', ...labels, condition: 'Progressing', severity: 'warning' },
    },
    {
      startMs: fromMs + 15 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Deployment has not matched the expected number of replicas.',
      labels: { alertname: 'KubeDeploymentReplicasMismatch', ...labels, severity: 'warning' },
    },
  ]);
}

/** A node stops reporting: node alerts and events, and NodeNotReady on every pod it runs, until it comes back. */
function nodeFailure(world, random, incident) {
  const { fromMs, untilMs, cluster } = incident;
  const start = random.int(0, cluster.nodes.length - 1);
  const node = [...cluster.nodes.slice(start), ...cluster.nodes.slice(0, start)].find((candidate) =>
    world.claim(cluster, candidate.name),
  );
  if (node === undefined) return;
  const ksm = ksmLabels(cluster);
  const alerts = [
    {
      startMs: fromMs + 15 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Node is not ready.',
      labels: {
        alertname: 'KubeNodeNotReady',
        ...ksm,
        namespace: 'monitoring',
        node: node.name,
        condition: 'Ready',
        severity: 'warning',
      },
    },
    {
      startMs: fromMs + 15 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Node is unreachable.',
      labels: {
        alertname: 'KubeNodeUnreachable',
        ...ksm,
        namespace: 'monitoring',
        node: node.name,
        effect: 'NoSchedule',
        key: 'node.kubernetes.io/unreachable',
        severity: 'warning',
      },
    },
  ];
  if (random.chance(0.5)) {
    // The root disk filled first: node-exporter's alert names node-exporter's pod, not the node it measures.
    alerts.push({
      startMs: fromMs - 20 * MINUTE_MS,
      endMs: fromMs + 2 * MINUTE_MS,
      runbook: 'node',
      summary: 'Filesystem has less than 3% space left.',
      labels: {
        alertname: 'NodeFilesystemAlmostOutOfSpace',
        container: 'node-exporter',
        device: '/dev/nvme0n1p1',
        endpoint: 'http-metrics',
        fstype: 'xfs',
        instance: `${node.ip}:9100`,
        job: 'node-exporter',
        mountpoint: '/',
        namespace: 'monitoring',
        pod: node.exporterPod.name,
        prometheus: PROMETHEUS,
        service: NODE_EXPORTER,
        severity: 'critical',
      },
    });
  }
  emitEventSeries(world, random, incident, {
    object: node,
    reason: 'NodeNotReady',
    message: `Node ${node.name} status is now: NodeNotReady`,
    component: 'node-controller',
    fromMs: fromMs + MINUTE_MS,
    untilMs: fromMs + 2 * MINUTE_MS,
    everyMs: MINUTE_MS,
  });
  const onNode = cluster.pods.filter(
    (pod) => pod.nodeName === node.name && pod.createdMs < fromMs && pod.deletedMs > fromMs,
  );
  for (const [order, pod] of onNode.entries()) {
    // A workload busy with another incident keeps its pods out, so no line belongs to two problems at once.
    if (pod.namespace === 'monitoring' || !world.claim(cluster, `${pod.namespace}/${pod.workload.name}`)) {
      continue;
    }
    emitEventSeries(world, random, incident, {
      object: pod,
      reason: 'NodeNotReady',
      message: 'Node is not ready',
      component: 'node-controller',
      fromMs: fromMs + MINUTE_MS,
      untilMs: fromMs + 2 * MINUTE_MS,
      everyMs: MINUTE_MS,
    });
    alerts.push({
      order,
      startMs: fromMs + 16 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Pod has been in a non-ready state for more than 15 minutes.',
      labels: { alertname: 'KubePodNotReady', namespace: pod.namespace, pod: pod.name, severity: 'warning' },
    });
  }
  emitAlerts(world, incident, alerts);
}

/** One object's alert firing and resolving again and again: one problem while it lasts. */
function flapping(world, random, incident) {
  const { fromMs, untilMs, cluster } = incident;
  const name = freeName(world, cluster, 'data', () => `redis-${random.chars(4)}`);
  const pod = random.pick(world.statefulSetPods(cluster, 'data', name, 3));
  let at = fromMs;
  const alerts = [];
  while (at < untilMs) {
    const onMs = random.int(2, 6) * MINUTE_MS;
    alerts.push({
      startMs: at,
      endMs: Math.min(at + onMs, untilMs),
      runbook: 'kubernetes',
      summary: 'Pod has been in a non-ready state for more than 15 minutes.',
      labels: { alertname: 'KubePodNotReady', namespace: pod.namespace, pod: pod.name, severity: 'warning' },
    });
    at += onMs + random.int(2, 7) * MINUTE_MS;
  }
  // Each firing is its own alert (a new startsAt), notified as the group changes.
  for (const alert of alerts) emitAlerts(world, incident, [alert]);
}

/**
 * An app's own latency alert, evaluated per scraped pod: the `pod` and `instance` labels change as the autoscaler
 * replaces pods, while the problem (the service is slow) stays one.
 */
function volatileLabels(world, random, incident, deployment) {
  const { fromMs, untilMs, cluster } = incident;
  const alerts = [];
  let pods = deployment.current.pods.filter((pod) => pod.deletedMs > fromMs);
  for (let at = fromMs, order = 0; at < untilMs; at += random.int(8, 14) * MINUTE_MS, order++) {
    const leaving = pods[0];
    leaving.delete(at);
    const arriving = world.deploymentPod(cluster, deployment.current, at + 1_000);
    pods = [...pods.slice(1), arriving];
    for (const pod of pods) {
      if (!random.chance(0.6)) continue;
      alerts.push({
        order,
        pod,
        startMs: at + random.int(1, 4) * MINUTE_MS,
        endMs: Math.min(at + random.int(6, 12) * MINUTE_MS, untilMs),
        runbook: 'app',
        summary: `p99 latency of ${deployment.name} is above 500ms.`,
        labels: {
          alertname: 'HighRequestLatency',
          namespace: deployment.namespace,
          service: deployment.name,
          job: deployment.name,
          endpoint: 'metrics',
          pod: pod.name,
          instance: `${pod.ip}:8080`,
          handler: random.pick(['/api/v1/orders', '/api/v1/cart', '/healthz']),
          severity: 'warning',
        },
      });
    }
  }
  // A replaced pod's series go stale, so its alert resolves when the pod is deleted.
  for (const alert of alerts) alert.endMs = Math.min(alert.endMs, alert.pod.deletedMs);
  emitAlerts(
    world,
    incident,
    alerts.filter((alert) => alert.startMs < alert.endMs),
  );
}

/** A CronJob whose every run fails: one Job per run, named after its scheduled minute, and its pod. */
function cronJobFailures(world, random, incident) {
  const { fromMs, untilMs, cluster } = incident;
  const name = freeName(
    world,
    cluster,
    'batch',
    () => `${random.pick(['report', 'backup', 'sync', 'cleanup'])}-${random.chars(3, 'abcdefghij')}`,
  );
  const cronJob = world.addObject(cluster, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    namespace: 'batch',
    name,
    createdMs: START_MS - 10 * 24 * HOUR_MS,
  });
  const everyMs = 15 * MINUTE_MS;
  const alerts = [];
  for (let at = Math.ceil(fromMs / everyMs) * everyMs, order = 0; at < untilMs; at += everyMs, order++) {
    const job = world.addObject(cluster, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'batch',
      name: `${name}-${Math.floor(at / MINUTE_MS)}`,
      createdMs: at,
      owner: cronJob,
    });
    const pod = world.addObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'batch',
      name: `${job.name}-${random.chars(5)}`,
      createdMs: at + 1_000,
      owner: job,
      nodeName: random.pick(cluster.nodes).name,
    });
    emitEventSeries(world, random, incident, {
      object: pod,
      reason: 'BackOff',
      message: `Back-off restarting failed container ${name} in pod ${pod.name}_batch(${pod.uid})`,
      component: 'kubelet',
      fromMs: at + MINUTE_MS,
      untilMs: at + 4 * MINUTE_MS,
      everyMs: MINUTE_MS,
    });
    emitEventSeries(world, random, incident, {
      object: job,
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      component: 'job-controller',
      fromMs: at + 5 * MINUTE_MS,
      untilMs: at + 6 * MINUTE_MS,
      everyMs: MINUTE_MS,
    });
    alerts.push({
      order,
      startMs: at + 6 * MINUTE_MS,
      endMs: at + everyMs + 6 * MINUTE_MS,
      runbook: 'kubernetes',
      summary: 'Job failed to complete.',
      labels: {
        alertname: 'KubeJobFailed',
        ...ksmLabels(cluster),
        namespace: 'batch',
        job_name: job.name,
        condition: 'true',
        severity: 'warning',
      },
    });
  }
  emitAlerts(world, incident, alerts);
}

/** A database whose volume fills up: the PVC alert, then readiness failures of its pod as alert and Events. */
function volumeFull(world, random, incident) {
  const { fromMs, untilMs, cluster } = incident;
  const name = freeName(world, cluster, 'data', () => `postgres-${random.chars(4)}`);
  const pod = world.statefulSetPods(cluster, 'data', name, 1)[0];
  const node = cluster.nodes.find((candidate) => candidate.name === pod.nodeName);
  emitAlerts(world, incident, [
    {
      startMs: fromMs,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'PersistentVolume is filling up.',
      labels: {
        alertname: 'KubePersistentVolumeFillingUp',
        endpoint: 'https-metrics',
        instance: `${node?.ip ?? '10.0.0.1'}:10250`,
        job: 'kubelet',
        metrics_path: '/metrics',
        namespace: 'data',
        node: pod.nodeName,
        persistentvolumeclaim: `data-${pod.name}`,
        prometheus: PROMETHEUS,
        service: 'kube-prometheus-stack-kubelet',
        severity: 'critical',
      },
    },
    {
      startMs: fromMs + 20 * MINUTE_MS,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Pod has been in a non-ready state for more than 15 minutes.',
      labels: { alertname: 'KubePodNotReady', namespace: 'data', pod: pod.name, severity: 'warning' },
    },
  ]);
  emitEventSeries(world, random, incident, {
    object: pod,
    reason: 'Unhealthy',
    message: 'Readiness probe failed: could not write to data directory: no space left on device',
    component: 'kubelet',
    fromMs: fromMs + 5 * MINUTE_MS,
    untilMs,
    everyMs: random.int(3, 6) * MINUTE_MS,
  });
}

/** Two unrelated problems of one pod (CPU throttling and memory near its limit): two incidents, never one. */
function twoProblemsOnePod(world, random, incident, deployment) {
  const { fromMs, untilMs } = incident;
  const pod = deployment.current.pods.find((candidate) => candidate.deletedMs > untilMs);
  if (pod === undefined) return;
  const labels = { container: deployment.name, namespace: deployment.namespace, pod: pod.name };
  emitAlerts(world, { ...incident, truth: `${incident.truth}-cpu` }, [
    {
      startMs: fromMs,
      endMs: untilMs,
      runbook: 'kubernetes',
      summary: 'Processes experience elevated CPU throttling.',
      labels: { alertname: 'CPUThrottlingHigh', ...labels, severity: 'info' },
    },
  ]);
  const memoryFromMs = fromMs + random.int(0, 20) * MINUTE_MS;
  emitAlerts(world, { ...incident, truth: `${incident.truth}-memory` }, [
    {
      startMs: memoryFromMs,
      endMs: untilMs + random.int(0, 20) * MINUTE_MS,
      runbook: 'app',
      summary: 'Container memory is above 90% of its limit.',
      labels: { alertname: 'ContainerMemoryNearLimit', ...labels, severity: 'warning' },
    },
  ]);
}

const SCENARIOS = [
  'rollout',
  'crash-loop',
  'node-failure',
  'flapping',
  'volatile-labels',
  'look-alike-names',
  'same-name-elsewhere',
  'events-with-alerts',
  'cronjob-failures',
  'two-problems-one-pod',
];

/** A free Deployment for an incident: `name` in `namespace` unless given, claimed for the incident's time. */
function freeDeployment(world, random, cluster, { namespace, name } = {}) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const chosenNamespace = namespace ?? random.pick(APP_NAMESPACES);
    const chosenName = name ?? random.pick(APP_NAMES);
    if (world.claim(cluster, `${chosenNamespace}/${chosenName}`)) {
      return world.deployment(cluster, chosenNamespace, chosenName);
    }
  }
  if (namespace !== undefined && name !== undefined) return undefined;
  // The usual names are taken (long streams): a team namespace of its own, as large clusters have hundreds.
  for (let attempt = 0; attempt < 50; attempt++) {
    const chosenNamespace = `team-${random.chars(4, 'abcdefghij')}`;
    const chosenName = name ?? random.pick(APP_NAMES);
    if (world.claim(cluster, `${chosenNamespace}/${chosenName}`)) {
      return world.deployment(cluster, chosenNamespace, chosenName);
    }
  }
  return undefined;
}

function runIncident(world, random, scenario, base) {
  const cluster = base.cluster;
  const incident = (suffix = '') => ({ ...base, truth: `${base.truth}${suffix}` });
  switch (scenario) {
    case 'rollout':
    case 'crash-loop':
    case 'volatile-labels':
    case 'two-problems-one-pod': {
      const deployment = freeDeployment(world, random, cluster);
      if (deployment === undefined) return;
      const run =
        { rollout, 'crash-loop': crashLoop, 'volatile-labels': volatileLabels }[scenario] ?? twoProblemsOnePod;
      run(world, random, incident(), deployment);
      return;
    }
    case 'node-failure':
      nodeFailure(world, random, incident());
      return;
    case 'flapping':
      flapping(world, random, incident());
      return;
    case 'events-with-alerts':
      volumeFull(world, random, incident());
      return;
    case 'cronjob-failures':
      cronJobFailures(world, random, incident());
      return;
    case 'look-alike-names': {
      // `web` and `web-api` in one namespace crash at the same time, for unrelated reasons.
      const namespace = `storefront-${random.chars(3, 'abcdefghij')}`;
      for (const name of ['web', 'web-api']) {
        const deployment = freeDeployment(world, random, cluster, { namespace, name });
        if (deployment) crashLoop(world, random, incident(`-${name}`), deployment);
      }
      return;
    }
    case 'same-name-elsewhere': {
      // `api` crashes in two namespaces of one cluster and in another cluster at once: three problems.
      const suffix = random.chars(3, 'abcdefghij');
      const places = [
        [cluster, `payments-${suffix}`],
        [cluster, `orders-${suffix}`],
        [world.cluster(world.otherCluster(cluster.id)), `payments-${suffix}`],
      ];
      for (const [where, namespace] of places) {
        const deployment = freeDeployment(world, random, where, { namespace, name: 'api' });
        if (deployment)
          crashLoop(
            world,
            random,
            { ...incident(`-${where.id}-${namespace}`), cluster: where, clusterId: where.id },
            deployment,
          );
      }
      return;
    }
  }
}

function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      clusters: { type: 'string', default: 'prod-a,prod-b' },
      incidents: { type: 'string', default: '8' },
      objects: { type: 'string' },
    },
    strict: true,
  });
  const seed = Number(values.seed);
  const perScenario = Number(values.incidents);
  const clusterIds = values.clusters.split(',').filter((id) => id !== '');
  if (!Number.isInteger(seed) || !Number.isInteger(perScenario) || perScenario < 1 || clusterIds.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const random = createRandom(seed);
  // Enough nodes and workloads that each node fails once and each workload belongs to one incident.
  const world = createWorld(random, {
    nodesPerCluster: Math.max(6, Math.ceil(perScenario / 2) + 2),
    backgroundWorkloads: Math.max(BACKGROUND_NAMES.length, perScenario * 2),
  });
  world.otherCluster = (id) => clusterIds.find((candidate) => candidate !== id) ?? id;
  for (const id of clusterIds) world.cluster(id);
  for (const scenario of SCENARIOS) {
    for (let n = 1; n <= perScenario; n++) {
      const cluster = world.cluster(random.pick(clusterIds));
      const fromMs = START_MS + random.int(0, WINDOW_MS / MINUTE_MS) * MINUTE_MS;
      const untilMs = fromMs + random.int(30, 120) * MINUTE_MS;
      runIncident(world, random, scenario, {
        scenario,
        truth: `${scenario}-${n}`,
        cluster,
        clusterId: cluster.id,
        fromMs,
        untilMs,
      });
    }
  }
  const ordered = world.lines
    .map((line, index) => ({ line, index }))
    .sort((a, b) => a.line.t - b.line.t || a.index - b.index);
  process.stdout.write(ordered.map(({ line }) => `${JSON.stringify(line)}\n`).join(''));
  // Incidents whose objects were all taken by earlier ones are left out; the summary shows how many were made.
  for (const scenario of SCENARIOS) {
    const lines = world.lines.filter((line) => line.scenario === scenario);
    const incidents = new Set(lines.map((line) => line.truth)).size;
    process.stderr.write(`${scenario}: ${incidents} incidents, ${lines.length} lines\n`);
  }
  if (values.objects !== undefined) {
    writeFileSync(values.objects, world.objects.map((object) => `${JSON.stringify(object)}\n`).join(''));
  }
}

main();
