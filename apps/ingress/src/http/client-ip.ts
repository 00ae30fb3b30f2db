import { BlockList, isIP } from 'node:net';

/** `server.trustedProxies` compiled once per settings snapshot (docs/security.md#client-ip-and-proxies). */
export interface TrustedProxies {
  readonly cidrs: readonly string[];
  contains(address: string): boolean;
}

const IPV4_MAPPED_PREFIX = '::ffff:';

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; logs, audit and CIDRs want `a.b.c.d`. */
export function normalizeIp(value: string): string | undefined {
  let candidate = value.trim();
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  if (
    candidate.toLowerCase().startsWith(IPV4_MAPPED_PREFIX) &&
    isIP(candidate.slice(IPV4_MAPPED_PREFIX.length)) === 4
  ) {
    candidate = candidate.slice(IPV4_MAPPED_PREFIX.length);
  }
  return isIP(candidate) === 0 ? undefined : candidate;
}

/** Throws on an invalid CIDR: trusted proxies are configuration, and a silently ignored entry would trust nobody. */
export function compileTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', prefixText] = cidr.split('/');
    const address = normalizeIp(network);
    if (address === undefined) throw new Error(`trusted proxy ${JSON.stringify(cidr)} is not an IP address or CIDR`);
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    const maxPrefix = family === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > maxPrefix ||
      (prefixText !== undefined && !/^\d+$/.test(prefixText))
    ) {
      throw new Error(`trusted proxy ${JSON.stringify(cidr)} has an invalid prefix length`);
    }
    list.addSubnet(address, prefix, family);
  }
  return {
    cidrs: [...cidrs],
    contains(address) {
      const ip = normalizeIp(address);
      if (ip === undefined) return false;
      return list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

export interface ClientIpInput {
  peerAddress: string | undefined;
  forwardedFor: string | undefined;
  realIp: string | undefined;
}

/**
 * The TCP peer, unless that peer is a trusted proxy: then X-Forwarded-For is walked right to left skipping
 * trusted hops (all trusted → leftmost), else a valid X-Real-IP. Walking from the right matters: the left part
 * of X-Forwarded-For is written by the client and can be forged.
 */
export function resolveClientIp(input: ClientIpInput, trusted: TrustedProxies): string {
  const peer = input.peerAddress === undefined ? undefined : normalizeIp(input.peerAddress);
  if (peer === undefined) return '';
  if (!trusted.contains(peer)) return peer;
  const hops = (input.forwardedFor ?? '')
    .split(',')
    .map((hop) => normalizeIp(hop))
    .filter((hop): hop is string => hop !== undefined);
  if (hops.length > 0) {
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!trusted.contains(hop)) return hop;
    }
    return hops[0]!;
  }
  const realIp = input.realIp === undefined ? undefined : normalizeIp(input.realIp);
  return realIp ?? peer;
}
