// Blob uploads: each session is a directory under uploads/ with the bytes received so far.
// The running sha256 is kept in memory between chunks; after a restart it is recomputed from
// the data file, so an upload survives a kill -9 of the registry and resumes at its offset.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { RegistryError } from '../errors.js';
import type { Layout } from './layout.js';

export interface UploadInfo {
  repo: string;
  startedAt: string;
}

interface Session {
  hash: Hash;
  offset: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class UploadStore {
  private readonly sessions = new Map<string, Session>();
  /** The tail of each upload's operation queue: chunks of one upload apply one at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly layout: Layout) {}

  async init(): Promise<void> {
    await mkdir(this.layout.uploadDir, { recursive: true });
  }

  dataPath(uuid: string): string {
    return join(this.layout.upload(uuid), 'data');
  }

  async start(repo: string): Promise<string> {
    const uuid = randomUUID();
    const dir = this.layout.upload(uuid);
    await mkdir(dir);
    const info: UploadInfo = { repo, startedAt: new Date().toISOString() };
    await writeFile(join(dir, 'info.json'), JSON.stringify(info));
    await writeFile(this.dataPath(uuid), '');
    this.sessions.set(uuid, { hash: createHash('sha256'), offset: 0 });
    return uuid;
  }

  /** The upload's info, or BLOB_UPLOAD_UNKNOWN when it is not one of this repository's. */
  async info(repo: string, uuid: string): Promise<UploadInfo> {
    const unknown = new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: uuid.slice(0, 64) } });
    if (!UUID.test(uuid)) throw unknown;
    let info: UploadInfo;
    try {
      info = JSON.parse(await readFile(join(this.layout.upload(uuid), 'info.json'), 'utf8')) as UploadInfo;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw unknown;
      throw err;
    }
    if (info.repo !== repo) throw unknown;
    return info;
  }

  /** Bytes received so far. */
  async offset(repo: string, uuid: string): Promise<number> {
    await this.info(repo, uuid);
    return (await stat(this.dataPath(uuid))).size;
  }

  /** Runs one operation on a session after the ones before it. */
  serial<T>(uuid: string, body: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(uuid) ?? Promise.resolve();
    const next = prev.then(body, body);
    const tail = next.catch(() => undefined);
    this.queues.set(uuid, tail);
    void tail.then(() => {
      if (this.queues.get(uuid) === tail) this.queues.delete(uuid);
    });
    return next;
  }

  /**
   * Appends a chunk. `start`, when the client sent a Content-Range, must be the current
   * offset: anything else is out of order and refused with 416.
   */
  async append(repo: string, uuid: string, body: AsyncIterable<Buffer>, start?: number): Promise<number> {
    await this.info(repo, uuid);
    const session = await this.session(uuid);
    if (start !== undefined && start !== session.offset) {
      throw new RegistryError('RANGE_INVALID', `chunk starts at ${start}, upload is at ${session.offset}`, { headers: { Range: rangeHeader(session.offset) } });
    }
    const fh = await open(this.dataPath(uuid), 'a');
    try {
      for await (const chunk of body) {
        // The hash follows the file: a chunk counts once it is written.
        await fh.write(chunk);
        session.hash.update(chunk);
        session.offset += chunk.length;
      }
      await fh.sync();
    } catch (err) {
      // A half-written chunk leaves the file ahead of the hash: recompute on next use.
      this.sessions.delete(uuid);
      throw err;
    } finally {
      await fh.close();
    }
    return session.offset;
  }

  /** The digest and size of what was received. */
  async digest(uuid: string): Promise<{ digest: string; size: number }> {
    const session = await this.session(uuid);
    return { digest: 'sha256:' + session.hash.copy().digest('hex'), size: session.offset };
  }

  async remove(uuid: string): Promise<void> {
    this.sessions.delete(uuid);
    await rm(this.layout.upload(uuid), { recursive: true, force: true });
  }

  /** Every upload directory with its start time (for the garbage collector). */
  async list(): Promise<{ uuid: string; startedAt: number }[]> {
    const out: { uuid: string; startedAt: number }[] = [];
    for (const uuid of await readdir(this.layout.uploadDir)) {
      try {
        const info = JSON.parse(await readFile(join(this.layout.upload(uuid), 'info.json'), 'utf8')) as UploadInfo;
        out.push({ uuid, startedAt: Date.parse(info.startedAt) });
      } catch {
        // A directory without readable info was cut short while being created.
        out.push({ uuid, startedAt: (await stat(this.layout.upload(uuid)).catch(() => ({ mtimeMs: 0 }))).mtimeMs });
      }
    }
    return out;
  }

  /** True while a request is working on the upload. */
  isBusy(uuid: string): boolean {
    return this.queues.has(uuid);
  }

  private async session(uuid: string): Promise<Session> {
    const known = this.sessions.get(uuid);
    const size = (await stat(this.dataPath(uuid))).size;
    if (known && known.offset === size) return known;
    // No state in memory (a restart) or out of step with the file: hash what is on disk.
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.dataPath(uuid), { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    const session: Session = { hash, offset: size };
    this.sessions.set(uuid, session);
    return session;
  }
}

/** The spec's Range header for an upload: inclusive, and `0-0` while still empty. */
export function rangeHeader(offset: number): string {
  return `0-${Math.max(0, offset - 1)}`;
}
