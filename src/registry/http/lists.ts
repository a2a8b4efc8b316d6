// Listings: tags, the catalog, referrers and Docker's v1 search over the repositories held.
import type { ServerResponse } from 'node:http';
import { MEDIA } from '../manifest.js';
import type { RegistryStore } from '../store/index.js';
import { RegistryError } from '../errors.js';
import { paginate, sendJSON } from './respond.js';

export async function listTags(res: ServerResponse, store: RegistryStore, name: string, query: URLSearchParams): Promise<void> {
  const { page, headers } = paginate(await store.tags(name), query, `/v2/${name}/tags/list`);
  sendJSON(res, 200, { name, tags: page }, headers);
}

export async function catalog(res: ServerResponse, store: RegistryStore, query: URLSearchParams): Promise<void> {
  const { page, headers } = paginate(await store.repos.list(), query, '/v2/_catalog');
  sendJSON(res, 200, { repositories: page }, headers);
}

export async function referrers(res: ServerResponse, store: RegistryStore, name: string, digest: string, query: URLSearchParams): Promise<void> {
  const artifactType = query.get('artifactType') ?? undefined;
  const manifests = await store.referrers(name, digest, artifactType);
  sendJSON(res, 200, { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }, {
    'Content-Type': MEDIA.ociIndex,
    ...(artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {}),
  });
}

/** Docker's `GET /v1/search?q=&n=`: repositories whose name holds the term. */
export async function search(res: ServerResponse, store: RegistryStore, query: URLSearchParams): Promise<void> {
  const q = query.get('q') ?? '';
  const nRaw = query.get('n') ?? '25';
  if (!/^\d+$/.test(nRaw) || Number(nRaw) < 1 || Number(nRaw) > 100) {
    throw new RegistryError('PAGINATION_NUMBER_INVALID', 'limit must be between 1 and 100', { detail: { n: nRaw.slice(0, 20) } });
  }
  const term = q.toLowerCase();
  const all = (await store.repos.list()).filter((r) => r.includes(term));
  const results = all.slice(0, Number(nRaw)).map((name) => ({ name, description: '', star_count: 0, is_official: false, is_automated: false }));
  sendJSON(res, 200, { num_pages: 1, num_results: results.length, page_size: Number(nRaw), page: 1, query: q, results });
}
