import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { AuditEvent } from '../events/audit-event-types.js';
import { loadGatewayAuditDocument, type OpenApiDocument } from './gateway-audit-document.js';

export type AuditEventValidation = { valid: true; event: AuditEvent } | { valid: false; reason: string };
export type AuditEventValidator = (candidate: unknown) => AuditEventValidation;

interface EventRequestSchema {
  properties: Record<string, unknown> & {
    event_data?: { discriminator?: { propertyName: string; mapping?: Record<string, string> } };
  };
  [key: string]: unknown;
}

const DOCUMENT_ID = 'gateway-audit';
const ENVELOPE = 'AuditEventEnvelope';

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some toolchains.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv) => Ajv;

/**
 * Compiles the `AuditEventRequest` rules of an OpenAPI document. `event_data` is checked against the one
 * payload schema its event type maps to, instead of the document's `oneOf`, so a rejection names the field
 * that is wrong rather than every alternative that did not match.
 */
export function compileAuditEventValidator(document: OpenApiDocument): AuditEventValidator {
  const schemas = structuredClone(document.components.schemas);
  const request = schemas.AuditEventRequest as EventRequestSchema | undefined;
  const mapping = request?.properties.event_data?.discriminator?.mapping;
  if (!request || !mapping) throw new Error('AuditEventRequest with an event_data discriminator mapping is missing');
  schemas[ENVELOPE] = { ...request, properties: { ...request.properties, event_data: { type: 'object' } } };

  // OpenAPI 3.0 is not pure JSON Schema: `nullable`, `discriminator` and `example` must not fail compilation.
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  for (const name of ['int32', 'int64', 'float', 'double'])
    ajv.addFormat(name, { type: 'number', validate: () => true });
  ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas } });

  const envelope = ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/${ENVELOPE}` });
  const payloadValidators = new Map<string, ValidateFunction>();
  const payloadValidator = (eventType: string): ValidateFunction | undefined => {
    const ref = mapping[eventType];
    if (ref === undefined) return undefined;
    let validate = payloadValidators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}${ref}` });
      payloadValidators.set(ref, validate);
    }
    return validate;
  };

  return (candidate) => {
    if (!envelope(candidate)) return { valid: false, reason: ajv.errorsText(envelope.errors, { dataVar: 'event' }) };
    const event = candidate as AuditEvent;
    const validatePayload = payloadValidator(event.event_type);
    if (!validatePayload) return { valid: false, reason: `event/event_type ${event.event_type} has no payload schema` };
    if (!validatePayload(event.event_data)) {
      return { valid: false, reason: ajv.errorsText(validatePayload.errors, { dataVar: 'event/event_data' }) };
    }
    return { valid: true, event };
  };
}

/** Validates events against the gateway's own OpenAPI document, the rules Data Storage applies. */
export function createAuditEventValidator(): AuditEventValidator {
  return compileAuditEventValidator(loadGatewayAuditDocument());
}
