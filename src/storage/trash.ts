// Directories on their way out: moved into <data-root>/trash by one rename, then deleted in the
// background. A removal is done, as far as anyone looking at its old path can tell, once the
// rename is; the bytes follow. Whatever a crash leaves in the trash goes at the next start.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isErrno } from '../errors.js';

export class Trash {
  /** Deletions run one after another, one file at a time: in the background they hold at most one
   * of libuv's four pool threads, and the requests in flight keep the other three. */
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(readonly dir: string, private readonly warn: (msg: string) => void = () => undefined) {}

  /** Makes the directory and starts on what an earlier run left in it. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.dir)) this.delete(join(this.dir, name));
  }

  /**
   * Takes `path` away now and deletes it later. Gone already is fine. Where it cannot be renamed
   * into the trash (another filesystem), it is deleted in place before this returns.
   */
  async discard(path: string): Promise<void> {
    const doomed = join(this.dir, `${basename(path)}-${randomBytes(6).toString('hex')}`);
    try {
      await rename(path, doomed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      if (!isErrno(err, 'EXDEV')) throw err;
      await rm(path, { recursive: true, force: true });
      return;
    }
    this.delete(doomed);
  }

  /** Resolves when everything discarded so far is deleted. */
  async drain(): Promise<void> {
    while (this.waiting) await this.queue;
  }

  private delete(path: string): void {
    this.waiting++;
    this.queue = this.queue.then(() => removeTree(path)).catch((err: unknown) => {
      this.warn(`emptying the trash: ${err instanceof Error ? err.message : String(err)}`);
    }).finally(() => { this.waiting--; });
  }
}

/** Deletes a tree depth first, one entry at a time (fs.rm would start on every entry at once). */
async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  });
  if (!st) return;
  if (st.isDirectory()) {
    for (const name of await readdir(path)) await removeTree(join(path, name));
    await rmdir(path);
  } else {
    await unlink(path);
  }
}
