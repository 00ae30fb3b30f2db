/** Redis key names of the dedup windows; the Lua scripts derive per-member keys the same way. */
export interface DedupKeys {
  window(fingerprint: string): string;
  seq(fingerprint: string): string;
  applied(signalId: string): string;
  delivery(deliveryKeyHash: string): string;
  index: string;
  dirty: string;
  audit: string;
}

export function dedupKeys(prefix: string): DedupKeys {
  return {
    window: (fingerprint) => `${prefix}:win:${fingerprint}`,
    seq: (fingerprint) => `${prefix}:seq:${fingerprint}`,
    applied: (signalId) => `${prefix}:applied:${signalId}`,
    delivery: (deliveryKeyHash) => `${prefix}:dlv:${deliveryKeyHash}`,
    index: `${prefix}:win:index`,
    dirty: `${prefix}:dedup:dirty`,
    audit: `${prefix}:audit`,
  };
}
