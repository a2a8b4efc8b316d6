// One process owns a registry root at a time: `tug registry serve`, or an offline `tug
// registry gc`. The lock is an abstract Unix socket named after the root (the kernel frees it
// on kill -9). A serving registry also listens on `<root>/control.sock` (mode 0600, so only
// the root's owner may ask): `tug registry gc` against a live registry runs the collection
// inside the server, under the store's own lock.
import { createHash } from 'node:crypto';
import { chmod, realpath, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { UnavailableError, isErrno } from '../errors.js';
import { collectGarbage, type GcOptions, type GcReport } from './gc.js';
import type { RegistryStore } from './store/index.js';

// sun_path holds 108 bytes; a deeper root gets no control socket (gc then waits for a stop).
const MAX_SOCKET_PATH = 107;

async function lockName(root: string): Promise<string> {
  const real = await realpath(root);
  return '\0tug-registry-' + createHash('sha256').update(real).digest('hex').slice(0, 32);
}

export function controlPath(root: string): string {
  return join(root, 'control.sock');
}

function listen(server: Server, path: string, busy: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(isErrno(err, 'EADDRINUSE') ? new UnavailableError(busy) : err));
    server.listen(path, () => resolve());
  });
}

/** Takes the root for this process; the kernel releases it when the process ends. */
export async function lockRoot(root: string): Promise<Server> {
  const server = createServer((sock) => sock.destroy());
  await listen(server, await lockName(root), `registry root ${root} is in use by another tug registry process`);
  server.unref();
  return server;
}

function parseRequest(line: string): GcOptions {
  const v = JSON.parse(line) as Partial<GcOptions>;
  const ms = (x: unknown): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error('bad gc request');
    return x;
  };
  return { graceMs: ms(v.graceMs), uploadTtlMs: ms(v.uploadTtlMs), dryRun: v.dryRun === true, deleteUntagged: v.deleteUntagged === true };
}

/** Answers gc requests for a serving registry (call with the root already locked). */
export async function serveControl(root: string, store: RegistryStore): Promise<Server | undefined> {
  const path = controlPath(root);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return undefined;
  // We hold the root's lock: a socket file still there is a dead server's.
  await rm(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 4096) sock.destroy();
        return;
      }
      let opts: GcOptions;
      try {
        opts = parseRequest(buf.slice(0, nl));
      } catch {
        sock.end(JSON.stringify({ error: 'bad gc request' }) + '\n');
        return;
      }
      collectGarbage(store, opts).then(
        (report) => sock.end(JSON.stringify({ report }) + '\n'),
        (err: unknown) => sock.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }) + '\n'),
      );
    });
    sock.on('error', () => undefined);
  });
  await listen(server, path, `control socket ${path} is in use`);
  await chmod(path, 0o600);
  server.unref();
  return server;
}

/** Asks the registry serving `root` to collect garbage; undefined when none is running. */
export async function requestGc(root: string, opts: GcOptions): Promise<GcReport | undefined> {
  const path = controlPath(root);
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(opts) + '\n'));
    sock.on('data', (d: string) => { buf += d; });
    sock.on('end', () => {
      try {
        const answer = JSON.parse(buf) as { report?: GcReport; error?: string };
        if (answer.report) resolve(answer.report);
        else reject(new UnavailableError(`registry gc failed: ${answer.error ?? 'no answer'}`));
      } catch {
        reject(new UnavailableError('registry gc: the serving registry closed the connection'));
      }
    });
    sock.on('error', (err) => {
      // No socket, or a dead server's: nobody serves this root (the lock will tell for sure).
      if (isErrno(err, 'ECONNREFUSED') || isErrno(err, 'ENOENT')) resolve(undefined);
      else reject(err);
    });
  });
}
