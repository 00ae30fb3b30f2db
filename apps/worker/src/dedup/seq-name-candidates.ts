import { remediationRequestName } from '@gateway/contracts';

/** How many names after the last known seq a script call carries; one is enough unless seqs race. */
const CANDIDATES_PER_CALL = 3;
/** Each retry means the seq moved by more than CANDIDATES_PER_CALL within one round trip. */
const MAX_SEQ_RETRIES = 8;

export interface SeqNameCandidates {
  /** `names[i]` is the RR name of seq `base + 1 + i`. */
  base: number;
  names: string[];
}

/** The reply of a script that needs an RR name: a result, or the seq it needs names after. */
export type SeqScriptReply<T> = { kind: 'result'; value: T } | { kind: 'need-seq'; base: number };

/**
 * Lua has no sha256, so RR names are computed here and passed into the scripts. The first
 * call carries none (most admissions are duplicates and need no name); a script that needs a name it
 * was not given answers 'need-seq' without writing, and the call is repeated with names from that seq.
 */
export async function withSeqNames<T>(
  fingerprint: string,
  run: (candidates: SeqNameCandidates) => Promise<SeqScriptReply<T>>,
): Promise<T> {
  let candidates: SeqNameCandidates = { base: 0, names: [] };
  for (let attempt = 0; attempt <= MAX_SEQ_RETRIES; attempt += 1) {
    const reply = await run(candidates);
    if (reply.kind === 'result') return reply.value;
    candidates = namesAfter(fingerprint, reply.base);
  }
  throw new Error(`window sequence of ${fingerprint} kept moving; gave up after ${MAX_SEQ_RETRIES} retries`);
}

function namesAfter(fingerprint: string, base: number): SeqNameCandidates {
  const names = Array.from({ length: CANDIDATES_PER_CALL }, (_, i) =>
    remediationRequestName(fingerprint, base + 1 + i),
  );
  return { base, names };
}

/** Decodes `{'result', json}` / `{'need-seq', n}` script replies. */
export function parseSeqScriptReply<T>(reply: unknown): SeqScriptReply<T> {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected script reply: ${String(reply)}`);
  const [kind, payload] = reply as [unknown, unknown];
  if (kind === 'need-seq') return { kind, base: Number(payload) };
  if (kind === 'result' && typeof payload === 'string') return { kind, value: JSON.parse(payload) as T };
  throw new Error(`unexpected script reply: ${String(reply)}`);
}
