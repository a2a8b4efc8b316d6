// IPv4 address management, pure: CIDR parsing, gateway and range checks, the next free address.
// Allocations themselves live in the container records; the service rebuilds the used sets.
import { InvalidParameterError } from '../errors.js';

export interface Subnet {
  /** Network address as a 32-bit unsigned integer. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new InvalidParameterError(`invalid IP address: ${ip}`);
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.1.2.0/24" → its subnet; host bits set ("10.1.2.5/24") are refused as dockerd refuses them. */
export function parseSubnet(cidr: string, allowHostBits = false): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 32) throw new InvalidParameterError(`invalid CIDR address: ${cidr}`);
  const prefix = Number(m[2]);
  const addr = ipToInt(m[1]!);
  const base = (addr & mask(prefix)) >>> 0;
  if (!allowHostBits && base !== addr) throw new InvalidParameterError(`invalid subnet ${cidr}: it should be ${intToIp(base)}/${prefix}`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

export function broadcast(s: Subnet): number {
  return (s.base | ~mask(s.prefix)) >>> 0;
}

/** One IPAM pool as `docker network create` gives it: subnet, gateway and an optional range. */
export interface Pool {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

/** Validates --subnet/--gateway/--ip-range and fills the gateway (first host) when absent. */
export function makePool(subnet: string, gateway?: string, ipRange?: string): Pool {
  const s = parseSubnet(subnet);
  if (s.prefix > 30) throw new InvalidParameterError(`invalid subnet ${subnet}: prefix must be /30 or shorter`);
  const gw = gateway ? ipToInt(gateway) : s.base + 1;
  if (!contains(s, gw)) throw new InvalidParameterError(`no matching subnet for gateway ${gateway}`);
  if (ipRange) {
    const r = parseSubnet(ipRange);
    if (!contains(s, r.base) || r.prefix < s.prefix) throw new InvalidParameterError(`no matching subnet for range ${ipRange}`);
  }
  return { Subnet: formatSubnet(s), Gateway: intToIp(gw), ...(ipRange ? { IPRange: ipRange } : {}) };
}

/** The lowest free host address of the pool (from its range when set), skipping the gateway. */
export function nextFree(pool: Pool, used: ReadonlySet<number>): string | undefined {
  const s = parseSubnet(pool.Subnet);
  const r = pool.IPRange ? parseSubnet(pool.IPRange) : s;
  const gw = ipToInt(pool.Gateway);
  const first = Math.max(r.base, s.base + 1);
  const last = Math.min(broadcast(r), broadcast(s) - 1);
  for (let ip = first; ip <= last; ip++) {
    if (ip !== gw && !used.has(ip)) return intToIp(ip);
  }
  return undefined;
}

/** A requested `--ip`: inside the subnet, not the gateway, network or broadcast address, not taken. */
export function checkRequested(pool: Pool, ip: string, used: ReadonlySet<number>): number {
  const s = parseSubnet(pool.Subnet);
  const n = ipToInt(ip);
  if (!contains(s, n) || n === s.base || n === broadcast(s)) throw new InvalidParameterError(`no configured subnet or ip-range contain the IP address ${ip}`);
  if (n === ipToInt(pool.Gateway) || used.has(n)) throw new InvalidParameterError(`Address already in use`);
  return n;
}

/**
 * An Ethernet MAC as Go's net.ParseMAC reads its 6-byte forms (`aa:bb:…`, `aa-bb-…`, `aabb.ccdd.eeff`),
 * in the lower-case colon form the kernel shows; anything else is refused with dockerd's words.
 */
export function parseMac(text: string): string {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(text)
    ?? /^([0-9a-f]{2})([0-9a-f]{2})(\.)([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (!m) throw new InvalidParameterError(`invalid MAC address: ${text}`);
  return m.slice(1).filter((g) => /^[0-9a-f]{2}$/i.test(g)).join(':').toLowerCase();
}

/** Docker's MAC for an address: 02:42 then the four address bytes. */
export function macFor(ip: string): string {
  const n = ipToInt(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * A free /24 under 10.0.0.0/8 that overlaps none of `taken`, starting from a random point so
 * that parallel daemons rarely race for the same one. Never 172.17.0.0/16 (Docker's).
 */
export function pickSubnet(taken: readonly Subnet[], random: () => number = Math.random): string {
  const start = Math.floor(random() * 65536);
  for (let i = 0; i < 65536; i++) {
    const idx = (start + i) % 65536;
    const s: Subnet = { base: (10 << 24 | idx << 8) >>> 0, prefix: 24 };
    if (idx === 0 || idx === 65535) continue;
    if (!taken.some((t) => overlaps(t, s))) return formatSubnet(s);
  }
  throw new InvalidParameterError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}
