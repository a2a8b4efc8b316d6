// The container filesystem routes: HEAD/GET/PUT /containers/{id}/archive (docker cp), changes
// (diff), export and POST /commit. Decode → call the filesystem service → encode.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../../errors.js';
import { ImageService } from '../../images/service.js';
import type { ImageRunConfig } from '../../images/types.js';
import type { PathStat } from '../../types/container-views.js';
import { queryBool, readJSON, sendJSON, sendStatus, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

function statHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** Sends a tar with headers first; a failure after them cuts the connection (the client sees a short tar). */
async function sendTar({ res, signal }: Context, tar: Readable, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-tar', ...headers });
  try {
    await pipeline(tar, res, { signal });
  } catch (err) {
    tar.destroy();
    if (!signal.aborted) throw err;
  }
}

export function registerContainerFsRoutes(r: Router, { containerFs }: Services): void {
  r.head('/containers/{name}/archive', async ({ res, params, query }) => {
    const stat = await containerFs.stat(params.name!, query.get('path') ?? '');
    res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/json' });
    res.end();
  });

  r.get('/containers/{name}/archive', async (ctx) => {
    await containerFs.archive(ctx.params.name!, ctx.query.get('path') ?? '', (stat, tar) => sendTar(ctx, tar, { [PATH_STAT_HEADER]: statHeader(stat) }));
  });

  r.put('/containers/{name}/archive', async ({ req, res, params, query, signal }) => {
    await containerFs.extract(params.name!, query.get('path') ?? '', req, {
      noOverwriteDirNonDir: queryBool(query, 'noOverwriteDirNonDir'),
      copyUIDGID: queryBool(query, 'copyUIDGID'),
      signal,
    });
    sendStatus(res, 200);
  });

  r.get('/containers/{name}/changes', async ({ res, params }) => {
    const changes = await containerFs.changes(params.name!);
    // dockerd encodes no changes as a nil slice.
    sendJSON(res, 200, changes.length ? changes : null);
  });

  r.get('/containers/{name}/export', async (ctx) => {
    await containerFs.export(ctx.params.name!, (tar) => sendTar(ctx, tar));
  });

  r.post('/commit', async ({ req, res, query, version }) => {
    const container = query.get('container') ?? '';
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag') ?? '';
    if (!repo && tag) throw new InvalidParameterError('tag requires a repository name');
    const target = repo ? ImageService.normaliseTag(tag ? `${repo}:${tag}` : repo) : undefined;
    // Before API 1.13 an absent `pause` meant false; since then it means true.
    const pause = query.get('pause') === null || query.get('pause') === '' ? Number(version.split('.')[1]) >= 13 : queryBool(query, 'pause');
    const config = await readJSON<ImageRunConfig | null>(req);
    const created = await containerFs.commit(container, {
      tag: target,
      comment: query.get('comment') ?? '',
      author: query.get('author') ?? '',
      changes: query.getAll('changes').filter((c) => c !== ''),
      // dockerd decodes the body into an embedded *Config: `null`, `{}` or no body leave it nil.
      config: config && Object.keys(config).length > 0 ? config : undefined,
      pause,
    });
    sendJSON(res, 201, created);
  });
}
