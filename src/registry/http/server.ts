// The registry's HTTP(S) server: every request is routed, authorized for the access its route
// needs, handled, and any error written once as the spec's JSON error body.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isErrno } from '../../errors.js';
import type { Access, Authorizer } from '../auth/index.js';
import { RegistryError } from '../errors.js';
import type { RegistryStore } from '../store/index.js';
import { deleteBlob, getBlob } from './blobs.js';
import { catalog, listTags, referrers, search } from './lists.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { sendError, sendJSON } from './respond.js';
import { METHODS, parseRoute, type Route } from './routes.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './uploads.js';

export interface ServerOptions {
  store: RegistryStore;
  auth: Authorizer;
  tls?: { cert: Buffer; key: Buffer };
  log?: (line: string) => void;
  /** One line per request (tug -D registry serve), as distribution's access log. */
  accessLog?: (line: string) => void;
}

/** The access a request needs, as distribution asks for it in its token scopes. */
export function accessFor(route: Route, method: string): Access[] {
  const repo = (actions: string[]): Access[] => ('name' in route ? [{ type: 'repository', name: route.name, actions }] : []);
  switch (route.kind) {
    case 'base':
      return [];
    case 'catalog':
    case 'search':
      return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    case 'uploads':
    case 'upload':
      return repo(['pull', 'push']);
    case 'manifest':
    case 'blob':
      if (method === 'DELETE') return repo(['delete']);
      return repo(method === 'PUT' ? ['pull', 'push'] : ['pull']);
    default:
      return repo(['pull']);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServerOptions): Promise<void> {
  // The raw path, not a URL's: WHATWG URL parsing would resolve `..` and `%2e%2e` away
  // before the name could be refused.
  const raw = req.url ?? '/';
  const qmark = raw.indexOf('?');
  const route = parseRoute(qmark < 0 ? raw : raw.slice(0, qmark));
  const q = new URLSearchParams(qmark < 0 ? '' : raw.slice(qmark + 1));
  const method = req.method ?? 'GET';
  if (!METHODS[route.kind].includes(method)) throw new RegistryError('UNSUPPORTED', `${method} is not supported here`);
  await opts.auth.authorize(req.headers.authorization, accessFor(route, method));
  const { store } = opts;
  switch (route.kind) {
    case 'base':
      return sendJSON(res, 200, {});
    case 'catalog':
      return catalog(res, store, q);
    case 'search':
      return search(res, store, q);
    case 'tags':
      return listTags(res, store, route.name, q);
    case 'referrers':
      return referrers(res, store, route.name, route.digest, q);
    case 'blob':
      return method === 'DELETE' ? deleteBlob(res, store, route.name, route.digest) : getBlob(req, res, store, route.name, route.digest);
    case 'manifest':
      if (method === 'PUT') return putManifest(req, res, store, route.name, route.ref);
      if (method === 'DELETE') return deleteManifest(res, store, route.name, route.ref);
      return getManifest(req, res, store, route.name, route.ref);
    case 'uploads': {
      // A mount is only honoured when the caller may also pull from the source repository.
      const canPull = (from: string): Promise<boolean> =>
        opts.auth.authorize(req.headers.authorization, [{ type: 'repository', name: from, actions: ['pull'] }]).then(() => true, () => false);
      return startUpload(req, res, store, route.name, q, canPull);
    }
    case 'upload':
      if (method === 'GET') return uploadStatus(res, store, route.name, route.uuid);
      if (method === 'PATCH') return patchUpload(req, res, store, route.name, route.uuid);
      if (method === 'PUT') return finishUpload(req, res, store, route.name, route.uuid, q);
      return cancelUpload(res, store, route.name, route.uuid);
  }
}

export function createRegistryServer(opts: ServerOptions): Server {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (opts.accessLog) {
      const started = process.hrtime.bigint();
      const log = opts.accessLog;
      res.once('close', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log(`${req.socket.remoteAddress ?? '-'} "${req.method} ${req.url}" ${res.statusCode} ${res.getHeader('content-length') ?? '-'} ${ms.toFixed(1)}ms`);
      });
    }
    handle(req, res, opts).catch((err: unknown) => {
      // A client that went away mid-transfer is not the registry's fault: nothing to log.
      const gone = req.destroyed || res.destroyed || isErrno(err, 'ERR_STREAM_PREMATURE_CLOSE') || isErrno(err, 'ECONNRESET');
      if (!(err instanceof RegistryError) && !gone) opts.log?.(`${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
      // A refused request body is not read: close the connection rather than drain it.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendError(res, err);
    });
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 30_000;
  // A layer upload may take longer than Node's default five minutes per request.
  server.requestTimeout = 0;
  return server;
}
