import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParseResult, SourceDefinition } from '../source-definition.js';
import { defineSource, SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { guardPluginParse, SourcePluginError } from './guard-plugin-parse.js';
import { loadSourcePlugins } from './load-source-plugins.js';

const BASE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const EMPTY: ParseResult = { signals: [], ignored: [], rejected: [] };

function recorder() {
  const slow: number[] = [];
  const errors: unknown[] = [];
  return { slow, errors, hooks: { onSlow: (ms: number) => slow.push(ms), onError: (e: unknown) => errors.push(e) } };
}

/** A clock that advances by `steps` in turn, so one parse appears to take `steps[1] - steps[0]` ms. */
function steppingClock(...steps: number[]): () => number {
  let call = 0;
  return () => steps[call++] ?? 0;
}

async function parseOutcome(definition: SourceDefinition): Promise<unknown> {
  return definition.parse(jsonRequest({}), sourceContext(definition)).then(
    (result) => result,
    (thrown: unknown) => thrown,
  );
}

describe('guardPluginParse', () => {
  it('turns an exception of the throwing test plugin into SourcePluginError and reports it', async () => {
    const plugins = await loadSourcePlugins([{ module: './test-plugins/throwing-source' }], { baseDir: BASE_DIR });
    const { errors, slow, hooks } = recorder();
    const guarded = guardPluginParse(plugins.get('throwing')!.definition, hooks);

    const error = await parseOutcome(guarded);

    expect(error).toBeInstanceOf(SourcePluginError);
    expect((error as SourcePluginError).message).toBe('source plugin "throwing" failed while parsing');
    expect((error as SourcePluginError).pluginType).toBe('throwing');
    expect(((error as SourcePluginError).cause as Error).message).toBe(
      'plugin bug: cannot read properties of undefined',
    );
    expect(errors).toEqual([(error as SourcePluginError).cause]);
    expect(slow).toEqual([]);
  });

  it('lets SourceInputError through as the 400 it stands for', async () => {
    const { errors, hooks } = recorder();
    const invalid = new SourceInputError('name is required', '/name');
    const definition = defineSource({
      apiVersion: 1,
      type: 'strict',
      signalSource: 'strict',
      async parse() {
        throw invalid;
      },
    });
    expect(await parseOutcome(guardPluginParse(definition, hooks))).toBe(invalid);
    expect(errors).toEqual([]);
  });

  it('reports a parse over 50 ms as slow and still returns its result', async () => {
    const { slow, hooks } = recorder();
    const definition = defineSource({ apiVersion: 1, type: 'slow', signalSource: 'slow', parse: async () => EMPTY });

    expect(await parseOutcome(guardPluginParse(definition, { ...hooks, clock: steppingClock(1000, 1075) }))).toEqual(
      EMPTY,
    );
    expect(await parseOutcome(guardPluginParse(definition, { ...hooks, clock: steppingClock(0, 50) }))).toEqual(EMPTY);
    expect(slow).toEqual([75]);
  });

  it('keeps the definition fields and calls class-based methods on their own instance', async () => {
    class ClassPlugin {
      readonly apiVersion = 1 as const;
      readonly type = 'klass';
      readonly signalSource = 'klass';
      readonly contentTypes = ['application/x-ndjson'];
      readonly rateLimitStatus = 503 as const;
      private readonly reply: ParseResult = EMPTY;
      async verify() {
        return { ok: true as const, principal: { type: 'signature' as const, id: this.type } };
      }
      async parse() {
        return this.reply;
      }
    }
    const guarded = guardPluginParse<unknown>(new ClassPlugin(), recorder().hooks);

    expect(guarded).toMatchObject({
      apiVersion: 1,
      type: 'klass',
      signalSource: 'klass',
      contentTypes: ['application/x-ndjson'],
      rateLimitStatus: 503,
    });
    expect(guarded.handshake).toBeUndefined();
    expect(await guarded.verify!(jsonRequest({}), sourceContext(guarded))).toEqual({
      ok: true,
      principal: { type: 'signature', id: 'klass' },
    });
    expect(await parseOutcome(guarded)).toBe(EMPTY);
  });
});
