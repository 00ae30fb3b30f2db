import type { SourceInstance } from '../settings/ingress-settings.js';

/**
 * The part of @hono/node-server's bindings ingress reads: the TCP peer. Absent under `app.request` in tests
 * unless a test passes it as the env argument.
 */
export interface PeerBindings {
  incoming?: { socket?: { remoteAddress?: string | undefined } };
}

export interface IngressVariables {
  requestId: string;
  clientIp: string;
  /** Route pattern for metrics and logs; bounded, unlike the raw path. */
  endpoint: string;
  source: SourceInstance | undefined;
  accepted: number | undefined;
}

export type IngressEnv = { Bindings: PeerBindings; Variables: IngressVariables };
