import { ErrorCode, GatewayError, type NormalizedSignal, sha256Hex } from '@gateway/contracts';
import { createAuditEventChecker, referenceOpenapiPath } from '@gateway/testkit';
import { v5 as uuidV5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { createAuditEventValidator } from '../validation/audit-event-validator.js';
import type { AuditEvent, GatewayAuditPayload } from './audit-event-types.js';
import { configRejectedEvent, configReloadedEvent } from './config-events.js';
import { crdCreatedEvent, crdFailedEvent } from './crd-events.js';
import { AUDIT_EVENT_ID_NAMESPACE } from './event-id.js';
import { signalDeduplicatedEvent, signalReceivedEvent, signalResolvedEvent } from './signal-events.js';

const fingerprint = 'c35a9758b42c0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0';
const now = new Date('2025-01-02T03:04:05.678Z');

function sampleSignal(overrides: Partial<NormalizedSignal> = {}): NormalizedSignal {
  return {
    signalId: '01936f0e-7a1b-7c2d-8e3f-405162738495',
    requestId: 'req-1',
    index: 0,
    source: 'prometheus',
    sourceType: 'alertmanager',
    signalSource: 'prometheus',
    status: 'firing',
    signalName: 'HighMemoryUsage',
    severity: 'Sev1',
    namespace: 'payments',
    target: { type: 'kubernetes', kind: 'Deployment', name: 'payment-api', namespace: 'payments', scope: 'payments' },
    clusterId: '',
    firingTime: '2025-01-02T03:04:00.000Z',
    receivedTime: '2025-01-02T03:04:05.178Z',
    labels: { alertname: 'HighMemoryUsage', severity: 'Sev1' },
    annotations: { summary: 'memory above 90 %' },
    providerData: {},
    originalPayload: { receiver: 'gateway', alerts: [{ labels: { alertname: 'HighMemoryUsage' } }] },
    deliveryKey: null,
    fingerprintInput: null,
    principal: { type: 'token', id: 'alertmanager-prod' },
    clientIp: '10.1.2.3',
    configHash: 'a1b2c3d4e5f6',
    ...overrides,
  };
}

const rr = { rrName: 'rr-c35a9758b42c-1', rrNamespace: 'kubernaut-system' };
const createFailure = new GatewayError({
  code: ErrorCode.k8sUnavailable,
  operation: 'rr.create',
  errorType: 'service_unavailable',
  retryable: true,
  httpStatus: 503,
  attempt: 3,
  maxAttempts: 3,
});

function everyEventType(): Record<string, AuditEvent> {
  const signal = sampleSignal();
  return {
    received: signalReceivedEvent({ signal, fingerprint, ...rr, now }),
    resolved: signalResolvedEvent({
      signal: sampleSignal({ status: 'resolved', target: undefined }),
      fingerprint,
      now,
    }),
    deduplicated: signalDeduplicatedEvent({ signal, fingerprint, ...rr, occurrenceCount: 4, now }),
    created: crdCreatedEvent({ signal, fingerprint, ...rr, now }),
    failed: crdFailedEvent({ signal, fingerprint, ...rr, now, error: createFailure, attempt: 2 }),
    reloaded: configReloadedEvent({
      processId: 'worker-0',
      reloadSequence: 3,
      component: 'sources',
      configHash: 'aa11bb22cc33',
      now,
    }),
    rejected: configRejectedEvent({
      processId: 'worker-0',
      reloadSequence: 4,
      component: 'sources',
      configHash: 'dd44ee55ff66',
      rejectionReason: 'sources.prometheus.path: must start with /',
      now,
    }),
  };
}

function payloadOf(event: AuditEvent): GatewayAuditPayload {
  return event.event_data as GatewayAuditPayload;
}

describe('audit event builders', () => {
  it('builds events the reference Data Storage schema accepts, for every event type', () => {
    const check = createAuditEventChecker(referenceOpenapiPath());
    for (const [name, event] of Object.entries(everyEventType())) {
      expect(check(JSON.parse(JSON.stringify(event))), name).toEqual({ valid: true });
    }
  });

  it('builds events the gateway document accepts, for every event type', () => {
    const validate = createAuditEventValidator();
    for (const [name, event] of Object.entries(everyEventType())) {
      expect(validate(JSON.parse(JSON.stringify(event))).valid, name).toBe(true);
    }
  });

  it('derives event_id as UUIDv5 of signal id, type and action, with the attempt only for crd.failed', () => {
    const events = everyEventType();
    const id = (name: string) => uuidV5(name, AUDIT_EVENT_ID_NAMESPACE);
    const signalId = sampleSignal().signalId;
    expect(events.received?.event_id).toBe(id(`${signalId}:gateway.signal.received:received`));
    expect(events.resolved?.event_id).toBe(id(`${signalId}:gateway.signal.received:resolved`));
    expect(events.deduplicated?.event_id).toBe(id(`${signalId}:gateway.signal.deduplicated:deduplicated`));
    expect(events.created?.event_id).toBe(id(`${signalId}:gateway.crd.created:created`));
    expect(events.failed?.event_id).toBe(id(`${signalId}:gateway.crd.failed:failed:2`));
    expect(events.reloaded?.event_id).toBe(id('worker-0:3:gateway.config.reloaded:sources'));
    expect(everyEventType().received?.event_id).toBe(events.received?.event_id);
  });

  it('maps a received signal to actor, resource, correlation and reconstruction fields', () => {
    const event = everyEventType().received!;
    expect(event).toMatchObject({
      version: '1.0',
      event_type: 'gateway.signal.received',
      event_category: 'gateway',
      event_action: 'received',
      event_outcome: 'success',
      event_timestamp: '2025-01-02T03:04:05.678Z',
      actor_type: 'authenticated-service',
      actor_id: 'alertmanager-prod',
      actor_ip: '10.1.2.3',
      resource_type: 'Signal',
      resource_id: fingerprint,
      correlation_id: rr.rrName,
      namespace: 'payments',
      is_sensitive: false,
    });
    expect(event).not.toHaveProperty('cluster_id');
    expect(payloadOf(event)).toEqual({
      event_type: 'gateway.signal.received',
      signal_type: 'alert',
      signal_name: 'HighMemoryUsage',
      namespace: 'payments',
      fingerprint,
      severity: 'Sev1',
      resource_kind: 'Deployment',
      resource_name: 'payment-api',
      remediation_request: 'kubernaut-system/rr-c35a9758b42c-1',
      deduplication_status: 'new',
      original_payload: sampleSignal().originalPayload,
      signal_labels: sampleSignal().labels,
      signal_annotations: sampleSignal().annotations,
    });
  });

  it('names an anonymous sender by its signal source and omits an empty namespace but keeps a cluster id', () => {
    const signal = sampleSignal({ principal: { type: 'anonymous', id: '' }, namespace: '', clusterId: 'edge-7' });
    const event = signalDeduplicatedEvent({ signal, fingerprint, ...rr, occurrenceCount: 2, now });
    expect(event).toMatchObject({ actor_type: 'external', actor_id: 'prometheus', cluster_id: 'edge-7' });
    expect(event).not.toHaveProperty('namespace');
    expect(payloadOf(event)).toMatchObject({ namespace: '', deduplication_status: 'duplicate', occurrence_count: 2 });
  });

  it('leaves the payload out of a deduplicated event when duplicates carry no payload', () => {
    const event = signalDeduplicatedEvent({ signal: sampleSignal(), fingerprint, ...rr, includePayload: false, now });
    expect(payloadOf(event)).not.toHaveProperty('original_payload');
    expect(payloadOf(event)).not.toHaveProperty('signal_labels');
  });

  it('correlates a resolved signal by fingerprint and names no RR when none is open', () => {
    const event = everyEventType().resolved!;
    expect(event).toMatchObject({ event_action: 'resolved', correlation_id: fingerprint });
    expect(payloadOf(event)).not.toHaveProperty('remediation_request');
    expect(payloadOf(event)).not.toHaveProperty('deduplication_status');
  });

  it('replaces an original payload over the limit by its size and digest', () => {
    const originalPayload = { blob: 'x'.repeat(2000) };
    const json = JSON.stringify(originalPayload);
    const signal = sampleSignal({ originalPayload });
    const event = signalReceivedEvent({ signal, fingerprint, ...rr, now, maxOriginalPayloadBytes: 1024 });
    expect(payloadOf(event).original_payload).toEqual({
      _truncated: true,
      sizeBytes: Buffer.byteLength(json),
      sha256: sha256Hex(json),
    });
  });

  it('records time to creation and the occurrence count on crd.created', () => {
    const event = everyEventType().created!;
    expect(event).toMatchObject({
      actor_type: 'gateway',
      actor_id: 'crd-creator',
      resource_type: 'RemediationRequest',
      resource_id: 'kubernaut-system/rr-c35a9758b42c-1',
      duration_ms: 500,
    });
    expect(payloadOf(event).occurrence_count).toBe(1);
  });

  it('carries the structured error on crd.failed', () => {
    const event = everyEventType().failed!;
    expect(event).toMatchObject({
      event_outcome: 'failure',
      error_code: 'ERR_K8S_UNAVAILABLE',
      error_message: createFailure.message,
    });
    expect(payloadOf(event).error_details).toEqual({
      message: createFailure.message,
      code: 'ERR_K8S_UNAVAILABLE',
      component: 'gateway',
      retry_possible: true,
    });
  });

  it('correlates config events by configuration hash and cuts long rejection reasons', () => {
    const events = everyEventType();
    expect(events.reloaded).toMatchObject({
      actor_type: 'service',
      actor_id: 'gateway',
      resource_type: 'Config',
      resource_id: 'sources',
      correlation_id: 'config-reload-aa11bb22cc33',
      event_data: { event_type: 'gateway.config.reloaded', component: 'sources', config_version: 'aa11bb22cc33' },
    });
    const long = configRejectedEvent({
      processId: 'p',
      reloadSequence: 1,
      component: 'auth',
      configHash: 'dd44ee55ff66',
      rejectionReason: '€'.repeat(1500),
      now,
    });
    expect(Array.from((long.event_data as { rejection_reason: string }).rejection_reason)).toHaveLength(1000);
    expect(long).toMatchObject({ event_outcome: 'failure', correlation_id: 'config-reload-dd44ee55ff66' });
  });
});
