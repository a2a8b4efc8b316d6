// A network as tugd keeps it (networks/<id>.json under data-root) and as the Engine API shows it.
import type { Pool } from './ipam.js';
import { isIPv6Cidr } from './ipam6.js';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Driver: 'bridge';
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: Pool[] };
  Internal: boolean;
  Attachable: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** The Linux bridge carrying the network. */
  Bridge: string;
}

/** The IPv4 pool every network has. */
export function pool4(net: NetworkRecord): Pool {
  return net.IPAM.Config.find((c) => !isIPv6Cidr(c.Subnet))!;
}

/** The IPv6 pool of an --ipv6 network. */
export function pool6(net: NetworkRecord): Pool | undefined {
  return net.EnableIPv6 ? net.IPAM.Config.find((c) => isIPv6Cidr(c.Subnet)) : undefined;
}

/** The predefined networks that cannot be created or removed. */
export const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** The network a container's NetworkMode names, or undefined for host/none/container:X. */
export function primaryNetwork(mode: string | undefined): string | undefined {
  const m = !mode || mode === 'default' ? 'bridge' : mode;
  if (m === 'host' || m === 'none' || m.startsWith('container:')) return undefined;
  return m;
}
