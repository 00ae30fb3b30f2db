import type { SourceInstance } from '../settings/ingress-settings.js';
import type { RequestView } from './request-view.js';

/**
 * The part of @hono/node-server's bindings ingress reads: Node's request (its TCP peer; its raw header fields and
 * body stream, read by `nodeRequestView`). Absent under `app.request` in tests unless a test passes a peer as the
 * env argument.
 */
export interface PeerBindings {
  incoming?: { socket?: { remoteAddress?: string | undefined }; rawHeaders?: readonly string[] };
}

export interface IngressVariables {
  requestId: string;
  clientIp: string;
  /** Route pattern for metrics and logs; bounded, unlike the raw path. */
  endpoint: string;
  source: SourceInstance | undefined;
  accepted: number | undefined;
  /** Items of an accepted delivery the source could not use (listed in the 202's `rejected`). */
  rejectedItems: number | undefined;
  /** Header fields and body of this request (docs/benchmarks.md: read from Node's request when there is one). */
  view: RequestView;
  /** Security headers and X-Request-ID for this response; a handler that puts them on its response says so below. */
  responseHeaders: Record<string, string>;
  /** True when the handler's response already carries `responseHeaders`, so they need not be copied onto it. */
  responseHeadersApplied: boolean | undefined;
}

export type IngressEnv = { Bindings: PeerBindings; Variables: IngressVariables };
