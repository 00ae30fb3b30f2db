import { SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { alertmanagerSource } from './alertmanager/alertmanager-source.js';
import { kubernetesEventSource } from './kubernetes-event/kubernetes-event-source.js';
import type { ParseResult } from './source-definition.js';
import { jsonRequest, sourceContext } from './testing/source-request.js';

function parseFixture(fixture: string): Promise<ParseResult> {
  const request = jsonRequest(readFixture(fixture));
  return fixture.startsWith('alertmanager_')
    ? alertmanagerSource.parse(request, sourceContext(alertmanagerSource))
    : kubernetesEventSource.parse(request, sourceContext(kubernetesEventSource));
}

describe('signal drafts', () => {
  it.each([
    'alertmanager_v4_firing_multi.json',
    'alertmanager_v4_mixed_firing_resolved.json',
    'alertmanager_v4_resolved.json',
    'k8s_core_v1_event_warning_backoff_watch.json',
    'k8s_core_v1_event_warning_failedscheduling.json',
    'k8s_core_v1_event_warning_oomkilling_npd.json',
    'k8s_events_v1_event_warning_backoff.json',
    'k8s_events_v1_event_warning_failedscheduling.json',
  ])('from %s satisfy the SignalDraft contract unchanged', async (fixture) => {
    const result = await parseFixture(fixture);

    expect(result.signals.length).toBeGreaterThan(0);
    for (const signal of result.signals) expect(SignalDraftSchema.parse(signal)).toEqual(signal);
  });
});
