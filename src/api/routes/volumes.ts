// /volumes…: list, create, inspect, remove, prune. Decode → call the volume service → encode.
import { InvalidParameterError } from '../../errors.js';
import type { VolumeCreateBody } from '../../volumes/index.js';
import { queryBool, queryFilters, readJSON, sendJSON, sendStatus } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';
import { compareVersions } from '../version.js';

export function registerVolumeRoutes(r: Router, { volumes }: Services): void {
  r.get('/volumes', async ({ res, query }) => {
    sendJSON(res, 200, volumes.list(queryFilters(query)));
  });

  r.post('/volumes/create', async ({ req, res }) => {
    const body = (await readJSON<VolumeCreateBody>(req)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameterError('invalid JSON: volume create body must be an object');
    sendJSON(res, 201, volumes.view(await volumes.create(body)));
  });

  r.post('/volumes/prune', async ({ res, query, version }) => {
    const filters = queryFilters(query);
    // Before API 1.42 a prune took named volumes too; `all` came with the change.
    if (compareVersions(version, '1.42') < 0 && !filters.all) filters.all = ['true'];
    sendJSON(res, 200, await volumes.prune(filters));
  });

  r.get('/volumes/{name}', async ({ res, params }) => {
    sendJSON(res, 200, volumes.inspect(params.name!));
  });

  r.delete('/volumes/{name}', async ({ res, params, query }) => {
    await volumes.remove(params.name!, queryBool(query, 'force'));
    sendStatus(res, 204);
  });
}
