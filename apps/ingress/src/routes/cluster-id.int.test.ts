import { problemType } from '@gateway/contracts';
import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import {
  bearer,
  clusteredSource,
  createTestIngress,
  TEST_CONFIG,
  TEST_TOKENS,
  waitingSignals,
} from '../testing/test-ingress.js';

const BOUND_TOKEN = 'bound-token-0123456789abcdef0123456789ab';
const HEADER_TOKEN = 'header-token-0123456789abcdef0123456789a';
const CLUSTERED = '/api/v1/signals/clustered';

const clustered = clusteredSource(['prod-east', '', 'Not_Valid']);

let ingress: TestIngress;
beforeAll(() => {
  ingress = createTestIngress({
    extraSources: [clustered],
    config: {
      multiCluster: { enabled: true, defaultClusterId: 'hub' },
      auth: {
        tokens: [
          ...TEST_CONFIG.auth.tokens,
          { id: 'bound', token: BOUND_TOKEN, clusterId: 'bound-1' },
          { id: 'header', token: HEADER_TOKEN, allowClusterHeader: true },
        ],
      },
    },
  });
});
afterAll(async () => {
  await ingress.close();
});

function post(token: string, headers: Record<string, string> = {}) {
  return ingress.app.request(CLUSTERED, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(token), ...headers },
    body: '{}',
  });
}

async function clusterIdsOf(response: Response): Promise<string[]> {
  const { requestId } = (await response.json()) as { requestId: string };
  const queued = (await waitingSignals(ingress.reader)).filter(({ signal }) => signal.requestId === requestId);
  return queued.map(({ signal }) => signal.clusterId).sort();
}

describe('cluster ids', () => {
  it('puts every signal of a bound token in its cluster and counts payloads naming another one', async () => {
    const response = await post(BOUND_TOKEN);
    expect(response.status).toBe(202);
    expect(await clusterIdsOf(response)).toEqual(['bound-1', 'bound-1', 'bound-1']);
    const conflicts = await ingress.metrics.registry.getSingleMetricAsString('gateway_cluster_id_conflicts_total');
    expect(conflicts).toContain('gateway_cluster_id_conflicts_total{source_type="clustered"} 2');
  });

  it('takes X-Cluster-ID from a token allowed to send it', async () => {
    const response = await post(HEADER_TOKEN, { 'X-Cluster-ID': 'edge-7' });
    expect(response.status).toBe(202);
    expect(await clusterIdsOf(response)).toEqual(['edge-7', 'edge-7', 'edge-7']);
  });

  it('answers 400 for an invalid X-Cluster-ID and 403 when the token may not send one', async () => {
    const invalid = await post(HEADER_TOKEN, { 'X-Cluster-ID': 'Edge_7' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ type: problemType('validation-error') });
    const forbidden = await post(TEST_TOKENS.signals, { 'X-Cluster-ID': 'edge-7' });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      type: problemType('forbidden'),
      detail: expect.stringContaining('allowClusterHeader'),
    });
  });

  it('without a binding or header uses the payload, then the default, and rejects invalid payload values', async () => {
    const response = await post(TEST_TOKENS.signals);
    expect(response.status).toBe(202);
    const copy = response.clone();
    expect(((await copy.json()) as { rejected: { index: number }[] }).rejected.map((item) => item.index)).toEqual([2]);
    expect(await clusterIdsOf(response)).toEqual(['hub', 'prod-east']);
  });
});

describe('cluster ids with multi-cluster disabled', () => {
  it('ignores X-Cluster-ID from any token and keeps every signal local', async () => {
    const local = createTestIngress();
    try {
      const response = await local.app.request('/api/v1/signals/kubernetes-event', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals), 'X-Cluster-ID': 'Edge_7' },
        body: readFixtureText('k8s_core_v1_event_warning_backoff_watch.json'),
      });
      expect(response.status).toBe(202);
      const [queued] = await waitingSignals(local.reader);
      expect(queued?.signal.clusterId).toBe('');
    } finally {
      await local.close();
    }
  });
});
