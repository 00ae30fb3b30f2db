import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to traffic. `cut` refuses service by destroying every connection, open and new; `stall`
 * accepts connections and holds every byte until the mode changes (a partition: held bytes flow on once it heals,
 * as TCP would retransmit them); `delay` forwards each chunk `ms` later, in order.
 */
export type FaultMode = { kind: 'pass' } | { kind: 'cut' } | { kind: 'stall' } | { kind: 'delay'; ms: number };

/** Sees the bytes a client sends, joined to the end of what it sent before so a command split across chunks matches. */
export type ClientBytesPredicate = (bytes: Buffer) => boolean;

export interface TcpFaultProxy {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` for Redis clients. */
  readonly url: string;
  setMode(mode: FaultMode): void;
  /**
   * Arms a one-shot cut: the first client chunk for which `predicate` holds is dropped, never reaching the server,
   * and that connection is destroyed. Resolves once the cut happened. Arming again replaces an unfired trigger.
   */
  cutWhen(predicate: ClientBytesPredicate): Promise<void>;
  /** Connections currently open through the proxy. */
  openConnections(): number;
  /** Connections accepted since the start, for proving a client reconnected. */
  acceptedConnections(): number;
  close(): Promise<void>;
}

export interface TcpFaultProxyTarget {
  host: string;
  port: number;
}

/** Bytes of earlier chunks kept so that a predicate can match a pattern straddling two chunks. */
const CARRY_BYTES = 256;

interface Held {
  chunk: Buffer;
  /** When the chunk may be written; Infinity while stalled. */
  at: number;
}

/** One direction of one connection: an ordered queue released by the mode's schedule. */
class Direction {
  private readonly queue: Held[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly destination: Socket) {}

  push(chunk: Buffer, mode: FaultMode): void {
    this.queue.push({ chunk, at: releaseTime(mode) });
    this.pump();
  }

  /** Re-times held chunks after a mode change; a chunk never overtakes the one before it. */
  retime(mode: FaultMode): void {
    const at = releaseTime(mode);
    for (const held of this.queue) if (held.at === Number.POSITIVE_INFINITY) held.at = at;
    this.pump();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    let head = this.queue[0];
    while (head !== undefined && head.at <= now) {
      this.queue.shift();
      if (!this.destination.destroyed) this.destination.write(head.chunk);
      head = this.queue[0];
    }
    if (head !== undefined && Number.isFinite(head.at)) this.timer = setTimeout(() => this.pump(), head.at - now);
  }
}

function releaseTime(mode: FaultMode): number {
  if (mode.kind === 'stall') return Number.POSITIVE_INFINITY;
  return mode.kind === 'delay' ? Date.now() + mode.ms : Date.now();
}

interface Link {
  client: Socket;
  upstream: Socket;
  toServer: Direction;
  toClient: Direction;
  carry: Buffer;
}

interface Trigger {
  predicate: ClientBytesPredicate;
  fired: () => void;
}

/** A loopback TCP proxy in front of a server (Redis), with faults switched on and off by the test. */
export async function startTcpFaultProxy(target: TcpFaultProxyTarget): Promise<TcpFaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  let trigger: Trigger | undefined;
  let accepted = 0;
  const links = new Set<Link>();

  const destroy = (link: Link) => {
    link.toServer.stop();
    link.toClient.stop();
    link.client.destroy();
    link.upstream.destroy();
    links.delete(link);
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    if (mode.kind === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const link: Link = {
      client,
      upstream,
      toServer: new Direction(upstream),
      toClient: new Direction(client),
      carry: Buffer.alloc(0),
    };
    links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      const seen = Buffer.concat([link.carry, chunk]);
      link.carry = seen.subarray(Math.max(0, seen.length - CARRY_BYTES));
      if (trigger?.predicate(seen)) {
        const { fired } = trigger;
        trigger = undefined;
        destroy(link);
        fired();
        return;
      }
      link.toServer.push(chunk, mode);
    });
    upstream.on('data', (chunk: Buffer) => link.toClient.push(chunk, mode));
    for (const socket of [client, upstream]) {
      socket.on('error', () => destroy(link));
      socket.on('close', () => destroy(link));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address');
  const { port } = address;

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
      if (next.kind === 'cut') {
        for (const link of links) destroy(link);
        return;
      }
      for (const link of links) {
        link.toServer.retime(next);
        link.toClient.retime(next);
      }
    },
    cutWhen(predicate) {
      return new Promise<void>((resolve) => {
        trigger = { predicate, fired: resolve };
      });
    },
    openConnections: () => links.size,
    acceptedConnections: () => accepted,
    async close() {
      trigger = undefined;
      for (const link of links) destroy(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
