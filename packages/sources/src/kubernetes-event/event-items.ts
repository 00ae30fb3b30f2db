import { isJsonObject } from '../input/json-object.js';
import type { IgnoredItem } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';

/** One Event of the delivery, with where it sits in the body for pointers and messages. */
export interface EventItem {
  index: number;
  event: unknown;
  /** JSON Pointer of the Event inside the body: `""`, `/object` or `/items/<i>`. */
  pointer: string;
  /** Where the Event sits in messages: `""` (the body), `object` or `items[<i>]`. */
  path: string;
}

export interface EventItems {
  items: EventItem[];
  ignored: IgnoredItem[];
}

/** Watch types that carry no new occurrence: a deleted Event did not happen again, a bookmark is only a cursor. */
const IGNORED_WATCH_TYPES: Readonly<Record<string, string>> = { DELETED: 'watch_deleted', BOOKMARK: 'watch_bookmark' };
const EVENT_WATCH_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED']);

/** Unwraps the three accepted body shapes: a bare Event, a watch envelope, an `{items}` list. */
export function readEventItems(body: unknown, maxEvents: number): EventItems {
  if (!isJsonObject(body))
    throw new SourceInputError('body must be a Kubernetes Event, watch event or list JSON object');
  if (Array.isArray(body.items)) return { items: listItems(body.items, maxEvents), ignored: [] };
  if (isJsonObject(body.object) && typeof body.type === 'string') return watchItem(body.type, body.object);
  return { items: [{ index: 0, event: body, pointer: '', path: '' }], ignored: [] };
}

function listItems(items: unknown[], maxEvents: number): EventItem[] {
  if (items.length === 0) throw new SourceInputError('no events in list: items is empty', '/items');
  if (items.length > maxEvents) {
    throw new SourceInputError(
      `too many events: items has ${items.length}, at most ${maxEvents} are accepted per request; split the list`,
      '/items',
    );
  }
  return items.map((event, index) => ({ index, event, pointer: `/items/${index}`, path: `items[${index}]` }));
}

function watchItem(type: string, object: Record<string, unknown>): EventItems {
  if (EVENT_WATCH_TYPES.has(type))
    return { items: [{ index: 0, event: object, pointer: '/object', path: 'object' }], ignored: [] };
  const ignoredReason = IGNORED_WATCH_TYPES[type];
  if (ignoredReason) return { items: [], ignored: [{ index: 0, reason: ignoredReason }] };
  if (type === 'ERROR') {
    const detail = typeof object.message === 'string' && object.message ? object.message : 'no message';
    throw new SourceInputError(`watch ERROR event cannot be turned into a signal: ${detail}`, '/object');
  }
  throw new SourceInputError(
    `unknown watch event type ${JSON.stringify(type)}: expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR`,
    '/type',
  );
}
