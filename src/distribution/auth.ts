// Registry credentials and challenges: the X-Registry-Auth header the clients send, the
// WWW-Authenticate challenge registries answer with, and the scopes a Bearer token is asked for.
import { InvalidParameterError } from '../errors.js';

/** Docker's AuthConfig as the CLI sends it (JSON, base64url, in X-Registry-Auth). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Decodes X-Registry-Auth; an empty or `{}` header means anonymous. */
export function decodeAuthHeader(header: string | undefined): AuthConfig {
  if (!header) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new InvalidParameterError('invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidParameterError('invalid X-Registry-Auth header: not a JSON object');
  return normaliseAuth(parsed as AuthConfig);
}

/** Fills username/password from a config.json-style `auth` (base64 of user:password). */
export function normaliseAuth(cfg: AuthConfig): AuthConfig {
  const out: AuthConfig = {};
  for (const k of ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    const v = (cfg as Record<string, unknown>)[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  if (out.auth && !out.username) {
    const text = Buffer.from(out.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new InvalidParameterError('invalid auth configuration: auth is not base64 of user:password');
    out.username = text.slice(0, colon);
    out.password = text.slice(colon + 1);
  }
  return out;
}

/**
 * Decodes X-Registry-Config (base64url JSON, registry → AuthConfig) of POST /build. As dockerd,
 * an undecodable header counts as no logins: a pull without them fails later where it needs one.
 */
export function decodeRegistryConfigHeader(header: string | undefined): Record<string, AuthConfig> {
  if (!header) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: Record<string, AuthConfig> = {};
  for (const [server, cfg] of Object.entries(parsed as Record<string, unknown>)) {
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) continue;
    try {
      out[server] = normaliseAuth(cfg as AuthConfig);
    } catch {
      continue;
    }
  }
  return out;
}

export function encodeAuthHeader(cfg: AuthConfig): string {
  return Buffer.from(JSON.stringify(cfg)).toString('base64url');
}

export function basicAuth(cfg: AuthConfig): string | undefined {
  if (!cfg.username && !cfg.password) return undefined;
  return 'Basic ' + Buffer.from(`${cfg.username ?? ''}:${cfg.password ?? ''}`).toString('base64');
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (auth-params quoted or bare, one challenge a header). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const out: Challenge[] = [];
  for (const value of values) {
    const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(value);
    if (!m) continue;
    const params: Record<string, string> = {};
    const param = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
    let p: RegExpExecArray | null;
    while ((p = param.exec(m[2]!)) !== null && p[0] !== '') {
      params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    }
    out.push({ scheme: m[1]!.toLowerCase(), params });
  }
  return out;
}

/** `repository:library/busybox:pull,push`, as the token server expects scopes. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
