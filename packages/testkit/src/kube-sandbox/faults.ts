/** Fault injection for the sandbox API: latency, error responses and connection resets, optionally per route. */

export interface SandboxRequestInfo {
  method: string;
  path: string;
  /** Raw query string with its leading `?` (e.g. to match only watch requests: `includes('watch=true')`). */
  query: string;
}

export interface FaultSettings {
  /** Added before the response (and before a watch stream starts). */
  latencyMs?: number;
  /** Share of matching requests answered with errorStatus; defaults to 1 when errorStatus is set, else 0. */
  errorRate?: number;
  errorStatus?: 403 | 422 | 429 | 500 | 503;
  /** Sent as Retry-After and details.retryAfterSeconds on injected errors. */
  retryAfterSeconds?: number;
  /** Reset the connection without any response, as an API server that went away. */
  outage?: boolean;
  match?: (req: SandboxRequestInfo) => boolean;
}

export type FaultDecision =
  | { action: 'pass'; delayMs: number }
  | { action: 'error'; delayMs: number; status: number; retryAfterSeconds: number | undefined }
  | { action: 'reset'; delayMs: number };

export interface FaultController {
  set(settings: FaultSettings): void;
  clear(): void;
  decide(req: SandboxRequestInfo): FaultDecision;
}

export function createFaultController(baseLatencyMs = 0, random: () => number = Math.random): FaultController {
  let settings: FaultSettings | undefined;
  return {
    set(next) {
      settings = { ...next };
    },
    clear() {
      settings = undefined;
    },
    decide(req) {
      const active = settings && (settings.match ? settings.match(req) : true) ? settings : undefined;
      const delayMs = baseLatencyMs + (active?.latencyMs ?? 0);
      if (!active) return { action: 'pass', delayMs };
      if (active.outage) return { action: 'reset', delayMs };
      const errorRate = active.errorRate ?? (active.errorStatus !== undefined ? 1 : 0);
      if (errorRate > 0 && random() < errorRate) {
        return {
          action: 'error',
          delayMs,
          status: active.errorStatus ?? 503,
          retryAfterSeconds: active.retryAfterSeconds,
        };
      }
      return { action: 'pass', delayMs };
    },
  };
}
