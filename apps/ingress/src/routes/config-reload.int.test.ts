import {
  type ConfigProblem,
  type ConfigRuntime,
  createConfigRuntime,
  type LoadConfigResult,
  loadConfig,
  readinessConfigDetail,
} from '@gateway/config';
import { problemType } from '@gateway/contracts';
import type { FleetView, ReloadRequest, ReloadResult } from '@gateway/reload';
import { builtinSources } from '@gateway/sources';
import { readFixtureText, readMetric, waitFor } from '@gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuiltIngressSettings } from '../settings/ingress-settings-from-config.js';
import { ingressSettingsFromConfig } from '../settings/ingress-settings-from-config.js';
import type { TestIngress, TestIngressOptions } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';
import type { ConfigAdmin } from './admin-config-reload-route.js';

const CONFIG_PATH = '/etc/gateway/config.yaml';
const PROMETHEUS = '/api/v1/signals/prometheus';
const TWO_ALERTS = readFixtureText('alertmanager_v4_firing_multi.json');
const TOKENS = {
  admin: 'reload-admin-token-0123456789abcdef0123',
  alpha: 'reload-alpha-token-0123456789abcdef0123',
  beta: 'reload-beta-token-0123456789abcdef01234',
} as const;

/** A configuration file naming the admin token and the given signal tokens, then `rest` verbatim. */
function configYaml(signalTokens: readonly (keyof typeof TOKENS)[], rest = ''): string {
  const tokens = [
    `    - {id: admin, token: ${TOKENS.admin}, scopes: [admin]}`,
    ...signalTokens.map((id) => `    - {id: ${id}, token: ${TOKENS[id]}}`),
  ];
  return ['auth:', '  tokens:', ...tokens, rest].join('\n');
}

/** One ingress on a real configuration runtime whose file the test rewrites, as an operator would. */
interface ReloadingIngress {
  ingress: TestIngress;
  runtime: ConfigRuntime<BuiltIngressSettings>;
  /** Replaces the file's content; the next reload reads it. */
  write(yaml: string): void;
  /** What `POST /admin/config/reload` sees; each call loads the file again and proposes it. */
  admin: ConfigAdmin & { requests: ReloadRequest[] };
  /** Reads the file and proposes it, as a reload does. */
  propose(): ReturnType<ConfigRuntime<BuiltIngressSettings>['propose']>;
}

const opened: TestIngress[] = [];
afterAll(async () => {
  await Promise.all(opened.map((ingress) => ingress.close()));
});

function startReloading(yaml: string, options: TestIngressOptions = {}): ReloadingIngress {
  const files = new Map<string, string>([[CONFIG_PATH, yaml]]);
  const readFile = (path: string): string => {
    const text = files.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
  const load = (): LoadConfigResult => loadConfig({ env: { GATEWAY_CONFIG: CONFIG_PATH }, readFile });
  const initial = load();
  if (!initial.ok) throw new Error(JSON.stringify(initial.problems));
  const environment = { definitions: builtinSources, readFile, now: () => new Date() };
  const runtime = createConfigRuntime({
    initial,
    build: (snapshot) =>
      ingressSettingsFromConfig(snapshot.config, snapshot.envTokens, snapshot.configHash, environment),
  });
  let rejected: ConfigProblem[] = [];
  const requests: ReloadRequest[] = [];
  const admin: ReloadingIngress['admin'] = {
    requests,
    // The reload controller's answers, minus its audit, metrics, fan-out and quarantine, over the same runtime.
    async reload(request): Promise<ReloadResult> {
      requests.push(request);
      const outcome = runtime.propose(load());
      if (outcome.result === 'rejected') {
        rejected = outcome.problems;
        return { result: 'rejected', component: outcome.component, problems: outcome.problems };
      }
      rejected = [];
      if (outcome.result === 'unchanged') return outcome;
      const { configHash, previousHash, changed, restartRequired } = outcome;
      return { result: 'reloaded', configHash, previousHash, changed, restartRequired };
    },
    async fleet() {
      throw new Error('no fleet in this test');
    },
  };
  const ingress = createTestIngress({
    liveSettings: () => runtime.current().built.settings,
    configDetail: () => readinessConfigDetail(runtime.current().snapshot, rejected),
    configAdmin: admin,
    ...options,
  });
  opened.push(ingress);
  return {
    ingress,
    runtime,
    write: (text) => files.set(CONFIG_PATH, text),
    admin,
    propose: () => runtime.propose(load()),
  };
}

async function postSignals(ingress: TestIngress, token: string, path = PROMETHEUS): Promise<Response> {
  return ingress.app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(token) },
    body: TWO_ALERTS,
  });
}

async function status(response: Response | Promise<Response>): Promise<number> {
  return (await response).status;
}

async function reloadRequest(ingress: TestIngress, query = '', token: string = TOKENS.admin): Promise<Response> {
  return ingress.app.request(`/admin/config/reload${query}`, { method: 'POST', headers: bearer(token) });
}

describe('config reload in the ingress', () => {
  it('answers 401 to a token a reload removed while the other token is still accepted', async () => {
    const { ingress, write, propose } = startReloading(configYaml(['alpha', 'beta']));
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(202);

    write(configYaml(['beta']));
    expect(propose()).toMatchObject({ result: 'reloaded', changed: ['auth'] });

    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(401);
    expect(await status(postSignals(ingress, TOKENS.beta))).toBe(202);
  });

  it('answers 404 for a source a reload disabled, and accepts again once a reload enables it', async () => {
    const { ingress, write, propose } = startReloading(configYaml(['alpha']));
    write(configYaml(['alpha'], 'sources: {prometheus: {enabled: false}}'));
    expect(propose()).toMatchObject({ result: 'reloaded', changed: ['sources'] });
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(404);

    write(configYaml(['alpha'], 'sources: {prometheus: {enabled: true}}'));
    expect(propose()).toMatchObject({ result: 'reloaded', changed: ['sources'] });
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(202);
  });

  it('finishes a request that started before a swap on the snapshot it started with', async () => {
    const { ingress, write, propose, runtime } = startReloading(configYaml(['alpha']));
    const startedHash = runtime.current().snapshot.configHash;
    let finish: (text: string) => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        finish = (text) => {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        };
      },
    });
    const pending = ingress.app.request(PROMETHEUS, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(TOKENS.alpha) },
      body,
      duplex: 'half',
    } as RequestInit);
    await waitFor(
      async () =>
        readMetric(await (await ingress.app.request('/metrics')).text(), 'gateway_http_requests_in_flight') === 1,
      { timeoutMs: 10_000, description: 'the request to wait for the rest of its body' },
    );

    write(configYaml(['alpha'], 'queue: {retryAfterSeconds: 7}'));
    const swapped = propose();
    expect(swapped).toMatchObject({ result: 'reloaded', previousHash: startedHash });
    finish(TWO_ALERTS);
    expect(await status(pending)).toBe(202);

    const queued = await waitingSignals(ingress.reader);
    expect(queued.map(({ signal }) => signal.configHash)).toEqual([startedHash, startedHash]);
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(202);
    const after = await waitingSignals(ingress.reader);
    const newHash = swapped.result === 'reloaded' ? swapped.configHash : '';
    expect(after.filter(({ signal }) => signal.configHash === newHash)).toHaveLength(2);
  });

  it('records each signal answer for automatic rollback: refusals as errors, 404s not at all', async () => {
    const outcomes: boolean[] = [];
    const { ingress } = startReloading(configYaml(['alpha']), { onSignalOutcome: (isError) => outcomes.push(isError) });
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(202);
    expect(await status(postSignals(ingress, 'unknown-token-0123456789abcdef01234567'))).toBe(401);
    expect(await status(postSignals(ingress, TOKENS.alpha, '/api/v1/signals/datadog'))).toBe(404);
    expect(await status(ingress.app.request('/healthz'))).toBe(200);
    // One alert of the delivery has a label that is not a string: accepted with the rest, but counted as an error.
    const webhook = JSON.parse(TWO_ALERTS) as { alerts: { labels: Record<string, unknown> }[] };
    webhook.alerts.push({ ...webhook.alerts[0], labels: { pod: 7 } });
    const partly = await ingress.app.request(PROMETHEUS, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(TOKENS.alpha) },
      body: JSON.stringify(webhook),
    });
    expect(partly.status).toBe(202);
    expect(await partly.json()).toHaveProperty('rejected');
    expect(outcomes).toEqual([false, true, true]);
  });
});

describe('POST /admin/config/reload', () => {
  it('reloads and says which sections changed and which restart-only keys wait for a restart', async () => {
    const { ingress, write, runtime } = startReloading(configYaml(['alpha']));
    const before = runtime.current().snapshot.configHash;
    write(configYaml(['alpha'], 'queue: {retryAfterSeconds: 9}\nserver: {port: 9999}'));

    const response = await reloadRequest(ingress);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { configHash: string };
    expect(body).toEqual({
      result: 'reloaded',
      configHash: runtime.current().snapshot.configHash,
      changed: ['queue'],
      restartRequired: ['server.port'],
    });
    expect(runtime.current().snapshot.configHash).not.toBe(before);

    const config = await ingress.app.request('/admin/config', { headers: bearer(TOKENS.admin) });
    expect(await config.json()).toMatchObject({ configHash: body.configHash, restartRequired: ['server.port'] });
    expect(await (await ingress.app.request('/readyz')).json()).toMatchObject({ restartRequired: ['server.port'] });
  });

  it('answers unchanged when the file holds the running configuration', async () => {
    const { ingress, runtime } = startReloading(configYaml(['alpha']));
    const response = await reloadRequest(ingress);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 'unchanged', configHash: runtime.current().snapshot.configHash });
  });

  it('answers 422 config-invalid listing every problem with secrets redacted, and keeps running the old one', async () => {
    const { ingress, write, runtime } = startReloading(configYaml(['alpha']));
    const running = runtime.current();
    write(
      [
        'auth:',
        '  tokens:',
        `    - {id: admin, token: ${TOKENS.admin}, scopes: [admin]}`,
        '    - {id: alpha, token: short-secret}',
        'queue: {lowWaterMark: 60000}',
      ].join('\n'),
    );

    const response = await reloadRequest(ingress);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = (await response.json()) as { type: string; status: number; errors: ConfigProblem[] };
    expect(body).toMatchObject({ type: problemType('config-invalid'), status: 422, title: 'Unprocessable Content' });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: 'queue.lowWaterMark', value: 60000 }),
      {
        path: 'auth.tokens[1].token',
        value: '<redacted>',
        rule: 'must be at least 16 characters',
        message: 'auth.tokens[1].token: must be at least 16 characters',
        suggestion: expect.any(String),
      },
    ]);
    expect(JSON.stringify(body)).not.toContain('short-secret');
    expect(runtime.current()).toBe(running);
    expect(await status(postSignals(ingress, TOKENS.alpha))).toBe(202);
    expect(await (await ingress.app.request('/readyz')).json()).toMatchObject({
      configProblems: [expect.stringMatching(/^queue\./), 'auth.tokens[1].token: must be at least 16 characters'],
    });
  });

  it('answers 422 with the key the ingress could not build, such as an unreadable token file', async () => {
    const { ingress, write } = startReloading(configYaml(['alpha']));
    write(configYaml(['alpha'], 'sources: {grafana: {enabled: true, hmac: {secretFile: /run/secrets/gone}}}'));
    const response = await reloadRequest(ingress);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      component: 'sources',
      errors: [{ path: 'sources.grafana.hmac.secretFile', rule: 'cannot be read (ENOENT)' }],
    });
  });

  it('asks the fleet to reload, forcing a quarantined candidate only with ?force=true', async () => {
    const { ingress, admin } = startReloading(configYaml(['alpha']));
    expect((await reloadRequest(ingress)).status).toBe(200);
    expect((await reloadRequest(ingress, '?force=true')).status).toBe(200);
    expect(admin.requests).toEqual([
      { trigger: 'admin', force: false, fanOut: true },
      { trigger: 'admin', force: true, fanOut: true },
    ]);
    for (const query of ['?force=yes', '?force=false', '?force=true&force=true', '?dryRun=true']) {
      const refused = await reloadRequest(ingress, query);
      expect(refused.status, query).toBe(400);
      expect(await refused.json()).toMatchObject({ type: problemType('validation-error') });
    }
    expect(admin.requests).toHaveLength(2);
  });

  it('says when the candidate was rolled back automatically and how to apply it anyway', async () => {
    const quarantined: ConfigAdmin = {
      reload: async () => ({ result: 'quarantined', configHash: '0123456789ab' }),
      fleet: async () => ({ members: [], hashes: {}, converged: true }),
    };
    const { ingress } = startReloading(configYaml(['alpha']), { configAdmin: quarantined });
    const response = await reloadRequest(ingress);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      result: 'quarantined',
      configHash: '0123456789ab',
      detail: expect.stringContaining('?force=true'),
    });
  });

  it('refuses a signals token with 403 and does not exist without an admin token or a reload controller', async () => {
    const { ingress, admin } = startReloading(configYaml(['alpha']));
    expect((await reloadRequest(ingress, '', TOKENS.alpha)).status).toBe(403);
    expect((await reloadRequest(ingress, '', '')).status).toBe(401);
    expect(admin.requests).toEqual([]);

    const withoutAdmin = startReloading('auth: {tokens: []}');
    expect((await reloadRequest(withoutAdmin.ingress)).status).toBe(404);

    const withoutController = createTestIngress();
    opened.push(withoutController);
    for (const path of ['/admin/config/reload', '/admin/config/fleet']) {
      const method = path.endsWith('reload') ? 'POST' : 'GET';
      const anonymous = await withoutController.app.request(path, { method });
      expect(anonymous.status, path).toBe(401);
      const absent = await withoutController.app.request(path, { method, headers: bearer(TEST_TOKENS.admin) });
      expect(absent.status, path).toBe(404);
    }
  });
});

describe('GET /admin/config/fleet', () => {
  const view: FleetView = {
    members: [
      {
        id: 'ingress-0:1',
        role: 'ingress',
        pod: 'ingress-0',
        configHash: '0123456789ab',
        restartRequired: [],
        reportedAt: '2026-12-02T17:00:00.000Z',
      },
      {
        id: 'worker-0:1',
        role: 'worker',
        pod: 'worker-0',
        configHash: 'ba9876543210',
        restartRequired: ['worker.port'],
        reportedAt: '2026-12-02T17:00:01.000Z',
      },
    ],
    hashes: { '0123456789ab': 1, ba9876543210: 1 },
    converged: false,
  };

  it('shows an admin which configuration each live process runs', async () => {
    const admin: ConfigAdmin = {
      reload: async () => ({ result: 'unchanged', configHash: '' }),
      fleet: async () => view,
    };
    const { ingress } = startReloading(configYaml(['alpha']), { configAdmin: admin });
    const response = await ingress.app.request('/admin/config/fleet', { headers: bearer(TOKENS.admin) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(view);
    expect((await ingress.app.request('/admin/config/fleet', { headers: bearer(TOKENS.alpha) })).status).toBe(403);
  });

  it('answers 503 with Retry-After when the fleet view cannot be read', async () => {
    const { ingress } = startReloading(configYaml(['alpha']));
    const response = await ingress.app.request('/admin/config/fleet', { headers: bearer(TOKENS.admin) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(ingress.logLines.join('\n')).toContain('could not read the fleet view');
  });
});
