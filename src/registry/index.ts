// The registry server's public face: start serving a root, or collect its garbage.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { InvalidParameterError } from '../errors.js';
import { HtpasswdAuthorizer, TokenAuthorizer, openAccess, type Authorizer } from './auth/index.js';
import { lockRoot, requestGc, serveControl } from './control.js';
import { collectGarbage, type GcOptions, type GcReport } from './gc.js';
import { createRegistryServer } from './http/server.js';
import { RegistryStore } from './store/index.js';

export { parseDuration, type GcOptions, type GcReport } from './gc.js';

export interface ServeOptions {
  addr: string;
  root: string;
  tlsCert?: string;
  tlsKey?: string;
  htpasswd?: string;
  tokenRealm?: string;
  tokenKey?: string;
  tokenService?: string;
  tokenIssuer?: string;
  log?: (line: string) => void;
  accessLog?: (line: string) => void;
}

export interface RunningRegistry {
  server: Server;
  address: string;
  close(): Promise<void>;
}

export function splitAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[3]) > 65535) throw new InvalidParameterError(`invalid --addr "${addr}": expected HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

function authorizer(o: ServeOptions): Authorizer {
  if (o.htpasswd && o.tokenRealm) throw new InvalidParameterError('--htpasswd and --token-realm cannot be used together');
  if (o.htpasswd) return new HtpasswdAuthorizer(o.htpasswd);
  if (o.tokenRealm || o.tokenKey) {
    if (!o.tokenRealm || !o.tokenKey) throw new InvalidParameterError('token auth needs both --token-realm and --token-key');
    return new TokenAuthorizer({ realm: o.tokenRealm, keyFile: o.tokenKey, service: o.tokenService ?? 'tug-registry', issuer: o.tokenIssuer });
  }
  return openAccess;
}

export async function serve(o: ServeOptions): Promise<RunningRegistry> {
  const { host, port } = splitAddr(o.addr);
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new InvalidParameterError('TLS needs both --tls-cert and --tls-key');
  const tls = o.tlsCert && o.tlsKey ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined;
  const auth = authorizer(o);
  await mkdir(o.root, { recursive: true });
  const store = new RegistryStore(o.root);
  const lock = await lockRoot(o.root);
  await store.init();
  const control = await serveControl(o.root, store);
  const server = createRegistryServer({ store, auth, tls, log: o.log, accessLog: o.accessLog });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
      lock.close();
    },
  };
}

/** Collects garbage in the registry serving `root`, or offline when none serves it. */
export async function gc(root: string, opts: GcOptions): Promise<GcReport> {
  const online = await requestGc(root, opts);
  if (online) return online;
  const store = new RegistryStore(root);
  const lock = await lockRoot(root);
  try {
    await store.init();
    return await collectGarbage(store, opts);
  } finally {
    lock.close();
  }
}
