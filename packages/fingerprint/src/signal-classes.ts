import type { SignalClassSettings } from './fingerprinter.js';
import { globMatches } from './glob-match.js';

/**
 * The shipped classes (`fingerprint.signalClasses.defaults`), for the kube-prometheus-stack alert rules and the
 * kubelet, scheduler, node and controller Event reasons. A class holds only names that, on one object, are one
 * problem seen from several sides; names that describe different problems of the same object (high CPU and high
 * memory, a full disk and a full inode table) are in different classes, because one remediation would leave the
 * other problem unfixed. The table is documented in docs/fingerprints-and-windows.md#signal-classes.
 */
export const DEFAULT_SIGNAL_CLASSES: readonly SignalClassSettings[] = [
  {
    // The workload's pods do not run or serve, as each observer reports it: the pod (crash loop, readiness), the
    // kubelet (back-off, probes), the controller waiting for them (a rollout or replica count that never completes,
    // a Job that gives up) and the StatefulSet volume they write to. A class only merges signals whose owner walk
    // reached the same workload, and a rollout stuck on crashing pods or a database failing on its full volume is
    // fixed by one remediation.
    name: 'pod-unhealthy',
    signals: [
      'KubePodCrashLooping',
      'KubePodNotReady',
      'KubeContainerWaiting',
      'BackOff',
      'CrashLoopBackOff',
      'Unhealthy',
      'ProbeWarning',
      'KubeDeploymentReplicasMismatch',
      'KubeDeploymentRolloutStuck',
      'KubeStatefulSetReplicasMismatch',
      'KubeDaemonSetRolloutStuck',
      'KubeJobFailed',
      'KubeJobNotCompleted',
      'BackoffLimitExceeded',
      'DeadlineExceeded',
      'KubePersistentVolumeFillingUp',
    ],
  },
  { name: 'image-pull', signals: ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InspectFailed'] },
  { name: 'pod-unschedulable', signals: ['FailedScheduling', 'NotTriggerScaleUp', 'KubeDaemonSetNotScheduled'] },
  { name: 'volume-mount', signals: ['FailedMount', 'FailedAttachVolume'] },
  { name: 'oom', signals: ['OOMKilling', 'OOMKilled', 'KubeContainerOOMKilled'] },
  {
    name: 'workload-generation',
    signals: [
      'KubeDeploymentGenerationMismatch',
      'KubeStatefulSetGenerationMismatch',
      'KubeStatefulSetUpdateNotRolledOut',
    ],
  },
  { name: 'hpa-capacity', signals: ['KubeHpaReplicasMismatch', 'KubeHpaMaxedOut'] },
  {
    name: 'node-not-ready',
    signals: ['KubeNodeNotReady', 'KubeNodeUnreachable', 'KubeNodeReadinessFlapping', 'NodeNotReady'],
  },
  { name: 'node-disk-space', signals: ['NodeFilesystemSpaceFillingUp', 'NodeFilesystemAlmostOutOfSpace'] },
  { name: 'node-disk-inodes', signals: ['NodeFilesystemFilesFillingUp', 'NodeFilesystemAlmostOutOfFiles'] },
  { name: 'node-disk-pressure', signals: ['NodeHasDiskPressure', 'EvictionThresholdMet', 'FreeDiskSpaceFailed'] },
  { name: 'node-memory-pressure', signals: ['NodeHasInsufficientMemory', 'NodeMemoryHighUtilization'] },
  { name: 'node-cpu', signals: ['NodeCPUHighUsage', 'NodeLoadHigh'] },
  { name: 'quota', signals: ['KubeQuotaAlmostFull', 'KubeQuotaFullyUsed', 'KubeQuotaExceeded'] },
  { name: 'probe-failed', signals: ['ProbeFailed', 'BlackboxProbeFailed', 'BlackboxProbeHttpFailure'] },
];

/** The first class one of whose globs matches the signal name. */
export function signalClassOf(signalName: string, classes: readonly SignalClassSettings[]): string | undefined {
  return classes.find((candidate) => candidate.signals.some((glob) => globMatches(glob, signalName)))?.name;
}
