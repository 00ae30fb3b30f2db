import type { CrdDefinition } from './crd-definition.js';

/** Built-in groups the sandbox serves besides the CRD's; owner-chain kinds are read-only seeded objects. */
export const BUILTIN_GROUPS = [
  { group: 'authentication.k8s.io', version: 'v1' },
  { group: 'apps', version: 'v1' },
  { group: 'batch', version: 'v1' },
] as const;

/** Seeded (read-only) kinds the gateway's owner strategy GETs, keyed by `group/version` ('' group = core). */
export const SEEDED_KINDS = [
  { groupVersion: 'v1', plural: 'pods', kind: 'Pod', singular: 'pod' },
  { groupVersion: 'apps/v1', plural: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset' },
  { groupVersion: 'apps/v1', plural: 'deployments', kind: 'Deployment', singular: 'deployment' },
  { groupVersion: 'apps/v1', plural: 'statefulsets', kind: 'StatefulSet', singular: 'statefulset' },
  { groupVersion: 'apps/v1', plural: 'daemonsets', kind: 'DaemonSet', singular: 'daemonset' },
  { groupVersion: 'batch/v1', plural: 'jobs', kind: 'Job', singular: 'job' },
  { groupVersion: 'batch/v1', plural: 'cronjobs', kind: 'CronJob', singular: 'cronjob' },
] as const;

const READ_VERBS = ['get', 'list'];

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-kube-sandbox',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function resourceList(groupVersion: string, crd: CrdDefinition): unknown | undefined {
  const seeded = SEEDED_KINDS.filter((k) => k.groupVersion === groupVersion).map((k) => ({
    name: k.plural,
    singularName: k.singular,
    namespaced: true,
    kind: k.kind,
    verbs: READ_VERBS,
  }));
  let resources: unknown[] = seeded;
  if (groupVersion === 'v1') {
    resources = [
      {
        name: 'namespaces',
        singularName: 'namespace',
        namespaced: false,
        kind: 'Namespace',
        verbs: READ_VERBS,
        shortNames: ['ns'],
      },
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: READ_VERBS, shortNames: ['ev'] },
      ...seeded,
    ];
  } else if (groupVersion === 'authentication.k8s.io/v1') {
    resources = [
      { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
    ];
  } else if (groupVersion === `${crd.group}/${crd.version}`) {
    resources = [
      {
        name: crd.plural,
        singularName: crd.singular,
        namespaced: crd.namespaced,
        kind: crd.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: crd.shortNames,
        categories: ['all'],
      },
      ...(crd.hasStatusSubresource
        ? [
            {
              name: `${crd.plural}/status`,
              singularName: '',
              namespaced: crd.namespaced,
              kind: crd.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ];
  } else if (seeded.length === 0) {
    return undefined;
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function apiGroup(group: string, version: string): Record<string, unknown> {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

export function groupList(crd: CrdDefinition): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: allGroups(crd).map((g) => apiGroup(g.group, g.version)) };
}

export function groupDocument(group: string, crd: CrdDefinition): unknown | undefined {
  const found = allGroups(crd).find((g) => g.group === group);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.group, found.version) } : undefined;
}

function allGroups(crd: CrdDefinition): { group: string; version: string }[] {
  return [{ group: crd.group, version: crd.version }, ...BUILTIN_GROUPS];
}
