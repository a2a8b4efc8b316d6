// -p/--publish and --expose, as docker parses them (go-connections' nat package):
// "[ip:][hostPort:]containerPort[/proto]", port ranges, and the "published=,target=" form.

import { InvalidParameterError } from '../../errors.js';
import { parseIP, splitHostPort } from './netaddr.js';
import { parseUint } from './strconv.js';
import type { PortBinding } from '../../types/container.js';

/** nat.ParsePortRange: "80" or "8000-8010" (only the first two parts of "1-2-3" count). */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new InvalidParameterError('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint(ports, 10, 16);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseUint(parts[0], 10, 16);
  const end = parseUint(parts[1], 10, 16);
  if (end < start) throw new InvalidParameterError(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]; the protocol defaults to tcp. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]];
  return [parts[1], parts[0]];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1];
  if (n === 1) return ['', '', containerPort];
  if (n === 2) return ['', parts[0], containerPort];
  if (n === 3) return [parts[0], parts[1], containerPort];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2], containerPort];
}

export interface PortMapping {
  /** "80/tcp" */
  port: string;
  binding: PortBinding;
}

/** nat.ParsePortSpec: one -p value into its port bindings (a range gives one per port). */
export function parsePortSpec(raw: string): PortMapping[] {
  const [rawIP, hostPort, rawContainerPort] = splitParts(raw);
  const [proto, containerPort] = splitProtoPort(rawContainerPort);
  let ip = rawIP;
  if (ip !== '' && ip[0] === '[') {
    const split = splitHostPort(`${ip}:`);
    if ('error' in split) throw new InvalidParameterError(`invalid IP address ${ip}: ${split.error}`);
    ip = split.host;
  }
  if (ip !== '' && !parseIP(ip)) throw new InvalidParameterError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new InvalidParameterError(`no port specified: ${raw}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new InvalidParameterError(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new InvalidParameterError(`invalid hostPort: ${hostPort}`);
    }
  }
  // A host range with a single container port is a pool to pick one host port from.
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new InvalidParameterError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new InvalidParameterError(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let host = hostPort === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) host = `${host}-${hostEnd}`;
    const binding: PortBinding = {};
    if (ip !== '') binding.HostIp = ip;
    if (host !== '') binding.HostPort = host;
    out.push({ port: `${start + i}/${proto.toLowerCase()}`, binding });
  }
  return out;
}

/** The long form, "published=8080,target=80,protocol=udp", as the short form "8080:80/udp". */
export function toStandardNotation(publish: string): string {
  if (!publish.includes('=')) return publish;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of publish.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

/** --expose "80", "80/udp" or "8000-8010/tcp" into its ports ("80/udp"); the protocol is not checked. */
export function parseExpose(e: string): string[] {
  if (e.includes(':')) throw new InvalidParameterError(`invalid port format for --expose: ${e}`);
  const [proto, port] = splitProtoPort(e);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(port);
  } catch (err) {
    throw new InvalidParameterError(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

export interface PublishedPorts {
  exposed: string[];
  bindings: Record<string, PortBinding[]>;
}

/** All -p values into exposed ports and bindings, in the order given (nat.ParsePortSpecs). */
export function parsePublish(values: readonly string[]): PublishedPorts {
  const exposed: string[] = [];
  const bindings: Record<string, PortBinding[]> = {};
  for (const value of values.map(toStandardNotation)) {
    for (const { port, binding } of parsePortSpec(value)) {
      if (!Object.hasOwn(bindings, port)) {
        exposed.push(port);
        bindings[port] = [];
      }
      bindings[port].push(binding);
    }
  }
  return { exposed, bindings };
}
