import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SOURCE_TYPES } from '@gateway/contracts';
import type { SourceDefinition } from '../source-definition.js';
import { pluginDefinitionProblems } from './plugin-definition-problems.js';

/** One item of `plugins[]` (docs/signals-and-sources.md#plugins), as the config package validated it. */
export interface SourcePluginEntry {
  /** An npm package name, or a path relative to `baseDir`. */
  module: string;
}

export interface LoadedSourcePlugin {
  module: string;
  definition: SourceDefinition<unknown>;
}

export interface LoadSourcePluginsDeps {
  /** Directory that relative module paths and package lookups start from, usually the config file's. */
  baseDir: string;
  /** Loads one module and returns its namespace object; the default resolves from `baseDir` and imports it. */
  importModule?: (module: string, baseDir: string) => Promise<unknown>;
  /** Types plugins may not take; defaults to the built-in source types, including `custom` and `plugin`. */
  reservedTypes?: Iterable<string>;
}

/** Startup must stop on any of these: a request-time failure would hide a broken plugin until traffic arrives. */
export class SourcePluginLoadError extends Error {
  override readonly name = 'SourcePluginLoadError';
  constructor(
    readonly module: string,
    problem: string,
  ) {
    super(`plugin ${JSON.stringify(module)}: ${problem}`);
  }
}

/**
 * Imports every plugin once, at startup, and checks its default export against the contract.
 * Returns the plugins keyed by the type that `sources.<name>.plugin` refers to.
 */
export async function loadSourcePlugins(
  entries: readonly SourcePluginEntry[],
  { baseDir, importModule = importFrom, reservedTypes = SOURCE_TYPES }: LoadSourcePluginsDeps,
): Promise<Map<string, LoadedSourcePlugin>> {
  const reserved = new Set(reservedTypes);
  const plugins = new Map<string, LoadedSourcePlugin>();
  const modules = new Set<string>();
  for (const { module } of entries) {
    if (modules.has(module)) throw new SourcePluginLoadError(module, 'is listed twice in plugins; list it once');
    modules.add(module);
    let namespace: unknown;
    try {
      namespace = await importModule(module, baseDir);
    } catch (error) {
      throw new SourcePluginLoadError(module, `could not be loaded from ${baseDir}: ${(error as Error).message}`);
    }
    const definition = (namespace as { default?: unknown } | null)?.default;
    if (definition === undefined) {
      throw new SourcePluginLoadError(module, 'has no default export: export default defineSource({...})');
    }
    const problems = pluginDefinitionProblems(definition);
    if (problems.length > 0) throw new SourcePluginLoadError(module, problems.join('; '));
    const source = definition as SourceDefinition<unknown>;
    if (reserved.has(source.type)) {
      throw new SourcePluginLoadError(module, `type "${source.type}" is a built-in source type; choose another`);
    }
    const other = plugins.get(source.type);
    if (other !== undefined) {
      throw new SourcePluginLoadError(
        module,
        `type "${source.type}" is already provided by plugin ${JSON.stringify(other.module)}`,
      );
    }
    plugins.set(source.type, { module, definition: source });
  }
  return plugins;
}

/**
 * Node resolves bare specifiers from the importing file, which is the gateway, not the operator's directory;
 * `createRequire` anchored in `baseDir` finds packages and relative paths (directories by their `main`) there.
 */
async function importFrom(module: string, baseDir: string): Promise<unknown> {
  const resolved = createRequire(join(baseDir, 'noop.js')).resolve(module);
  return import(pathToFileURL(resolved).href);
}
