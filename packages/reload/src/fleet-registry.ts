import type { Redis } from 'ioredis';
import { z } from 'zod';

export const FleetRoleSchema = z.enum(['ingress', 'worker']);
export type FleetRole = z.infer<typeof FleetRoleSchema>;

/** One process's report in the fleet hash, as JSON. */
export const FleetMemberSchema = z.object({
  id: z.string().min(1),
  role: FleetRoleSchema,
  pod: z.string(),
  configHash: z.string().min(1),
  restartRequired: z.array(z.string()),
  /** ISO time of the member's last report. */
  reportedAt: z.iso.datetime(),
});
export type FleetMember = z.infer<typeof FleetMemberSchema>;

export interface FleetView {
  members: FleetMember[];
  /** Members per config hash. */
  hashes: Record<string, number>;
  /** Every live member reports the same hash. */
  converged: boolean;
}

export const FLEET_HEARTBEAT_MS = 5_000;
/** Three missed heartbeats: a member this quiet has crashed or lost Redis, and leaves the view. */
export const FLEET_STALE_AFTER_MS = 3 * FLEET_HEARTBEAT_MS;

export function fleetKey(prefix: string): string {
  return `${prefix}:config:fleet`;
}

export interface FleetRegistryOptions {
  redis: Redis;
  prefix: string;
  member: { id: string; role: FleetRole; pod: string };
  state(): { configHash: string; restartRequired: readonly string[] };
  /** Default `FLEET_HEARTBEAT_MS`; at most a third of `FLEET_STALE_AFTER_MS`, or readers drop the member as stale. */
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

export function createFleetRegistry(options: FleetRegistryOptions): FleetRegistry {
  const { redis, member, state, nowMs, onError } = options;
  const key = fleetKey(options.prefix);
  const heartbeatMs = options.heartbeatMs ?? FLEET_HEARTBEAT_MS;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();

  async function write(): Promise<void> {
    const { configHash, restartRequired } = state();
    const report: FleetMember = {
      ...member,
      configHash,
      restartRequired: [...restartRequired],
      reportedAt: new Date(nowMs()).toISOString(),
    };
    // The key outlives its members by one staleness period, so a fleet that is gone leaves nothing behind.
    await redis.hset(key, member.id, JSON.stringify(report));
    await redis.pexpire(key, FLEET_STALE_AFTER_MS * 2);
  }

  function report(): Promise<void> {
    // A report landing after stop's HDEL would bring the member back until it went stale.
    if (stopped) return Promise.resolve();
    const written = write();
    inFlight = written.catch(() => undefined);
    return written;
  }

  return {
    start(): void {
      if (heartbeat !== undefined || stopped) return;
      const beat = (): void => {
        report().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
      };
      beat();
      heartbeat = setInterval(beat, heartbeatMs);
      heartbeat.unref();
    },

    report,

    async stop(): Promise<void> {
      stopped = true;
      clearInterval(heartbeat);
      heartbeat = undefined;
      await inFlight;
      await redis.hdel(key, member.id);
    },
  };
}

/**
 * Deletes a stale member only if its report is still the one that was read: a member that reported in between is
 * alive and keeps its field.
 */
const DELETE_UNCHANGED_FIELDS = `
local deleted = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    deleted = deleted + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return deleted
`;

function parseMember(value: string): FleetMember | undefined {
  try {
    const parsed = FleetMemberSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live members of the fleet. Members silent for longer than `FLEET_STALE_AFTER_MS` are left out and deleted, so
 * crashed pods disappear. Fields that do not parse are skipped but kept: they may belong to another release.
 */
export async function readFleet(redis: Redis, prefix: string, nowMs: number): Promise<FleetView> {
  const key = fleetKey(prefix);
  const fields = await redis.hgetall(key);
  const members: FleetMember[] = [];
  const stale: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const member = parseMember(value);
    if (member === undefined) continue;
    if (nowMs - Date.parse(member.reportedAt) > FLEET_STALE_AFTER_MS) {
      stale.push(field, value);
      continue;
    }
    members.push(member);
  }
  if (stale.length > 0) await redis.eval(DELETE_UNCHANGED_FIELDS, 1, key, ...stale);

  members.sort((a, b) => (a.role === b.role ? compareStrings(a.id, b.id) : compareStrings(a.role, b.role)));
  const hashes: Record<string, number> = {};
  for (const member of members) hashes[member.configHash] = (hashes[member.configHash] ?? 0) + 1;
  return { members, hashes, converged: Object.keys(hashes).length === 1 };
}

function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
