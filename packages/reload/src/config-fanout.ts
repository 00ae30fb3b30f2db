import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * What one process tells the others through `<prefix>:config` (docs/configuration.md#reloading-a-fleet).
 * Unknown fields are dropped rather than refused, so replicas of the next release can add some during a rollout.
 */
export const FanoutMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reload'), origin: z.string().min(1), force: z.boolean() }),
  z.object({
    kind: z.literal('rollback'),
    origin: z.string().min(1),
    fromHash: z.string().min(1),
    toHash: z.string().min(1),
  }),
]);
export type FanoutMessage = z.infer<typeof FanoutMessageSchema>;

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

/** Who asked, for a bare `reload` published by hand or by a tool (`redis-cli publish <prefix>:config reload`). */
export const EXTERNAL_ORIGIN = 'external';

function parseFanoutMessage(text: string): FanoutMessage | Error {
  if (text === 'reload') return { kind: 'reload', origin: EXTERNAL_ORIGIN, force: false };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new Error('ignored a configuration fan-out message that is not JSON');
  }
  const parsed = FanoutMessageSchema.safeParse(json);
  if (!parsed.success) {
    return new Error(`ignored an invalid configuration fan-out message: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * Publishes and receives reload and rollback notices on `<prefix>:config`.
 *
 * Delivery is at most once: a process that is disconnected while a message is published never sees it. That is
 * enough because every process also watches the file and polls it; the fan-out only makes the fleet converge sooner.
 * ioredis subscribes again by itself after a reconnect (`autoResubscribe`).
 */
export function createConfigFanout(options: ConfigFanoutOptions): ConfigFanout {
  const { publisher, subscriber, processId, onMessage, onError } = options;
  const channel = configChannel(options.prefix);

  function onRedisMessage(messageChannel: string, text: string): void {
    if (messageChannel !== channel) return;
    const message = parseFanoutMessage(text);
    if (message instanceof Error) {
      onError(message);
      return;
    }
    if (message.origin === processId) return;
    try {
      onMessage(message);
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  return {
    async start(): Promise<void> {
      subscriber.on('message', onRedisMessage);
      await subscriber.subscribe(channel);
    },

    async publish(message: FanoutMessage): Promise<void> {
      await publisher.publish(channel, JSON.stringify(message));
    },

    async close(): Promise<void> {
      subscriber.off('message', onRedisMessage);
      // With Redis unreachable the UNSUBSCRIBE would wait for a reconnect and hold up shutdown. Skipping it is safe:
      // without the listener nothing is delivered, even if a reconnect subscribes the connection again.
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel);
    },
  };
}
