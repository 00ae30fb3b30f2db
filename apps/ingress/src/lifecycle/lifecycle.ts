/** Shutdown phases the HTTP layer reacts to (docs/operations.md#startup-and-shutdown). */
export interface Lifecycle {
  /** Readiness answers 503 from the first signal on, while requests are still served. */
  isShuttingDown(): boolean;
  /** After the drain delay: responses carry `Connection: close` so keep-alive clients move on. */
  isClosingConnections(): boolean;
}

export interface MutableLifecycle extends Lifecycle {
  beginShutdown(): void;
  beginClosingConnections(): void;
}

export function createLifecycle(): MutableLifecycle {
  let shuttingDown = false;
  let closingConnections = false;
  return {
    isShuttingDown: () => shuttingDown,
    isClosingConnections: () => closingConnections,
    beginShutdown() {
      shuttingDown = true;
    },
    beginClosingConnections() {
      shuttingDown = true;
      closingConnections = true;
    },
  };
}
