import type { SourceType } from '@gateway/contracts';
import { z } from 'zod';
import { section, stringMatching, stringUpTo } from '../rules.js';
import { RateLimitSchema } from './rate-limit.js';

export const ROUTE_PREFIX = '/api/v1/signals/';

export const SourceAuthModeSchema = z.enum(['token', 'signature', 'token-and-signature', 'none']);
export type SourceAuthMode = z.infer<typeof SourceAuthModeSchema>;

export const OverloadStatusSchema = z.literal([429, 503]);
export type OverloadStatus = z.infer<typeof OverloadStatusSchema>;

export const RouteSchema = stringMatching(
  /^\/api\/v1\/signals\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/,
  `must be a path under ${ROUTE_PREFIX}`,
  `write it like ${ROUTE_PREFIX}my-source`,
);

/** Per-type defaults; the overload answer (429 or 503) is whichever the sender of that type retries. */
export interface SourceTypeDefaults {
  authMode: SourceAuthMode;
  overloadStatus: OverloadStatus;
  allowQueryToken: boolean;
  defaultSeverity: string;
}

const TYPE_DEFAULTS = {
  token: { authMode: 'token', overloadStatus: 503, allowQueryToken: false, defaultSeverity: 'unknown' },
} as const satisfies Record<string, SourceTypeDefaults>;

export const SOURCE_TYPE_DEFAULTS: Record<SourceType, SourceTypeDefaults> = {
  alertmanager: TYPE_DEFAULTS.token,
  'kubernetes-event': { ...TYPE_DEFAULTS.token, overloadStatus: 429 },
  cloudwatch: { ...TYPE_DEFAULTS.token, authMode: 'signature', defaultSeverity: 'warning' },
  // Action groups cannot send headers, so the token has to come in the query string.
  'azure-monitor': { ...TYPE_DEFAULTS.token, overloadStatus: 429, allowQueryToken: true },
  datadog: TYPE_DEFAULTS.token,
  grafana: TYPE_DEFAULTS.token,
  custom: { ...TYPE_DEFAULTS.token, overloadStatus: 429 },
  plugin: { ...TYPE_DEFAULTS.token, overloadStatus: 429 },
};

/**
 * Keys every `sources.<name>` has (docs/signals-and-sources.md#settings-every-source-has). `enabled` and `route`
 * depend on the instance name, so they are filled in before validation (see sources.ts) and are required here.
 */
export function commonSourceShape<T extends SourceType>(type: T) {
  const defaults = SOURCE_TYPE_DEFAULTS[type];
  return {
    type: z.literal(type),
    enabled: z.boolean(),
    route: RouteSchema,
    auth: section({ mode: SourceAuthModeSchema.prefault(defaults.authMode) }).prefault({}),
    allowQueryToken: z.boolean().prefault(defaults.allowQueryToken),
    requireTimestamp: z.boolean().prefault(false),
    rateLimit: RateLimitSchema.optional(),
    overloadStatus: OverloadStatusSchema.prefault(defaults.overloadStatus),
    severityMap: z.record(z.string(), stringUpTo(50)).prefault({}),
    defaultSeverity: stringUpTo(50).prefault(defaults.defaultSeverity),
    unresolvedTarget: z.enum(['accept', 'reject']).prefault('accept'),
    deliveryDedup: z.boolean().prefault(true),
  };
}
