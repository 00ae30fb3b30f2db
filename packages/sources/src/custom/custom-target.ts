import type { SignalStatus, Target } from '@gateway/contracts';
import { TARGET_TYPES, TargetTypeSchema } from '@gateway/contracts';
import { handleUnresolvedTarget } from '../normalize/unresolved-target.js';
import type { CommonSourceSettings } from '../source-definition.js';
import { MappingValueError } from './mapping-value.js';

const TARGET_FIELD_MAX_CHARS = 253;

/** Mapped target fields after type checks; undefined = the expression is absent or returned nothing. */
export interface MappedTargetFields {
  type: string | undefined;
  kind: string | undefined;
  name: string | undefined;
  namespace: string | undefined;
  apiVersion: string | undefined;
  scope: string | undefined;
}

export type CustomTargetOutcome = { target: Target | undefined; namespace: string; unresolvedTarget: boolean };

/**
 * Custom source target rules. No kind and no name at all is the unresolvable target (placeholder or reject
 * per `unresolvedTarget`); only one of them on a firing item is a mapping mistake and rejects it. Resolved items
 * may go without a target.
 */
export function customTarget(
  fields: MappedTargetFields,
  status: SignalStatus,
  settings: Pick<CommonSourceSettings, 'unresolvedTarget'>,
): CustomTargetOutcome {
  const type = TargetTypeSchema.safeParse(fields.type ?? 'kubernetes');
  if (!type.success) {
    throw new MappingValueError(
      `mapping.targetType: expression returned a string that is not one of ${TARGET_TYPES.join(', ')}`,
    );
  }
  const namespace = fields.namespace ?? '';
  const { kind, name } = fields;
  for (const [key, value] of [
    ['kind', kind],
    ['name', name],
  ] as const) {
    if (value !== undefined && value.length > TARGET_FIELD_MAX_CHARS) {
      throw new MappingValueError(
        `mapping.target.${key}: expression returned more than ${TARGET_FIELD_MAX_CHARS} characters`,
      );
    }
  }
  if (kind !== undefined && name !== undefined) {
    const target: Target = {
      type: type.data,
      kind,
      name,
      ...(fields.namespace !== undefined ? { namespace: fields.namespace } : {}),
      ...(fields.apiVersion !== undefined ? { apiVersion: fields.apiVersion } : {}),
      scope: fields.scope ?? namespace,
    };
    return { target, namespace, unresolvedTarget: false };
  }
  if (status === 'resolved') return { target: undefined, namespace, unresolvedTarget: false };
  if (kind !== undefined || name !== undefined) {
    const missing = kind === undefined ? 'kind' : 'name';
    throw new MappingValueError(
      `mapping.target.${missing}: expression returned nothing; target.kind and target.name are required for firing signals`,
    );
  }
  const missing = handleUnresolvedTarget(status, settings, fields.scope ?? (namespace || 'default'));
  if (missing.action === 'accept') return { target: missing.target, namespace, unresolvedTarget: true };
  throw new MappingValueError(
    'mapping.target: expressions returned no kind and name; map target.kind and target.name for firing signals',
  );
}
