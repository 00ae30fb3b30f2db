export interface ConfigFileWatchOptions {
  /** `GATEWAY_CONFIG` as given; re-resolved on every change, because a ConfigMap update swaps a `..data` symlink. */
  path: string;
  /** Events within this long of each other make one change (`reload.debounce`). */
  debounceMs: number;
  /** A poll at this interval catches changes the watch missed (`reload.pollInterval`). */
  pollIntervalMs: number;
  onChange(): void;
  onError(error: Error): void;
}

export interface ConfigFileWatch {
  close(): void;
}

export function watchConfigFile(_options: ConfigFileWatchOptions): ConfigFileWatch {
  throw new Error('not built yet');
}
