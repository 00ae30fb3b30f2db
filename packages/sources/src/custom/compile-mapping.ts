import type { CustomMapping, CustomTargetMapping } from './custom-source-spec.js';
import type { MappingExpression } from './mapping-expression.js';
import { compileMappingExpression } from './mapping-expression.js';

export const MAPPING_KEYS = [
  'signals',
  'filter',
  'status',
  'signalName',
  'severity',
  'targetType',
  'target.kind',
  'target.name',
  'target.namespace',
  'target.apiVersion',
  'target.scope',
  'firingTime',
  'labels',
  'annotations',
  'providerData',
  'deliveryKey',
  'fingerprintInput',
  'clusterId',
] as const;
export type MappingKey = (typeof MAPPING_KEYS)[number];

/** Compiled expressions by key; a key the configuration leaves out takes its default (docs/signals-and-sources.md). */
export type CompiledMapping = Partial<Record<MappingKey, MappingExpression>>;

export type CompileMappingResult = { mapping: CompiledMapping } | { problems: { key: MappingKey; message: string }[] };

/** Compiles every expression, collecting all problems so that one config validation reports them together. */
export function compileMapping(source: CustomMapping): CompileMappingResult {
  const mapping: CompiledMapping = {};
  const problems: { key: MappingKey; message: string }[] = [];
  for (const key of MAPPING_KEYS) {
    const text = expressionText(source, key);
    if (text === undefined) continue;
    const compiled = compileMappingExpression(key, text);
    if ('problem' in compiled) problems.push({ key, message: compiled.problem });
    else mapping[key] = compiled;
  }
  return problems.length > 0 ? { problems } : { mapping };
}

function expressionText(source: CustomMapping, key: MappingKey): string | undefined {
  if (!key.startsWith('target.')) return source[key as Exclude<keyof CustomMapping, 'target'>];
  return source.target?.[key.slice('target.'.length) as keyof CustomTargetMapping];
}
