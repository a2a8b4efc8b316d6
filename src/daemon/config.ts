// tugd's configuration, from dockerd-style flags.
import { InvalidParameterError } from '../errors.js';

export interface DaemonConfig {
  /** Unix socket path (from `-H unix:///path`). */
  socket: string;
  dataRoot: string;
  execRoot: string;
  debug: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  bridge: string;
  bip?: string;
  /** Registries spoken to over plain HTTP or unverified TLS (host[:port] or CIDR), beside loopback. */
  insecureRegistries?: string[];
  /** Add favordynmods to the host's cgroup2 mount (see cgroups.ts). */
  favorDynmods?: boolean;
}

export const DEFAULT_SOCKET = '/run/tug/tug.sock';

/** Accepts `unix:///path`, `unix://path` and a bare absolute path, as dockerd does for -H. */
export function parseHost(host: string): string {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path) return DEFAULT_SOCKET;
    return path;
  }
  if (host.startsWith('/')) return host;
  if (/^(tcp|fd|ssh|npipe):\/\//.test(host)) throw new InvalidParameterError(`unsupported host ${host}: tugd listens on unix sockets only`);
  throw new InvalidParameterError(`invalid host ${host}: expected unix:///path/to/socket`);
}
