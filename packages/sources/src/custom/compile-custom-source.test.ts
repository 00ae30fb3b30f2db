import { createHmac } from 'node:crypto';
import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import type { ParseResult, RawRequest, SourceDefinition } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { compileCustomSource } from './compile-custom-source.js';

type Json = Record<string, unknown>;

/** The PagerDuty Events v2 example of docs/signals-and-sources.md, as config loading hands it over. */
const PAGERDUTY = {
  type: 'custom',
  enabled: true,
  signalSource: 'pagerduty-events',
  overloadStatus: 429,
  mapping: {
    filter: "event_action in ['trigger','resolve']",
    status: "event_action = 'resolve' ? 'resolved' : 'firing'",
    signalName: '$exists(payload.summary) ? payload.summary : dedup_key',
    severity: 'payload.severity',
    target: { kind: "'StatefulSet'", name: 'payload.component', namespace: 'payload.group' },
    firingTime: 'payload.timestamp',
    labels: "{'class': payload.class, 'component': payload.component, 'group': payload.group}",
    annotations: "{'summary': payload.summary, 'source': payload.source}",
    providerData:
      "{'dedupKey': dedup_key, 'client': client, 'clientUrl': client_url, 'details': payload.custom_details}",
    deliveryKey: "dedup_key & '|' & event_action & '|' & payload.timestamp",
    fingerprintInput: "'pagerduty:' & dedup_key",
  },
};

function compile(config: unknown, name = 'pagerduty'): SourceDefinition {
  const result = compileCustomSource(name, config);
  if ('problems' in result) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.definition;
}

function problemsOf(config: unknown, name = 'pagerduty') {
  const result = compileCustomSource(name, config);
  if (!('problems' in result)) throw new Error('expected problems');
  return result.problems;
}

function withMapping(mapping: Json): Json {
  return { ...PAGERDUTY, mapping: { ...PAGERDUTY.mapping, ...mapping } };
}

function parse(definition: SourceDefinition, request: RawRequest, name = 'pagerduty'): Promise<ParseResult> {
  return definition.parse(request, sourceContext(definition, { name }));
}

function fingerprintOf(signal: SignalDraft): string {
  return computeFingerprint({
    signalName: signal.signalName,
    target: signal.target,
    fingerprintInput: signal.fingerprintInput,
  });
}

async function parseError(definition: SourceDefinition, body: unknown): Promise<SourceInputError> {
  const error = await parse(definition, jsonRequest(body)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

describe('compileCustomSource: the PagerDuty worked example', () => {
  const pagerduty = compile(PAGERDUTY);

  it('describes a custom source with the configured signalSource and rate-limit status', () => {
    expect(pagerduty).toMatchObject({
      apiVersion: 1,
      type: 'custom',
      signalSource: 'pagerduty-events',
      defaultAuthMode: 'token',
      rateLimitStatus: 429,
      defaultOverloadStatus: 503,
    });
    expect(pagerduty.contentTypes).toBeUndefined();
  });

  it('maps the trigger fixture to the documented signal and fingerprint', async () => {
    const body = readFixture<Json>('pagerduty_events_v2_trigger.json');
    const result = await parse(pagerduty, jsonRequest(body));

    expect(result.ignored).toEqual([]);
    expect(result.rejected).toEqual([]);
    expect(result.stats).toEqual({ unresolvedTargets: 0 });
    const signal = result.signals[0]!;
    expect(result.signals).toHaveLength(1);
    expect(signal).toEqual({
      index: 0,
      source: 'pagerduty',
      sourceType: 'custom',
      signalSource: 'pagerduty-events',
      status: 'firing',
      signalName: 'Example alert on host1.example.com',
      severity: 'info',
      namespace: 'prod-datapipe',
      target: {
        type: 'kubernetes',
        kind: 'StatefulSet',
        name: 'postgres',
        namespace: 'prod-datapipe',
        scope: 'prod-datapipe',
      },
      clusterId: '',
      firingTime: '2015-07-17T08:42:58.315Z',
      labels: { class: 'deploy', component: 'postgres', group: 'prod-datapipe' },
      annotations: {
        summary: 'Example alert on host1.example.com',
        source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
      },
      providerData: {
        dedupKey: 'samplekeyhere',
        client: 'Sample Monitoring Service',
        clientUrl: 'https://monitoring.example.com',
        details: { 'ping time': '1500ms', 'load avg': 0.75 },
      },
      originalPayload: body,
      deliveryKey: 'samplekeyhere|trigger|2015-07-17T08:42:58.315+0000',
      fingerprintInput: 'pagerduty:samplekeyhere',
    });
    expect(SignalDraftSchema.parse(signal)).toEqual(signal);
    expect(fingerprintOf(signal)).toBe('9084a98af6cffef3a877cf6bed0abc5689311d4f9f34c0401ab71d3445720e49');
  });

  it('maps the resolve fixture to a targetless resolved signal for pagerduty:dedupkeyhere', async () => {
    const body = readFixture<Json>('pagerduty_events_v2_resolve.json');
    const result = await parse(pagerduty, jsonRequest(body));

    expect(result.signals).toEqual([
      {
        index: 0,
        source: 'pagerduty',
        sourceType: 'custom',
        signalSource: 'pagerduty-events',
        status: 'resolved',
        signalName: 'dedupkeyhere',
        severity: 'unknown',
        namespace: '',
        clusterId: '',
        labels: {},
        annotations: {},
        providerData: { dedupKey: 'dedupkeyhere' },
        originalPayload: body,
        deliveryKey: 'dedupkeyhere|resolve|',
        fingerprintInput: 'pagerduty:dedupkeyhere',
      },
    ]);
    expect(fingerprintOf(result.signals[0]!)).toBe(
      computeFingerprint({ signalName: 'x', fingerprintInput: 'pagerduty:dedupkeyhere' }),
    );
  });

  it('ignores acknowledge events as filtered', async () => {
    const body = { ...readFixture<Json>('pagerduty_events_v2_resolve.json'), event_action: 'acknowledge' };
    expect(await parse(pagerduty, jsonRequest(body))).toEqual({
      signals: [],
      ignored: [{ index: 0, reason: 'filtered' }],
      rejected: [],
      stats: { unresolvedTargets: 0 },
    });
  });
});

describe('compileCustomSource: configuration problems', () => {
  it('names the key of an expression with a syntax error', () => {
    expect(problemsOf(withMapping({ signalName: 'payload.summary &', target: { kind: '(' } }))).toEqual([
      {
        path: 'sources.pagerduty.mapping.signalName',
        message: 'sources.pagerduty.mapping.signalName: invalid JSONata at position 17: Unexpected end of expression',
      },
      {
        path: 'sources.pagerduty.mapping.target.kind',
        message:
          'sources.pagerduty.mapping.target.kind: invalid JSONata at position 1: Expected ")" before end of expression',
      },
    ]);
  });

  it('refuses regular expressions RE2 cannot run and $eval', () => {
    expect(problemsOf(withMapping({ filter: '$contains(dedup_key, /(a)\\1/)', severity: "$eval('1')" }))).toEqual([
      {
        path: 'sources.pagerduty.mapping.filter',
        message:
          'sources.pagerduty.mapping.filter: /(a)\\1/ is not a supported regular expression ' +
          '(error parsing regexp: invalid escape sequence: `\\1`); patterns use RE2 syntax: no backreferences or lookaround',
      },
      {
        path: 'sources.pagerduty.mapping.severity',
        message: 'sources.pagerduty.mapping.severity: $eval is disabled in mappings',
      },
    ]);
    expect(problemsOf(withMapping({ filter: '$contains(dedup_key, /a(?=b)/)' }))[0]!.message).toContain('RE2 syntax');
    expect(problemsOf(withMapping({ severity: '($e := $eval; $e("1"))' }))[0]!.message).toBe(
      'sources.pagerduty.mapping.severity: $eval is disabled in mappings',
    );
    expect('definition' in compileCustomSource('p', withMapping({ filter: '$contains(dedup_key, /^[a-z]+$/)' }))).toBe(
      true,
    );
  });

  it('reports a missing signalName, a misspelt key, a non-string expression and a missing signalSource', () => {
    const { signalName: _name, ...withoutName } = PAGERDUTY.mapping;
    const { signalSource: _source, ...withoutSource } = PAGERDUTY;
    const problems = [
      ...problemsOf({ ...PAGERDUTY, mapping: withoutName }),
      ...problemsOf(withMapping({ severty: 'x', filter: true })),
      ...problemsOf(withoutSource),
    ];
    expect(problems.map((problem) => problem.path)).toEqual([
      'sources.pagerduty.mapping.signalName',
      'sources.pagerduty.mapping.filter',
      'sources.pagerduty.mapping',
      'sources.pagerduty.signalSource',
    ]);
    for (const problem of problems) expect(problem.message.startsWith(`${problem.path}: `)).toBe(true);
    expect(problems[2]!.message).toContain('severty');
  });
});

describe('compileCustomSource: evaluation', () => {
  const body = readFixture<Json>('pagerduty_events_v2_trigger.json');

  async function rejectedDetail(mapping: Json): Promise<string> {
    const result = await parse(compile(withMapping(mapping)), jsonRequest(body));
    expect(result.signals).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ index: 0, pointer: '' });
    return result.rejected[0]!.message;
  }

  it('cuts an endless recursion at its step budget and rejects the item', async () => {
    const started = performance.now();
    const detail = await rejectedDetail({ signalName: '($f := function($x){ $f($x) }; $f(1))' });
    expect(detail).toBe('mapping.signalName: evaluation exceeded 10000 steps');
    // Generous so that a loaded machine passes, far below what an uncut evaluation would take.
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('accepts every item when many evaluations interleave, however long they wait for each other', async () => {
    // Concurrent requests' evaluations share the event loop: a wall-clock budget charged each one for the
    // others and rejected legitimate alerts under load; the step budget counts each evaluation's own work.
    const source = compile(withMapping({ severity: '$string($sum([1..200].($ * 2)))' }));
    const results = await Promise.all(Array.from({ length: 300 }, () => parse(source, jsonRequest(body))));
    expect(results.flatMap((result) => result.rejected)).toEqual([]);
    expect(results.map((result) => result.signals[0]?.severity)).toEqual(Array(300).fill('40200'));
  });

  it('cuts a long loop at its step budget and refuses sequences over 100000 items before building them', async () => {
    const started = performance.now();
    expect(await rejectedDetail({ severity: '$string($sum([1..100000].($ * 2)))' })).toBe(
      'mapping.severity: evaluation exceeded 10000 steps',
    );
    expect(await rejectedDetail({ severity: '$string($count([1..100000000]))' })).toBe(
      'mapping.severity: evaluation exceeded 100000 items in a sequence',
    );
    expect(await rejectedDetail({ severity: '$string($count([1..9000000]))' })).toBe(
      'mapping.severity: evaluation exceeded 100000 items in a sequence',
    );
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('stops recursion deeper than 200 evaluation steps', async () => {
    expect(await rejectedDetail({ signalName: '($f := function($x){ 1 + $f($x) }; $f(1))' })).toBe(
      'mapping.signalName: evaluation exceeded depth 200',
    );
  });

  it.each([
    [{ signalName: '42' }, 'mapping.signalName: expression returned a number; expected a string'],
    [{ signalName: 'nothing.here' }, 'mapping.signalName: expression returned nothing; it is required'],
    [{ signalName: "''" }, 'mapping.signalName: expression returned an empty string; it is required'],
    [{ filter: "'yes'" }, 'mapping.filter: expression returned a string; expected true or false'],
    [{ status: "'acknowledged'" }, 'mapping.status: expression returned a string other than "firing" or "resolved"'],
    [
      { targetType: "'vmware'" },
      'mapping.targetType: expression returned a string that is not one of kubernetes, aws, azure, gcp, datadog',
    ],
    [
      { target: { kind: "'StatefulSet'", name: 'payload.nothing' } },
      'mapping.target.name: expression returned nothing; target.kind and target.name are required for firing signals',
    ],
    [{ labels: '[1, 2]' }, 'mapping.labels: expression returned an array; expected an object'],
    [{ providerData: "'text'" }, 'mapping.providerData: expression returned a string; expected an object'],
    [
      { firingTime: "'last tuesday'" },
      'mapping.firingTime: expression returned a string that is not an RFC 3339 timestamp',
    ],
    [
      { firingTime: 'true' },
      'mapping.firingTime: expression returned a boolean; expected an RFC 3339 string or epoch number',
    ],
    [{ deliveryKey: '{"a": 1}' }, 'mapping.deliveryKey: expression returned an object; expected a string'],
    [{ clusterId: '7' }, 'mapping.clusterId: expression returned a number; expected a string'],
  ])('rejects the item for a wrongly typed result: %j', async (mapping, detail) => {
    expect(await rejectedDetail(mapping)).toBe(detail);
  });

  it('uses the Unknown placeholder for a firing item without any target, or rejects it when configured to', async () => {
    const { target: _target, ...mapping } = PAGERDUTY.mapping;
    const definition = compile({ ...PAGERDUTY, mapping });
    const accepted = await parse(definition, jsonRequest(body));
    expect(accepted.signals[0]!.target).toEqual({
      type: 'kubernetes',
      kind: 'Unknown',
      name: 'unknown',
      scope: 'default',
    });
    expect(accepted.stats).toEqual({ unresolvedTargets: 1 });

    const strict = await definition.parse(
      jsonRequest(body),
      sourceContext(definition, { name: 'pagerduty', settings: { unresolvedTarget: 'reject' } }),
    );
    expect(strict.rejected.map((item) => item.message)).toEqual([
      'mapping.target: expressions returned no kind and name; map target.kind and target.name for firing signals',
    ]);
  });

  it('refuses a signals expression that yields neither items nor an item', async () => {
    const definition = compile(withMapping({ signals: 'dedup_key' }));
    expect((await parseError(definition, body)).message).toBe(
      'mapping.signals: expression returned a string; expected an array or an object',
    );
  });
});

describe('compileCustomSource: an in-house format with several alerts per delivery', () => {
  const INHOUSE = {
    signalSource: 'acme-monitor',
    contentTypes: ['application/json', 'application/vnd.acme.alerts'],
    overloadStatus: 503,
    mapping: {
      signals: 'alerts',
      // A missing field compares unequal to everything, so `kind != 'heartbeat'` would drop alerts without a kind.
      filter: "$not(kind = 'heartbeat')",
      status: "state = 'ok' ? 'resolved' : 'firing'",
      signalName: "$body.product & '/' & check",
      severity: "{'1': 'critical', '2': 'warning'}.$lookup($, $string($$.level))",
      targetType: "'aws'",
      target: { kind: "'EC2Instance'", name: 'instance', scope: "account & '/' & region" },
      firingTime: 'since',
      labels: "{'region': region, 'level': level, 'ack': acked, 'owner': owner, 'tags': tags}",
      annotations: "{'receivedAt': $receivedAt, 'source': $source, 'agent': $headers.'user-agent'}",
      providerData: "{'headers': $keys($headers), 'query': $query}",
      deliveryKey: "id & ':' & state",
      clusterId: 'cluster',
    },
  };
  const body = {
    product: 'shop',
    alerts: [
      {
        id: 'a1',
        check: 'cpu',
        state: 'alert',
        level: 1,
        instance: 'i-0abc',
        account: '123456789012',
        region: 'eu-west-1',
        since: 1_700_000_000,
        acked: false,
        owner: null,
        tags: ['x', 'y'],
        cluster: 'prod-east',
      },
      { id: 'h1', kind: 'heartbeat', check: 'alive' },
      { id: 'a2', check: 'disk', state: 'ok', level: 2, since: 1_700_000_123_456 },
      { id: 'a3', check: 5, state: 'alert', instance: 'i-0def' },
      { id: 'a4', check: 'mem', state: 'alert' },
    ],
  };

  function inhouseRequest(): RawRequest {
    const request = jsonRequest(body, '/api/v1/signals/acme');
    return {
      ...request,
      headers: {
        ...request.headers,
        'user-agent': 'acme/2.1',
        authorization: 'Bearer do-not-leak',
        cookie: 'session=1',
        'x-acme-signature': 'sig',
      },
      query: { token: 'do-not-leak', team: 'blue' },
    };
  }

  it('produces one signal per alert, ignores filtered ones and rejects a broken one', async () => {
    const definition = compile(INHOUSE, 'acme');
    expect(definition.contentTypes).toEqual(['application/json', 'application/vnd.acme.alerts']);
    expect(definition.rateLimitStatus).toBe(503);

    const result = await parse(definition, inhouseRequest(), 'acme');

    expect(result.ignored).toEqual([{ index: 1, reason: 'filtered' }]);
    expect(result.rejected).toEqual([
      {
        index: 4,
        pointer: '',
        message:
          'mapping.target.name: expression returned nothing; target.kind and target.name are required for firing signals',
      },
    ]);
    expect(result.signals.map((s) => [s.index, s.status, s.signalName, s.severity])).toEqual([
      [0, 'firing', 'shop/cpu', 'critical'],
      [2, 'resolved', 'shop/disk', 'warning'],
      [3, 'firing', 'shop/5', 'unknown'],
    ]);
    const [first, second] = result.signals;
    expect(first).toMatchObject({
      namespace: '',
      target: { type: 'aws', kind: 'EC2Instance', name: 'i-0abc', scope: '123456789012/eu-west-1' },
      clusterId: 'prod-east',
      firingTime: '2023-11-14T22:13:20.000Z',
      labels: { region: 'eu-west-1', level: '1', ack: 'false', tags: '["x","y"]' },
      annotations: { receivedAt: '2025-01-01T00:00:00.000Z', source: 'acme', agent: 'acme/2.1' },
      providerData: { headers: ['content-type', 'user-agent'], query: { team: 'blue' } },
      originalPayload: body.alerts[0],
      deliveryKey: 'a1:alert',
      fingerprintInput: null,
    });
    expect(first!.labels).not.toHaveProperty('owner');
    expect(second!.firingTime).toBe('2023-11-14T22:15:23.456Z');
    expect(second!.target).toBeUndefined();
    for (const signal of result.signals) expect(SignalDraftSchema.parse(signal)).toEqual(signal);
  });

  it('answers an empty item list with no signals', async () => {
    const result = await parse(compile(INHOUSE, 'acme'), jsonRequest({ product: 'shop' }), 'acme');
    expect(result).toEqual({ signals: [], ignored: [], rejected: [], stats: { unresolvedTargets: 0 } });
  });
});

describe('compileCustomSource: HMAC', () => {
  const SECRET = 'custom-source-shared-secret';
  const hmac = { secret: SECRET, header: 'X-Hub-Signature-256', prefix: 'sha256=' };
  const definition = compile({ ...PAGERDUTY, hmac });
  const request = jsonRequest(readFixture('pagerduty_events_v2_trigger.json'));
  const ctx = sourceContext(definition, { name: 'pagerduty' });

  it('verifies the configured header and names the signer', async () => {
    const signature = `sha256=${createHmac('sha256', SECRET).update(request.rawBody).digest('hex')}`;
    const signed = { ...request, headers: { ...request.headers, 'x-hub-signature-256': signature } };
    expect(await definition.verify!(signed, ctx)).toEqual({
      ok: true,
      principal: { type: 'signature', id: 'hmac:pagerduty' },
    });
    const forged = { ...request, headers: { ...request.headers, 'x-hub-signature-256': 'sha256=00' } };
    expect(await definition.verify!(forged, ctx)).toMatchObject({ ok: false, status: 401 });
  });

  it('passes every request when no HMAC is configured', async () => {
    expect(await compile(PAGERDUTY).verify!(request, ctx)).toEqual({ ok: true });
  });
});
