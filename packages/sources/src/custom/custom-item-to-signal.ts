import type { SignalDraft, SignalStatus } from '@gateway/contracts';
import { isJsonObject } from '../input/json-object.js';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName } from '../normalize/text-limits.js';
import type { IgnoredItem, RejectedItem, SourceContext } from '../source-definition.js';
import type { CompiledMapping, MappingKey } from './compile-mapping.js';
import { mappedFiringTime } from './custom-firing-time.js';
import { customTarget } from './custom-target.js';
import {
  jsonObject,
  MappingValueError,
  optionalBoolean,
  optionalString,
  requiredString,
  stringMap,
} from './mapping-value.js';

export type CustomItemOutcome =
  | { outcome: 'signal'; signal: SignalDraft; unresolvedTarget: boolean }
  | { outcome: 'ignored'; ignored: IgnoredItem }
  | { outcome: 'rejected'; rejected: RejectedItem };

export interface CustomItem {
  index: number;
  item: unknown;
  bindings: Readonly<Record<string, unknown>>;
}

/**
 * One item through the mapping table (docs/signals-and-sources.md#custom-sources-jsonata). Expressions run one after
 * another, each within its own step budget; the first failure or wrongly typed result rejects the item with a detail naming
 * the key.
 */
export async function customItemToSignal(
  mapping: CompiledMapping,
  { index, item, bindings }: CustomItem,
  ctx: SourceContext,
): Promise<CustomItemOutcome> {
  const evaluate = async (key: MappingKey): Promise<unknown> => {
    const expression = mapping[key];
    if (expression === undefined) return undefined;
    const result = await expression.evaluate(item, bindings);
    if (!result.ok) throw new MappingValueError(result.message);
    return result.value;
  };
  try {
    if (optionalBoolean('filter', await evaluate('filter')) === false) {
      return { outcome: 'ignored', ignored: { index, reason: 'filtered' } };
    }
    const status = mappedStatus(await evaluate('status'));
    const signalName = requiredString('signalName', await evaluate('signalName'));
    const severity = optionalString('severity', await evaluate('severity'));
    const { target, namespace, unresolvedTarget } = customTarget(
      {
        type: optionalString('targetType', await evaluate('targetType')),
        kind: optionalString('target.kind', await evaluate('target.kind')),
        name: optionalString('target.name', await evaluate('target.name')),
        namespace: optionalString('target.namespace', await evaluate('target.namespace')),
        apiVersion: optionalString('target.apiVersion', await evaluate('target.apiVersion')),
        scope: optionalString('target.scope', await evaluate('target.scope')),
      },
      status,
      ctx.settings,
    );
    const firingTime = mappedFiringTime(await evaluate('firingTime'));
    const signal: SignalDraft = {
      index,
      source: ctx.name,
      sourceType: ctx.sourceType,
      signalSource: ctx.signalSource,
      status,
      signalName: limitSignalName(signalName),
      severity: normalizeSeverity(severity, ctx.settings),
      namespace,
      ...(target ? { target } : {}),
      clusterId: optionalString('clusterId', await evaluate('clusterId')) ?? '',
      ...(firingTime ? { firingTime } : {}),
      labels: limitLabelValues(stringMap('labels', await evaluate('labels'))),
      annotations: limitAnnotationValues(stringMap('annotations', await evaluate('annotations'))),
      providerData: jsonObject('providerData', await evaluate('providerData')),
      // A non-object item (a string in an array, say) still needs an object to travel in the job.
      originalPayload: isJsonObject(item) ? item : { item },
      deliveryKey: optionalString('deliveryKey', await evaluate('deliveryKey')) ?? null,
      fingerprintInput: optionalString('fingerprintInput', await evaluate('fingerprintInput')) ?? null,
    };
    return { outcome: 'signal', signal, unresolvedTarget };
  } catch (error) {
    if (!(error instanceof MappingValueError)) throw error;
    return { outcome: 'rejected', rejected: { index, pointer: '', message: error.message } };
  }
}

function mappedStatus(value: unknown): SignalStatus {
  const status = optionalString('status', value) ?? 'firing';
  if (status === 'firing' || status === 'resolved') return status;
  throw new MappingValueError('mapping.status: expression returned a string other than "firing" or "resolved"');
}
