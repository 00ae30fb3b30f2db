import {
  formatTimestamp,
  type NormalizedSignal,
  parseTimestamp,
  type RemediationRequestObject,
  type RemediationRequestSpec,
  RR_ANNOTATIONS,
  RR_API_VERSION,
  RR_KIND,
  RR_LABELS,
  remediationRequestName,
  type Target,
} from '@gateway/contracts';
import type { FingerprintEvidence } from '@gateway/fingerprint';
import { isClusterScopedKind } from './cluster-scoped-kinds.js';

export interface BuildRemediationRequestInput {
  signal: NormalizedSignal;
  fingerprint: string;
  /** Dedup window sequence number; part of the name and of the `dedup-window-seq` annotation. */
  seq: number;
  namespace: string;
  /** Fingerprint strategy that produced `fingerprint`, recorded for the orchestrator and operators. */
  strategy: string;
  /** Why the strategy chose this fingerprint; the default strategy's adds nothing to the RR. */
  evidence?: FingerprintEvidence;
  now: Date;
}

/**
 * What `providerData` says about a non-default fingerprint (docs/remediation-requests.md#spec): how the owner
 * was found, the signal's own object when the RR names another, the class, the target rule and the similarity match.
 */
function fingerprintProviderData(
  strategy: string,
  evidence: FingerprintEvidence | undefined,
  signalTarget: RemediationRequestSpec['targetResource'],
): Record<string, unknown> {
  if (strategy === 'default' || evidence === undefined) return {};
  return {
    fingerprintStrategy: strategy,
    ...(evidence.ownerResolution === undefined ? {} : { ownerResolution: evidence.ownerResolution }),
    ...(evidence.ownerChain === undefined ? {} : { ownerChain: evidence.ownerChain }),
    ...(evidence.resource === undefined ? {} : { signalResource: signalTarget }),
    ...(evidence.signalClass === undefined ? {} : { signalClass: evidence.signalClass }),
    ...(evidence.targetRule === undefined ? {} : { targetRule: evidence.targetRule }),
    ...(evidence.rule === undefined ? {} : { fingerprintRule: evidence.rule }),
    ...(evidence.similarity === undefined ? {} : { similarity: evidence.similarity }),
  };
}

/** The RemediationRequest for one dedup window. Pure: the same input always gives the same object. */
export function buildRemediationRequest(input: BuildRemediationRequestInput): RemediationRequestObject {
  const { signal, fingerprint, seq, namespace, strategy, evidence, now } = input;
  const target = signal.target ?? unknownTarget(signal.namespace);
  const receivedTime = normalizeTime(signal.receivedTime, now);
  const signalResource = targetResource(target, signal.namespace);
  const spec: RemediationRequestSpec = {
    signalFingerprint: fingerprint,
    signalName: signal.signalName,
    severity: signal.severity,
    signalType: 'alert',
    signalSource: signal.signalSource,
    targetType: target.type,
    // The object the fingerprint names (the Deployment of a crash-looping pod), so one remediation fixes the problem.
    targetResource: evidence?.resource
      ? targetResource(
          { type: 'kubernetes', ...evidence.resource, scope: evidence.resource.namespace },
          signal.namespace,
        )
      : signalResource,
    firingTime: normalizeTime(signal.firingTime, new Date(receivedTime)),
    receivedTime,
    signalLabels: { ...signal.labels },
    signalAnnotations: { ...signal.annotations },
    providerData: JSON.stringify({
      ...signal.providerData,
      ...fingerprintProviderData(strategy, evidence, signalResource),
    }),
    originalPayload: JSON.stringify(signal.originalPayload),
  };
  // Hub routing is the only one built: an RR for another cluster lives here and names that cluster.
  if (signal.clusterId !== '') spec.clusterID = signal.clusterId;
  return {
    apiVersion: RR_API_VERSION,
    kind: RR_KIND,
    metadata: {
      name: remediationRequestName(fingerprint, seq),
      namespace,
      labels: { ...RR_LABELS },
      annotations: {
        [RR_ANNOTATIONS.createdAt]: formatTimestamp(now),
        [RR_ANNOTATIONS.windowSeq]: String(seq),
        [RR_ANNOTATIONS.fingerprintStrategy]: strategy,
      },
    },
    spec,
  };
}

/** Kubernaut's placeholder for signals whose resource could not be resolved (docs/signals-and-sources.md). */
function unknownTarget(namespace: string): Target {
  return { type: 'kubernetes', kind: 'Unknown', name: 'unknown', namespace, scope: namespace };
}

/**
 * The signal's namespace stands in when the target has none: the Unknown placeholder of an alert without
 * resource labels still belongs to the alert's namespace (`default` when the alert has none:
 * docs/signals-and-sources.md#common-normalisation).
 */
function targetResource(target: Target, signalNamespace: string): RemediationRequestSpec['targetResource'] {
  const resource: RemediationRequestSpec['targetResource'] = { kind: target.kind, name: target.name };
  const namespace = target.namespace || signalNamespace;
  if (target.type === 'kubernetes' && namespace && !isClusterScopedKind(target.kind)) {
    resource.namespace = namespace;
  }
  if (target.apiVersion) resource.apiVersion = target.apiVersion;
  return resource;
}

/** The CRD requires date-time and the gateway writes one canonical form, whatever the source sent. */
function normalizeTime(value: string, fallback: Date): string {
  return formatTimestamp(parseTimestamp(value) ?? fallback);
}
