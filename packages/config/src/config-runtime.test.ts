import { describe, expect, it } from 'vitest';
import { type ConfigChange, type ConfigSnapshot, createConfigRuntime, failingComponent } from './config-runtime.js';
import { type LoadConfigResult, loadConfig } from './load-config.js';

function loadYaml(yaml: string, env: Record<string, string> = {}): LoadConfigResult {
  return loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml', ...env }, readFile: () => yaml });
}

function loaded(yaml: string) {
  const result = loadYaml(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

/** The "built" product of these tests: what a process would derive from a snapshot. */
function describeSnapshot(snapshot: ConfigSnapshot) {
  return { hash: snapshot.configHash, level: snapshot.config.logging.level };
}

describe('config-runtime', () => {
  it('swaps to a valid candidate and tells subscribers which sections changed', () => {
    const runtime = createConfigRuntime({ initial: loaded('logging: {level: info}\n'), build: describeSnapshot });
    const changes: ConfigChange<unknown>[] = [];
    runtime.subscribe((change) => changes.push(change));
    const before = runtime.current();

    const outcome = runtime.propose(loadYaml('logging: {level: debug}\nqueue: {retryAfterSeconds: 9}\n'));

    expect(outcome).toMatchObject({ result: 'reloaded', previousHash: before.snapshot.configHash, sequence: 1 });
    expect(outcome.result === 'reloaded' && outcome.changed).toEqual(['queue', 'logging']);
    expect(runtime.current().built.level).toBe('debug');
    expect(runtime.current().snapshot.config.queue.retryAfterSeconds).toBe(9);
    // The snapshot a request took before the swap is untouched.
    expect(before.built.level).toBe('info');
    expect(changes.map((change) => [change.cause, change.changed])).toEqual([['reload', ['queue', 'logging']]]);
  });

  it('skips a candidate whose hash equals the running one', () => {
    const runtime = createConfigRuntime({ initial: loaded('logging: {level: info}\n'), build: describeSnapshot });
    const outcome = runtime.propose(loadYaml('logging:\n  level: info\n'));
    expect(outcome).toEqual({ result: 'unchanged', configHash: runtime.current().snapshot.configHash });
    expect(runtime.current().snapshot.sequence).toBe(0);
  });

  it('keeps the running snapshot and reports every problem when the candidate is invalid', () => {
    const runtime = createConfigRuntime({ initial: loaded('logging: {level: info}\n'), build: describeSnapshot });
    const before = runtime.current();
    const outcome = runtime.propose(loadYaml('queue: {lowWaterMark: 60000}\nlogging: {level: loud}\n'));
    expect(outcome.result).toBe('rejected');
    if (outcome.result !== 'rejected') return;
    expect(outcome.problems.map((problem) => problem.path)).toEqual(['queue.lowWaterMark', 'logging.level']);
    expect(outcome.component).toBe('queue');
    expect(runtime.current()).toBe(before);
  });

  it('names the component config when the file is not YAML', () => {
    const runtime = createConfigRuntime({ initial: loaded(''), build: describeSnapshot });
    const outcome = runtime.propose(loadYaml('queue: [unclosed\n'));
    expect(outcome).toMatchObject({ result: 'rejected', component: 'config' });
  });

  it('rejects a candidate that validates but cannot be built, keeping the running one', () => {
    const runtime = createConfigRuntime({
      initial: loaded('logging: {level: info}\n'),
      build: (snapshot) => {
        if (snapshot.config.logging.level === 'trace') {
          throw Object.assign(new Error('no'), {
            problems: [
              { path: 'logging.level', value: 'trace', rule: 'r', message: 'logging.level: r', suggestion: 's' },
            ],
          });
        }
        return describeSnapshot(snapshot);
      },
    });
    const outcome = runtime.propose(loadYaml('logging: {level: trace}\n'));
    expect(outcome).toMatchObject({ result: 'rejected', component: 'logging' });
    expect(outcome.result === 'rejected' && outcome.candidateHash).toMatch(/^[0-9a-f]{12}$/);
    expect(runtime.current().built.level).toBe('info');
  });

  it('holds restart-only keys at their startup values and lists them, applying the hot keys', () => {
    const runtime = createConfigRuntime({
      initial: loaded('server: {port: 8080}\nredis: {prefix: gw}\n'),
      build: describeSnapshot,
    });
    const outcome = runtime.propose(loadYaml('server: {port: 9000, bodyLimitBytes: 4096}\nredis: {prefix: other}\n'));
    expect(outcome).toMatchObject({ result: 'reloaded', restartRequired: ['server.port', 'redis.prefix'] });
    const { snapshot } = runtime.current();
    expect([snapshot.config.server.port, snapshot.config.redis.prefix]).toEqual([8080, 'gw']);
    expect(snapshot.config.server.bodyLimitBytes).toBe(4096);
    expect(snapshot.restartRequired).toEqual(['server.port', 'redis.prefix']);

    // Changing the key back clears the pending restart, even though the last reload's value differs.
    runtime.propose(loadYaml('server: {port: 8080, bodyLimitBytes: 4096}\nredis: {prefix: gw}\n'));
    expect(runtime.current().snapshot.restartRequired).toEqual([]);
  });

  it('keeps the swap and tells every subscriber when one of them throws', () => {
    const faults: unknown[] = [];
    const runtime = createConfigRuntime({
      initial: loaded('logging: {level: info}\n'),
      build: describeSnapshot,
      onListenerError: (error) => faults.push(error),
    });
    const seen: string[] = [];
    runtime.subscribe(() => {
      throw new Error('listener fault');
    });
    runtime.subscribe((change) => seen.push(change.current.built.level));

    const outcome = runtime.propose(loadYaml('logging: {level: debug}\n'));

    expect(outcome.result).toBe('reloaded');
    expect(seen).toEqual(['debug']);
    expect(faults).toEqual([new Error('listener fault')]);
    expect(runtime.current().built.level).toBe('debug');
  });

  it('rolls back one step to the snapshot the last reload replaced', () => {
    const runtime = createConfigRuntime({ initial: loaded('logging: {level: info}\n'), build: describeSnapshot });
    const first = runtime.current();
    runtime.propose(loadYaml('logging: {level: debug}\n'));
    const changes: string[] = [];
    runtime.subscribe((change) => changes.push(`${change.cause}:${change.current.built.level}`));

    const outcome = runtime.rollback();

    expect(outcome).toMatchObject({ result: 'rolled_back', configHash: first.snapshot.configHash, sequence: 2 });
    expect(runtime.current().built).toBe(first.built);
    expect(changes).toEqual(['rollback:info']);
    expect(runtime.rollback()).toEqual({ result: 'nothing-to-roll-back' });
  });
});

describe('failingComponent', () => {
  it('takes the first problem section, and config for problems outside the document', () => {
    const problem = (path: string) => ({ path, value: undefined, rule: '', message: '', suggestion: '' });
    expect(failingComponent([problem('auth.tokens[0].token'), problem('queue')])).toBe('auth');
    expect(failingComponent([problem('')])).toBe('config');
    expect(failingComponent([problem('GATEWAY_CONFIG')])).toBe('config');
  });
});
