// Search (Docker's v1 search API on the registry a term names) and login (GET /v2/ with the
// credentials, answering a Bearer challenge as a pull would).
import { InvalidParameterError, UnauthorizedError } from '../errors.js';
import { DEFAULT_DOMAIN } from '../reference/index.js';
import type { AuthConfig } from './auth.js';
import { RegistryClient, readText } from './client.js';
import { endpointForServer, hubHost, type Endpoint } from './endpoint.js';
import type { SearchResult } from '../types/search.js';

export type { SearchResult };


const HUB_INDEX_HOST = 'index.docker.io';
const MAX_LIMIT = 100;

/** `localhost:5000/foo` searches for `foo` at localhost:5000; a plain term searches Docker Hub. */
export function splitSearchTerm(term: string): { index: string; remote: string } {
  const slash = term.indexOf('/');
  const first = slash < 0 ? '' : term.slice(0, slash);
  if (first && (first === 'localhost' || /[.:]/.test(first))) return { index: first, remote: term.slice(slash + 1) };
  return { index: DEFAULT_DOMAIN, remote: term };
}

export interface SearchFilters {
  stars?: number;
  isOfficial?: boolean;
  isAutomated?: boolean;
}

/** Validates `filters` as dockerd does: stars=N, is-official=bool, is-automated=bool. */
export function parseSearchFilters(filters: Record<string, string[]>): SearchFilters {
  const out: SearchFilters = {};
  const bool = (k: string, v: string) => {
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new InvalidParameterError(`invalid filter '${k}=${v}'`);
  };
  for (const [k, values] of Object.entries(filters)) {
    for (const v of values) {
      if (k === 'stars') {
        if (!/^\d+$/.test(v)) throw new InvalidParameterError(`invalid filter 'stars=${v}'`);
        out.stars = Math.max(out.stars ?? 0, Number(v));
      } else if (k === 'is-official') out.isOfficial = bool(k, v);
      else if (k === 'is-automated') out.isAutomated = bool(k, v);
      else throw new InvalidParameterError(`invalid filter '${k}'`);
    }
  }
  return out;
}

export function filterResults(results: SearchResult[], f: SearchFilters): SearchResult[] {
  return results.filter((r) => (f.stars === undefined || r.star_count >= f.stars) &&
    (f.isOfficial === undefined || r.is_official === f.isOfficial) &&
    (f.isAutomated === undefined || r.is_automated === f.isAutomated));
}

export async function searchRegistry(term: string, limit: number, filters: SearchFilters, auth: AuthConfig, insecure: readonly string[], signal?: AbortSignal): Promise<SearchResult[]> {
  if (limit < 1 || limit > MAX_LIMIT) throw new InvalidParameterError(`limit ${limit} is outside the range of [1, ${MAX_LIMIT}]`);
  const { index, remote } = splitSearchTerm(term);
  if (!remote) throw new InvalidParameterError('a search term is required');
  const base = endpointForServer(index, insecure);
  const endpoint: Endpoint = base.domain === DEFAULT_DOMAIN ? { ...base, ...hubHost(HUB_INDEX_HOST) } : base;
  const client = new RegistryClient(endpoint, auth, ['registry:catalog:*']);
  const res = await client.expect({ method: 'GET', path: `/v1/search?q=${encodeURIComponent(remote)}&n=${limit}`, signal }, [200], `searching ${endpoint.domain}`);
  const body = JSON.parse((await readText(res)).toString('utf8')) as { results?: Partial<SearchResult>[] };
  const results = (body.results ?? []).map((r) => ({
    name: String(r.name ?? ''),
    description: String(r.description ?? ''),
    star_count: Number(r.star_count ?? 0),
    is_official: !!r.is_official,
    is_automated: !!r.is_automated,
  }));
  return filterResults(results, filters).slice(0, limit);
}

/** POST /auth: the credentials work against the registry's /v2/ (Basic or Bearer). */
export async function login(auth: AuthConfig, insecure: readonly string[], signal?: AbortSignal): Promise<{ Status: string; IdentityToken: string }> {
  if (!auth.username) throw new InvalidParameterError('Username is required');
  const endpoint = endpointForServer(auth.serveraddress, insecure);
  const client = new RegistryClient(endpoint, auth, []);
  await client.ping(signal);
  const res = await client.request({ method: 'GET', path: '/v2/', signal });
  res.resume();
  if (res.statusCode === 401) throw new UnauthorizedError(`login attempt to ${client.url('/v2/').href} failed with status: 401 Unauthorized`);
  return { Status: 'Login Succeeded', IdentityToken: '' };
}
