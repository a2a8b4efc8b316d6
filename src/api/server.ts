// The Engine API server: one middleware for versioning, logging and error mapping around
// routes registered per resource. Listens on a Unix socket like dockerd.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage } from '../errors.js';
import { statusForError, type Context } from './http.js';
import { takeUpgradeBody } from './hijack.js';
import { Router } from './router.js';
import { registerBuildRoutes } from './routes/build.js';
import { registerContainerRoutes } from './routes/containers.js';
import { registerContainerFsRoutes } from './routes/container-fs.js';
import { registerDistributionRoutes } from './routes/distribution.js';
import { registerEventRoutes } from './routes/events.js';
import { registerStreamRoutes } from './routes/streams.js';
import { registerImageRoutes } from './routes/images.js';
import { registerNetworkRoutes } from './routes/networks.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerVolumeRoutes } from './routes/volumes.js';
import type { Services } from './services.js';
import { MAX_API_VERSION, splitVersion } from './version.js';

export type Logger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

export function buildRouter(services: Services): Router {
  const r = new Router();
  registerSystemRoutes(r, services);
  registerImageRoutes(r, services);
  registerContainerRoutes(r, services);
  registerContainerFsRoutes(r, services);
  registerEventRoutes(r, services);
  registerStreamRoutes(r, services);
  registerVolumeRoutes(r, services);
  registerNetworkRoutes(r, services);
  registerDistributionRoutes(r, services);
  registerBuildRoutes(r, services);
  return r;
}

export function createApiServer(services: Services, log: Logger): Server {
  const router = buildRouter(services);
  const server = createServer((req, res) => {
    void handle(router, req, res, log);
  });
  // `Connection: Upgrade` requests (docker attach/exec) skip 'request': answer them the same way.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    socket.on('error', () => undefined);
    void handle(router, req, res, log, { socket, head: takeUpgradeBody(req, head) });
  });
  server.keepAliveTimeout = 60_000;
  // Hijacked and streaming endpoints (logs -f, events, attach) must never time out.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse, log: Logger, upgrade?: Context['upgrade']): Promise<void> {
  const started = process.hrtime.bigint();
  const abort = new AbortController();
  // A client that goes away cancels whatever its request started.
  res.on('close', () => {
    if (!res.writableFinished && !ctx?.hijacked) abort.abort(new Error('client disconnected'));
  });
  upgrade?.socket.on('close', () => abort.abort(new Error('client disconnected')));
  let ctx: Context | undefined;
  res.setHeader('Server', 'tug (linux)');
  // dockerd sends these on every response; clients read the version from any of them.
  res.setHeader('Api-Version', MAX_API_VERSION);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  try {
    const url = new URL(req.url ?? '/', 'http://tug');
    const { version, path } = splitVersion(url.pathname);
    const found = router.match(req.method ?? 'GET', path);
    if (found === 'not-found' || found === 'method-not-allowed') {
      sendError(res, found === 'not-found' ? 404 : 405, found === 'not-found' ? 'page not found' : 'method not allowed');
      return;
    }
    ctx = { req, res, params: found.params, query: url.searchParams, version, signal: abort.signal, upgrade };
    await found.handler(ctx);
  } catch (err) {
    const status = statusForError(err);
    if (status >= 500) log('error', `${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
    if (res.headersSent || ctx?.hijacked) {
      (ctx?.hijacked ? (upgrade?.socket ?? req.socket) : res).destroy(err instanceof Error ? err : undefined);
      return;
    }
    sendError(res, status, errorMessage(err));
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log('debug', `${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms`);
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Listens on a Unix socket with mode 0660, replacing a stale socket file. */
export async function listenUnix(server: Server, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o660);
}
