import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNAL_CLASSES, signalClassOf } from './signal-classes.js';
import { DEFAULT_TARGET_RULES } from './target-rules.js';

const DOC = new URL('../../../docs/fingerprints-and-windows.md', import.meta.url);

/** Rows `| \`name\` | cells |` of the table under `heading`. */
function documentedRows(heading: string): [string, string][] {
  const text = readFileSync(DOC, 'utf8');
  const section = text.slice(text.indexOf(heading), text.indexOf('\n### ', text.indexOf(heading) + 1));
  return [...section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)].map((row) => [row[1] ?? '', (row[2] ?? '').trim()]);
}

describe('signal classes', () => {
  it('documents the shipped table exactly', () => {
    expect(documentedRows('### Signal classes')).toEqual(
      DEFAULT_SIGNAL_CLASSES.map((signalClass) => [signalClass.name, signalClass.signals.join(', ')]),
    );
  });

  it('documents every shipped target rule', () => {
    expect(documentedRows('### Target rules').map(([name]) => name)).toEqual(DEFAULT_TARGET_RULES.map((r) => r.name));
  });

  it('puts no signal name in two classes and keeps CPU and memory problems apart', () => {
    const names = DEFAULT_SIGNAL_CLASSES.flatMap((signalClass) => signalClass.signals);
    expect(new Set(names).size).toBe(names.length);
    expect(signalClassOf('NodeCPUHighUsage', DEFAULT_SIGNAL_CLASSES)).not.toBe(
      signalClassOf('NodeMemoryHighUtilization', DEFAULT_SIGNAL_CLASSES),
    );
    expect(signalClassOf('CPUThrottlingHigh', DEFAULT_SIGNAL_CLASSES)).toBeUndefined();
  });

  it('joins the controller and volume views of failing pods to the pods own signals, not other causes', () => {
    const podClass = signalClassOf('KubePodCrashLooping', DEFAULT_SIGNAL_CLASSES);
    for (const name of [
      'KubeDeploymentRolloutStuck',
      'KubeJobFailed',
      'BackoffLimitExceeded',
      'KubePersistentVolumeFillingUp',
    ]) {
      expect(signalClassOf(name, DEFAULT_SIGNAL_CLASSES)).toBe(podClass);
    }
    for (const name of ['ImagePullBackOff', 'FailedScheduling', 'OOMKilled', 'NodeNotReady', 'KubeHpaMaxedOut']) {
      expect(signalClassOf(name, DEFAULT_SIGNAL_CLASSES)).not.toBe(podClass);
    }
  });

  it('lets a configured class win over the shipped one with the first matching glob', () => {
    const classes = [{ name: 'crash', signals: ['*Crash*'] }, ...DEFAULT_SIGNAL_CLASSES];
    expect(signalClassOf('KubePodCrashLooping', classes)).toBe('crash');
    expect(signalClassOf('KubePodNotReady', classes)).toBe('pod-unhealthy');
  });
});
