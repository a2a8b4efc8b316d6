// POST /build and POST /build/prune: the context tar goes up, the JSON-message stream comes back.
import type { Readable } from 'node:stream';
import { jsonMessages, type JSONMessage, type Transport } from './http.js';

export interface BuildQuery {
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  cacheFrom?: string[];
  network?: string;
  platform?: string;
  progress?: string;
  /** X-Registry-Config: the logins the daemon may use to pull base images. */
  registryConfig?: string;
}

export async function* imageBuild(t: Transport, body: Readable, q: BuildQuery): AsyncGenerator<JSONMessage> {
  const res = await t.call('POST', '/build', {
    query: {
      t: q.tags,
      dockerfile: q.dockerfile,
      buildargs: Object.keys(q.buildArgs).length ? JSON.stringify(q.buildArgs) : undefined,
      labels: Object.keys(q.labels).length ? JSON.stringify(q.labels) : undefined,
      target: q.target,
      nocache: q.noCache || undefined,
      pull: q.pull || undefined,
      q: q.quiet || undefined,
      cachefrom: q.cacheFrom?.length ? JSON.stringify(q.cacheFrom) : undefined,
      networkmode: q.network,
      platform: q.platform,
      progress: q.progress,
      rm: true,
    },
    body,
    headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked', ...(q.registryConfig ? { 'X-Registry-Config': q.registryConfig } : {}) },
  });
  yield* jsonMessages(res.body);
}

export function buildPrune(t: Transport): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
  return t.json('POST', '/build/prune');
}
