import type { Redis } from 'ioredis';

export type FleetRole = 'ingress' | 'worker';

export interface FleetMember {
  id: string;
  role: FleetRole;
  pod: string;
  configHash: string;
  restartRequired: string[];
  /** ISO time of the member's last report. */
  reportedAt: string;
}

export interface FleetView {
  members: FleetMember[];
  /** Members per config hash. */
  hashes: Record<string, number>;
  /** Every live member reports the same hash. */
  converged: boolean;
}

export interface FleetRegistryOptions {
  redis: Redis;
  prefix: string;
  member: { id: string; role: FleetRole; pod: string };
  state(): { configHash: string; restartRequired: readonly string[] };
  heartbeatMs?: number;
  nowMs(): number;
  onError(error: Error): void;
}

export interface FleetRegistry {
  start(): void;
  /** Writes this member's state now (after a swap), not at the next heartbeat. */
  report(): Promise<void>;
  /** Stops the heartbeat and removes this member. */
  stop(): Promise<void>;
}

export function createFleetRegistry(_options: FleetRegistryOptions): FleetRegistry {
  throw new Error('not built yet');
}

export function readFleet(_redis: Redis, _prefix: string, _nowMs: number): Promise<FleetView> {
  throw new Error('not built yet');
}
