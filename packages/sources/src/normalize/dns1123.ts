const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespace names: DNS-1123 label, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && LABEL.test(value);
}

/** Most object names: DNS-1123 subdomain, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && SUBDOMAIN.test(value);
}
