/** The sandbox's etcd: objects, one global resourceVersion counter, and a bounded event history for watches. */

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  object: KubeObject;
  /** The state before a MODIFIED, so watches with selectors can turn it into ADDED or DELETED. */
  previous?: KubeObject;
  resourceVersion: number;
}

export type HistoryRead = { expired: false; events: StoreEvent[] } | { expired: true; oldestResourceVersion: number };

export interface ObjectStore {
  currentResourceVersion(): number;
  /** Reserves the next resourceVersion; every write takes one, so versions are global and increasing. */
  nextResourceVersion(): number;
  get(namespace: string, name: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
  /** Stores the object (already stamped with its resourceVersion) and notifies watchers. */
  record(type: StoreEventType, object: KubeObject, previous?: KubeObject): void;
  eventsSince(resourceVersion: number): HistoryRead;
  /** Forgets the whole history, so any watch from an earlier resourceVersion gets 410 Gone. */
  compact(): void;
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function createObjectStore(historyLimit = 1000): ObjectStore {
  let resourceVersion = 0;
  // Events up to this version may be missing from history; a watch from before it cannot be served.
  let compactedThrough = 0;
  const objects = new Map<string, KubeObject>();
  const history: StoreEvent[] = [];
  const listeners = new Set<(event: StoreEvent) => void>();

  return {
    currentResourceVersion: () => resourceVersion,
    nextResourceVersion: () => {
      resourceVersion += 1;
      return resourceVersion;
    },
    get: (namespace, name) => objects.get(keyOf(namespace, name)),
    list: (namespace) =>
      [...objects.values()]
        .filter((obj) => namespace === undefined || obj.metadata.namespace === namespace)
        .sort((a, b) =>
          keyOf(a.metadata.namespace ?? '', a.metadata.name).localeCompare(
            keyOf(b.metadata.namespace ?? '', b.metadata.name),
          ),
        ),
    record(type, object, previous) {
      const key = keyOf(object.metadata.namespace ?? '', object.metadata.name);
      if (type === 'DELETED') objects.delete(key);
      else objects.set(key, object);
      const event: StoreEvent = { type, object, resourceVersion: Number(object.metadata.resourceVersion) };
      if (previous) event.previous = previous;
      history.push(event);
      while (history.length > historyLimit) {
        const dropped = history.shift();
        if (dropped) compactedThrough = dropped.resourceVersion;
      }
      for (const listener of [...listeners]) listener(event);
    },
    eventsSince(since) {
      if (since < compactedThrough) return { expired: true, oldestResourceVersion: compactedThrough };
      return { expired: false, events: history.filter((event) => event.resourceVersion > since) };
    },
    compact() {
      compactedThrough = resourceVersion;
      history.length = 0;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
