import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import type { SourcePluginEntry } from './load-source-plugins.js';
import { loadSourcePlugins, SourcePluginLoadError } from './load-source-plugins.js';

/** packages/sources, where `test-plugins/` lives. */
const BASE_DIR = fileURLToPath(new URL('../..', import.meta.url));

async function loadError(entries: SourcePluginEntry[], deps: Partial<Parameters<typeof loadSourcePlugins>[1]> = {}) {
  const error = await loadSourcePlugins(entries, { baseDir: BASE_DIR, ...deps }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourcePluginLoadError))
    throw new Error(`expected SourcePluginLoadError, got ${String(error)}`);
  return error;
}

const validDefinition = {
  apiVersion: 1,
  type: 'inline',
  signalSource: 'inline',
  parse: async () => ({ signals: [], ignored: [], rejected: [] }),
};

function inline(definition: unknown) {
  return { importModule: async () => ({ default: definition }) };
}

describe('loadSourcePlugins', () => {
  it('loads a plugin package by relative path and keys it by its type', async () => {
    const plugins = await loadSourcePlugins(
      [{ module: './test-plugins/echo-source' }, { module: './test-plugins/throwing-source' }],
      { baseDir: BASE_DIR },
    );

    expect([...plugins.keys()]).toEqual(['echo', 'throwing']);
    const echo = plugins.get('echo')!;
    expect(echo.module).toBe('./test-plugins/echo-source');
    expect(echo.definition).toMatchObject({ apiVersion: 1, type: 'echo', signalSource: 'echo' });

    const result = await echo.definition.parse(
      jsonRequest({ name: 'DiskFull', severity: 'high' }),
      sourceContext(echo.definition, { name: 'echo-in' }),
    );
    expect(result.signals.map((s) => [s.source, s.signalName, s.severity])).toEqual([['echo-in', 'DiskFull', 'high']]);
  });

  it('loads a module file by absolute path', async () => {
    const plugins = await loadSourcePlugins([{ module: `${BASE_DIR}test-plugins/echo-source/index.js` }], {
      baseDir: '/',
    });
    expect([...plugins.keys()]).toEqual(['echo']);
  });

  it('resolves package names from baseDir, so an installed package that is no plugin is named and refused', async () => {
    const error = await loadError([{ module: 'zod' }]);
    expect(error.module).toBe('zod');
    expect(error.message).toMatch(
      /^plugin "zod": apiVersion is null, but this gateway implements source API version 1; /,
    );
  });

  it('names a module that cannot be found', async () => {
    const error = await loadError([{ module: './test-plugins/missing' }]);
    expect(error.message).toMatch(
      new RegExp(`^plugin "\\./test-plugins/missing": could not be loaded from ${BASE_DIR}: Cannot find module`),
    );
  });

  it('refuses a module without a default export', async () => {
    expect((await loadError([{ module: './test-plugins/no-default-export' }])).message).toBe(
      'plugin "./test-plugins/no-default-export": has no default export: export default defineSource({...})',
    );
  });

  it('refuses a plugin written for another API version', async () => {
    expect((await loadError([{ module: './test-plugins/wrong-api-version' }])).message).toBe(
      'plugin "./test-plugins/wrong-api-version": apiVersion is 2, but this gateway implements source API version 1',
    );
  });

  it('refuses a second plugin with a type already taken', async () => {
    const error = await loadError([
      { module: './test-plugins/echo-source' },
      { module: './test-plugins/echo-duplicate' },
    ]);
    expect(error.message).toBe(
      'plugin "./test-plugins/echo-duplicate": type "echo" is already provided by plugin "./test-plugins/echo-source"',
    );
  });

  it('refuses the same module listed twice and a built-in type', async () => {
    const twice = await loadError([{ module: './test-plugins/echo-source' }, { module: './test-plugins/echo-source' }]);
    expect(twice.message).toBe('plugin "./test-plugins/echo-source": is listed twice in plugins; list it once');

    const builtin = await loadError([{ module: 'x' }], inline({ ...validDefinition, type: 'alertmanager' }));
    expect(builtin.message).toBe('plugin "x": type "alertmanager" is a built-in source type; choose another');
  });

  it('lists every contract violation of a default export at once', async () => {
    const broken = {
      apiVersion: 1,
      type: 'Bad_Type',
      signalSource: '',
      verify: 'yes',
      contentTypes: 'application/json',
      defaultAuthMode: 'mtls',
      rateLimitStatus: 500,
      optionsSchema: {},
    };
    expect((await loadError([{ module: 'x' }], inline(broken))).message).toBe(
      'plugin "x": type "Bad_Type" must match ^[a-z][a-z0-9-]{1,30}$; signalSource must be a string of 1 to 63 ' +
        'characters; parse must be a function; verify must be a function when present; contentTypes must be a ' +
        'list of media types; defaultAuthMode must be one of token, signature, token-and-signature, none; ' +
        'rateLimitStatus must be 429 or 503; optionsSchema must be a zod schema',
    );
    expect((await loadError([{ module: 'x' }], inline('not an object'))).message).toBe(
      'plugin "x": its default export is not a source definition: export default defineSource({...})',
    );
  });

  it('imports each module once and passes baseDir to the importer', async () => {
    const calls: string[][] = [];
    const plugins = await loadSourcePlugins([{ module: 'a' }], {
      baseDir: '/etc/gateway',
      importModule: async (module, baseDir) => {
        calls.push([module, baseDir]);
        return { default: validDefinition };
      },
      reservedTypes: [],
    });
    expect(calls).toEqual([['a', '/etc/gateway']]);
    expect(plugins.get('inline')!.definition).toBe(validDefinition);
  });
});
