import type { SignalDraft } from '@gateway/contracts';
import { verifyHmac } from '../hmac/verify-hmac.js';
import { readJsonBody } from '../input/read-json-body.js';
import type { IgnoredItem, RejectedItem, SourceDefinition } from '../source-definition.js';
import { defineSource } from '../source-definition.js';
import type { CompiledMapping } from './compile-mapping.js';
import { compileMapping } from './compile-mapping.js';
import { customBindings } from './custom-bindings.js';
import { customItemToSignal } from './custom-item-to-signal.js';
import { mappingItems } from './custom-items.js';
import type { CustomSourceSpec } from './custom-source-spec.js';
import { CustomSourceSpecSchema } from './custom-source-spec.js';

/** A config problem in the shape config loading reports: the dotted path and a message that starts with it. */
export interface CustomSourceProblem {
  path: string;
  message: string;
}

export type CompileCustomSourceResult = { definition: SourceDefinition } | { problems: CustomSourceProblem[] };

/** Generic senders usually honour Retry-After on 429; `overloadStatus` picks 503 for those that do not. */
const DEFAULT_RATE_LIMIT_STATUS = 429;

/**
 * Turns `sources.<name>` of type `custom` into a source definition, compiling every expression now
 * so that a broken mapping fails config validation, never a request. Called again on every reload.
 */
export function compileCustomSource(name: string, config: unknown): CompileCustomSourceResult {
  const prefix = `sources.${name}`;
  const parsed = CustomSourceSpecSchema.safeParse(config);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => {
        const path = [prefix, ...issue.path.map(String)].join('.');
        return { path, message: `${path}: ${issue.message}` };
      }),
    };
  }
  const spec = parsed.data;
  const compiled = compileMapping(spec.mapping);
  if ('problems' in compiled) {
    return {
      problems: compiled.problems.map(({ key, message }) => {
        const path = `${prefix}.mapping.${key}`;
        return { path, message: `${path}: ${message}` };
      }),
    };
  }
  return { definition: customSourceDefinition(spec, compiled.mapping) };
}

function customSourceDefinition(spec: CustomSourceSpec, mapping: CompiledMapping): SourceDefinition {
  const hmac = spec.hmac;
  return defineSource({
    apiVersion: 1,
    type: 'custom',
    signalSource: spec.signalSource,
    ...(spec.contentTypes ? { contentTypes: spec.contentTypes } : {}),
    defaultAuthMode: 'token',
    rateLimitStatus: spec.overloadStatus ?? DEFAULT_RATE_LIMIT_STATUS,
    defaultOverloadStatus: 503,
    async verify(req, ctx) {
      if (hmac === undefined) return { ok: true };
      const verdict = verifyHmac(req.rawBody, req.headers, hmac, ctx.now());
      return verdict.ok ? { ok: true, principal: { type: 'signature', id: `hmac:${ctx.name}` } } : verdict;
    },
    async parse(req, ctx) {
      const body = readJsonBody(req);
      const bindings = customBindings(req, body, ctx.name, hmac?.header);
      const items = await mappingItems(mapping, body, bindings);
      const signals: SignalDraft[] = [];
      const ignored: IgnoredItem[] = [];
      const rejected: RejectedItem[] = [];
      let unresolvedTargets = 0;
      for (const [index, item] of items.entries()) {
        const result = await customItemToSignal(mapping, { index, item, bindings }, ctx);
        if (result.outcome === 'ignored') ignored.push(result.ignored);
        else if (result.outcome === 'rejected') rejected.push(result.rejected);
        else {
          signals.push(result.signal);
          if (result.unresolvedTarget) unresolvedTargets++;
        }
      }
      return { signals, ignored, rejected, stats: { unresolvedTargets } };
    },
  });
}
