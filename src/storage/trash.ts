// Directories on their way out: moved into <data-root>/trash by one rename, then deleted in the
// background. A removal is done, as far as anyone looking at its old path can tell, once the
// rename is; the bytes follow. Whatever a crash leaves in the trash goes at the next start.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isErrno } from '../errors.js';

export class Trash {
  private readonly pending = new Set<Promise<void>>();

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
    while (this.pending.size) await Promise.all(this.pending);
  }

  private delete(path: string): void {
    const p = rm(path, { recursive: true, force: true }).catch((err: unknown) => {
      this.warn(`emptying the trash: ${err instanceof Error ? err.message : String(err)}`);
    }).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
