// POST /build (the classic builder protocol: a tar context in, a JSON-message stream out) and
// POST /build/prune (`docker builder prune`).
import { rm } from 'node:fs/promises';
import { InvalidParameterError, errorMessage } from '../../errors.js';
import type { BuildOptions } from '../../build/builder.js';
import { receiveContext } from '../../build/context/receive.js';
import { RunFailed } from '../../build/run.js';
import { decodeRegistryConfigHeader } from '../../distribution/index.js';
import { JSONMessageStream, queryBool, sendJSON } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

function jsonParam<T>(query: URLSearchParams, name: string, fallback: T): T {
  const raw = query.get(name);
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new InvalidParameterError(`invalid ${name}: ${raw}`);
  }
}

/** The query of POST /build as BuildOptions (docker's names; `progress` is tug's own). */
export function buildOptionsFromQuery(query: URLSearchParams): BuildOptions & { dockerfile: string } {
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonParam<Record<string, string | null>>(query, 'buildargs', {}))) if (v !== null) buildArgs[k] = String(v);
  const dockerfile = query.get('dockerfile') ?? '';
  return {
    tags: query.getAll('t').filter(Boolean),
    buildArgs,
    labels: jsonParam<Record<string, string>>(query, 'labels', {}),
    target: query.get('target') || undefined,
    noCache: queryBool(query, 'nocache'),
    pull: queryBool(query, 'pull'),
    cacheFrom: jsonParam<string[]>(query, 'cachefrom', []),
    network: query.get('networkmode') || undefined,
    platform: query.get('platform') || undefined,
    quiet: queryBool(query, 'q'),
    explain: query.get('progress') === 'plain' || query.get('progress') === 'tty',
    live: query.get('progress') === 'tty',
    dockerfile,
    dockerfileName: dockerfile && !dockerfile.startsWith('.tug-dockerfile-') ? dockerfile.split('/').pop()! : 'Dockerfile',
  };
}

export function registerBuildRoutes(r: Router, { builder }: Services): void {
  r.post('/build', async (ctx) => {
    const header = ctx.req.headers['x-registry-config'];
    const opts = { ...buildOptionsFromQuery(ctx.query), registryAuth: decodeRegistryConfigHeader(Array.isArray(header) ? header[0] : header) };
    if (ctx.query.get('remote')) throw new InvalidParameterError('remote build contexts are not supported; send the context as a tar');
    const dir = await builder.contextDir();
    const out = new JSONMessageStream(ctx.res);
    try {
      const text = await receiveContext(ctx.req, dir, opts.dockerfile, ctx.signal);
      await builder.build(dir, text, opts, (m) => out.write(m as Record<string, unknown>), ctx.signal);
    } catch (err) {
      const message = errorMessage(err);
      out.write({ errorDetail: err instanceof RunFailed ? { code: err.exitCode, message } : { message }, error: message });
    } finally {
      out.end();
      await rm(dir, { recursive: true, force: true });
    }
  });

  r.post('/build/prune', async ({ res }) => sendJSON(res, 200, await builder.prune()));
}
