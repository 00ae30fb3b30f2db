import { parseAllDocuments } from 'yaml';

/**
 * Validates custom objects against a CRD's structural OpenAPI v3 schema the way kube-apiserver does, so tests
 * catch an object the real API server would reject. Test tooling, not product code.
 *
 * Order matches the API server: null values of non-nullable fields and unknown fields are pruned first (never an
 * error), then the pruned object is validated. Not covered: defaulting, validation ratcheting on update (the
 * gateway never updates an invalid object), and CEL rules other than the two transition rules listed in
 * `evaluateRule` (see there for why).
 */

export interface ValidationRule {
  rule: string;
  message?: string;
}

export interface StructuralSchema {
  type?: string;
  format?: string;
  nullable?: boolean;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  allOf?: StructuralSchema[];
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

/** Mirrors metav1.CauseType values the API server puts in a 422 Status. */
export const CauseReason = {
  required: 'FieldValueRequired',
  invalid: 'FieldValueInvalid',
  notSupported: 'FieldValueNotSupported',
  tooLong: 'FieldValueTooLong',
  tooMany: 'FieldValueTooMany',
  duplicate: 'FieldValueDuplicate',
  typeInvalid: 'FieldValueTypeInvalid',
} as const;
export type CauseReason = (typeof CauseReason)[keyof typeof CauseReason];

export interface ValidationCause {
  reason: CauseReason;
  field: string;
  /** The message without the field prefix, as in a Status cause. */
  message: string;
}

export interface CrdValidator {
  /** Problems as the API server words them (`<field>: <message>`); empty means valid. */
  validate(obj: unknown): string[];
  /** Validation of an update: the new object's schema plus transition rules (`self == oldSelf`). */
  validateUpdate(oldObj: unknown, newObj: unknown): string[];
  /** Same checks as validate / validateUpdate, structured like Status causes. */
  causes(obj: unknown, oldObj?: unknown): ValidationCause[];
  /** A deep copy with unknown fields and nulls of non-nullable fields removed, as the API server stores it. */
  prune<T>(obj: T): T;
  readonly schema: StructuralSchema;
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: StructuralSchema };
}

/** The storage version's schema of the first CustomResourceDefinition in a YAML text. */
export function crdSchemaFromYaml(crdYamlText: string, version?: string): StructuralSchema {
  const crd = parseAllDocuments(crdYamlText)
    .map((doc) => doc.toJS() as { kind?: string; spec?: { versions?: CrdVersion[] } } | null)
    .find((doc) => doc?.kind === 'CustomResourceDefinition');
  const versions = crd?.spec?.versions ?? [];
  const chosen = version ? versions.find((v) => v.name === version) : (versions.find((v) => v.storage) ?? versions[0]);
  const schema = chosen?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`no openAPIV3Schema for ${version ?? 'the storage version'} in the CRD text`);
  return schema;
}

export function createCrdValidator(crdYamlText: string, version?: string): CrdValidator {
  const schema = crdSchemaFromYaml(crdYamlText, version);
  const causes = (obj: unknown, oldObj?: unknown): ValidationCause[] => {
    const found: ValidationCause[] = [];
    const pruned = pruneValue(structuredClone(obj), schema, true);
    validateNode(pruned, schema, '', found);
    if (oldObj !== undefined) {
      validateTransitions(pruned, pruneValue(structuredClone(oldObj), schema, true), schema, '', found);
    }
    return found;
  };
  const asStrings = (list: ValidationCause[]): string[] => list.map((c) => `${c.field}: ${c.message}`);
  return {
    schema,
    causes,
    validate: (obj) => asStrings(causes(obj)),
    validateUpdate: (oldObj, newObj) => asStrings(causes(newObj, oldObj)),
    prune: <T>(obj: T): T => pruneValue(structuredClone(obj), schema, true) as T,
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys the API server always keeps at the root whatever the schema says; metadata is validated separately. */
const ROOT_KEYS = new Set(['apiVersion', 'kind', 'metadata']);

function pruneValue(value: unknown, schema: StructuralSchema, isRoot = false): unknown {
  if (Array.isArray(value)) {
    return schema.items ? value.map((item) => pruneValue(item, schema.items as StructuralSchema)) : value;
  }
  if (!isPlainObject(value)) return value;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    if (isRoot && ROOT_KEYS.has(key)) continue;
    const propSchema =
      schema.properties?.[key] ??
      (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (propSchema) {
      if (value[key] === null && propSchema.nullable !== true) delete value[key];
      else value[key] = pruneValue(value[key], propSchema);
    } else if (!preserve && schema.additionalProperties !== true) {
      delete value[key];
    }
  }
  return value;
}

/** The JSON type name the API server reports for a value (Go's decoder distinguishes integer from number). */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Go's %#v rendering as used in field.Invalid messages: strings quoted, numbers and booleans bare. */
function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(jsonType(value));
}

function typeMatches(value: unknown, schema: StructuralSchema): boolean {
  if (schema['x-kubernetes-int-or-string'])
    return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  const actual = jsonType(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'number':
      return actual === 'number' || actual === 'integer';
    default:
      return actual === schema.type;
  }
}

// RFC 3339 date-time; the calendar check below rejects e.g. February 30 the way Go's time.Parse does.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60 && offsetOk
  );
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function formatMatches(value: unknown, format: string): boolean {
  switch (format) {
    case 'date-time':
      return typeof value !== 'string' || isDateTime(value);
    case 'int32':
      return typeof value !== 'number' || (value >= INT32_MIN && value <= INT32_MAX);
    case 'int64':
      return typeof value !== 'number' || Number.isSafeInteger(value);
    default:
      // Other formats (byte, uri, …) are not used by the CRDs this validator serves.
      return true;
  }
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function validateNode(value: unknown, schema: StructuralSchema, path: string, out: ValidationCause[]): void {
  const field = path === '' ? '<root>' : path;
  if (value === null && schema.nullable) return;
  if (!typeMatches(value, schema)) {
    const actual = jsonType(value);
    out.push({
      reason: CauseReason.typeInvalid,
      field,
      message: `Invalid value: ${JSON.stringify(actual)}: ${field} in body must be of type ${schema.type}: ${JSON.stringify(actual)}`,
    });
    return;
  }
  validateValue(value, schema, field, out);
  for (const sub of schema.allOf ?? []) validateValue(value, sub, field, out);
  if (schema.anyOf && !schema.anyOf.some((sub) => collect(value, sub, field).length === 0)) {
    out.push({
      reason: CauseReason.invalid,
      field,
      message: `Invalid value: ${quote(value)}: ${field} in body must match at least one schema (anyOf)`,
    });
  }
  if (schema.oneOf && schema.oneOf.filter((sub) => collect(value, sub, field).length === 0).length !== 1) {
    out.push({
      reason: CauseReason.invalid,
      field,
      message: `Invalid value: ${quote(value)}: ${field} in body must match exactly one schema in oneOf`,
    });
  }

  if (isPlainObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value))
        out.push({ reason: CauseReason.required, field: child(path, key), message: 'Required value' });
    }
    const count = Object.keys(value).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties) {
      out.push({
        reason: CauseReason.tooMany,
        field,
        message: `Too many: ${count}: must have at most ${schema.maxProperties} items`,
      });
    }
    if (schema.minProperties !== undefined && count < schema.minProperties) {
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${count}: ${field} in body should have at least ${schema.minProperties} properties`,
      });
    }
    for (const [key, item] of Object.entries(value)) {
      if (path === '' && key === 'metadata') continue;
      const propSchema =
        schema.properties?.[key] ??
        (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (propSchema) validateNode(item, propSchema, child(path, key), out);
    }
  } else if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      out.push({
        reason: CauseReason.tooMany,
        field,
        message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`,
      });
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${value.length}: ${field} in body should have at least ${schema.minItems} items`,
      });
    }
    value.forEach((item, index) => {
      if (schema.items) validateNode(item, schema.items, `${field}[${index}]`, out);
    });
    validateListType(value, schema, field, out);
  }
}

/** Value checks only (no recursion): these are what allOf/anyOf/oneOf branches may carry in a structural schema. */
function validateValue(value: unknown, schema: StructuralSchema, field: string, out: ValidationCause[]): void {
  if (schema.enum && !schema.enum.some((allowed) => deepEqual(allowed, value))) {
    const supported = schema.enum.map((v) => JSON.stringify(v)).join(', ');
    out.push({
      reason: CauseReason.notSupported,
      field,
      message: `Unsupported value: ${quote(value)}: supported values: ${supported}`,
    });
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      out.push({
        reason: CauseReason.tooLong,
        field,
        message: `Too long: may not be more than ${schema.maxLength} bytes`,
      });
    }
    if (schema.minLength !== undefined && length < schema.minLength) {
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${quote(value)}: ${field} in body should be at least ${schema.minLength} chars long`,
      });
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${quote(value)}: ${field} in body should match '${schema.pattern}'`,
      });
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      const op = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${value}: ${field} in body should be ${op} ${schema.minimum}`,
      });
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      const op = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${value}: ${field} in body should be ${op} ${schema.maximum}`,
      });
    }
  }
  if (schema.format !== undefined && !formatMatches(value, schema.format)) {
    out.push({
      reason: CauseReason.invalid,
      field,
      message: `Invalid value: ${quote(value)}: ${field} in body must be of type ${schema.format}: ${JSON.stringify(String(value))}`,
    });
  }
}

function collect(value: unknown, schema: StructuralSchema, field: string): ValidationCause[] {
  const found: ValidationCause[] = [];
  validateValue(value, schema, field, found);
  return found;
}

function validateListType(list: unknown[], schema: StructuralSchema, field: string, out: ValidationCause[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return;
  const keyOf = (item: unknown): string => {
    if (listType === 'set' || !isPlainObject(item)) return JSON.stringify(item);
    return JSON.stringify((schema['x-kubernetes-list-map-keys'] ?? []).map((k) => item[k]));
  };
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const key = keyOf(item);
    if (seen.has(key))
      out.push({ reason: CauseReason.duplicate, field: `${field}[${index}]`, message: `Duplicate value: ${key}` });
    seen.add(key);
  });
}

/**
 * Transition rules run only where the old value exists and correlates with the new one (object properties, map
 * keys, list-type=map items by key), as the API server evaluates `oldSelf`.
 */
function validateTransitions(
  value: unknown,
  old: unknown,
  schema: StructuralSchema,
  path: string,
  out: ValidationCause[],
): void {
  const field = path === '' ? '<root>' : path;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    if (evaluateRule(rule.rule, value, old) === false) {
      out.push({
        reason: CauseReason.invalid,
        field,
        message: `Invalid value: ${JSON.stringify(jsonType(value))}: ${rule.message ?? `failed rule: ${rule.rule}`}`,
      });
    }
  }
  if (isPlainObject(value) && isPlainObject(old)) {
    for (const [key, item] of Object.entries(value)) {
      if (path === '' && key === 'metadata') continue;
      if (!(key in old)) continue;
      const propSchema =
        schema.properties?.[key] ??
        (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (propSchema) validateTransitions(item, old[key], propSchema, child(path, key), out);
    }
  } else if (Array.isArray(value) && Array.isArray(old) && schema.items && schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const keyOf = (item: unknown): string =>
      JSON.stringify(keys.map((k) => (isPlainObject(item) ? item[k] : undefined)));
    const oldByKey = new Map(old.map((item) => [keyOf(item), item] as const));
    value.forEach((item, index) => {
      const previous = oldByKey.get(keyOf(item));
      if (previous !== undefined)
        validateTransitions(item, previous, schema.items as StructuralSchema, `${field}[${index}]`, out);
    });
  }
}

/**
 * Only the immutability rules the RR CRDs use are evaluated; there is no CEL interpreter in the test kit, and the
 * other rules in the reference CRD guard orchestrator-owned status the gateway never writes. Returns undefined
 * (not evaluated) for any other rule so it never produces a false rejection.
 */
function evaluateRule(rule: string, self: unknown, oldSelf: unknown): boolean | undefined {
  const normalized = rule.replace(/\s+/g, ' ').trim();
  if (normalized === 'self == oldSelf') return deepEqual(self, oldSelf);
  if (normalized === "oldSelf == '' || self == oldSelf" || normalized === 'oldSelf == "" || self == oldSelf') {
    return oldSelf === '' || deepEqual(self, oldSelf);
  }
  return undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}
