// /images/…: list, inspect, history, tag, delete, prune, create (import), load, get (save),
// and tug's own /tug/bootstrap.
import { pipeline } from 'node:stream/promises';
import { InvalidParameterError } from '../../errors.js';
import { loadArchive, resolveSaveNames, saveArchive } from '../../images/archive.js';
import { bootstrapImage } from '../../images/bootstrap.js';
import { importImage, openImportSource } from '../../images/import.js';
import { ImageService } from '../../images/service.js';
import { JSONMessageStream, queryBool, queryFilters, sendJSON, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';
import { pullRoute } from './distribution.js';

/** Runs a long job whose progress is a JSON-message stream; late errors become messages. */
async function streamed(ctx: Context, job: (out: JSONMessageStream) => Promise<void>): Promise<void> {
  const out = new JSONMessageStream(ctx.res);
  try {
    await job(out);
  } catch (err) {
    out.error(err);
  }
  out.end();
}

export function registerImageRoutes(r: Router, services: Services): void {
  const { images } = services;
  r.get('/images/json', async ({ res, query, version }) => {
    const list = await images.list({ all: queryBool(query, 'all'), filters: queryFilters(query), apiVersion: version });
    sendJSON(res, 200, list);
  });

  r.post('/images/create', async (ctx) => {
    const { query, req } = ctx;
    const fromSrc = query.get('fromSrc');
    if (fromSrc === null) return pullRoute(ctx, services);
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag') ?? '';
    const target = repo ? ImageService.normaliseTag(tag ? `${repo}:${tag}` : repo) : undefined;
    const changes = query.getAll('changes');
    const input = await openImportSource(fromSrc, req, ctx.signal);
    await streamed(ctx, async (out) => {
      const rec = await importImage(images, input, {
        source: fromSrc,
        tag: target,
        changes,
        message: query.get('message') ?? undefined,
        platform: query.get('platform') || undefined,
        signal: ctx.signal,
      });
      out.write({ status: rec.id });
    });
  });

  r.post('/images/load', async (ctx) => {
    // `quiet` only silences progress bars, and load draws none: every line is wanted.
    await streamed(ctx, async (out) => {
      await loadArchive(images, ctx.req, (line) => out.write({ stream: `${line}\n` }), ctx.signal);
    });
  });

  const save = async (ctx: Context, names: string[]) => {
    if (names.length === 0) throw new InvalidParameterError('no image names given');
    const plan = resolveSaveNames(images, names);
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await pipeline(saveArchive(images, plan), ctx.res, { signal: ctx.signal });
  };
  r.get('/images/get', (ctx) => save(ctx, ctx.query.getAll('names')));

  r.post('/images/prune', async ({ res, query }) => {
    const filters = queryFilters(query);
    sendJSON(res, 200, await images.prune({ filters }));
  });

  r.get('/images/{name:.*}/json', async ({ res, params, version }) => sendJSON(res, 200, await images.inspect(params.name!, version)));
  r.get('/images/{name:.*}/history', async ({ res, params }) => sendJSON(res, 200, await images.history(params.name!)));
  r.get('/images/{name:.*}/get', (ctx) => save(ctx, [ctx.params.name!]));
  r.post('/images/{name:.*}/tag', async ({ res, params, query }) => {
    const repo = query.get('repo');
    if (!repo) throw new InvalidParameterError('repository name must have at least one component');
    await images.tag(params.name!, repo, query.get('tag') || undefined);
    res.writeHead(201);
    res.end();
  });
  r.delete('/images/{name:.*}', async ({ res, params, query }) => {
    sendJSON(res, 200, await images.remove(params.name!, { force: queryBool(query, 'force'), noprune: queryBool(query, 'noprune') }));
  });

  r.post('/tug/bootstrap', async (ctx) => {
    const name = ctx.query.get('image');
    if (!name) throw new InvalidParameterError('image is required');
    await streamed(ctx, async (out) => {
      const rec = await bootstrapImage(images, name, (line) => out.write({ status: line }), ctx.signal);
      out.write({ status: rec.id, aux: { ID: rec.id } });
    });
  });
}
