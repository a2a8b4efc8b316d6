// --network (short and "name=…,alias=…" forms), --network-alias, --ip, --ip6, --mac-address,
// --link and --link-local-ip into NetworkingConfig, plus the validators of the host-side
// network flags (--add-host, --dns, --dns-search, --link), all with docker's error texts.

import { InvalidParameterError } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';
import { readCSVRecord } from './csv.js';
import { formatIP, isMAC, parseIP } from './netaddr.js';
import { atoi, numErrorReason } from './strconv.js';
import type { EndpointSettings } from '../../types/container.js';

/** One --network value (opts.NetworkAttachmentOpts). */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts?: Record<string, string>;
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  linkLocalIPs: string[];
  macAddress: string;
  gwPriority: number;
}

/** docker's NetworkOpt.Set: a name, or CSV "name=n,alias=a,ip=…,driver-opt=k=v,gw-priority=1". */
export function parseNetworkFlag(value: string): NetworkAttachment {
  const n: NetworkAttachment = { target: '', aliases: [], links: [], ipv4Address: '', ipv6Address: '', linkLocalIPs: [], macAddress: '', gwPriority: 0 };
  if (!/\w+=\w+/.test(value)) {
    n.target = value;
    return n;
  }
  for (const field of readCSVRecord(value)) {
    // docker lower-cases the whole field, values included.
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`invalid field ${field}`);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    switch (key) {
      case 'name': n.target = val; break;
      case 'alias': n.aliases.push(val); break;
      case 'ip': n.ipv4Address = val; break;
      case 'ip6': n.ipv6Address = val; break;
      case 'mac-address': n.macAddress = val; break;
      case 'link-local-ip': n.linkLocalIPs.push(val); break;
      case 'driver-opt': {
        const deq = val.indexOf('=');
        if (deq <= 0) throw new InvalidParameterError('invalid key value pair format in driver options');
        (n.driverOpts ??= {})[val.slice(0, deq).trim()] = val.slice(deq + 1).trim();
        break;
      }
      case 'gw-priority':
        try {
          n.gwPriority = atoi(val);
        } catch (err) {
          throw new InvalidParameterError(`invalid gw-priority (${val}): ${numErrorReason(err) ?? (err as Error).message}`);
        }
        break;
      default:
        throw new InvalidParameterError(`invalid field key ${key}`);
    }
  }
  if (n.target === '') throw new InvalidParameterError('network name/id is not specified');
  return n;
}

const BUILTIN = ['default', 'bridge', 'host', 'none'];

/** Whether a network mode names a user-defined network (not default/bridge/host/none/container:x). */
export function isUserDefined(mode: string): boolean {
  return !BUILTIN.includes(mode) && !mode.startsWith('container:');
}

/** The flags that apply to the first (or implicit "default") network. */
export interface EndpointFlags {
  aliases: string[];
  links: string[];
  ipv4Address: string;
  ipv6Address: string;
  macAddress: string;
  linkLocalIPs: string[];
}

function applyEndpointFlags(n: NetworkAttachment, f: EndpointFlags): void {
  const conflict = (what: string) => new InvalidParameterError(`conflicting options: cannot specify both ${what}`);
  if (n.aliases.length > 0 && f.aliases.length > 0) throw conflict('--network-alias and per-network alias');
  if (n.links.length > 0 && f.links.length > 0) throw conflict('--link and per-network links');
  if (n.ipv4Address !== '' && f.ipv4Address !== '') throw conflict('--ip and per-network IPv4 address');
  if (n.ipv6Address !== '' && f.ipv6Address !== '') throw conflict('--ip6 and per-network IPv6 address');
  if (n.macAddress !== '' && f.macAddress !== '') throw conflict('--mac-address and per-network MAC address');
  if (n.linkLocalIPs.length > 0 && f.linkLocalIPs.length > 0) throw conflict('--link-local-ip and per-network link-local IP addresses');
  if (f.aliases.length > 0) n.aliases = [...f.aliases];
  // On a user-defined network --link is an endpoint alias; on the default bridge, a legacy link.
  if (isUserDefined(n.target) && f.links.length > 0) n.links = [...f.links];
  if (f.ipv4Address !== '') n.ipv4Address = f.ipv4Address;
  if (f.ipv6Address !== '') n.ipv6Address = f.ipv6Address;
  if (f.macAddress !== '') n.macAddress = f.macAddress;
  if (f.linkLocalIPs.length > 0) n.linkLocalIPs = [...f.linkLocalIPs];
}

function endpointSettings(n: NetworkAttachment): EndpointSettings {
  if (n.target.trim() === '') throw new InvalidParameterError('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length > 0) throw new InvalidParameterError('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length > 0) throw new InvalidParameterError('links are only supported for user-defined networks');
  }
  const ep: EndpointSettings = {};
  if (n.ipv4Address !== '' || n.ipv6Address !== '' || n.linkLocalIPs.length > 0) {
    ep.IPAMConfig = {};
    if (n.ipv4Address !== '') ep.IPAMConfig.IPv4Address = n.ipv4Address;
    if (n.ipv6Address !== '') ep.IPAMConfig.IPv6Address = n.ipv6Address;
    if (n.linkLocalIPs.length > 0) ep.IPAMConfig.LinkLocalIPs = n.linkLocalIPs;
  }
  if (n.links.length > 0) ep.Links = n.links;
  if (n.aliases.length > 0) ep.Aliases = n.aliases;
  if (n.macAddress !== '') {
    if (!isMAC(n.macAddress.trim())) throw new InvalidParameterError(`${n.macAddress} is not a valid mac address`);
    ep.MacAddress = n.macAddress;
  }
  if (n.driverOpts) ep.DriverOpts = n.driverOpts;
  if (n.gwPriority !== 0) ep.GwPriority = n.gwPriority;
  return ep;
}

/** docker's parseNetworkOpts: the network mode and one endpoint per --network. */
export function networkConfig(networks: readonly NetworkAttachment[], flags: EndpointFlags): { mode: string; endpoints: Record<string, EndpointSettings> } {
  const endpoints: Record<string, EndpointSettings> = {};
  if (networks.length === 0) {
    const n = parseNetworkFlag('default');
    applyEndpointFlags(n, flags);
    endpoints.default = endpointSettings(n);
    return { mode: 'default', endpoints };
  }
  let userDefined = false;
  let builtin = false;
  networks.forEach((given, i) => {
    const n = { ...given, aliases: [...given.aliases], links: [...given.links], linkLocalIPs: [...given.linkLocalIPs] };
    if (isUserDefined(n.target)) userDefined = true;
    else builtin = true;
    // The first network takes the standalone flags, as it did before --network was repeatable.
    if (i === 0) applyEndpointFlags(n, flags);
    const ep = endpointSettings(n);
    if (Object.hasOwn(endpoints, n.target)) throw new InvalidParameterError(`network ${goQuote(n.target)} is specified multiple times`);
    // A lone network without settings gets no endpoint config; the daemon makes one.
    if (i === 0 && networks.length === 1 && Object.keys(ep).length === 0) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && builtin) throw new InvalidParameterError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { mode: networks[0].target, endpoints };
}

/** opts.ValidateIPAddress: trims spaces and returns Go's canonical form ("0:0::1" → "::1"). */
export function validateIPAddress(val: string): string {
  const ip = parseIP(val.trim());
  if (!ip) throw new InvalidParameterError(`IP address is not correctly formatted: ${val}`);
  return formatIP(ip);
}

// docker's pattern, "(:?" quirk included: it accepts an optional colon before each label.
const domainRegexp = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** opts.ValidateDNSSearch: a domain (returned without its trailing dot), or "." for none. */
export function validateDNSSearch(val: string): string {
  val = val.replace(/^ +| +$/g, '');
  if (val === '.') return val;
  const m = /[a-zA-Z]/.test(val) ? domainRegexp.exec(val) : null;
  if (m && Buffer.byteLength(m[1]) < 255) return m[1];
  throw new InvalidParameterError(`${val} is not a valid domain`);
}

/** opts.ValidateExtraHost: "name:ip", "name=ip" or "name:[ip]" into the daemon's "name:ip". */
export function validateExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const k = sep < 0 ? val : val.slice(0, sep);
  let v = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || k === '' || k.includes(':')) throw new InvalidParameterError(`bad format for add-host: ${goQuote(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v[0] === '[' && v[v.length - 1] === ']') v = v.slice(1, -1);
    if (!parseIP(v.trim())) throw new InvalidParameterError(`invalid IP address in add-host: ${goQuote(v)}`);
  }
  return `${k}:${v}`;
}

/** opts.ValidateLink: "name" or "name:alias". */
export function validateLink(val: string): string {
  if (val === '') throw new InvalidParameterError('empty string specified for links');
  if (val.split(':').length > 2) throw new InvalidParameterError(`bad format for links: ${val}`);
  return val;
}
