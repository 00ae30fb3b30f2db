import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { formatProblems, loadConfig } from '@gateway/config';
import { createFingerprinter, createRedisSimilarityStore, fingerprintSettingsFromConfig } from '@gateway/fingerprint';
import { Redis } from 'ioredis';
import { parseEvalArgs, USAGE } from './cli-args.js';
import { type CurrentLine, defaultStrategyOf, evaluateStream } from './evaluate.js';
import { ObjectHistory } from './object-history.js';
import { formatScoreTable, scoreStream } from './score.js';
import { createSourceReplay, SourceConfigError } from './source-replay.js';
import { ObjectLineSchema } from './stream-line.js';

const EXIT_USAGE = 2;
/** sysexits EX_CONFIG, as the apps exit on an invalid configuration. */
const EXIT_CONFIG = 78;
const EXIT_FAILURE = 1;
/** A run killed before its clean-up leaves nothing in Redis for longer than this. */
const STATE_TTL_SECONDS = 86_400;
const STDOUT_CHUNK_CHARS = 64 * 1024;

class UsageError extends Error {}

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function readable(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function loadObjects(path: string): Promise<ObjectHistory> {
  await readable(path, 'objects file');
  const history = new ObjectHistory();
  const texts = (await readFile(path, 'utf8')).split('\n');
  for (const [index, text] of texts.entries()) {
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError(`objects file line ${index + 1}: not a JSON object`);
    }
    const parsed = ObjectLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`objects file line ${index + 1}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
    }
    history.add(parsed.data);
  }
  return history;
}

/** Host and port only: the URL may carry a password. */
function redisEndpoint(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured URL';
  }
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function run(): Promise<void> {
  let args: ReturnType<typeof parseEvalArgs>;
  try {
    args = parseEvalArgs(process.argv.slice(2));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  await readable(args.streamPath, 'stream file');

  const loaded = loadConfig({ env: { ...process.env, GATEWAY_CONFIG: args.configPath } });
  if (!loaded.ok) fail(EXIT_CONFIG, formatProblems(loaded.problems, args.configPath));
  const { config } = loaded;
  let replay: ReturnType<typeof createSourceReplay>;
  try {
    replay = createSourceReplay(config, loaded.configHash);
  } catch (error) {
    if (error instanceof SourceConfigError) fail(EXIT_CONFIG, formatProblems(error.problems, args.configPath));
    throw error;
  }
  const objects = args.objectsPath === undefined ? new ObjectHistory() : await loadObjects(args.objectsPath);

  // Strategies that keep state (similarity) keep it here, under a prefix of this run's own.
  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
  } catch (error) {
    fail(EXIT_FAILURE, `Redis at ${redisEndpoint(config.redis.url)} did not answer: ${(error as Error).message}`);
  }
  const statePrefix = `${config.redis.prefix}:eval-fingerprint:${randomUUID().slice(0, 8)}`;
  await redis.set(`${statePrefix}:run`, args.streamPath, 'EX', STATE_TTL_SECONDS);

  const current: CurrentLine = { t: 0, clusterId: '' };
  const fingerprinter = createFingerprinter({
    owners: objects.lookupFrom(() => current.clusterId),
    similarity: createRedisSimilarityStore(redis, { prefix: statePrefix }),
    nowMs: () => current.t,
  });
  const settings = fingerprintSettingsFromConfig(config);
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const drained = process.stdout.write(pending);
    pending = '';
    if (!drained) await once(process.stdout, 'drain');
  };
  const texts = createInterface({ input: createReadStream(args.streamPath), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    const result = await evaluateStream(texts, {
      replay,
      fingerprinter,
      settings,
      ...(args.truth ? { defaultSettings: defaultStrategyOf(settings) } : {}),
      current,
      output: {
        async firing(lineIndex, fingerprint) {
          pending += `{"i":${lineIndex},"fingerprint":"${fingerprint}"}\n`;
          if (pending.length >= STDOUT_CHUNK_CHARS) await flush();
        },
        rejected(lineIndex, message) {
          process.stderr.write(`line ${lineIndex}: rejected: ${message}\n`);
        },
      },
    });
    await flush();
    process.stderr.write(
      `eval:fingerprint: ${result.lines} lines, ${result.firing} firing signals, ${result.rejected} rejected lines, ` +
        `strategy ${settings.strategy}, ${objects.size} objects\n`,
    );
    if (args.truth) {
      if (result.unlabelled > 0) {
        process.stderr.write(
          `eval:fingerprint: ${result.unlabelled} firing lines without truth or scenario not scored\n`,
        );
      }
      process.stderr.write(`${formatScoreTable(scoreStream(result.scored))}\n`);
    }
  } finally {
    await deletePrefix(redis, statePrefix);
    await redis.quit();
  }
}

// A reader that stops early (`| head`) ends the run; the state prefix then expires on its own.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

try {
  await run();
} catch (error) {
  if (error instanceof UsageError) fail(EXIT_USAGE, `eval:fingerprint: ${error.message}`);
  throw error;
}
