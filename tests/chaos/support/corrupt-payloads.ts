import { readFixtureText, seededRandom } from '@gateway/testkit';

/**
 * Corrupted variants of an Alertmanager fixture (random byte and bit flips, truncations, deep nesting) and the
 * check that a response to one is acceptable: a 4xx problem+json or a 202, never a 5xx, and nothing internal
 * (stack trace, file path, IP address) in the body.
 */
export const FIXTURE = 'alertmanager_v4_firing_multi.json';

export interface FuzzCase {
  name: string;
  body: Buffer;
}

const nested = (depth: number, open: string, close: string, inner = '1'): string =>
  open.repeat(depth) + inner + close.repeat(depth);

export function fuzzCases(seed: number): FuzzCase[] {
  const rnd = seededRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const original = Buffer.from(readFixtureText(FIXTURE), 'utf8');
  const compact = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8'))), 'utf8');
  const cases: FuzzCase[] = [];

  // Byte flips: 1 to 8 random bytes replaced by random values, in the pretty and the compact fixture.
  for (let i = 0; i < 140; i += 1) {
    const body = Buffer.from(i % 2 === 0 ? original : compact);
    const flips = 1 + int(8);
    const at: number[] = [];
    for (let f = 0; f < flips; f += 1) {
      const pos = int(body.length);
      at.push(pos);
      body[pos] = int(256);
    }
    cases.push({ name: `flip#${i} at ${at.join(',')}`, body });
  }
  // Single bit flips keep most bytes printable: they reach deeper than the parser.
  for (let i = 0; i < 40; i += 1) {
    const body = Buffer.from(compact);
    const pos = int(body.length);
    body[pos] = (body[pos] ?? 0) ^ (1 << int(8));
    cases.push({ name: `bitflip#${i} at ${pos}`, body });
  }
  // Truncations anywhere, including inside a multi-byte sequence and at 0 bytes.
  for (let i = 0; i < 60; i += 1) {
    const source = i % 2 === 0 ? original : compact;
    const length = i === 0 ? 0 : int(source.length);
    cases.push({ name: `truncate#${i} to ${length}`, body: source.subarray(0, length) });
  }
  // Deep nesting at the top, in place of alerts, inside labels and annotations, and in an unknown field.
  const fixture = JSON.parse(compact.toString('utf8')) as { alerts: Record<string, unknown>[] };
  const withRaw = (path: 'alerts' | 'labels' | 'annotations' | 'extra', raw: string): string => {
    const marker = '"__NESTED__"';
    const copy = structuredClone(fixture) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
    const alert = copy.alerts[0] ?? {};
    if (path === 'alerts') copy.alerts = '__NESTED__' as unknown as Record<string, unknown>[];
    if (path === 'labels') alert.labels = { ...(alert.labels as object), deep: '__NESTED__' };
    if (path === 'annotations') alert.annotations = { deep: '__NESTED__' };
    if (path === 'extra') copy.extra = '__NESTED__';
    return JSON.stringify(copy).replace(marker, raw);
  };
  for (const depth of [1_000, 10_000, 50_000]) {
    cases.push({ name: `nested arrays ${depth} at top`, body: Buffer.from(nested(depth, '[', ']')) });
    cases.push({ name: `nested objects ${depth} at top`, body: Buffer.from(nested(depth, '{"a":', '}')) });
    for (const path of ['alerts', 'labels', 'annotations', 'extra'] as const) {
      cases.push({
        name: `nested arrays ${depth} in ${path}`,
        body: Buffer.from(withRaw(path, nested(depth, '[', ']'))),
      });
      cases.push({
        name: `nested objects ${depth} in ${path}`,
        body: Buffer.from(withRaw(path, nested(depth, '{"a":', '}'))),
      });
    }
    // Unterminated: the parser must give up without recursing to the end.
    cases.push({ name: `unterminated arrays ${depth}`, body: Buffer.from('['.repeat(depth)) });
  }
  return cases;
}

const STACK_TRACE =
  /\bat (?:async )?\S*?[\w/.-]+\.(?:[cm]?js|ts):\d+|\bat [\w.<>$]+ \(|node:internal|\/work\/|\/home\/|\/usr\//;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;
const IPV6 = /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b|::ffff:|\[::1?\]/i;

export const DEFAULT_SEED = 20261127;

/** What is wrong with one answer (empty when it is acceptable). */
export function answerProblems(label: string, status: number, contentType: string, text: string): string[] {
  const problems: string[] = [];
  if (status !== 202 && !(status >= 400 && status < 500))
    problems.push(`${label}: status ${status} ${text.slice(0, 300)}`);
  if (status >= 400 && !contentType.startsWith('application/problem+json')) {
    problems.push(`${label}: ${status} with content-type ${contentType}`);
  }
  if (status >= 400) {
    try {
      const problem = JSON.parse(text) as Record<string, unknown>;
      for (const field of ['type', 'title', 'status', 'detail', 'request_id']) {
        if (problem[field] === undefined) problems.push(`${label}: problem without ${field}`);
      }
    } catch {
      problems.push(`${label}: problem body is not JSON: ${text.slice(0, 200)}`);
    }
  }
  if (STACK_TRACE.test(text)) problems.push(`${label}: stack trace or path in body: ${text.slice(0, 300)}`);
  if (IPV4.test(text) || IPV6.test(text)) problems.push(`${label}: address in body: ${text.slice(0, 300)}`);
  return problems;
}

/** Posts each case (10 at a time) and collects every unacceptable answer; checks readiness every 50 cases. */
export async function postCases(
  ingressUrl: string,
  token: string,
  cases: readonly FuzzCase[],
  seed: number,
): Promise<{ problems: string[]; statuses: Map<number, number> }> {
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  for (let start = 0; start < cases.length; start += 10) {
    await Promise.all(
      cases.slice(start, start + 10).map(async ({ name, body }) => {
        const label = `seed ${seed}, ${name}`;
        let res: Response;
        try {
          res = await fetch(`${ingressUrl}/api/v1/signals/prometheus`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(15_000),
          });
        } catch (err) {
          problems.push(`${label}: no answer (${(err as Error).message})`);
          return;
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        problems.push(...answerProblems(label, res.status, res.headers.get('content-type') ?? '', text));
      }),
    );
    if (start % 50 === 0) {
      const ready = await fetch(`${ingressUrl}/readyz`).catch(() => undefined);
      if (ready?.status !== 200) problems.push(`after case ${start}: /readyz answered ${ready?.status ?? 'nothing'}`);
    }
  }
  return { problems, statuses };
}
