import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { kubernetesEventSource } from './kubernetes-event-source.js';

type Json = Record<string, unknown>;

function parse(body: unknown, overrides: Parameters<typeof sourceContext>[1] = {}) {
  return kubernetesEventSource.parse(jsonRequest(body), sourceContext(kubernetesEventSource, overrides));
}

function inputOf(signal: SignalDraft): string {
  return fingerprintInput({ signalName: signal.signalName, target: signal.target });
}

function withoutPayload(signal: SignalDraft | undefined): Omit<SignalDraft, 'originalPayload'> {
  const { originalPayload: _payload, ...rest } = signal!;
  return rest;
}

/** A minimal valid core/v1 Warning event, with fields overridden or removed (`undefined`). */
function warningEvent(overrides: Json = {}): Json {
  const event: Json = {
    apiVersion: 'v1',
    kind: 'Event',
    type: 'Warning',
    reason: 'BackOff',
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
    metadata: { uid: 'u-1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' },
    ...overrides,
  };
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined));
}

async function parseError(body: unknown, options?: unknown): Promise<SourceInputError> {
  const error = await parse(body, { options }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

const BACKOFF_FINGERPRINT = '88d94ba53731e40e709440d05b49aed5dac4447872b3e01569c61f62a2384c93';
const BACKOFF_MESSAGE =
  'Back-off restarting failed container memory-hog in pod memory-hog-77bc84f698-8ddlj_chq-demo-apps(e69d4c5d-3334-454b-8886-f31bc5139dbe)';
const NODE = 'ip-10-181-10-113.us-east-2.compute.internal';

describe('kubernetesEventSource', () => {
  it('turns the BackOff watch envelope into the worked-example signal', async () => {
    const body = readFixture<{ object: Json }>('k8s_core_v1_event_warning_backoff_watch.json');
    const result = await parse(body);

    expect(result.ignored).toEqual([]);
    expect(result.rejected).toEqual([]);
    expect(result.signals).toEqual([
      {
        index: 0,
        source: 'kubernetes-event',
        sourceType: 'kubernetes-event',
        signalSource: 'kubernetes-events',
        status: 'firing',
        signalName: 'BackOff',
        severity: 'Warning',
        namespace: 'chq-demo-apps',
        target: {
          type: 'kubernetes',
          kind: 'Pod',
          name: 'memory-hog-77bc84f698-8ddlj',
          namespace: 'chq-demo-apps',
          apiVersion: 'v1',
          scope: 'chq-demo-apps',
        },
        clusterId: '',
        firingTime: '2024-11-19T19:27:22.000Z',
        labels: {
          'kubernaut.ai/event-source': 'kubelet',
          'kubernaut.ai/event-type': 'warning',
          'kubernaut.ai/resource-kind': 'pod',
        },
        annotations: {
          'kubernaut.ai/event-message': BACKOFF_MESSAGE,
          'kubernaut.ai/event-count': '4',
          'kubernaut.ai/source-host': NODE,
          'kubernaut.ai/first-timestamp': '2024-11-19T19:27:22.000Z',
          'kubernaut.ai/last-timestamp': '2024-11-19T19:28:06.000Z',
        },
        providerData: {
          namespace: 'chq-demo-apps',
          resource: {
            kind: 'Pod',
            name: 'memory-hog-77bc84f698-8ddlj',
            namespace: 'chq-demo-apps',
            apiVersion: 'v1',
            uid: 'e69d4c5d-3334-454b-8886-f31bc5139dbe',
            fieldPath: 'spec.containers{memory-hog}',
          },
          eventName: 'memory-hog-77bc84f698-8ddlj.1809753e7d7f8595',
          eventUid: 'fcb5016d-ada6-464c-96c7-d143a305b38f',
          reportingComponent: 'kubelet',
          reportingInstance: NODE,
          count: 4,
          lastTimestamp: '2024-11-19T19:28:06.000Z',
        },
        originalPayload: body.object,
        deliveryKey: 'fcb5016d-ada6-464c-96c7-d143a305b38f|36607031',
        fingerprintInput: null,
      },
    ]);
    expect(inputOf(result.signals[0]!)).toBe('BackOff:chq-demo-apps:Pod:memory-hog-77bc84f698-8ddlj');
  });

  it('reads the events.k8s.io/v1 BackOff event exactly like its core/v1 form', async () => {
    const core = await parse(readFixture('k8s_core_v1_event_warning_backoff_watch.json'));
    const body = readFixture('k8s_events_v1_event_warning_backoff.json');
    const v1 = await parse(body);

    expect(withoutPayload(v1.signals[0])).toEqual(withoutPayload(core.signals[0]));
    expect(v1.signals[0]!.originalPayload).toEqual(body);
    for (const signal of [...core.signals, ...v1.signals]) {
      expect(computeFingerprint({ signalName: signal.signalName, target: signal.target })).toBe(BACKOFF_FINGERPRINT);
    }
  });

  it('takes firingTime from eventTime and count from series for scheduler events in both API versions', async () => {
    const core = await parse(readFixture('k8s_core_v1_event_warning_failedscheduling.json'));
    const v1 = await parse(readFixture('k8s_events_v1_event_warning_failedscheduling.json'));

    for (const result of [core, v1]) {
      const signal = result.signals[0]!;
      expect(signal.signalName).toBe('FailedScheduling');
      expect(signal.firingTime).toBe('2024-11-19T19:40:03.118Z');
      expect(signal.labels['kubernaut.ai/event-source']).toBe('default-scheduler');
      expect(signal.annotations['kubernaut.ai/event-count']).toBe('6');
      expect(signal.annotations['kubernaut.ai/last-timestamp']).toBe('2024-11-19T19:45:12.502Z');
      expect(signal.annotations['kubernaut.ai/first-timestamp']).toBeUndefined();
      expect(signal.deliveryKey).toBe('0b7e2c91-5a4d-4f3e-9c61-7d2a8e1f4b53|48211890');
      expect(inputOf(signal)).toBe('FailedScheduling:shop:Pod:checkout-7d9f8b6c4d-x2k9p');
    }
    expect(withoutPayload(v1.signals[0])).toEqual(withoutPayload(core.signals[0]));
  });

  it('targets the Node without a namespace for the node-problem-detector OOMKilling event', async () => {
    const result = await parse(readFixture('k8s_core_v1_event_warning_oomkilling_npd.json'));
    const signal = result.signals[0]!;

    expect(signal.namespace).toBe('');
    expect(signal.target).toEqual({ type: 'kubernetes', kind: 'Node', name: NODE, scope: '' });
    expect(signal.labels).toEqual({
      'kubernaut.ai/event-source': 'kernel-monitor',
      'kubernaut.ai/event-type': 'warning',
      'kubernaut.ai/resource-kind': 'node',
    });
    expect(inputOf(signal)).toBe(`OOMKilling::Node:${NODE}`);
  });

  it.each(['k8s_core_v1_event_normal_pulled_watch.json', 'k8s_core_v1_event_normal_scalingreplicaset.json'])(
    'ignores the Normal event in %s',
    async (fixture) => {
      const result = await parse(readFixture(fixture));

      expect(result).toEqual({ signals: [], ignored: [{ index: 0, reason: 'normal_event' }], rejected: [] });
    },
  );

  it('accepts Error events and lets severityMap map the type', async () => {
    const result = await parse(warningEvent({ type: 'Error' }), { settings: { severityMap: { Error: 'critical' } } });

    expect(result.signals[0]!.severity).toBe('critical');
    expect(result.signals[0]!.labels['kubernaut.ai/event-type']).toBe('error');
  });

  it.each([
    [
      'an unknown type',
      warningEvent({ type: 'Fatal' }),
      '/type',
      'type must be "Warning" or "Error" ("Normal" is ignored), got "Fatal"',
    ],
    [
      'an empty type',
      warningEvent({ type: '' }),
      '/type',
      'type must be "Warning" or "Error" ("Normal" is ignored), got ""',
    ],
    ['a missing reason', warningEvent({ reason: undefined }), '/reason', 'reason is required'],
    [
      'a missing kind',
      warningEvent({ involvedObject: { name: 'web-1' } }),
      '/involvedObject/kind',
      'involvedObject.kind is required',
    ],
    [
      'an empty name',
      warningEvent({ involvedObject: { kind: 'Pod', name: '' } }),
      '/involvedObject/name',
      'involvedObject.name is required',
    ],
    [
      'a regarding without kind',
      warningEvent({ involvedObject: undefined, regarding: { name: 'web-1' } }),
      '/regarding/kind',
      'regarding.kind is required',
    ],
  ])('rejects an event with %s', async (_case, body, pointer, message) => {
    const result = await parse(body);

    expect(result.signals).toEqual([]);
    expect(result.rejected).toEqual([{ index: 0, pointer, message }]);
  });

  it('treats each list item as its own signal and points rejections into the list', async () => {
    const list = { items: [warningEvent(), warningEvent({ type: 'Normal' }), warningEvent({ reason: '' }), 'oops'] };
    const result = await parse(list);

    expect(result.signals.map((s) => s.index)).toEqual([0]);
    expect(result.ignored).toEqual([{ index: 1, reason: 'normal_event' }]);
    expect(result.rejected).toEqual([
      { index: 2, pointer: '/items/2/reason', message: 'items[2].reason is required' },
      { index: 3, pointer: '/items/3', message: 'items[3] must be an Event object' },
    ]);
  });

  it('points rejections inside a watch envelope at the object', async () => {
    const result = await parse({ type: 'ADDED', object: warningEvent({ reason: undefined }) });

    expect(result.rejected).toEqual([{ index: 0, pointer: '/object/reason', message: 'object.reason is required' }]);
  });

  it('throws SourceInputError naming the limit when a list exceeds maxEventsPerRequest', async () => {
    const error = await parseError(
      { items: [warningEvent(), warningEvent(), warningEvent()] },
      { maxEventsPerRequest: 2 },
    );

    expect(error.message).toBe('too many events: items has 3, at most 2 are accepted per request; split the list');
    expect(error.pointer).toBe('/items');
  });

  it('accepts a list of exactly maxEventsPerRequest events by default', async () => {
    const result = await parse({ items: Array.from({ length: 100 }, () => warningEvent()) });

    expect(result.signals).toHaveLength(100);
  });

  it.each([
    [
      'an ERROR watch event',
      { type: 'ERROR', object: { kind: 'Status', message: 'too old resource version' } },
      'watch ERROR event cannot be turned into a signal: too old resource version',
      '/object',
    ],
    [
      'an unknown watch type',
      { type: 'SYNC', object: warningEvent() },
      'unknown watch event type "SYNC": expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR',
      '/type',
    ],
    ['an empty list', { items: [] }, 'no events in list: items is empty', '/items'],
    ['a body that is not an object', 'Warning', 'body must be a Kubernetes Event, watch event or list JSON object', ''],
  ])('throws SourceInputError for %s', async (_case, body, message, pointer) => {
    const error = await parseError(body);

    expect(error.message).toBe(message);
    expect(error.pointer).toBe(pointer);
  });

  it.each([
    ['DELETED', 'watch_deleted'],
    ['BOOKMARK', 'watch_bookmark'],
  ])('ignores a %s watch event', async (type, reason) => {
    const result = await parse({ type, object: warningEvent() });

    expect(result).toEqual({ signals: [], ignored: [{ index: 0, reason }], rejected: [] });
  });

  it('falls back to uid|count|lastTimestamp without resourceVersion, and to null without uid', async () => {
    const noVersion = await parse(
      warningEvent({ metadata: { uid: 'u-1' }, count: 3, lastTimestamp: '2024-01-01T00:05:00+0000' }),
    );
    const noUid = await parse(warningEvent({ metadata: { resourceVersion: '7' } }));

    expect(noVersion.signals[0]!.deliveryKey).toBe('u-1|3|2024-01-01T00:05:00.000Z');
    expect(noUid.signals[0]!.deliveryKey).toBeNull();
  });

  it('takes firingTime from creationTimestamp when the event has no other time, else leaves it unset', async () => {
    const created = await parse(warningEvent());
    const none = await parse(warningEvent({ metadata: { uid: 'u-1' } }));

    expect(created.signals[0]!.firingTime).toBe('2024-01-01T00:00:00.000Z');
    expect(none.signals[0]!.firingTime).toBeUndefined();
  });

  it('uses the involved object namespace, not the namespace the Event lives in', async () => {
    const result = await parse(
      warningEvent({ involvedObject: { kind: 'Pod', name: 'web-1' }, metadata: { uid: 'u', namespace: 'default' } }),
    );

    expect(result.signals[0]!.namespace).toBe('');
    expect(result.signals[0]!.target).toEqual({ type: 'kubernetes', kind: 'Pod', name: 'web-1', scope: '' });
  });

  it('cuts the event-source label value to 63 bytes', async () => {
    const result = await parse(warningEvent({ source: { component: `${'c'.repeat(61)}ü!` } }));

    expect(result.signals[0]!.labels['kubernaut.ai/event-source']).toBe(`${'c'.repeat(61)}ü`);
  });
});
