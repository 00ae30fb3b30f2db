import type { Redis } from 'ioredis';

/** What one process tells the others through `<prefix>:config` (docs/configuration.md#reloading-a-fleet). */
export type FanoutMessage =
  | { kind: 'reload'; origin: string; force: boolean }
  | { kind: 'rollback'; origin: string; fromHash: string; toHash: string };

export function configChannel(prefix: string): string {
  return `${prefix}:config`;
}

export interface ConfigFanoutOptions {
  /** Any command connection. */
  publisher: Redis;
  /** A connection of its own: a subscribed ioredis connection takes no other commands. */
  subscriber: Redis;
  prefix: string;
  /** This process; its own messages are not delivered back to it. */
  processId: string;
  onMessage(message: FanoutMessage): void;
  onError(error: Error): void;
}

export interface ConfigFanout {
  start(): Promise<void>;
  publish(message: FanoutMessage): Promise<void>;
  close(): Promise<void>;
}

export function createConfigFanout(_options: ConfigFanoutOptions): ConfigFanout {
  throw new Error('not built yet');
}
