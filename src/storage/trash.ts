// Directories on their way out: moved into <data-root>/trash by one rename, then deleted in the
// background once removals pause. A removal is done, as far as anyone looking at its old path can
// tell, once the rename is; the bytes follow. Whatever a crash leaves in the trash goes at the next start.
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isErrno } from '../errors.js';

/** Deleting waits for this long without a new discard: a script's next `run` does not share the disk with it. */
const QUIET_MS = 250;
/** …unless this many wait: the trash never holds more than a burst's worth. */
const MAX_WAITING = 64;

export class Trash {
  /** Deletions run one after another, one file at a time: in the background they hold at most one
   * of libuv's four pool threads, and the requests in flight keep the other three. */
  private queue: Promise<void> = Promise.resolve();
  private readonly held: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private waiting = 0;

  constructor(readonly dir: string, private readonly warn: (msg: string) => void = () => undefined, private readonly quietMs = QUIET_MS) {}

  /** Makes the directory and starts on what an earlier run left in it. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.dir)) this.hold(join(this.dir, name));
  }

  /**
   * Takes `path` away now and deletes it later. Gone already is fine. Where it cannot be renamed
   * into the trash (another filesystem), it is deleted in place before this returns.
   */
  async discard(path: string): Promise<void> {
    const doomed = join(this.dir, `${basename(path)}-${randomBytes(6).toString('hex')}`);
    try {
      // In place: one rename, on every removal's path.
      renameSync(path, doomed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      if (!isErrno(err, 'EXDEV')) throw err;
      await rm(path, { recursive: true, force: true });
      return;
    }
    this.hold(doomed);
  }

  /** Deletes everything discarded so far, now; resolves when it is gone. */
  async drain(): Promise<void> {
    this.release();
    while (this.waiting) await this.queue;
  }

  /** Keeps `path` until the discards stop for a moment (or too many wait), then deletes them all. */
  private hold(path: string): void {
    this.held.push(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length >= MAX_WAITING) return this.release();
    this.timer = setTimeout(() => this.release(), this.quietMs).unref();
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const path of this.held.splice(0)) {
      this.waiting++;
      this.queue = this.queue.then(() => removeTree(path)).catch((err: unknown) => {
        this.warn(`emptying the trash: ${err instanceof Error ? err.message : String(err)}`);
      }).finally(() => { this.waiting--; });
    }
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
