import { z } from 'zod';

export const PROBLEM_TYPE_BASE = 'https://kubernaut.ai/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Stable problem types (docs/http-api.md#problem-types): slug → status and title. */
export const PROBLEM_TYPES = {
  'validation-error': { status: 400, title: 'Bad Request' },
  'replay-rejected': { status: 400, title: 'Bad Request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'signature-invalid': { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not Found' },
  'method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  'request-timeout': { status: 408, title: 'Request Timeout' },
  'payload-too-large': { status: 413, title: 'Request Entity Too Large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Media Type' },
  'header-fields-too-large': { status: 431, title: 'Request Header Fields Too Large' },
  'config-invalid': { status: 422, title: 'Unprocessable Content' },
  'rate-limited': { status: 429, title: 'Too Many Requests' },
  'queue-full': { status: 503, title: 'Service Unavailable' },
  'service-unavailable': { status: 503, title: 'Service Unavailable' },
  'internal-error': { status: 500, title: 'Internal Server Error' },
} as const;
export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const ProblemFieldErrorSchema = z.object({
  index: z.number().int().optional(),
  pointer: z.string(),
  message: z.string(),
});
export type ProblemFieldError = z.infer<typeof ProblemFieldErrorSchema>;

export const ProblemDetailsSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    request_id: z.string(),
    errors: z.array(ProblemFieldErrorSchema).optional(),
  })
  .catchall(z.unknown());
export type ProblemDetails = z.infer<typeof ProblemDetailsSchema>;

export function problemType(slug: ProblemSlug): string {
  return PROBLEM_TYPE_BASE + slug;
}
