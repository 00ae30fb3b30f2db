import { computeFingerprint, remediationRequestName } from '@gateway/contracts';

export interface PodAlert {
  alertname: string;
  namespace: string;
  pod: string;
  startsAt: string;
  /** Alertmanager's own alert fingerprint: part of the delivery key, so redeliveries share it. */
  alertFingerprint?: string;
  status?: 'firing' | 'resolved';
  /** Labels besides alertname, namespace, pod and severity. */
  labels?: Record<string, string>;
}

/** One Alertmanager v4 webhook carrying the given alerts, shaped like Alertmanager 0.25 sends it. */
export function alertmanagerWebhook(alerts: PodAlert[], groupKey = '{}:{alertname="test"}'): Record<string, unknown> {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'gateway',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: a.alertname, namespace: a.namespace, pod: a.pod, severity: 'critical', ...a.labels },
      annotations: { summary: `${a.alertname} on ${a.pod}` },
      startsAt: a.startsAt,
      endsAt: a.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test:9090/graph',
      fingerprint: a.alertFingerprint ?? `${a.pod}-${a.startsAt}`,
    })),
  };
}

export function podFingerprint(alertname: string, namespace: string, pod: string): string {
  return computeFingerprint({ signalName: alertname, target: { kind: 'Pod', name: pod, scope: namespace } });
}

export function podRrName(alertname: string, namespace: string, pod: string, seq = 1): string {
  return remediationRequestName(podFingerprint(alertname, namespace, pod), seq);
}

export interface PostOptions {
  /**
   * Retry `503` answers as Alertmanager does (default true). A loaded CI machine can stall the ingress past
   * its 1 s Redis command timeout; a 503 then is the contract working, and a sender retries it. Retries are
   * quicker than the advertised Retry-After to keep suites short. Tests of the 503 itself pass false.
   */
  retryUnavailable?: boolean;
}

const UNAVAILABLE_RETRIES = 20;

export async function postWebhook(
  ingressUrl: string,
  token: string,
  body: unknown,
  options: PostOptions = {},
): Promise<Response> {
  const send = () =>
    fetch(`${ingressUrl}/api/v1/signals/prometheus`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  let response = await send();
  for (
    let retry = 0;
    options.retryUnavailable !== false && response.status === 503 && retry < UNAVAILABLE_RETRIES;
    retry++
  ) {
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 250));
    response = await send();
  }
  return response;
}
