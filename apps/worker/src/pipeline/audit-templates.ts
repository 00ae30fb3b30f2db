import type { GatewayError, NormalizedSignal } from '@gateway/contracts';
import type { FingerprintDecision } from '@gateway/fingerprint';
import { AUDIT_PLACEHOLDER } from './window-store.js';

/**
 * Serialised audit events for the decisions of the pipeline, each with the fingerprint decision (strategy and
 * evidence). Templates may carry the placeholders of `AUDIT_PLACEHOLDER` (window-store.ts) for values only the atomic
 * store step knows. Owned here; the composition root implements it with the builders of `@gateway/audit`.
 */
export interface AuditTemplates {
  /** `gateway.signal.deduplicated` for a counted duplicate (rr, rrRef and count are placeholders). */
  deduplicated(signal: NormalizedSignal, fingerprint: FingerprintDecision): string;
  /** `gateway.signal.deduplicated` when Redis lost the window and an existing RR was adopted (count is a placeholder). */
  adopted(signal: NormalizedSignal, fingerprint: FingerprintDecision, rrName: string, namespace: string): string;
  /** `gateway.crd.created` and `gateway.signal.received` (new) for a created RR (count is a placeholder). */
  created(
    signal: NormalizedSignal,
    fingerprint: FingerprintDecision,
    rrName: string,
    namespace: string,
    createdAt: Date,
  ): string[];
  /**
   * `gateway.signal.received` with action `resolved`; with `withOpenRr` the RR name and reference are
   * placeholders, since only the atomic store step knows whether a window is open.
   */
  resolved(signal: NormalizedSignal, fingerprint: FingerprintDecision, withOpenRr: boolean): string;
  /** `gateway.crd.failed` for one failed create attempt. */
  crdFailed(
    signal: NormalizedSignal,
    fingerprint: FingerprintDecision,
    rrName: string,
    namespace: string,
    error: GatewayError,
    attempt: number,
  ): string;
}

/**
 * Stand-ins for placeholder values while an event is still an object. JSON.stringify escapes the NUL
 * characters, so the quoted sentinel can be swapped for the raw placeholder after serialising.
 */
export const AUDIT_SENTINEL = {
  rrName: '\u0000gateway:rr\u0000',
  /** Builders render the reference as `<namespace>/<name>`, so the pair of sentinels becomes the rrRef placeholder. */
  rrNamespace: '\u0000gateway:ns\u0000',
  count: '\u0000gateway:count\u0000',
} as const;

/** Each serialised sentinel and its placeholder; the reference comes first, since it contains the name's sentinel. */
const SENTINEL_PLACEHOLDERS = new Map<string, string>([
  [JSON.stringify(`${AUDIT_SENTINEL.rrNamespace}/${AUDIT_SENTINEL.rrName}`), AUDIT_PLACEHOLDER.rrRef],
  [JSON.stringify(AUDIT_SENTINEL.rrName), AUDIT_PLACEHOLDER.rrName],
  [JSON.stringify(AUDIT_SENTINEL.count), AUDIT_PLACEHOLDER.count],
]);
// An alternation of fixed strings, so one linear pass whatever the event holds.
const SENTINEL_PATTERN = new RegExp(
  [...SENTINEL_PLACEHOLDERS.keys()].map((text) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'),
  'g',
);

/**
 * Serialises an event whose placeholder fields hold AUDIT_SENTINEL values, swapping them in one pass: an event per
 * signal is on the worker's hot path, and one pass per placeholder copied the whole string three times.
 */
export function toAuditTemplate(event: unknown): string {
  return JSON.stringify(event).replace(SENTINEL_PATTERN, (text) => SENTINEL_PLACEHOLDERS.get(text) ?? text);
}
