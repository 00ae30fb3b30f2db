import { readFileSync } from 'node:fs';
import { referenceOpenapiPath } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadGatewayAuditDocument } from './gateway-audit-document.js';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
}

interface Document {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

/** Not in Data Storage's schema, which allows additional properties (docs/audit.md#fields). */
const GATEWAY_ONLY_PROPERTIES = new Set([
  'AuditEventRequest.event_id',
  'GatewayAuditPayload.fingerprint_strategy',
  'GatewayAuditPayload.fingerprint_evidence',
]);

/**
 * Differences by which a value valid under the gateway's schema could be invalid under the reference. The
 * gateway may be stricter (narrower enums, tighter limits, more required fields), never looser or different.
 */
function incompatibilities(mine: Schema, reference: Schema, at: string): string[] {
  const problems: string[] = [];
  if (mine.$ref || reference.$ref) {
    if (mine.$ref !== reference.$ref) problems.push(`${at}: $ref ${mine.$ref} ≠ ${reference.$ref}`);
    return problems;
  }
  if (mine.type !== reference.type) problems.push(`${at}: type ${mine.type} ≠ ${reference.type}`);
  if (mine.format !== reference.format) problems.push(`${at}: format ${mine.format} ≠ ${reference.format}`);
  if (Boolean(mine.nullable) !== Boolean(reference.nullable)) problems.push(`${at}: nullable differs`);
  if (reference.enum) {
    const extra = (mine.enum ?? [null]).filter((value) => !reference.enum?.includes(value));
    if (extra.length > 0) problems.push(`${at}: enum values ${JSON.stringify(extra)} not in the reference`);
  }
  if (reference.minLength !== undefined && (mine.minLength ?? 0) < reference.minLength) {
    problems.push(`${at}: minLength ${mine.minLength} < ${reference.minLength}`);
  }
  if (reference.maxLength !== undefined && (mine.maxLength ?? Number.POSITIVE_INFINITY) > reference.maxLength) {
    problems.push(`${at}: maxLength ${mine.maxLength} > ${reference.maxLength}`);
  }
  for (const name of reference.required ?? []) {
    if (!mine.required?.includes(name)) problems.push(`${at}: ${name} is required by the reference`);
  }
  if (typeof reference.additionalProperties === 'object') {
    if (typeof mine.additionalProperties !== 'object') problems.push(`${at}: additionalProperties differ`);
    else problems.push(...incompatibilities(mine.additionalProperties, reference.additionalProperties, `${at}{}`));
  }
  if (mine.items && reference.items) problems.push(...incompatibilities(mine.items, reference.items, `${at}[]`));
  if (mine.oneOf) {
    const referenceRefs = new Set(reference.oneOf?.map((alternative) => alternative.$ref));
    for (const alternative of mine.oneOf) {
      if (!referenceRefs.has(alternative.$ref)) problems.push(`${at}: oneOf ${alternative.$ref} not in the reference`);
    }
    for (const [value, ref] of Object.entries(mine.discriminator?.mapping ?? {})) {
      const referenceRef = reference.discriminator?.mapping?.[value];
      if (referenceRef !== ref) problems.push(`${at}: discriminator ${value} → ${ref} ≠ ${referenceRef}`);
    }
  }
  for (const [name, property] of Object.entries(mine.properties ?? {})) {
    const path = `${at}.${name}`;
    const referenceProperty = reference.properties?.[name];
    if (!referenceProperty) {
      if (!GATEWAY_ONLY_PROPERTIES.has(path)) problems.push(`${path}: not in the reference`);
      continue;
    }
    problems.push(...incompatibilities(property, referenceProperty, path));
  }
  return problems;
}

describe('gateway audit document', () => {
  const mine = loadGatewayAuditDocument() as unknown as Document;
  const reference = parse(readFileSync(referenceOpenapiPath(), 'utf8')) as Document;

  it('declares every schema compatibly with the reference Data Storage API', () => {
    const problems = Object.entries(mine.components.schemas).flatMap(([name, schema]) => {
      const referenceSchema = reference.components.schemas[name];
      return referenceSchema ? incompatibilities(schema, referenceSchema, name) : [`${name}: not in the reference`];
    });
    expect(problems).toEqual([]);
  });

  it('sends to the batch path the reference serves, with an array of AuditEventRequest', () => {
    type Operation = { requestBody: { content: { 'application/json': { schema: Schema } } } };
    const batchBody = (document: Document) =>
      (document.paths['/api/v1/audit/events/batch']?.post as Operation | undefined)?.requestBody.content[
        'application/json'
      ].schema;
    expect(batchBody(mine)).toEqual({ type: 'array', items: { $ref: '#/components/schemas/AuditEventRequest' } });
    expect(batchBody(mine)).toEqual(batchBody(reference));
  });

  it('relies on the reference accepting properties it does not declare, for event_id', () => {
    expect(reference.components.schemas.AuditEventRequest?.additionalProperties).not.toBe(false);
  });

  it('finds a property the reference types differently', () => {
    const drifted: Schema = { type: 'object', properties: { duration_ms: { type: 'string', nullable: true } } };
    expect(incompatibilities(drifted, reference.components.schemas.AuditEventRequest!, 'AuditEventRequest')).toEqual(
      expect.arrayContaining(['AuditEventRequest.duration_ms: type string ≠ integer']),
    );
  });
});
