import { CauseReason, type ValidationCause } from '../crd-validator.js';

/**
 * ObjectMeta checks the API server applies to every object besides the CRD schema: label keys and values and
 * annotation keys and total size. The gateway writes labels and annotations derived from alerts, so a value a
 * real cluster would refuse must fail here too.
 */

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and be at most 63 characters";
  }
  return undefined;
}

export function validateObjectMeta(metadata: { labels?: unknown; annotations?: unknown }): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const invalid = (field: string, value: string, why: string): void => {
    causes.push({ reason: CauseReason.invalid, field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
  };
  for (const [key, value] of Object.entries((metadata.labels ?? {}) as Record<string, unknown>)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) invalid('metadata.labels', key, keyProblem);
    if (typeof value !== 'string') invalid('metadata.labels', String(value), 'label values must be strings');
    else if (value.length > 63) invalid('metadata.labels', value, 'must be no more than 63 characters');
    else if (!LABEL_VALUE.test(value)) {
      invalid(
        'metadata.labels',
        value,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      );
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries((metadata.annotations ?? {}) as Record<string, unknown>)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) invalid('metadata.annotations', key, keyProblem);
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    causes.push({
      reason: CauseReason.tooLong,
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${MAX_ANNOTATIONS_BYTES} bytes`,
    });
  }
  return causes;
}
