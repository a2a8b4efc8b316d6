// Logins in the docker CLI's own file and format ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json; `auths` keyed by server, `auth` = base64 of user:password), so a
// `docker login` serves tug and a `tug login` serves docker. Other keys are kept as they are.
// With `credsStore` or `credHelpers` the secrets live in docker-credential-<name> programs,
// spoken to as the docker CLI does (get/store/erase/list, JSON on stdin and stdout).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_DOMAIN, parseNormalizedNamed } from '../../reference/index.js';

export const HUB_SERVER = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface Credentials {
  username: string;
  password: string;
  serveraddress: string;
  /** An OAuth refresh token a helper keeps in place of a password (its username is `<token>`). */
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** The helper a server's secrets go to: its credHelpers entry (by hostname), else credsStore. */
function helperFor(cfg: ConfigFile, key: string): string | undefined {
  const host = key === HUB_SERVER ? 'index.docker.io' : key;
  return cfg.credHelpers?.[host] || cfg.credHelpers?.[key] || cfg.credsStore || undefined;
}

const VERB = { get: 'getting', store: 'storing', erase: 'erasing', list: 'listing' } as const;

/** Runs `docker-credential-<helper> <action>`; undefined when it has nothing for the server. */
function callHelper(helper: string, action: 'get' | 'store' | 'erase' | 'list', input: string): string | undefined {
  const program = `docker-credential-${helper}`;
  // Loaded here, not at the top: `tug run` loads this module, and rarely needs a helper.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync(program, [action], { input, encoding: 'utf8' });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'executable file not found in $PATH' : r.error.message;
    throw new Error(`error ${VERB[action]} credentials - err: exec: "${program}": ${why}`);
  }
  const out = `${r.stdout}${r.stderr}`.trim();
  if (r.status === 0) return r.stdout;
  if (/credentials not found/i.test(out)) return undefined;
  throw new Error(`error ${VERB[action]} credentials - err: ${program} ${action}: exit status ${r.status}, out: \`${out}\``);
}

function fromHelper(helper: string, key: string): Credentials | undefined {
  const out = callHelper(helper, 'get', key);
  if (out === undefined) return undefined;
  let got: { Username?: string; Secret?: string };
  try {
    got = JSON.parse(out) as { Username?: string; Secret?: string };
  } catch {
    throw new Error(`error getting credentials - err: docker-credential-${helper} get: unreadable reply`);
  }
  if (!got.Username && !got.Secret) return undefined;
  if (got.Username === '<token>') return { username: '', password: '', serveraddress: key, identitytoken: got.Secret ?? '' };
  return { username: got.Username ?? '', password: got.Secret ?? '', serveraddress: key };
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The key a server's login is stored under: Hub's index URL, else host[:port]. */
export function serverKey(server: string | undefined): string {
  if (!server) return HUB_SERVER;
  const host = server.replace(/^https?:\/\//, '').split('/')[0]!;
  return HUB_HOSTS.has(host) ? HUB_SERVER : host;
}

/** The login server of an image reference (`localhost:5000/x` → `localhost:5000`). */
export function serverOfImage(image: string): string {
  const domain = parseNormalizedNamed(image).domain;
  return domain === DEFAULT_DOMAIN ? HUB_SERVER : domain;
}

function read(path: string): ConfigFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`loading config file ${path}: ${(err as Error).message}`);
  }
}

function write(path: string, cfg: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** The stored login for `server`; keys written with a scheme (`https://host`) count too. */
export function lookup(server: string, path = configPath()): Credentials | undefined {
  const key = serverKey(server);
  const cfg = read(path);
  const helper = helperFor(cfg, key);
  if (helper) return fromHelper(helper, key);
  for (const [k, v] of Object.entries(cfg.auths ?? {})) {
    if (serverKey(k) !== key) continue;
    if (v.auth) {
      const text = Buffer.from(v.auth, 'base64').toString('utf8');
      const i = text.indexOf(':');
      if (i >= 0) return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: key };
    }
    if (v.username) return { username: v.username, password: v.password ?? '', serveraddress: key };
  }
  return undefined;
}

export function store(creds: Credentials, path = configPath()): void {
  const cfg = read(path);
  const key = serverKey(creds.serveraddress);
  const auths = { ...(cfg.auths ?? {}) };
  const helper = helperFor(cfg, key);
  if (helper) {
    callHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }));
    // As the docker CLI leaves it: an empty entry says a login exists, the helper holds it.
    auths[key] = {};
  } else {
    auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  }
  write(path, { ...cfg, auths });
}

/** Removes a login; false when there was none. */
export function remove(server: string, path = configPath()): boolean {
  const cfg = read(path);
  const key = serverKey(server);
  const keys = Object.keys(cfg.auths ?? {}).filter((k) => serverKey(k) === key);
  if (keys.length === 0) return false;
  const helper = helperFor(cfg, key);
  if (helper) callHelper(helper, 'erase', key);
  const auths = { ...cfg.auths };
  for (const k of keys) delete auths[k];
  write(path, { ...cfg, auths });
  return true;
}

/** X-Registry-Auth for an image's registry: its stored login, else anonymous (`{}`). */
export function registryAuthFor(image: string, path = configPath()): string {
  const creds = lookup(serverOfImage(image), path);
  return Buffer.from(JSON.stringify(creds ?? {})).toString('base64url');
}

/** X-Registry-Config for a build: every stored login, keyed by server, as the docker CLI sends it. */
export function registryConfigHeader(path = configPath()): string | undefined {
  const all: Record<string, Credentials> = {};
  const cfg = read(path);
  const servers = new Set([...Object.keys(cfg.auths ?? {}), ...Object.keys(cfg.credHelpers ?? {})]);
  if (cfg.credsStore) for (const k of Object.keys(JSON.parse(callHelper(cfg.credsStore, 'list', '') || '{}') as Record<string, string>)) servers.add(k);
  for (const k of servers) {
    const creds = lookup(k, path);
    if (creds) all[creds.serveraddress] = creds;
  }
  return Object.keys(all).length ? Buffer.from(JSON.stringify(all)).toString('base64url') : undefined;
}
