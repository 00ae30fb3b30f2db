import type { SourceDefinition } from './source-definition.js';

/**
 * Validates `sources.<name>.options` and fills the definition's defaults; a missing block counts as `{}` so
 * defaults apply. Throws the schema's ZodError, which config loading reports as a config error.
 */
export function parseOptions<O>(definition: SourceDefinition<O>, rawOptions: unknown): O {
  if (!definition.optionsSchema) return rawOptions as O;
  return definition.optionsSchema.parse(rawOptions ?? {});
}
