import { createTestRedis, uniquePrefix, waitFor } from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ConfigFanout,
  configChannel,
  createConfigFanout,
  EXTERNAL_ORIGIN,
  type FanoutMessage,
} from './config-fanout.js';

const publisher = createTestRedis();
const connections: Redis[] = [];
let fanouts: ConfigFanout[] = [];

afterEach(async () => {
  for (const fanout of fanouts) await fanout.close();
  fanouts = [];
});

afterAll(() => {
  for (const connection of connections) connection.disconnect();
  publisher.disconnect();
});

interface Member {
  fanout: ConfigFanout;
  subscriber: Redis;
  received: FanoutMessage[];
  errors: Error[];
}

async function startMember(prefix: string, processId: string): Promise<Member> {
  const subscriber = createTestRedis();
  connections.push(subscriber);
  const received: FanoutMessage[] = [];
  const errors: Error[] = [];
  const fanout = createConfigFanout({
    publisher,
    subscriber,
    prefix,
    processId,
    onMessage: (message) => received.push(message),
    onError: (error) => errors.push(error),
  });
  await fanout.start();
  fanouts.push(fanout);
  return { fanout, subscriber, received, errors };
}

/**
 * Redis delivers one connection's messages in publish order, so once `marker` has arrived every message published
 * before it has been delivered too, or never will be: no waiting is needed to show that something did not arrive.
 */
async function publishMarker(prefix: string, member: Member): Promise<void> {
  const marker: FanoutMessage = { kind: 'reload', origin: `marker-${prefix}`, force: false };
  await publisher.publish(configChannel(prefix), JSON.stringify(marker));
  await waitFor(() => member.received.some((message) => message.origin === marker.origin), {
    timeoutMs: 5_000,
    description: 'the marker message',
  });
}

describe('config fanout', () => {
  it('delivers reload and rollback messages to the other processes on the prefix and not back to the sender', async () => {
    const prefix = uniquePrefix('fanout');
    const first = await startMember(prefix, 'pod-a:1');
    const second = await startMember(prefix, 'pod-b:1');
    const reload: FanoutMessage = { kind: 'reload', origin: 'pod-a:1', force: true };
    const rollback: FanoutMessage = {
      kind: 'rollback',
      origin: 'pod-b:1',
      fromHash: 'aaaaaaaaaaaa',
      toHash: 'bbbbbbbbbbbb',
    };

    await first.fanout.publish(reload);
    await second.fanout.publish(rollback);
    await waitFor(() => second.received.length === 1 && first.received.length === 1, {
      timeoutMs: 5_000,
      description: 'each message at the other process',
    });
    await publishMarker(prefix, first);
    await publishMarker(prefix, second);

    expect(second.received[0]).toEqual(reload);
    expect(first.received[0]).toEqual(rollback);
    expect(first.received.filter((message) => message.origin === 'pod-a:1')).toEqual([]);
    expect(second.received.filter((message) => message.origin === 'pod-b:1')).toEqual([]);
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('receives nothing published under another prefix', async () => {
    const prefix = uniquePrefix('fanout');
    const otherPrefix = uniquePrefix('fanout');
    const member = await startMember(prefix, 'pod-a:1');
    const stranger = await startMember(otherPrefix, 'pod-z:1');

    await stranger.fanout.publish({ kind: 'reload', origin: 'pod-z:1', force: false });
    await publishMarker(prefix, member);

    expect(member.received.map((message) => message.origin)).toEqual([`marker-${prefix}`]);
  });

  it('takes a bare "reload", as published by hand, as a reload asked by someone outside the fleet', async () => {
    const prefix = uniquePrefix('fanout');
    const member = await startMember(prefix, 'pod-a:1');

    await publisher.publish(configChannel(prefix), 'reload');
    await publishMarker(prefix, member);

    expect(member.received).toEqual([
      { kind: 'reload', origin: EXTERNAL_ORIGIN, force: false },
      expect.objectContaining({ origin: `marker-${prefix}` }),
    ]);
    expect(member.errors).toEqual([]);
  });

  it('reports and ignores messages that are not JSON or not a fan-out message', async () => {
    const prefix = uniquePrefix('fanout');
    const member = await startMember(prefix, 'pod-a:1');

    await publisher.publish(configChannel(prefix), 'reload please');
    await publisher.publish(configChannel(prefix), JSON.stringify({ kind: 'reload', origin: 'pod-b:1' }));
    await publisher.publish(configChannel(prefix), JSON.stringify({ kind: 'restart', origin: 'pod-b:1' }));
    await publishMarker(prefix, member);

    expect(member.received.map((message) => message.origin)).toEqual([`marker-${prefix}`]);
    expect(member.errors.map((error) => error.message.split(':')[0])).toEqual([
      'ignored a configuration fan-out message that is not JSON',
      'ignored an invalid configuration fan-out message',
      'ignored an invalid configuration fan-out message',
    ]);
  });

  it('receives messages again after its connection to Redis is cut and comes back', async () => {
    const prefix = uniquePrefix('fanout');
    const member = await startMember(prefix, 'pod-a:1');

    member.subscriber.disconnect(true);
    // Messages published while the connection is down are lost (at most once); keep publishing until one lands.
    let attempt = 0;
    await waitFor(
      async () => {
        attempt += 1;
        await publisher.publish(
          configChannel(prefix),
          JSON.stringify({ kind: 'reload', origin: `after-reconnect-${attempt}`, force: false }),
        );
        return member.received.length > 0;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'a message after the reconnect' },
    );

    expect(member.subscriber.status).toBe('ready');
    expect(member.errors).toEqual([]);
  });

  it('stops delivering after close', async () => {
    const prefix = uniquePrefix('fanout');
    const closing = await startMember(prefix, 'pod-a:1');
    const staying = await startMember(prefix, 'pod-b:1');

    await closing.fanout.close();
    expect(await publisher.pubsub('NUMSUB', configChannel(prefix))).toEqual([configChannel(prefix), 1]);
    await publisher.publish(configChannel(prefix), JSON.stringify({ kind: 'reload', origin: 'pod-c:1', force: false }));
    await publishMarker(prefix, staying);

    expect(closing.received).toEqual([]);
  });
});
