/**
 * The alphabet of the random suffixes Kubernetes appends to generated names (pod-template hashes, pod suffixes):
 * no vowels and no 0, 1, 3, so that no word is ever spelled.
 */
const SUFFIX_ALPHABET = new Set('bcdfghjklmnpqrstvwxz2456789');

const isSuffix = (text: string, min: number, max: number): boolean =>
  text.length >= min && text.length <= max && [...text].every((char) => SUFFIX_ALPHABET.has(char));

const isDigits = (text: string, min: number, max: number): boolean =>
  text.length >= min && text.length <= max && /^[0-9]+$/.test(text);

/** `0` or a number without leading zero: a StatefulSet ordinal. */
const isOrdinal = (text: string): boolean => text === '0' || /^[1-9][0-9]*$/.test(text);

export interface NamedOwner {
  kind: string;
  name: string;
}

/** The name split at its last two dashes; the generated parts never contain one, so these are the only splits. */
function lastSegments(name: string): { prefix: string; middle: string; last: string } | undefined {
  const lastDash = name.lastIndexOf('-');
  if (lastDash <= 0) return undefined;
  const last = name.slice(lastDash + 1);
  const head = name.slice(0, lastDash);
  const middleDash = head.lastIndexOf('-');
  return middleDash <= 0
    ? { prefix: '', middle: head, last }
    : { prefix: head.slice(0, middleDash), middle: head.slice(middleDash + 1), last };
}

/**
 * The workload a generated name belongs to, when the API cannot say (docs/fingerprints-and-windows.md#strategies).
 * The patterns, first match wins (A is the suffix alphabet):
 * Pod `(.+)-[0-9]{8,10}-A{5}` → CronJob, Pod `(.+)-A{6,10}-A{5}` → Deployment, Pod `(.+)-<ordinal>` → StatefulSet,
 * ReplicaSet `(.+)-A{6,10}` → Deployment, Job `(.+)-[0-9]{8,10}` → CronJob. Parsed from the end rather than with
 * regular expressions, so the cost is linear in the name whatever it holds.
 */
export function ownerFromName(kind: string, name: string): NamedOwner | undefined {
  const parts = lastSegments(name);
  if (!parts) return undefined;
  const { prefix, middle, last } = parts;
  const beforeLast = name.slice(0, name.length - last.length - 1);
  switch (kind) {
    case 'Pod':
      if (prefix !== '' && isSuffix(last, 5, 5) && isDigits(middle, 8, 10)) return { kind: 'CronJob', name: prefix };
      if (prefix !== '' && isSuffix(last, 5, 5) && isSuffix(middle, 6, 10)) return { kind: 'Deployment', name: prefix };
      if (isOrdinal(last)) return { kind: 'StatefulSet', name: beforeLast };
      return undefined;
    case 'ReplicaSet':
      return isSuffix(last, 6, 10) ? { kind: 'Deployment', name: beforeLast } : undefined;
    case 'Job':
      return isDigits(last, 8, 10) ? { kind: 'CronJob', name: beforeLast } : undefined;
    default:
      return undefined;
  }
}

export interface ClaimPod {
  /** `<statefulSet>-<ordinal>`. */
  pod: string;
  statefulSet: string;
}

/**
 * Candidate lookups per claim: each costs an API request on a cold cache, and volume claim template names rarely
 * hold more than one dash.
 */
const MAX_CLAIM_CANDIDATES = 3;

/**
 * The StatefulSet pods a PersistentVolumeClaim may belong to, most likely first. The StatefulSet controller names a
 * pod's claim `<volumeClaimTemplate>-<statefulSet>-<ordinal>`, and the template name may itself hold dashes, so each
 * split is a candidate, the shortest template first (`data`, `datadir`, `www` are the common ones). The caller asks
 * the API which candidate pod exists and is controlled by that StatefulSet.
 */
export function statefulSetPodsOfClaim(claim: string): ClaimPod[] {
  const lastDash = claim.lastIndexOf('-');
  if (lastDash <= 0 || !isOrdinal(claim.slice(lastDash + 1))) return [];
  const candidates: ClaimPod[] = [];
  let dash = claim.indexOf('-');
  while (dash > 0 && dash < lastDash - 1 && candidates.length < MAX_CLAIM_CANDIDATES) {
    candidates.push({ pod: claim.slice(dash + 1), statefulSet: claim.slice(dash + 1, lastDash) });
    dash = claim.indexOf('-', dash + 1);
  }
  return candidates;
}
