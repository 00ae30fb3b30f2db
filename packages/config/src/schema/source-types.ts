import { RE2JS } from 're2js';
import { z } from 'zod';
import {
  durationBetween,
  integerBetween,
  nonEmptyString,
  reject,
  section,
  stringMatching,
  stringUpTo,
} from '../rules.js';
import { hmacConfigSchema } from './hmac.js';
import { ResourceLabelsSchema } from './resource-labels.js';
import { commonSourceShape } from './source-common.js';

export const DEFAULT_CERT_HOST_PATTERN = '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$';

const TopicArnSchema = stringMatching(
  /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]+:[A-Za-z0-9_.-]{1,256}$/,
  'must be an SNS topic ARN',
  'write it like arn:aws:sns:eu-west-1:123456789012:alarms',
);

/**
 * Patterns here are matched against request data, so they must compile on RE2 (linear-time matching, the engine
 * the sources run them on): no backreferences, no lookaround.
 */
const RegexSchema = z.string().check((ctx) => {
  try {
    RE2JS.compile(RE2JS.translateRegExp(ctx.value));
  } catch (error) {
    reject(
      ctx,
      `must be a valid RE2 regular expression (${(error as Error).message})`,
      'escape dots as \\. and balance brackets; backreferences and lookaround are not supported',
    );
  }
});

const SignalSourceSchema = nonEmptyString().pipe(stringUpTo(63));

interface HmacSourceCheck {
  value: { auth: { mode: string }; hmac?: unknown };
  issues: z.core.$ZodRawIssue[];
}

/** Without a secret there is no signature to check, so a signature mode would let every request through. */
function requireHmacForSignature(ctx: HmacSourceCheck): void {
  const { auth, hmac } = ctx.value;
  if ((auth.mode === 'signature' || auth.mode === 'token-and-signature') && hmac === undefined) {
    reject(
      ctx,
      `an hmac block is required when auth.mode is ${auth.mode}`,
      'add hmac: {secretFile: /path/to/secret} or set auth.mode: token',
      { path: ['hmac'] },
    );
  }
}

const ContentTypesSchema = z.array(nonEmptyString());

export const AlertmanagerSourceSchema = section({
  ...commonSourceShape('alertmanager'),
  resourceLabels: ResourceLabelsSchema,
});
export type AlertmanagerSourceConfig = z.infer<typeof AlertmanagerSourceSchema>;

export const KubernetesEventSourceSchema = section({
  ...commonSourceShape('kubernetes-event'),
  maxEventsPerRequest: integerBetween(1, 1000).prefault(100),
});
export type KubernetesEventSourceConfig = z.infer<typeof KubernetesEventSourceSchema>;

export const CloudWatchSourceSchema = section({
  ...commonSourceShape('cloudwatch'),
  topicArns: z.array(TopicArnSchema).prefault([]),
  autoConfirmSubscriptions: z.boolean().prefault(true),
  maxMessageAge: durationBetween(60_000, 3_600_000).prefault('1h'),
  certHostPattern: RegexSchema.prefault(DEFAULT_CERT_HOST_PATTERN),
  insufficientData: z.enum(['ignore', 'firing', 'resolved']).prefault('ignore'),
  // Trust and name resolution for the certificate fetch are configurable so tests can serve certificates locally.
  caFile: nonEmptyString().optional(),
  resolve: z.record(z.string(), nonEmptyString()).optional(),
}).check((ctx) => {
  if (ctx.value.enabled && ctx.value.topicArns.length === 0) {
    reject(
      ctx,
      'at least one ARN when the source is enabled',
      'add the topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:alarms',
      {
        path: ['topicArns'],
        value: ctx.value.topicArns,
      },
    );
  }
});
export type CloudWatchSourceConfig = z.infer<typeof CloudWatchSourceSchema>;

export const AzureMonitorSourceSchema = section(commonSourceShape('azure-monitor'));
export type AzureMonitorSourceConfig = z.infer<typeof AzureMonitorSourceSchema>;

export const DatadogSourceSchema = section({
  ...commonSourceShape('datadog'),
  noData: z.enum(['ignore', 'firing']).prefault('ignore'),
});
export type DatadogSourceConfig = z.infer<typeof DatadogSourceSchema>;

export const GrafanaSourceSchema = section({
  ...commonSourceShape('grafana'),
  resourceLabels: ResourceLabelsSchema,
  ignoreTestNotifications: z.boolean().prefault(true),
  hmac: hmacConfigSchema('X-Grafana-Alerting-Signature').optional(),
}).check(requireHmacForSignature);
export type GrafanaSourceConfig = z.infer<typeof GrafanaSourceSchema>;

export const CustomSourceSchema = section({
  ...commonSourceShape('custom'),
  signalSource: SignalSourceSchema,
  contentTypes: ContentTypesSchema.prefault(['application/json']),
  // Loosely typed here: the custom source's own schema checks the keys and compiles the expressions at startup.
  mapping: z.record(z.string(), z.unknown()),
  hmac: hmacConfigSchema().optional(),
}).check(requireHmacForSignature);
export type CustomSourceConfig = z.infer<typeof CustomSourceSchema>;

export const PluginSourceSchema = section({
  ...commonSourceShape('plugin'),
  plugin: stringMatching(
    /^[a-z][a-z0-9-]{1,30}$/,
    'must match ^[a-z][a-z0-9-]{1,30}$',
    'use the type the plugin declares',
  ),
  signalSource: SignalSourceSchema.optional(),
  contentTypes: ContentTypesSchema.optional(),
  // Validated later against the plugin's own optionsSchema, once the plugin is loaded.
  options: z.record(z.string(), z.unknown()).prefault({}),
});
export type PluginSourceConfig = z.infer<typeof PluginSourceSchema>;

export const SourceConfigSchema = z.discriminatedUnion('type', [
  AlertmanagerSourceSchema,
  KubernetesEventSourceSchema,
  CloudWatchSourceSchema,
  AzureMonitorSourceSchema,
  DatadogSourceSchema,
  GrafanaSourceSchema,
  CustomSourceSchema,
  PluginSourceSchema,
]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;
