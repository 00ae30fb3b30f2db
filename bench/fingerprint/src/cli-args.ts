import { parseArgs } from 'node:util';

export interface EvalArgs {
  configPath: string;
  objectsPath?: string;
  truth: boolean;
  streamPath: string;
}

export const USAGE =
  'usage: pnpm eval:fingerprint --config <gateway.yaml> [--objects <objects.jsonl>] [--truth] <stream.jsonl>';

/** Throws an Error whose message says what is wrong with the command line. */
export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string' },
      objects: { type: 'string' },
      truth: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.config === undefined || values.config === '') throw new Error('--config <gateway.yaml> is required');
  if (positionals.length !== 1) {
    throw new Error(
      `expected exactly one stream file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
    );
  }
  const [streamPath = ''] = positionals;
  return {
    configPath: values.config,
    ...(values.objects === undefined ? {} : { objectsPath: values.objects }),
    truth: values.truth,
    streamPath,
  };
}
