import { computeFingerprint, remediationRequestName } from '@gateway/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  expectProblem,
  rrSpec,
  rrValidator,
  type SourceStack,
  startSourceStack,
} from '../../support/sources.js';

// Issue 4: "adding a new JSON source needs only configuration". An in-house monitor ("Watchtower") with a format
// no adapter knows — several alerts per body, its own field names, open/closed states, muted checks — is
// connected by writing this configuration file and nothing else: the built apps are started unchanged.

const WATCHTOWER_CONFIG = `
sources:
  watchtower:
    type: custom
    enabled: true
    route: /api/v1/signals/acme/watchtower
    signalSource: acme-watchtower
    severityMap: {P1: critical, P2: warning, P3: info}
    mapping:
      signals: "alerts"
      filter: "$not(muted = true)"
      status: "state = 'closed' ? 'resolved' : 'firing'"
      signalName: "check"
      severity: "level"
      target: {kind: "where.kind", name: "where.object", namespace: "where.ns"}
      firingTime: "since"
      labels: "{'sender': $body.sender, 'team': tags.team}"
      annotations: "{'note': note}"
      providerData: "{'uid': uid, 'sentAt': $body.sentAt}"
      deliveryKey: "uid & '|' & state"
`;

const ROUTE = '/api/v1/signals/acme/watchtower';

const delivery = {
  sender: 'watchtower-eu-1',
  sentAt: 1767261600,
  alerts: [
    {
      uid: 'wt-1001',
      check: 'DiskPressure',
      level: 'P2',
      state: 'open',
      where: { ns: 'billing', kind: 'StatefulSet', object: 'ledger-db' },
      since: '2026-01-01T10:00:00Z',
      tags: { team: 'payments' },
      note: 'volume data-ledger-db-0 is 93% full',
    },
    {
      uid: 'wt-1002',
      check: 'CertificateExpiring',
      level: 'P3',
      state: 'open',
      where: { ns: 'edge', kind: 'Deployment', object: 'ingress-gateway' },
      since: 1767261000000,
      tags: { team: 'platform' },
    },
    {
      uid: 'wt-0990',
      check: 'DiskPressure',
      level: 'P2',
      state: 'closed',
      where: { ns: 'billing', kind: 'StatefulSet', object: 'orders-db' },
      since: '2026-01-01T09:00:00Z',
    },
    {
      uid: 'wt-1003',
      check: 'Heartbeat',
      level: 'P3',
      state: 'open',
      muted: true,
      where: { ns: 'ops', kind: 'Deployment', object: 'pinger' },
    },
  ],
};

const rrName = (signalName: string, namespace: string, kind: string, name: string): string =>
  remediationRequestName(computeFingerprint({ signalName, target: { kind, name, scope: namespace } }), 1);

describe('config-only custom source', () => {
  let gw: SourceStack;

  beforeAll(async () => {
    gw = await startSourceStack(WATCHTOWER_CONFIG);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('creates one RR per open alert of an in-house JSON format configured only in the config file', async () => {
    const before = await gw.settle();
    // Three signals (two firing, one resolved); the muted check is filtered out.
    expectAccepted(await gw.post(ROUTE, delivery), { accepted: 3, ignored: 1 });

    const disk = await gw.waitForRr(rrName('DiskPressure', 'billing', 'StatefulSet', 'ledger-db'));
    const cert = await gw.waitForRr(rrName('CertificateExpiring', 'edge', 'Deployment', 'ingress-gateway'));
    for (const rr of [disk, cert]) expect(rrValidator().validate(rr)).toEqual([]);
    expect(rrSpec(disk)).toMatchObject({
      signalName: 'DiskPressure',
      signalSource: 'acme-watchtower',
      severity: 'warning',
      targetType: 'kubernetes',
      targetResource: { kind: 'StatefulSet', name: 'ledger-db', namespace: 'billing' },
      firingTime: '2026-01-01T10:00:00.000Z',
      signalLabels: { sender: 'watchtower-eu-1', team: 'payments' },
    });
    expect(rrSpec(cert)).toMatchObject({
      signalName: 'CertificateExpiring',
      severity: 'info',
      targetResource: { kind: 'Deployment', name: 'ingress-gateway', namespace: 'edge' },
      firingTime: '2026-01-01T09:50:00.000Z',
    });

    const after = await gw.settle();
    expect(after.created - before.created).toBe(2);
    expect(after.resolved - before.resolved).toBe(1);
    expect(
      gw
        .rrs()
        .map((rr) => rrSpec(rr).targetResource?.name)
        .sort(),
    ).toEqual(['ingress-gateway', 'ledger-db']);
  });

  it('counts the next delivery of an open alert into its RR and drops a resend of the same item', async () => {
    const name = rrName('DiskPressure', 'billing', 'StatefulSet', 'ledger-db');
    await gw.fx.waitForCount(name, 1);
    const before = await gw.settle();
    const again = { ...delivery, alerts: [{ ...delivery.alerts[0], uid: 'wt-1101' }, delivery.alerts[1]] };
    // wt-1101 is a new occurrence; wt-1002 was already delivered (same delivery key): not counted again.
    expectAccepted(await gw.post(ROUTE, again), { accepted: 2, ignored: 0 });
    const after = await gw.settle();
    expect(after.deduplicated - before.deduplicated).toBe(1);
    expect(after.redelivered - before.redelivered).toBe(1);
    await gw.fx.waitForCount(name, 2);
    expect(gw.fx.occurrenceCount(rrName('CertificateExpiring', 'edge', 'Deployment', 'ingress-gateway'))).toBe(1);
  });

  it('answers 404 on the default route, since the source lives only where the configuration put it', async () => {
    expectProblem(await gw.post('/api/v1/signals/watchtower', delivery), 404, 'not-found');
  });
});
