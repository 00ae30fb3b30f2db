import { loadConfig } from '@gateway/config';
import { SIGNAL_QUEUE_NAME, type SignalQueueJob, signalsOfJob } from '@gateway/contracts';
import { createTestRedis, readMetric, waitFor } from '@gateway/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReloadFleet, randomToken, startReloadFleet, tokensYaml } from './support.js';

const VERSIONS = 11;
const LOAD_MS = 10_000;
const REQUESTS_PER_SECOND = 100;
const ALERTS_PER_REQUEST = 10;
const PODS = 100;
const OVERLOAD_RETRIES = 20;

/** Who sends where: the rotating token exists only in even versions, the canary source only in odd ones. */
const SENDERS = [
  { token: 'steady', source: 'prometheus' },
  { token: 'rotating', source: 'prometheus' },
  { token: 'steady', source: 'canary' },
] as const;

/**
 * Version `v` of the configuration: tokens, sources, rate limits and fingerprint rules all differ between
 * neighbours. The event-loop shed limit is raised because this test is about reloads, not about how a loaded CI
 * machine sheds load.
 */
function versionYaml(v: number, tokens: { admin: string; steady: string; rotating: string }): string {
  const signalTokens: Record<string, string> = { steady: tokens.steady };
  if (v % 2 === 0) signalTokens.rotating = tokens.rotating;
  return `${tokensYaml(tokens.admin, signalTokens)}sources:
  canary: {type: alertmanager, enabled: ${v % 2 === 1}}
rateLimits:
  perToken: {ratePerSecond: ${5000 + v * 100}, burst: 10000}
fingerprint:
  rules: ${v % 2 === 1 ? '[{match: {source: prometheus}, extraLabels: [team]}]' : '[]'}
server: {maxEventLoopDelay: 1s}
reload: {debounce: 50ms}
dedup: {flushInterval: 200ms}
`;
}

interface Sent {
  token: 'steady' | 'rotating';
  source: 'prometheus' | 'canary';
  status: number;
  requestId?: string;
  accepted: number;
}

function webhook(seq: number): unknown {
  const alerts = Array.from({ length: ALERTS_PER_REQUEST }, (_, i) => {
    const pod = (seq * ALERTS_PER_REQUEST + i) % PODS;
    return {
      status: 'firing',
      labels: { alertname: 'ReloadUnderLoad', namespace: 'reload', pod: `pod-${pod}`, team: `team-${pod % 3}` },
      annotations: {},
      startsAt: '2026-12-02T08:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `pod-${pod}-${seq}`,
    };
  });
  return { version: '4', groupKey: `{}:{seq="${seq}"}`, status: 'firing', receiver: 'gateway', alerts };
}

describe('reload under load', () => {
  let fleet: ReloadFleet;
  const rotating = randomToken();
  const tokens = () => ({ admin: fleet.adminToken, steady: fleet.signalToken, rotating });
  beforeAll(async () => {
    fleet = await startReloadFleet(1, ({ admin, signal }) => versionYaml(0, { admin, steady: signal, rotating }));
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('serves 1000 alerts/s through 10 reloads with no 5xx, no lost signal and one version per request', async () => {
    const [stack] = fleet.stacks;
    if (!stack) throw new Error('no stack');
    const versionOfHash = new Map<string, number>();
    const hashOfCurrentFile = () => {
      const loaded = loadConfig({ env: fleet.env });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      return loaded.configHash;
    };
    versionOfHash.set(hashOfCurrentFile(), 0);

    const sent: Sent[] = [];
    const overloaded: string[] = [];
    const pending: Promise<void>[] = [];
    const startedMs = Date.now();
    const intervalMs = 1000 / REQUESTS_PER_SECOND;
    let seq = 0;
    let version = 0;
    const reloads = (async () => {
      for (version = 1; version < VERSIONS; version += 1) {
        // The last version lands well before the load ends, so requests reach it too.
        await new Promise((resolve) => setTimeout(resolve, LOAD_MS / (VERSIONS + 1)));
        await fleet.file.write(versionYaml(version, tokens()));
        versionOfHash.set(hashOfCurrentFile(), version);
      }
    })();
    // Open loop: each request leaves at its scheduled time whether or not earlier ones were answered.
    while (Date.now() - startedMs < LOAD_MS) {
      const waitMs = startedMs + seq * intervalMs - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const sender = SENDERS[seq % SENDERS.length] ?? SENDERS[0];
      const body = webhook(seq);
      seq += 1;
      pending.push(
        (async () => {
          const send = () =>
            fetch(`${stack.ingressUrl}/api/v1/signals/${sender.source}`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${sender.token === 'steady' ? fleet.signalToken : rotating}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify(body),
            });
          let response = await send();
          // A 503 with Retry-After is the overload contract (a starved CI machine, not a reload); Alertmanager
          // retries it, and so does this sender. Any other 5xx is final and fails the test.
          for (let retry = 0; response.status === 503 && retry < OVERLOAD_RETRIES; retry += 1) {
            overloaded.push(
              `${response.headers.get('retry-after')}: ${((await response.json()) as { detail?: string }).detail}`,
            );
            await new Promise((resolve) => setTimeout(resolve, 250));
            response = await send();
          }
          const answer = (await response.json()) as { requestId?: string; accepted?: number };
          sent.push({
            ...sender,
            status: response.status,
            accepted: response.status === 202 ? (answer.accepted ?? 0) : 0,
            ...(answer.requestId === undefined ? {} : { requestId: answer.requestId }),
          });
        })(),
      );
    }
    await Promise.all(pending);
    await reloads;

    const statuses = new Map<number, number>();
    for (const request of sent) statuses.set(request.status, (statuses.get(request.status) ?? 0) + 1);
    expect(
      [...statuses.keys()].filter((status) => status >= 500),
      JSON.stringify([...statuses]),
    ).toEqual([]);
    for (const answer of overloaded) expect(answer, 'an overload answer names its Retry-After').toMatch(/^\d+: /);
    // Both kinds of refusal happened, so the versions really alternated under the senders.
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
    for (const request of sent) {
      if (request.status === 202) continue;
      // A refusal is only ever the one the sender's version made: its token revoked, or its source disabled.
      expect([request.token, request.source, request.status]).toSatisfy(
        ([token, source, status]) =>
          (status === 401 && token === 'rotating') || (status === 404 && source === 'canary'),
      );
    }

    // Every accepted signal, by request: the configuration hash it was accepted under.
    const redis = createTestRedis();
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix: stack.queuePrefix });
    try {
      const accepted = sent.filter((request) => request.status === 202);
      const acceptedSignals = accepted.reduce((sum, request) => sum + request.accepted, 0);
      await waitFor(
        async () => {
          const total = fleet.sandbox
            .objects('kubernaut-system')
            .reduce(
              (sum, rr) =>
                sum +
                ((rr.status as { deduplication?: { occurrenceCount?: number } })?.deduplication?.occurrenceCount ?? 0),
              0,
            );
          return total === acceptedSignals;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: `Σ occurrenceCount = ${acceptedSignals} accepted signals` },
      );

      const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      const hashesByRequest = new Map<string, Set<string>>();
      for (const job of jobs) {
        for (const { signal } of signalsOfJob(job.data as SignalQueueJob)) {
          const hashes = hashesByRequest.get(signal.requestId) ?? new Set<string>();
          hashes.add(signal.configHash);
          hashesByRequest.set(signal.requestId, hashes);
        }
      }
      const seenVersions = new Set<number>();
      for (const request of accepted) {
        const hashes = [...(hashesByRequest.get(request.requestId ?? '') ?? [])];
        expect(hashes, `request ${request.requestId}: one configuration per request`).toHaveLength(1);
        const v = versionOfHash.get(hashes[0] ?? '');
        expect(v, `hash ${hashes[0]} is one of the versions written`).toBeDefined();
        if (v === undefined) continue;
        seenVersions.add(v);
        if (request.token === 'rotating') expect(v % 2, 'the rotating token exists in even versions only').toBe(0);
        if (request.source === 'canary') expect(v % 2, 'the canary source exists in odd versions only').toBe(1);
      }
      // On a loaded machine a reload can apply late enough for one short-lived version to serve no request.
      expect(seenVersions.size).toBeGreaterThanOrEqual(VERSIONS - 2);
      await waitFor(
        async () => {
          const metrics = await (await fetch(`${stack.ingressUrl}/metrics`)).text();
          return (
            readMetric(metrics, 'gateway_config_reloads_total', { result: 'success', trigger: 'file' }) === VERSIONS - 1
          );
        },
        { timeoutMs: 10_000, description: `${VERSIONS - 1} file reloads applied` },
      );
    } finally {
      await queue.close();
      await redis.quit();
    }
  });
});
