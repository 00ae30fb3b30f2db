import { waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, postWebhook } from '../support/alerts.js';
import { adminReload, fleetHashes, type ReloadFleet, startReloadFleet, tokensYaml } from './support.js';

/** Reloads reach the fleet through the admin endpoint's fan-out only: no process watches the file. */
const base = (tokens: string) => `${tokens}reload:
  watch: false
  autoRollback: {enabled: true, minRequests: 20, minErrors: 5}
`;

describe('fleet reload', () => {
  let fleet: ReloadFleet;
  beforeAll(async () => {
    fleet = await startReloadFleet(2, (tokens) => base(tokensYaml(tokens.admin, { sender: tokens.signal })));
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('brings two ingress and two worker processes to the new hash within 2 s of one admin reload', async () => {
    const before = await fleetHashes(fleet);
    expect(new Set(before).size, 'the fleet starts converged').toBe(1);
    await fleet.file.write(
      `${base(tokensYaml(fleet.adminToken, { sender: fleet.signalToken }))}queue: {retryAfterSeconds: 7}\n`,
    );

    const startedMs = Date.now();
    const [first] = fleet.ingressUrls();
    const response = await adminReload(first ?? '', fleet.adminToken);
    const body = (await response.json()) as { result: string; configHash: string; changed: string[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ result: 'reloaded', changed: ['queue'] });

    await waitFor(async () => (await fleetHashes(fleet)).every((hash) => hash === body.configHash), {
      timeoutMs: 2000,
      intervalMs: 50,
      description: `every process on ${body.configHash}\n${fleet.logs()}`,
    });
    const convergedMs = Date.now() - startedMs;
    expect(convergedMs).toBeLessThan(2000);

    const fleetView = await waitFor(
      async () => {
        const view = await fetch(`${first}/admin/config/fleet`, {
          headers: { authorization: `Bearer ${fleet.adminToken}` },
        });
        const current = (await view.json()) as { members: { role: string; configHash: string }[]; converged: boolean };
        return current.converged && current.members.length === 4 ? current : undefined;
      },
      { timeoutMs: 5000, description: 'the fleet view to list four members on one hash' },
    );
    expect(fleetView.members.map((member) => [member.role, member.configHash])).toEqual([
      ['ingress', body.configHash],
      ['ingress', body.configHash],
      ['worker', body.configHash],
      ['worker', body.configHash],
    ]);
  });

  it('rolls the whole fleet back when a reload makes one ingress answer errors', async () => {
    const good = (await fleetHashes(fleet))[0];
    const [first] = fleet.ingressUrls();
    const alert = (i: number) => ({
      alertname: 'ReloadRollback',
      namespace: 'reload',
      pod: `pod-${i % 5}`,
      startsAt: '2026-12-02T08:00:00.000Z',
    });
    // A healthy baseline before the reload.
    for (let i = 0; i < 30; i += 1) {
      const ok = await postWebhook(first ?? '', fleet.signalToken, alertmanagerWebhook([alert(i)]));
      expect(ok.status).toBe(202);
    }

    // The injected fault: the sender's token is revoked by mistake.
    await fleet.file.write(base(tokensYaml(fleet.adminToken, {})));
    const response = await adminReload(first ?? '', fleet.adminToken);
    const { configHash: bad } = (await response.json()) as { configHash: string };
    expect(bad).not.toBe(good);
    await waitFor(async () => (await fleetHashes(fleet)).every((hash) => hash === bad), {
      timeoutMs: 2000,
      description: 'every process on the faulty configuration',
    });

    // The sender keeps sending; its 401s are the errors the guard counts (checked every 10 s).
    let refused = 0;
    await waitFor(
      async () => {
        const answer = await postWebhook(first ?? '', fleet.signalToken, alertmanagerWebhook([alert(refused)]));
        if (answer.status === 401) refused += 1;
        return (await fleetHashes(fleet)).every((hash) => hash === good);
      },
      { timeoutMs: 25_000, intervalMs: 100, description: `the fleet back on ${good}\n${fleet.logs()}` },
    );
    expect(refused).toBeGreaterThanOrEqual(20);
    const accepted = await postWebhook(first ?? '', fleet.signalToken, alertmanagerWebhook([alert(0)]));
    expect(accepted.status).toBe(202);

    // Quarantined: reloading the same file again is skipped unless forced.
    const again = await adminReload(first ?? '', fleet.adminToken);
    expect(await again.json()).toMatchObject({ result: 'quarantined', configHash: bad });
  });
});
