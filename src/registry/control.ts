// One process owns a registry root at a time: `tug registry serve`, or an offline `tug
// registry gc`. The lock is an abstract Unix socket named after the root (the kernel frees it
// on kill -9). The serving process also answers on it, so `tug registry gc` against a live
// registry runs the collection inside the server, under the store's own lock.
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { UnavailableError, isErrno } from '../errors.js';
import { collectGarbage, type GcOptions, type GcReport } from './gc.js';
import type { RegistryStore } from './store/index.js';

async function socketName(root: string): Promise<string> {
  const real = await realpath(root);
  return '\0tug-registry-' + createHash('sha256').update(real).digest('hex').slice(0, 32);
}

/** Takes the root; with a store, answers gc requests from other processes on it. */
export async function lockRoot(root: string, store?: RegistryStore): Promise<Server> {
  const name = await socketName(root);
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\n') || !store) return;
      const opts = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as GcOptions;
      collectGarbage(store, opts).then(
        (report) => sock.end(JSON.stringify({ report }) + '\n'),
        (err: unknown) => sock.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }) + '\n'),
      );
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      if (isErrno(err, 'EADDRINUSE')) reject(new UnavailableError(`registry root ${root} is in use by another tug registry process`));
      else reject(err);
    });
    server.listen(name, () => resolve());
  });
  server.unref();
  return server;
}

/** Asks the registry serving `root` to collect garbage; undefined when none is running. */
export async function requestGc(root: string, opts: GcOptions): Promise<GcReport | undefined> {
  const name = await socketName(root);
  return new Promise((resolve, reject) => {
    const sock = connect(name);
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
      if (isErrno(err, 'ECONNREFUSED') || isErrno(err, 'ENOENT')) resolve(undefined);
      else reject(err);
    });
  });
}
