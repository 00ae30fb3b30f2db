import { GatewayConfigSchema } from '@gateway/config';
import type { z } from 'zod';

type Schema = z.core.$ZodType;

/** Wrappers that do not change which keys a value has. */
function unwrap(schema: Schema): Schema {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return unwrap(def.innerType as Schema);
    case 'pipe': {
      // z.preprocess(f, s) is a pipe from a transform into s; durations are a pipe from unknown into a transform.
      const out = def.out as Schema;
      return (out._zod.def as { type: string }).type === 'transform' ? (def.in as Schema) : unwrap(out);
    }
    default:
      return schema;
  }
}

function objectShape(schema: Schema): Record<string, Schema> | undefined {
  const def = unwrap(schema)._zod.def as unknown as { type: string; shape?: Record<string, Schema> };
  return def.type === 'object' ? def.shape : undefined;
}

/** Object branches of a union discriminated by `type`, keyed by that literal. */
function typedBranches(schema: Schema): [string, Schema][] | undefined {
  const def = unwrap(schema)._zod.def as unknown as { type: string; options?: Schema[] };
  if (def.type !== 'union' || def.options === undefined) return undefined;
  const branches: [string, Schema][] = [];
  for (const option of def.options) {
    const typeSchema = objectShape(option)?.type;
    const values = (typeSchema?._zod.def as { values?: unknown[] } | undefined)?.values;
    if (typeof values?.[0] !== 'string') return undefined;
    branches.push([values[0], option]);
  }
  return branches;
}

/**
 * Every leaf key of the configuration schema as a pattern: `server.port`, `auth.tokens[].id`,
 * `sources.<grafana>.hmac.secret` (a source key per source type). Records of free-form values
 * (`severityMap`, `mapping`, `options`) and arrays of scalars are leaves.
 */
export function schemaKeyPatterns(schema: Schema = GatewayConfigSchema, prefix = ''): string[] {
  const shape = objectShape(schema);
  if (shape !== undefined) {
    return Object.entries(shape).flatMap(([key, child]) => schemaKeyPatterns(child, prefix ? `${prefix}.${key}` : key));
  }
  const def = unwrap(schema)._zod.def as unknown as { type: string; element?: Schema; valueType?: Schema };
  if (def.type === 'array' && def.element !== undefined && objectShape(def.element) !== undefined) {
    return schemaKeyPatterns(def.element, `${prefix}[]`);
  }
  if (def.type === 'record' && def.valueType !== undefined) {
    const branches = typedBranches(def.valueType);
    if (branches !== undefined) {
      return branches.flatMap(([type, branch]) => schemaKeyPatterns(branch, `${prefix}.<${type}>`));
    }
  }
  return [prefix];
}
