// /containers/…: create, list, inspect, start, stop, restart, kill, pause, unpause, wait,
// rename, delete. Decode → call the container service → encode.
import { InvalidParameterError, NotFoundError, isTugError } from '../../errors.js';
import { parseCondition } from '../../containers/waiters.js';
import { cgroupPath } from '../../containers/cgroup.js';
import { emptyStats, readStats } from '../../containers/stats.js';
import type { UpdateBody } from '../../containers/update.js';
import type { ContainerCreateBody } from '../../types/container.js';
import { queryBool, queryFilters, readJSON, sendJSON, sendStatus, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

function queryInt(ctx: Context, name: string): number | undefined {
  const v = ctx.query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new InvalidParameterError(`invalid value for ${name}: ${v}`);
  return Number(v);
}

export function registerContainerRoutes(r: Router, { containers, images }: Services): void {
  r.post('/containers/create', async ({ req, res, query }) => {
    const body = await readJSON<ContainerCreateBody>(req);
    if (!body) throw new InvalidParameterError('config cannot be empty in order to create a container');
    const platform = query.get('platform');
    if (platform && !/^linux(\/(amd64|x86_64))?$/.test(platform) && process.arch === 'x64') {
      throw new NotFoundError(`image with reference ${body.Image} was found but does not match the specified platform: wanted ${platform}`);
    }
    if (body.Image) {
      try {
        images.get(body.Image);
      } catch (err) {
        if (isTugError(err, 'NotFound')) throw new NotFoundError(`No such image: ${body.Image}`);
        throw err;
      }
    }
    const created = await containers.create(body, query.get('name') || undefined);
    sendJSON(res, 201, created);
  });

  r.get('/containers/json', async ({ res, query }) => {
    const list = await containers.queries.list({
      all: queryBool(query, 'all'),
      limit: Number(query.get('limit') ?? 0) || undefined,
      size: queryBool(query, 'size'),
      filters: queryFilters(query),
    });
    sendJSON(res, 200, list);
  });

  r.get('/containers/{name}/json', async ({ res, params, query }) => {
    sendJSON(res, 200, await containers.queries.inspect(params.name!, queryBool(query, 'size')));
  });

  r.post('/containers/{name}/start', async ({ res, params }) => {
    await containers.start(params.name!);
    sendStatus(res, 204);
  });

  r.post('/containers/{name}/stop', async (ctx) => {
    await containers.stop(ctx.params.name!, { timeout: queryInt(ctx, 't'), signal: ctx.query.get('signal') || undefined });
    sendStatus(ctx.res, 204);
  });

  r.post('/containers/{name}/restart', async (ctx) => {
    await containers.restart(ctx.params.name!, { timeout: queryInt(ctx, 't'), signal: ctx.query.get('signal') || undefined });
    sendStatus(ctx.res, 204);
  });

  r.post('/containers/{name}/kill', async ({ res, params, query }) => {
    await containers.kill(params.name!, query.get('signal') || 'KILL');
    sendStatus(res, 204);
  });

  r.post('/containers/{name}/pause', async ({ res, params }) => {
    await containers.pause(params.name!);
    sendStatus(res, 204);
  });

  r.post('/containers/{name}/unpause', async ({ res, params }) => {
    await containers.unpause(params.name!);
    sendStatus(res, 204);
  });

  r.post('/containers/{name}/rename', async ({ res, params, query }) => {
    const name = query.get('name');
    if (!name) throw new InvalidParameterError('Neither old nor new names may be empty');
    await containers.rename(params.name!, name);
    sendStatus(res, 204);
  });

  r.post('/containers/{name}/wait', async ({ res, params, query }) => {
    let condition;
    try {
      condition = parseCondition(query.get('condition'));
    } catch (err) {
      throw new InvalidParameterError((err as Error).message);
    }
    const done = containers.wait(params.name!, condition);
    // The waiter is registered: tell the client now, so it can start the container (dockerd flushes here too).
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const result = await done;
    res.end(JSON.stringify(result) + '\n');
  });

  r.get('/containers/{name}/top', async ({ res, params, query }) => {
    sendJSON(res, 200, await containers.top(params.name!, query.get('ps_args') ?? ''));
  });

  r.get('/containers/{name}/stats', async ({ res, params, query, signal }) => {
    const stream = queryBool(query, 'stream', true);
    const oneShot = queryBool(query, 'one-shot');
    const rec = containers.store.get(params.name!);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (!rec.State.Running) {
      res.end(JSON.stringify(emptyStats(rec.ID, rec.Name)) + '\n');
      return;
    }
    let prev = oneShot ? undefined : await readStats(rec.ID, rec.Name, rec.State.Pid, cgroupPath(rec));
    if (!stream) {
      // Without a stream dockerd waits one interval, so precpu_stats is a real sample.
      if (!oneShot) await new Promise((r) => setTimeout(r, 1000));
      res.end(JSON.stringify((await readStats(rec.ID, rec.Name, rec.State.Pid, cgroupPath(rec), prev)).json) + '\n');
      return;
    }
    res.flushHeaders();
    while (!signal.aborted && containers.store.find(rec.ID)?.State.Running) {
      const cur = await readStats(rec.ID, rec.Name, rec.State.Pid, cgroupPath(rec), prev);
      res.write(JSON.stringify(cur.json) + '\n');
      prev = cur;
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });

  r.post('/containers/{name}/update', async ({ req, res, params }) => {
    const body = (await readJSON<UpdateBody>(req)) ?? {};
    sendJSON(res, 200, await containers.update(params.name!, body));
  });

  r.post('/containers/{name}/resize', async (ctx) => {
    await containers.resize(ctx.params.name!, queryInt(ctx, 'h') ?? 0, queryInt(ctx, 'w') ?? 0);
    sendStatus(ctx.res, 200);
  });

  r.post('/containers/prune', async ({ res, query }) => {
    sendJSON(res, 200, await containers.prune(queryFilters(query)));
  });

  r.delete('/containers/{name}', async ({ res, params, query }) => {
    if (queryBool(query, 'link')) throw new InvalidParameterError('links are not supported');
    await containers.remove(params.name!, { force: queryBool(query, 'force'), volumes: queryBool(query, 'v') });
    sendStatus(res, 204);
  });
}
