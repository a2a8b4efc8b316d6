// IPv6 address management, pure: addresses as BigInt, a pool per --ipv6 network, the lowest free
// address from ::2 on. Used pools are /64 or shorter; a ULA /64 is picked when none is given.
import { InvalidParameterError } from '../errors.js';
import type { Pool } from './ipam.js';

export function parseIPv6(ip: string): bigint {
  if (!/^[0-9a-fA-F:]+$/.test(ip) || (ip.match(/::/g)?.length ?? 0) > 1) throw new InvalidParameterError(`invalid IP address: ${ip}`);
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(Math.max(fill, 0)).fill('0'), ...t];
  if (groups.length !== 8 || fill < 0 || (tail !== undefined && fill === 0) || groups.some((g) => g.length === 0 || g.length > 4)) throw new InvalidParameterError(`invalid IP address: ${ip}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lower case, the longest run of zero groups (two or more) as "::". */
export function formatIPv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface Subnet6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;
const mask6 = (prefix: number): bigint => (prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL);

export function isIPv6Cidr(cidr: string): boolean {
  return cidr.includes(':');
}

export function parseSubnet6(cidr: string): Subnet6 {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m || Number(m[2]) > 128) throw new InvalidParameterError(`invalid CIDR address: ${cidr}`);
  const prefix = Number(m[2]);
  const addr = parseIPv6(m[1]!);
  const base = addr & mask6(prefix);
  if (base !== addr) throw new InvalidParameterError(`invalid subnet ${cidr}: it should be ${formatIPv6(base)}/${prefix}`);
  return { base, prefix };
}

export function contains6(s: Subnet6, ip: bigint): boolean {
  return (ip & mask6(s.prefix)) === s.base;
}

export function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask6(p)) === (b.base & mask6(p));
}

export function makePool6(subnet: string, gateway?: string): Pool {
  const s = parseSubnet6(subnet);
  if (s.prefix > 120) throw new InvalidParameterError(`invalid subnet ${subnet}: prefix must be /120 or shorter`);
  const gw = gateway ? parseIPv6(gateway) : s.base + 1n;
  if (!contains6(s, gw)) throw new InvalidParameterError(`no matching subnet for gateway ${gateway}`);
  return { Subnet: `${formatIPv6(s.base)}/${s.prefix}`, Gateway: formatIPv6(gw) };
}

/** The lowest free address after the subnet's first, skipping the gateway; scans a bounded window. */
export function nextFree6(pool: Pool, used: ReadonlySet<string>): string | undefined {
  const s = parseSubnet6(pool.Subnet);
  const gw = parseIPv6(pool.Gateway);
  const size = 1n << BigInt(128 - s.prefix);
  const limit = size < 65536n ? size - 1n : 65536n;
  for (let i = 1n; i < limit; i++) {
    const ip = s.base + i;
    if (ip !== gw && !used.has(formatIPv6(ip))) return formatIPv6(ip);
  }
  return undefined;
}

/** A random ULA /64 (fdXX:XXXX:XXXX:XXXX::/64) overlapping none of `taken`. */
export function pickSubnet6(taken: readonly Subnet6[], random: () => number = Math.random): string {
  for (let i = 0; i < 1000; i++) {
    let base = 0xfdn;
    for (let j = 0; j < 7; j++) base = (base << 8n) | BigInt(Math.floor(random() * 256));
    const s: Subnet6 = { base: base << 64n, prefix: 64 };
    if (!taken.some((t) => overlaps6(t, s))) return `${formatIPv6(s.base)}/64`;
  }
  throw new InvalidParameterError('could not find an available IPv6 address pool for the network');
}
