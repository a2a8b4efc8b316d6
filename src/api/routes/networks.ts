// /networks…: list, inspect, create, remove, prune, connect, disconnect. Decode → call the
// network service → encode.
import { InvalidParameterError } from '../../errors.js';
import type { NetworkCreateBody } from '../../networks/views.js';
import type { EndpointSettings } from '../../types/container.js';
import { queryFilters, readJSON, sendJSON, sendStatus } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

export function registerNetworkRoutes(r: Router, { networks }: Services): void {
  r.get('/networks', ({ res, query }) => {
    sendJSON(res, 200, networks.list(queryFilters(query)));
    return Promise.resolve();
  });

  r.post('/networks/create', async ({ req, res }) => {
    const body = await readJSON<NetworkCreateBody>(req);
    if (!body) throw new InvalidParameterError('network name cannot be empty');
    sendJSON(res, 201, await networks.create(body));
  });

  r.post('/networks/prune', async ({ res, query }) => {
    sendJSON(res, 200, await networks.prune(queryFilters(query)));
  });

  r.get('/networks/{id}', ({ res, params }) => {
    sendJSON(res, 200, networks.inspect(params.id!));
    return Promise.resolve();
  });

  r.delete('/networks/{id}', async ({ res, params }) => {
    await networks.remove(params.id!);
    sendStatus(res, 204);
  });

  r.post('/networks/{id}/connect', async ({ req, res, params }) => {
    const body = await readJSON<{ Container?: string; EndpointConfig?: EndpointSettings }>(req);
    if (!body?.Container) throw new InvalidParameterError('container name or ID is required');
    await networks.connect(params.id!, body.Container, body.EndpointConfig ?? {});
    sendStatus(res, 200);
  });

  r.post('/networks/{id}/disconnect', async ({ req, res, params }) => {
    const body = await readJSON<{ Container?: string; Force?: boolean }>(req);
    if (!body?.Container) throw new InvalidParameterError('container name or ID is required');
    await networks.disconnect(params.id!, body.Container, body.Force ?? false);
    sendStatus(res, 200);
  });
}
