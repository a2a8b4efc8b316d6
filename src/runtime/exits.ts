// Container exits as conmon reports them: a file `<exitDir>/<id>` holding the exit code, written
// atomically (temp + rename). One inotify watch on the directory serves every container.
import { readFileSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';

export interface ExitStatus {
  code: number;
  /** When conmon wrote the file (ns since the epoch): the container's finish time. */
  atNs: bigint;
}

export type ExitHandler = (id: string, status: ExitStatus) => void;

export class ExitWatcher {
  private watcher: FSWatcher | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();

  constructor(readonly dir: string, private readonly onExit: ExitHandler) {}

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.watcher = watch(this.dir, (_event, name) => {
      if (name) void this.check(String(name));
    });
    // Exits that happened before the watch (e.g. while tugd was down).
    await this.sweep();
    // inotify can coalesce a temp-file write and its rename into events we skip: look again now and then.
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), 1000);
    this.sweeper.unref();
  }

  private async sweep(): Promise<void> {
    for (const name of await readdir(this.dir)) if (/^[0-9a-f]{64}$/.test(name)) void this.check(name);
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Reads an exit file if there is one; each exit is reported once until `clear`. */
  async check(id: string): Promise<ExitStatus | undefined> {
    // conmon writes `<id>.XXXXXX` and renames it to `<id>`: only the final name counts.
    if (!/^[0-9a-f]{64}$/.test(id) || this.seen.has(id)) return undefined;
    const status = await readExit(this.dir, id);
    if (!status || this.seen.has(id)) return undefined;
    this.seen.add(id);
    this.onExit(id, status);
    return status;
  }

  /** Forgets an exit once handled, so the next run of the same container reports again (in place: one unlink on the exec root). */
  clear(id: string): void {
    rmSync(join(this.dir, id), { force: true });
    this.seen.delete(id);
  }
}

/** In place: a few bytes on the exec root, read on every exit's path. */
export async function readExit(dir: string, id: string): Promise<ExitStatus | undefined> {
  const file = join(dir, id);
  try {
    const text = readFileSync(file, 'utf8');
    const st = statSync(file, { bigint: true });
    const code = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(code)) return undefined;
    return { code, atNs: st.mtimeNs };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}
