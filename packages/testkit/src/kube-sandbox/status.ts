import type { ValidationCause } from '../crd-validator.js';

/** A `meta/v1` Status, the body the API server sends with every error (clients read `reason` and `code`). */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason: string; message: string; field: string }[];
    retryAfterSeconds?: number;
  };
}

export interface ResourceRef {
  group: string;
  plural: string;
  kind: string;
}

export function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  };
}

const qualified = (ref: ResourceRef): string => (ref.group === '' ? ref.plural : `${ref.plural}.${ref.group}`);

export function notFound(ref: ResourceRef, name: string): KubeStatus {
  return failure(404, 'NotFound', `${qualified(ref)} "${name}" not found`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function alreadyExists(ref: ResourceRef, name: string): KubeStatus {
  return failure(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function conflict(
  ref: ResourceRef,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): KubeStatus {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${why}`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function invalid(ref: ResourceRef, name: string, causes: ValidationCause[]): KubeStatus {
  const lines = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  return failure(422, 'Invalid', `${ref.kind}.${ref.group} "${name}" is invalid: ${summary}`, {
    name,
    group: ref.group,
    kind: ref.kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

export function badRequest(message: string): KubeStatus {
  return failure(400, 'BadRequest', message);
}

export function gone(message: string): KubeStatus {
  return failure(410, 'Expired', message);
}

/** The failure the fault injector answers with, worded like the API server's own for that code. */
export function injectedFailure(code: number, retryAfterSeconds: number | undefined): KubeStatus {
  const details = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
  switch (code) {
    case 403:
      return failure(403, 'Forbidden', 'forbidden: injected fault', details);
    case 422:
      return failure(422, 'Invalid', 'the object is invalid: injected fault', details);
    case 429:
      return failure(429, 'TooManyRequests', 'Too many requests, please try again later.', details);
    case 503:
      return failure(503, 'ServiceUnavailable', 'The server is currently unable to handle the request', details);
    default:
      return failure(code, 'InternalError', 'Internal error occurred: injected fault', details);
  }
}
