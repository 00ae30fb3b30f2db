import { SourceInputError } from '../source-definition.js';
import type { CompiledMapping } from './compile-mapping.js';
import { describeResult } from './mapping-value.js';

/**
 * The items of a delivery (`mapping.signals`, default `$`): an array gives one item per element, anything
 * else one item. A failing `signals` expression spoils the whole delivery, so it is a 400, not a rejected item.
 */
export async function mappingItems(
  mapping: CompiledMapping,
  body: unknown,
  bindings: Readonly<Record<string, unknown>>,
): Promise<unknown[]> {
  const expression = mapping.signals;
  if (expression === undefined) return Array.isArray(body) ? body : [body];
  const result = await expression.evaluate(body, bindings);
  if (!result.ok) throw new SourceInputError(result.message);
  const items = result.value;
  if (items === undefined) return [];
  if (Array.isArray(items)) return [...items];
  if (typeof items === 'object' && items !== null) return [items];
  throw new SourceInputError(
    `mapping.signals: expression returned ${describeResult(items)}; expected an array or an object`,
  );
}
