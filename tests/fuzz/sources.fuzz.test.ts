import { readFixture } from '@gateway/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fuzzRuns } from '../support/fuzz-runs.js';
import {
  type IngressOnly,
  type Posted,
  type PostOptions,
  type SnsEnvelope,
  type SnsSigner,
  snsPostOptions,
  startIngressOnly,
  startSnsSigner,
} from '../support/sources.js';

// Property: whatever a sender posts to any source route — arbitrary JSON, a fixture with keys dropped, types
// changed, huge or random-unicode strings, or raw bytes — the ingress answers 2xx or a 4xx problem+json with
// the members every problem has, never a 5xx (the queue and Redis are healthy here, so even a 503 is a failure), and
// it stays ready. CloudWatch mutations are re-signed so they get past the signature check to the parser.

const RUN_OPTIONS = fuzzRuns(150);
const BODY_LIMIT = 262_144;

/** The alarm fixture's 10-digit account is refused in `topicArns` by the config schema; see cloudwatch.test.ts. */
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerta-test';
const OK_TOPIC = 'arn:aws:sns:ap-northeast-1:257706363616:aws-sns-topic';

const PAGERDUTY = {
  type: 'custom',
  enabled: true,
  signalSource: 'pagerduty-events',
  mapping: {
    filter: "event_action in ['trigger','resolve']",
    status: "event_action = 'resolve' ? 'resolved' : 'firing'",
    signalName: '$exists(payload.summary) ? payload.summary : dedup_key',
    severity: 'payload.severity',
    target: { kind: "'StatefulSet'", name: 'payload.component', namespace: 'payload.group' },
    firingTime: 'payload.timestamp',
    labels: "{'class': payload.class, 'component': payload.component, 'group': payload.group}",
    annotations: "{'summary': payload.summary, 'source': payload.source}",
    providerData: "{'dedupKey': dedup_key, 'client': client, 'details': payload.custom_details}",
    deliveryKey: "dedup_key & '|' & event_action & '|' & payload.timestamp",
    fingerprintInput: "'pagerduty:' & dedup_key",
  },
};

type Json = unknown;

/** What one run posts: a JSON document built from a fixture or from nothing, or bytes that may not be JSON. */
type FuzzInput = { kind: 'json'; value: Json } | { kind: 'bytes'; bytes: Uint8Array };

interface FuzzTarget {
  name: string;
  route: string;
  fixtures: Json[];
  post(input: FuzzInput): Promise<Posted>;
}

// --- mutations --------------------------------------------------------------------------------------------------

type Path = (string | number)[];

function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push([...prefix, index]);
      paths(item, [...prefix, index], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      paths(item, [...prefix, key], out);
    }
  }
  return out;
}

type Mutation =
  | { op: 'drop'; pick: number }
  | { op: 'replace'; pick: number; value: Json }
  | { op: 'huge'; pick: number; length: number; char: string }
  | { op: 'unicode'; pick: number; text: string }
  | { op: 'empty'; pick: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    op: fc.constant('huge' as const),
    pick: fc.nat(),
    // Mostly under the body limit (the parser sees it), sometimes over it (413).
    length: fc.oneof(
      fc.integer({ min: 1_000, max: 100_000 }),
      fc.integer({ min: BODY_LIMIT - 2_000, max: BODY_LIMIT + 2_000 }),
    ),
    char: fc.constantFrom('a', 'é', '\u{1F600}', '\\', '"', '\u0000', ':'),
  }),
  fc.record({
    op: fc.constant('unicode' as const),
    pick: fc.nat(),
    text: fc.string({ unit: 'binary', maxLength: 80 }),
  }),
  fc.record({ op: fc.constant('empty' as const), pick: fc.nat() }),
);

function mutate(document: Json, mutations: Mutation[]): Json {
  let root = structuredClone(document);
  for (const mutation of mutations) {
    const all = paths(root);
    if (all.length === 0) {
      root = mutation.op === 'replace' ? mutation.value : root;
      continue;
    }
    const path = all[mutation.pick % all.length] as Path;
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], root) as
      | Record<string | number, Json>
      | Json[];
    const key = path[path.length - 1] as string | number;
    const set = (value: Json) => {
      (parent as Record<string | number, Json>)[key] = value;
    };
    switch (mutation.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete (parent as Record<string, Json>)[key];
        break;
      case 'replace':
        set(mutation.value);
        break;
      case 'huge':
        set(mutation.char.repeat(Math.ceil(mutation.length / mutation.char.length)));
        break;
      case 'unicode':
        set(mutation.text);
        break;
      case 'empty': {
        const current = (parent as Record<string | number, Json>)[key];
        set(Array.isArray(current) ? [] : current !== null && typeof current === 'object' ? {} : '');
        break;
      }
    }
  }
  return root;
}

/** Counterexamples print as a short summary: a mutated fixture can be megabytes of JSON. */
const labelled = (input: FuzzInput): FuzzInput =>
  Object.defineProperty(input, fc.toStringMethod, { value: () => describeInput(input), enumerable: false });

const inputArb = (fixtures: Json[]): fc.Arbitrary<FuzzInput> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...fixtures), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
        .map(([fixture, mutations]) => labelled({ kind: 'json', value: mutate(fixture, mutations) })),
    },
    {
      weight: 2,
      arbitrary: fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }).map((value) => labelled({ kind: 'json', value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.uint8Array({ maxLength: 4096 }),
          // Valid JSON prefixes cut at a random byte: the sender's connection dropped mid-body.
          fc.tuple(fc.constantFrom(...fixtures), fc.nat()).map(([fixture, cut]) => {
            const bytes = new TextEncoder().encode(JSON.stringify(fixture));
            return bytes.slice(0, cut % bytes.length);
          }),
        )
        .map((bytes) => labelled({ kind: 'bytes', bytes })),
    },
  );

const bodyOf = (input: FuzzInput): string | Uint8Array =>
  input.kind === 'bytes' ? input.bytes : (JSON.stringify(input.value) ?? 'null');

const describeInput = (input: FuzzInput): string => {
  const body = bodyOf(input);
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('base64');
  return `${input.kind} (${text.length} chars): ${text.slice(0, 300)}`;
};

// --- the answer contract ----------------------------------------------------------------------------------------

const LEAKS = [/\n\s+at /, /node_modules/, /\/work\//, /127\.0\.0\.1/, /ECONN|ETIMEDOUT/, /redis:\/\//i];

function checkAnswer(target: FuzzTarget, posted: Posted, input: FuzzInput, token: string): void {
  const context = `${target.name}: HTTP ${posted.status} ${posted.text.slice(0, 400)}\n  for ${describeInput(input)}`;
  expect(posted.status, context).toBeLessThan(500);
  expect(posted.text.includes(token), context).toBe(false);
  if (posted.status >= 400) {
    expect(posted.response.headers.get('content-type') ?? '', context).toMatch(/^application\/problem\+json/);
    const problem = posted.body as Record<string, unknown>;
    expect(problem, context).toMatchObject({
      type: expect.stringMatching(/^https:\/\/kubernaut\.ai\/problems\/[a-z-]+$/),
      title: expect.any(String),
      status: posted.status,
      detail: expect.any(String),
      request_id: expect.any(String),
    });
    expect(problem.instance, context).toBe(target.route);
    for (const leak of LEAKS) expect(problem.detail as string, context).not.toMatch(leak);
    return;
  }
  // SNS handshakes answer 200; every other success is a 202.
  const expected = target.name === 'cloudwatch' ? [200, 202] : [202];
  expect(expected, context).toContain(posted.status);
  expect(posted.body, context).toMatchObject({ status: expect.any(String), requestId: expect.any(String) });
}

// --- the run ----------------------------------------------------------------------------------------------------

describe('source routes under fuzzing', () => {
  let signer: SnsSigner;
  let gw: IngressOnly;
  let targets: FuzzTarget[];

  beforeAll(async () => {
    signer = await startSnsSigner();
    gw = await startIngressOnly({
      sources: {
        cloudwatch: { enabled: true, topicArns: [ALARM_TOPIC, OK_TOPIC], ...signer.sourceOptions },
        'azure-monitor': { enabled: true },
        datadog: { enabled: true },
        grafana: { enabled: true },
        pagerduty: PAGERDUTY,
      },
    });
    const bearer = (route: string, name: string, fixtures: string[], options: PostOptions = {}): FuzzTarget => ({
      name,
      route,
      fixtures: fixtures.map((file) => readFixture(file)),
      post: (input) => gw.post(route, bodyOf(input), options),
    });
    const snsEnvelopes = [
      { ...readFixture<SnsEnvelope>('sns_notification_cloudwatch_alarm.json'), TopicArn: ALARM_TOPIC },
      readFixture<SnsEnvelope>('sns_notification_cloudwatch_ok.json'),
      { ...readFixture<SnsEnvelope>('sns_notification_cloudwatch_insufficient_data.json'), TopicArn: ALARM_TOPIC },
    ];
    targets = [
      bearer('/api/v1/signals/prometheus', 'prometheus', [
        'alertmanager_v4_firing_multi.json',
        'alertmanager_v4_mixed_firing_resolved.json',
        'alertmanager_v4_resolved.json',
      ]),
      bearer('/api/v1/signals/kubernetes-event', 'kubernetes-event', [
        'k8s_core_v1_event_warning_backoff_watch.json',
        'k8s_core_v1_event_normal_scalingreplicaset.json',
        'k8s_core_v1_event_warning_oomkilling_npd.json',
        'k8s_events_v1_event_warning_failedscheduling.json',
      ]),
      {
        name: 'cloudwatch',
        route: '/api/v1/signals/cloudwatch',
        // Mutations apply to the envelope with its alarm decoded, so both layers get mutated, then re-signed.
        fixtures: snsEnvelopes.map((envelope) => ({ ...envelope, Message: JSON.parse(envelope.Message as string) })),
        post(input) {
          if (input.kind === 'bytes')
            return gw.post(this.route, input.bytes, snsPostOptions(snsEnvelopes[0] as SnsEnvelope));
          const value = input.value;
          if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            return gw.post(this.route, bodyOf(input), snsPostOptions(snsEnvelopes[0] as SnsEnvelope));
          }
          const envelope = value as SnsEnvelope;
          const message =
            typeof envelope.Message === 'string' ? envelope.Message : JSON.stringify(envelope.Message ?? null);
          const signed = signer.sign({ ...envelope, Message: message });
          return gw.post(this.route, JSON.stringify(signed), snsPostOptions(signed));
        },
      },
      bearer(
        '/api/v1/signals/azure-monitor',
        'azure-monitor',
        [
          'azure_common_metric_alert_fired.json',
          'azure_common_log_alert_v2_fired.json',
          'azure_common_activity_log_administrative_fired.json',
          'azure_common_activity_log_servicehealth.json',
          'azure_common_metric_alert_resolved.json',
        ],
        { token: false, query: { token: gw.stack.token } },
      ),
      bearer('/api/v1/signals/datadog', 'datadog', [
        'datadog_webhook_extended_triggered.json',
        'datadog_webhook_extended_recovered.json',
        'datadog_webhook_default_triggered.json',
      ]),
      bearer('/api/v1/signals/grafana', 'grafana', [
        'grafana_unified_webhook_firing.json',
        'grafana_12_webhook_test_alert.json',
      ]),
      bearer('/api/v1/signals/pagerduty', 'pagerduty (custom)', [
        'pagerduty_events_v2_trigger.json',
        'pagerduty_events_v2_resolve.json',
      ]),
    ];
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await signer?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.stack.logs()));
  });

  const names = [
    'prometheus',
    'kubernetes-event',
    'cloudwatch',
    'azure-monitor',
    'datadog',
    'grafana',
    'pagerduty (custom)',
  ];
  for (const name of names) {
    it(`never answers 5xx or a bare error on ${name} when given arbitrary input`, async () => {
      const target = targets.find((candidate) => candidate.name === name) as FuzzTarget;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(inputArb(target.fixtures), async (input) => {
          const posted = await target.post(input);
          statuses.set(posted.status, (statuses.get(posted.status) ?? 0) + 1);
          checkAnswer(target, posted, input, gw.stack.token);
        }),
        RUN_OPTIONS,
      );
      if (process.env.FUZZ_VERBOSE) console.info(`${name}: statuses ${JSON.stringify([...statuses].sort())}`);
      const ready = await fetch(`${gw.stack.ingressUrl}/readyz`);
      expect(ready.status, `readyz after fuzzing ${name}: ${await ready.text()}`).toBe(200);
      // The fuzzer must reach the parser and the queue, not only the cheap refusals.
      expect([...statuses.keys()], `statuses seen: ${JSON.stringify([...statuses])}`).toEqual(
        expect.arrayContaining([202, 400]),
      );
    });
  }
});
