// Networks as the Engine API shows them (GET /networks, /networks/{id}), in dockerd's field order.
import type { ContainerRecord } from '../containers/types.js';
import { InvalidParameterError } from '../errors.js';
import { parseSubnet } from './ipam.js';
import { PREDEFINED, pool4, type NetworkRecord } from './types.js';

export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[] | null; Options?: Record<string, string> | null } | null;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

function endpointsOn(net: NetworkRecord, containers: readonly ContainerRecord[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of containers) {
    if (!c.State.Running) continue;
    const ep = Object.values(c.Endpoints ?? {}).find((e) => e.NetworkID === net.Id && e.IPAddress);
    if (!ep) continue;
    out[c.ID] = { Name: c.Name.slice(1), EndpointID: ep.EndpointID ?? '', MacAddress: ep.MacAddress ?? '', IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen ?? parseSubnet(pool4(net).Subnet).prefix}`, IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '' };
  }
  return out;
}

export function networkView(net: NetworkRecord, containers: readonly ContainerRecord[], withContainers = true): Record<string, unknown> {
  return {
    Name: net.Name,
    Id: net.Id,
    Created: net.Created,
    Scope: 'local',
    Driver: net.Driver,
    EnableIPv4: true,
    EnableIPv6: net.EnableIPv6,
    IPAM: net.IPAM,
    Internal: net.Internal,
    Attachable: net.Attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers ? endpointsOn(net, containers) : {},
    Options: net.Options,
    Labels: net.Labels,
  };
}

/** host and none: dockerd lists them beside bridge; nothing is kept for them (no bridge, no pool). */
export interface BuiltinNetwork {
  Name: 'host' | 'none';
  Id: string;
  Created: string;
  Driver: 'host' | 'null';
  Labels: Record<string, string>;
}

export function builtinView(net: BuiltinNetwork): Record<string, unknown> {
  return {
    Name: net.Name, Id: net.Id, Created: net.Created, Scope: 'local', Driver: net.Driver, EnableIPv4: true, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: null }, Internal: false, Attachable: false, Ingress: false,
    ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {},
  };
}

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  return i < 0 ? want in labels : labels[want.slice(0, i)] === want.slice(i + 1);
}

const FILTERS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

/** `docker network ls --filter` as dockerd applies it. */
export function matchesFilters(net: NetworkRecord | BuiltinNetwork, filters: Record<string, string[]>, inUse: boolean): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!FILTERS.has(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
    if (values.length === 0) continue;
    const predefined = PREDEFINED.has(net.Name);
    const ok = values.some((v) => {
      switch (key) {
        case 'driver': return net.Driver === v;
        case 'id': return net.Id.startsWith(v);
        case 'label': return labelMatches(net.Labels, v);
        case 'name': return net.Name.includes(v);
        case 'scope': return v === 'local';
        case 'type': return v === 'builtin' ? predefined : v === 'custom' ? !predefined : false;
        // Predefined networks are never dangling.
        case 'dangling': return (v === 'true' || v === '1') ? !inUse && !predefined : inUse || predefined;
        default: return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
