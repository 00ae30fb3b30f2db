import { isJsonObject } from '../input/json-object.js';

export const PLUGIN_API_VERSION = 1;
export const PLUGIN_TYPE = /^[a-z][a-z0-9-]{1,30}$/;

const AUTH_MODES: readonly unknown[] = ['token', 'signature', 'token-and-signature', 'none'];
const STATUSES: readonly unknown[] = [429, 503];

/**
 * What keeps a plugin's default export from being a usable `SourceDefinition`, all at once, so an
 * operator fixes a plugin in one round. The type's uniqueness needs the other plugins and is checked by the caller.
 */
export function pluginDefinitionProblems(definition: unknown): string[] {
  if (!isJsonObject(definition)) {
    return ['its default export is not a source definition: export default defineSource({...})'];
  }
  const problems: string[] = [];
  if (definition.apiVersion !== PLUGIN_API_VERSION) {
    problems.push(
      `apiVersion is ${JSON.stringify(definition.apiVersion ?? null)}, but this gateway implements source API ` +
        `version ${PLUGIN_API_VERSION}`,
    );
  }
  const type = definition.type;
  if (typeof type !== 'string' || !PLUGIN_TYPE.test(type)) {
    problems.push(`type ${JSON.stringify(type ?? null)} must match ${PLUGIN_TYPE.source}`);
  }
  const signalSource = definition.signalSource;
  if (typeof signalSource !== 'string' || signalSource.length < 1 || signalSource.length > 63) {
    problems.push('signalSource must be a string of 1 to 63 characters');
  }
  if (typeof definition.parse !== 'function') problems.push('parse must be a function');
  for (const hook of ['verify', 'handshake'] as const) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function') {
      problems.push(`${hook} must be a function when present`);
    }
  }
  const contentTypes = definition.contentTypes;
  if (
    contentTypes !== undefined &&
    !(Array.isArray(contentTypes) && contentTypes.every((entry) => typeof entry === 'string' && entry !== ''))
  ) {
    problems.push('contentTypes must be a list of media types');
  }
  if (definition.defaultAuthMode !== undefined && !AUTH_MODES.includes(definition.defaultAuthMode)) {
    problems.push(`defaultAuthMode must be one of ${AUTH_MODES.join(', ')}`);
  }
  for (const key of ['defaultOverloadStatus', 'rateLimitStatus'] as const) {
    if (definition[key] !== undefined && !STATUSES.includes(definition[key]))
      problems.push(`${key} must be 429 or 503`);
  }
  const schema = definition.optionsSchema;
  if (schema !== undefined && !(isJsonObject(schema) && typeof schema.parse === 'function')) {
    problems.push('optionsSchema must be a zod schema');
  }
  return problems;
}
