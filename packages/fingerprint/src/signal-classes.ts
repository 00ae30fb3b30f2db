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
    name: 'pod-unhealthy',
    signals: [
      'KubePodCrashLooping',
      'KubePodNotReady',
      'KubeContainerWaiting',
      'BackOff',
      'CrashLoopBackOff',
      'Unhealthy',
      'ProbeWarning',
    ],
  },
  { name: 'image-pull', signals: ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InspectFailed'] },
  { name: 'pod-unschedulable', signals: ['FailedScheduling', 'NotTriggerScaleUp'] },
  { name: 'volume-mount', signals: ['FailedMount', 'FailedAttachVolume'] },
  { name: 'oom', signals: ['OOMKilling', 'OOMKilled', 'KubeContainerOOMKilled'] },
  {
    name: 'workload-replicas',
    signals: [
      'KubeDeploymentReplicasMismatch',
      'KubeDeploymentRolloutStuck',
      'KubeStatefulSetReplicasMismatch',
      'KubeDaemonSetRolloutStuck',
      'KubeDaemonSetNotScheduled',
      'FailedCreate',
    ],
  },
  {
    name: 'workload-generation',
    signals: [
      'KubeDeploymentGenerationMismatch',
      'KubeStatefulSetGenerationMismatch',
      'KubeStatefulSetUpdateNotRolledOut',
    ],
  },
  { name: 'job-failed', signals: ['KubeJobFailed', 'KubeJobNotCompleted', 'BackoffLimitExceeded', 'DeadlineExceeded'] },
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
