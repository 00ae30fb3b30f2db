import type { SourceDefinition } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';

/** A plugin parse slower than this is logged and counted (`gateway_source_parse_slow_total`). */
export const PLUGIN_PARSE_BUDGET_MS = 50;

/** A plugin's parse threw; ingress answers `500 internal-error` and counts `gateway_source_errors_total`. */
export class SourcePluginError extends Error {
  override readonly name = 'SourcePluginError';
  constructor(
    readonly pluginType: string,
    cause: unknown,
  ) {
    super(`source plugin "${pluginType}" failed while parsing`, { cause });
  }
}

export interface PluginParseHooks {
  onSlow(durationMs: number): void;
  onError(error: unknown): void;
  /** Milliseconds from any fixed origin; injectable so budgets are testable without sleeping. */
  clock?: () => number;
}

/**
 * Plugin code is trusted but not reviewed with the gateway: its parse is timed and its exceptions become one
 * known error type. `SourceInputError` passes through, since it is the contract's way to answer 400.
 */
export function guardPluginParse<O>(
  definition: SourceDefinition<O>,
  { onSlow, onError, clock = () => performance.now() }: PluginParseHooks,
): SourceDefinition<O> {
  // Explicit copies rather than a spread: a class-based plugin keeps its methods on the prototype.
  const guarded: SourceDefinition<O> = {
    apiVersion: definition.apiVersion,
    type: definition.type,
    signalSource: definition.signalSource,
    async parse(req, ctx) {
      const started = clock();
      try {
        return await definition.parse(req, ctx);
      } catch (error) {
        if (error instanceof SourceInputError) throw error;
        onError(error);
        throw new SourcePluginError(definition.type, error);
      } finally {
        const duration = clock() - started;
        if (duration > PLUGIN_PARSE_BUDGET_MS) onSlow(duration);
      }
    },
  };
  if (definition.contentTypes !== undefined) guarded.contentTypes = definition.contentTypes;
  if (definition.defaultAuthMode !== undefined) guarded.defaultAuthMode = definition.defaultAuthMode;
  if (definition.defaultOverloadStatus !== undefined) guarded.defaultOverloadStatus = definition.defaultOverloadStatus;
  if (definition.rateLimitStatus !== undefined) guarded.rateLimitStatus = definition.rateLimitStatus;
  if (definition.optionsSchema !== undefined) guarded.optionsSchema = definition.optionsSchema;
  if (definition.verify !== undefined) guarded.verify = definition.verify.bind(definition);
  if (definition.handshake !== undefined) guarded.handshake = definition.handshake.bind(definition);
  return guarded;
}
