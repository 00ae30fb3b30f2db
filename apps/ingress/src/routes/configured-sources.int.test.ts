import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gateway/config';
import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { builtinSources, loadSourcePlugins } from '@gateway/sources';
import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, waitingSignals } from '../testing/test-ingress.js';

// Sources that exist only in configuration: a custom JSONata source and two plugins, from a YAML file loaded the
// way main.ts loads it (loadConfig, loadSourcePlugins beside the file, ingressSettingsFromConfig).
const TOKEN = 'configured-sources-token-0123456789abcdef';
const TEST_PLUGINS = fileURLToPath(new URL('../../../../packages/sources/test-plugins/', import.meta.url));

const CONFIG_YAML = `
auth:
  tokens:
    - {id: sender, token: ${TOKEN}}
plugins:
  - module: ${join(TEST_PLUGINS, 'echo-source')}
  - module: ${join(TEST_PLUGINS, 'throwing-source')}
sources:
  pagerduty:
    type: custom
    enabled: true
    signalSource: pagerduty-events
    overloadStatus: 429
    mapping:
      filter: "event_action in ['trigger','resolve']"
      status: "event_action = 'resolve' ? 'resolved' : 'firing'"
      signalName: "$exists(payload.summary) ? payload.summary : dedup_key"
      severity: "payload.severity"
      target: {kind: "'StatefulSet'", name: "payload.component", namespace: "payload.group"}
      firingTime: "payload.timestamp"
      labels: "{'class': payload.class, 'component': payload.component, 'group': payload.group}"
      deliveryKey: "dedup_key & '|' & event_action & '|' & payload.timestamp"
      fingerprintInput: "'pagerduty:' & dedup_key"
  echo:
    type: plugin
    plugin: echo
    enabled: true
  boom:
    type: plugin
    plugin: throwing
    enabled: true
`;

let dir: string;
let ingress: TestIngress;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ingress-config-'));
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, CONFIG_YAML);
  const loaded = loadConfig({ env: { GATEWAY_CONFIG: configFile } });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const plugins = await loadSourcePlugins(loaded.config.plugins, { baseDir: dirname(configFile) });
  ingress = createTestIngress({
    loaded,
    definitions: {
      ...builtinSources,
      ...Object.fromEntries([...plugins].map(([type, plugin]) => [type, plugin.definition])),
    },
  });
});
afterAll(async () => {
  await ingress?.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path: string, body: string) {
  return ingress.app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TOKEN) },
    body,
  });
}

async function acceptedSignals(response: Response) {
  expect(response.status).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  const queued = await waitingSignals(ingress.reader);
  return queued
    .filter(({ signal }) => signal.requestId === requestId)
    .map(({ job, signal }) => ({ name: job.name, signal }));
}

describe('custom source from the configuration file', () => {
  it('maps a PagerDuty event by the documented example mapping and enqueues it under the instance name', async () => {
    const [job] = await acceptedSignals(
      await post('/api/v1/signals/pagerduty', readFixtureText('pagerduty_events_v2_trigger.json')),
    );
    expect(job?.name).toBe('pagerduty');
    expect(job?.signal).toMatchObject({
      source: 'pagerduty',
      sourceType: 'custom',
      signalSource: 'pagerduty-events',
      status: 'firing',
      signalName: 'Example alert on host1.example.com',
      severity: 'info',
      namespace: 'prod-datapipe',
      target: { type: 'kubernetes', kind: 'StatefulSet', name: 'postgres', namespace: 'prod-datapipe' },
      firingTime: '2015-07-17T08:42:58.315Z',
      labels: { class: 'deploy', component: 'postgres', group: 'prod-datapipe' },
      fingerprintInput: 'pagerduty:samplekeyhere',
      principal: { type: 'token', id: 'sender' },
    });
  });

  it('counts its metrics under the instance signalSource', async () => {
    const response = await post('/api/v1/signals/pagerduty', readFixtureText('pagerduty_events_v2_trigger.json'));
    expect(response.status).toBe(202);
    const received = await ingress.metrics.signalsReceived.get();
    expect(received.values.some((value) => value.labels.source_type === 'pagerduty-events')).toBe(true);
  });
});

describe('source plugins', () => {
  it('serves a plugin route with the plugin adapter', async () => {
    const [job] = await acceptedSignals(await post('/api/v1/signals/echo', JSON.stringify({ name: 'PluginAlert' })));
    expect(job?.signal).toMatchObject({
      source: 'echo',
      sourceType: 'plugin',
      signalSource: 'echo',
      signalName: 'PluginAlert',
    });
  });

  it('answers a plugin that throws with 500 internal-error, counted and logged once, leaking nothing', async () => {
    const response = await post('/api/v1/signals/boom', JSON.stringify({ name: 'x' }));
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: problemType('internal-error'), status: 500 });
    expect(JSON.stringify(body)).not.toContain('plugin bug');
    const errors = await ingress.metrics.sourceErrors.get();
    expect(errors.values).toEqual([expect.objectContaining({ labels: { source_type: 'throwing' }, value: 1 })]);
    const logged = ingress.logLines.filter((line) => line.includes('source plugin parse failed'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('"source":"boom"');
  });
});
