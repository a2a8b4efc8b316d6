// A container's log is the live file plus its rotated predecessors `<log>.1` (newest) … `<log>.N`.
// Readers hold the files open, so renames under them change nothing but the names.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isErrno } from '../../errors.js';

export interface LogFile {
  fh: FileHandle;
  dev: number;
  ino: number;
  /** Opened under the live name (not a `.N`). */
  live: boolean;
}

/** The indexes of `<log>.N` that exist now, ascending (newest first). Gaps are possible. */
export async function rotatedIndexes(logPath: string): Promise<number[]> {
  const prefix = `${basename(logPath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(logPath));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^[1-9]\d{0,8}$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

async function openIfExists(path: string, live: boolean): Promise<LogFile | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const st = await fh.stat();
  return { fh, dev: st.dev, ino: st.ino, live };
}

export function sameFile(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** A point in the live log, without holding it open: which file, and how far it was written. */
export interface LogMark {
  dev: number;
  ino: number;
  size: number;
}

/** What `logPath` names now, if anything. */
export async function identify(logPath: string): Promise<LogMark | undefined> {
  try {
    const st = await stat(logPath);
    return { dev: st.dev, ino: st.ino, size: st.size };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

export async function closeAll(files: LogFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)));
}

/**
 * Opens the live log and its rotated files, oldest first. Opened newest first and checked
 * afterwards: if a rotation ran meanwhile (the live name moved, or a file was seen twice), the
 * set may miss a file, so it is opened again.
 */
export async function openLogSet(logPath: string): Promise<LogFile[]> {
  for (let attempt = 0; ; attempt++) {
    const files: LogFile[] = [];
    const live = await openIfExists(logPath, true);
    if (live) files.push(live);
    for (const i of await rotatedIndexes(logPath)) {
      const f = await openIfExists(`${logPath}.${i}`, false);
      if (f) files.push(f);
    }
    const now = await identify(logPath);
    const moved = live ? !now || !sameFile(now, live) : now !== undefined;
    const twice = files.some((f, i) => files.findIndex((g) => sameFile(f, g)) !== i);
    // Rotations are seconds apart at the least; a handful of attempts always finds a still moment.
    if ((!moved && !twice) || attempt >= 8) return files.reverse();
    await closeAll(files);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The files written after `current`, oldest first, once `logPath` names another file. When
 * `current` is no longer among the names, conmon replaced it in place (its --log-size-max):
 * only the live file is newer.
 */
export async function openSuccessors(logPath: string, current: LogFile): Promise<LogFile[]> {
  const set = await openLogSet(logPath);
  const at = set.findIndex((f) => sameFile(f, current));
  const keep = at >= 0 ? set.slice(at + 1) : set.filter((f) => f.live);
  await closeAll(set.filter((f) => !keep.includes(f)));
  return keep;
}
