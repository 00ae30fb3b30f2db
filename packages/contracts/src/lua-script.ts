import { createHash } from 'node:crypto';

export interface LuaScript {
  source: string;
  sha1: string;
}

/** The two Redis calls a script needs; an ioredis client has them. */
export interface LuaScriptRunner {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

export function defineLuaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source, 'utf8').digest('hex') };
}

/**
 * EVALSHA first so the script body is not resent on every call; a Redis that restarted or failed over
 * has an empty script cache, which NOSCRIPT reports and EVAL (which also caches the script) repairs.
 */
export async function runLuaScript(
  redis: LuaScriptRunner,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
