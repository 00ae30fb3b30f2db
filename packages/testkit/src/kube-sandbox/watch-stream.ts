import type { ServerResponse } from 'node:http';
import { gone } from './status.js';
import type { KubeObject, ObjectStore, StoreEvent } from './store.js';

export interface WatchOptions {
  store: ObjectStore;
  /** Namespace, label and field selection; MODIFIED events crossing it become ADDED or DELETED, as in the API server. */
  matches: (obj: KubeObject) => boolean;
  /** Unset or "0": synthetic ADDED for current objects first. Otherwise replay from history, or 410 if compacted. */
  resourceVersion: string | null;
  timeoutSeconds: number | undefined;
  bookmarkIntervalMs: number | undefined;
  bookmarkTemplate: { apiVersion: string; kind: string };
  /** Converts objects before sending (kubectl get -w asks for Tables); `first` is true for the stream's first event. */
  render?: (obj: KubeObject, first: boolean) => unknown;
  /** Lets the sandbox end every open stream (dropWatches, stop). */
  track: (end: () => void) => () => void;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Maps a store event to what a watcher with this selection sees (undefined: nothing). */
function visibleEvent(
  event: StoreEvent,
  matches: (obj: KubeObject) => boolean,
): { type: WatchEventType; object: KubeObject } | undefined {
  const now = matches(event.object);
  if (event.type !== 'MODIFIED' || !event.previous) return now ? { type: event.type, object: event.object } : undefined;
  const before = matches(event.previous);
  if (now && before) return { type: 'MODIFIED', object: event.object };
  if (now) return { type: 'ADDED', object: event.object };
  if (before) return { type: 'DELETED', object: event.object };
  return undefined;
}

export function serveWatch(res: ServerResponse, options: WatchOptions): void {
  const { store, matches } = options;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  res.flushHeaders();
  let sent = 0;
  const send = (type: WatchEventType, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const write = (type: WatchEventType, object: KubeObject): void => {
    send(type, options.render ? options.render(object, sent === 0) : object);
    sent += 1;
  };

  const requested = options.resourceVersion;
  let initial: { type: WatchEventType; object: KubeObject }[];
  if (requested === null || requested === '' || requested === '0') {
    initial = store
      .list()
      .filter(matches)
      .map((object) => ({ type: 'ADDED', object }));
  } else {
    const history = store.eventsSince(Number(requested));
    if (history.expired || Number.isNaN(Number(requested))) {
      const oldest = history.expired ? history.oldestResourceVersion : store.currentResourceVersion();
      send('ERROR', gone(`too old resource version: ${requested} (${oldest})`));
      res.end();
      return;
    }
    initial = history.events.flatMap((event) => visibleEvent(event, matches) ?? []);
  }

  // Subscribing in the same tick as the snapshot leaves no gap: the store is synchronous.
  const unsubscribe = store.subscribe((event) => {
    const visible = visibleEvent(event, matches);
    if (visible) write(visible.type, visible.object);
  });
  for (const event of initial) write(event.type, event.object);

  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    unsubscribe();
    untrack();
    for (const timer of timers) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const untrack = options.track(finish);
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
    timers.push(setTimeout(finish, options.timeoutSeconds * 1000));
  }
  if (options.bookmarkIntervalMs !== undefined) {
    timers.push(
      setInterval(() => {
        send('BOOKMARK', {
          ...options.bookmarkTemplate,
          metadata: { resourceVersion: String(store.currentResourceVersion()) },
        });
      }, options.bookmarkIntervalMs),
    );
  }
  res.on('close', finish);
}
