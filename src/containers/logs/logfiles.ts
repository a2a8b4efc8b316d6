// A container's log is the live file plus its rotated predecessors `<log>.1` (newest) … `<log>.N`,
// each plain or gzip-compressed (`<log>.N.gz`, see compress.ts). Readers hold the files open, so
// renames under them change nothing but the names.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isErrno } from '../../errors.js';
import { decompressToTemp, lastTimeOf } from './compress.js';

export interface LogFile {
  /** The file as it is named; for a compressed one, the .gz. */
  fh: FileHandle;
  dev: number;
  ino: number;
  /** Opened under the live name (not a `.N`). */
  live: boolean;
  /** A `.N.gz`: its lines are read from a copy decompressed on first use. */
  compressed?: { path: string; skipBefore?: bigint; plain?: Promise<FileHandle | undefined> };
}

export interface RotatedFile {
  index: number;
  path: string;
  compressed: boolean;
}

/** The `<log>.N` and `<log>.N.gz` that exist now, by index ascending (newest first), plain before compressed. Gaps are possible. */
export async function rotatedFiles(logPath: string): Promise<RotatedFile[]> {
  const prefix = `${basename(logPath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(logPath));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const out: RotatedFile[] = [];
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^([1-9]\d{0,8})(\.gz)?$/.exec(n.slice(prefix.length)) : null;
    if (m) out.push({ index: Number(m[1]), path: join(dirname(logPath), n), compressed: m[2] !== undefined });
  }
  return out.sort((a, b) => a.index - b.index || Number(a.compressed) - Number(b.compressed));
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

/**
 * Rotated file `index`: the plain one if it is there, else the compressed one. A compression
 * renames its .gz in before it removes the plain file, so one of the two is always found.
 */
async function openRotated(logPath: string, index: number, sinceNs: bigint | undefined): Promise<LogFile | undefined> {
  const plain = await openIfExists(`${logPath}.${index}`, false);
  if (plain) return plain;
  const path = `${logPath}.${index}.gz`;
  const gz = await openIfExists(path, false);
  if (gz) gz.compressed = sinceNs === undefined ? { path } : { path, skipBefore: sinceNs };
  return gz;
}

/**
 * What to read a log file's lines from: the file itself, or for a compressed one a decompressed
 * copy (made once, unlinked, closed with the set); undefined when a compressed file's last entry
 * is older than the `since` the set was opened with (dockerd's check of its gzip header).
 */
export function contents(f: LogFile): Promise<FileHandle | undefined> {
  const c = f.compressed;
  if (!c) return Promise.resolve(f.fh);
  c.plain ??= (async () => {
    if (c.skipBefore !== undefined) {
      const last = await lastTimeOf(f.fh);
      if (last !== undefined && last < c.skipBefore) return undefined;
    }
    return decompressToTemp(f.fh, c.path);
  })();
  return c.plain;
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
  const close = (fh: FileHandle | undefined) => fh?.close().catch(() => undefined);
  await Promise.all(files.map(async (f) => {
    await close(f.fh);
    await close(await f.compressed?.plain?.catch(() => undefined));
  }));
}

/**
 * Opens the live log and its rotated files, oldest first. Opened newest first and checked
 * afterwards: if a rotation ran meanwhile (the live name moved, or a file was seen twice), the
 * set may miss a file, so it is opened again. With `sinceNs`, a compressed file whose last entry
 * is older is not decompressed (see contents()).
 */
export async function openLogSet(logPath: string, sinceNs?: bigint): Promise<LogFile[]> {
  for (let attempt = 0; ; attempt++) {
    const files: LogFile[] = [];
    const live = await openIfExists(logPath, true);
    if (live) files.push(live);
    for (const i of new Set((await rotatedFiles(logPath)).map((f) => f.index))) {
      const f = await openRotated(logPath, i, sinceNs);
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
