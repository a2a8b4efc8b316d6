// Where a repository lives: Docker Hub's rules for docker.io, and which registries are spoken
// to over plain HTTP (loopback and --insecure-registry, as dockerd decides).
import { isIPv4 } from 'node:net';
import { InvalidParameterError } from '../errors.js';
import { DEFAULT_DOMAIN, type Reference } from '../reference/index.js';

/** The host dockerd talks to for docker.io, and the key the docker CLI stores Hub logins under. */
export const HUB_REGISTRY_HOST = 'registry-1.docker.io';
export const HUB_INDEX_SERVER = 'https://index.docker.io/v1/';
const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface Endpoint {
  /** The name as references spell it (`docker.io`, `localhost:5000`). */
  domain: string;
  /** host[:port] spoken to. */
  host: string;
  /** Plain HTTP is allowed (tried after HTTPS fails), TLS errors are not fatal. */
  insecure: boolean;
}

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 && hostPort.indexOf(':') === colon ? hostPort.slice(0, colon) : hostPort;
}

function inCIDR(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  if (!base || !isIPv4(base) || !isIPv4(ip)) return false;
  const bits = Number(bitsText ?? 32);
  const num = (s: string) => s.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (num(ip) & mask) === (num(base) & mask);
}

/** dockerd's rule: loopback (127.0.0.0/8, ::1, localhost) and the configured names or CIDRs. */
export function isInsecure(hostPort: string, insecureRegistries: readonly string[]): boolean {
  const host = hostOnly(hostPort);
  if (host === 'localhost' || host === '::1' || inCIDR(host, '127.0.0.0/8')) return true;
  return insecureRegistries.some((r) => r === hostPort || r === host || (r.includes('/') && inCIDR(host, r)));
}

/**
 * Docker Hub's hosts, unless TUG_HUB_HOST names a stand-in (the test suites point it at a
 * closed loopback port so that no test ever sends traffic off this machine).
 */
export function hubHost(real: string, env: NodeJS.ProcessEnv = process.env): { host: string; insecure: boolean } {
  const override = env.TUG_HUB_HOST;
  return override ? { host: override, insecure: isInsecure(override, []) } : { host: real, insecure: false };
}

export function endpointFor(ref: Pick<Reference, 'domain'>, insecureRegistries: readonly string[] = []): Endpoint {
  const domain = ref.domain || DEFAULT_DOMAIN;
  if (HUB_NAMES.has(domain)) return { domain: DEFAULT_DOMAIN, ...hubHost(HUB_REGISTRY_HOST) };
  return { domain, host: domain, insecure: isInsecure(domain, insecureRegistries) };
}

/**
 * A login's server address as the docker CLI keys config.json: Hub's index URL, else the
 * host[:port] with any scheme and path dropped.
 */
export function credentialKey(server: string | undefined): string {
  if (!server) return HUB_INDEX_SERVER;
  const host = server.replace(/^https?:\/\//, '').split('/')[0]!;
  if (host === '') throw new InvalidParameterError(`invalid registry address: ${server}`);
  if (HUB_NAMES.has(host)) return HUB_INDEX_SERVER;
  return host;
}

/** The endpoint of a login's server address. */
export function endpointForServer(server: string | undefined, insecureRegistries: readonly string[] = []): Endpoint {
  const key = credentialKey(server);
  return endpointFor({ domain: key === HUB_INDEX_SERVER ? DEFAULT_DOMAIN : key }, insecureRegistries);
}
