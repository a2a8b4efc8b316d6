// Unpacks an uncompressed OCI layer tar into an empty directory as an overlayfs layer, hashing
// the bytes as they pass (the DiffID). The archive is untrusted: nothing is ever created
// outside `dest`, and nothing is written through a symlink (such entries are refused).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, rm, symlink, unlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameterError, isErrno } from '../errors.js';
import { lsetxattr, makedev, mknod } from '../sys/libc.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_ENTRIES = 2_000_000;
const MAX_PATH = 4096;
const MAX_PAX_BYTES = 1 << 20;

export interface ApplyResult {
  diffID: string;
  size: number;
}

function refuse(name: string, why: string): never {
  throw new InvalidParameterError(`invalid tar entry ${JSON.stringify(name)}: ${why}`);
}

/** Cleans an entry name into a path relative to the layer root, or refuses it. */
export function cleanEntryPath(name: string): string {
  if (name.includes('\0')) refuse(name, 'NUL byte in name');
  if (name.length > MAX_PATH) refuse(name.slice(0, 64) + '…', 'name too long');
  const cleaned = posix.normalize('/' + name).slice(1).replace(/\/+$/, '');
  // normalize('/' + x) already folds leading `..`: check the raw components for escapes too.
  let depth = 0;
  for (const part of name.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) refuse(name, 'path escapes the layer');
  }
  return cleaned;
}

/** Makes sure every parent of `rel` is a real directory inside `dest` (never a symlink). */
async function ensureParents(dest: string, rel: string, entryName: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = dest;
  for (const part of parts) {
    cur = join(cur, part);
    try {
      const st = await lstat(cur);
      if (st.isSymbolicLink()) refuse(entryName, 'path passes through a symlink');
      if (!st.isDirectory()) refuse(entryName, 'parent is not a directory');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      await mkdir(cur, { mode: 0o755 });
    }
  }
}

/** Removes whatever is at `path` (the link itself, never its target), unless both are dirs. */
async function clearTarget(path: string, keepDir: boolean): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isDirectory()) {
      if (keepDir) return;
      await rm(path, { recursive: true, force: true });
    } else await unlink(path);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

function hashing(onDone: (digest: string, size: number) => void): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      onDone('sha256:' + hash.digest('hex'), size);
      cb();
    },
  });
}

export async function applyLayer(input: Readable, dest: string, opts: { signal?: AbortSignal } = {}): Promise<ApplyResult> {
  let result: ApplyResult | undefined;
  const hasher = hashing((diffID, size) => { result = { diffID, size }; });
  const extract = tar.extract();
  const dirTimes: [string, Date][] = [];
  let entries = 0;

  const consume = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      if (++entries > MAX_ENTRIES) refuse(h.name, `more than ${MAX_ENTRIES} entries`);
      const pax = h.pax ?? {};
      if (Object.values(pax).reduce((n, v) => n + String(v).length, 0) > MAX_PAX_BYTES) refuse(h.name, 'PAX header too large');
      const rel = cleanEntryPath(h.name);
      if (rel === '' || rel === '.') {
        entry.resume();
        continue;
      }
      const base = posix.basename(rel);
      const parentRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
      await ensureParents(dest, rel, h.name);
      const path = join(dest, rel);

      if (base === OPAQUE) {
        entry.resume();
        const dir = parentRel ? join(dest, parentRel) : dest;
        lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
        continue;
      }
      if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
        entry.resume();
        continue;
      }
      if (base.startsWith(WHITEOUT_PREFIX)) {
        entry.resume();
        const target = join(dest, parentRel, base.slice(WHITEOUT_PREFIX.length));
        await clearTarget(target, false);
        mknod(target, S_IFCHR, 0n);
        continue;
      }

      const mode = (h.mode ?? 0o644) & 0o7777;
      switch (h.type) {
        case 'directory':
          await clearTarget(path, true);
          await mkdir(path, { mode: 0o755 }).catch((err: unknown) => { if (!isErrno(err, 'EEXIST')) throw err; });
          break;
        case 'file':
        case 'contiguous-file':
          await clearTarget(path, false);
          await pipeline(Readable.from(entry), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
          break;
        case 'symlink':
          await clearTarget(path, false);
          await symlink(h.linkname ?? '', path);
          break;
        case 'link': {
          const targetRel = cleanEntryPath(h.linkname ?? '');
          if (!targetRel) refuse(h.name, 'hardlink to the layer root');
          await ensureParents(dest, targetRel, h.name);
          const target = join(dest, targetRel);
          let st;
          try {
            st = await lstat(target);
          } catch {
            refuse(h.name, `hardlink target ${JSON.stringify(h.linkname)} does not exist in the layer`);
          }
          if (st.isDirectory()) refuse(h.name, 'hardlink to a directory');
          if (target !== path) {
            await clearTarget(path, false);
            await link(target, path);
          }
          entry.resume();
          continue;
        }
        case 'character-device':
        case 'block-device':
          await clearTarget(path, false);
          mknod(path, (h.type === 'character-device' ? S_IFCHR : S_IFBLK) | mode, makedev(h.devmajor ?? 0, h.devminor ?? 0));
          break;
        case 'fifo':
          await clearTarget(path, false);
          mknod(path, S_IFIFO | mode, 0n);
          break;
        default:
          entry.resume();
          continue;
      }
      entry.resume();
      await lchown(path, h.uid ?? 0, h.gid ?? 0);
      if (h.type !== 'symlink') await chmod(path, mode);
      for (const [k, v] of Object.entries(pax)) {
        if (k.startsWith('SCHILY.xattr.')) lsetxattr(path, k.slice('SCHILY.xattr.'.length), Buffer.from(String(v), 'latin1'));
      }
      const mtime = h.mtime ?? new Date(0);
      if (h.type === 'directory') dirTimes.push([path, mtime]);
      else await lutimes(path, mtime, mtime);
    }
  })();

  try {
    await Promise.all([pipeline(input, hasher, extract, { signal: opts.signal }), consume]);
  } catch (err) {
    extract.destroy();
    input.destroy();
    if (err instanceof InvalidParameterError || (err as Error).name === 'AbortError') throw err;
    throw new InvalidParameterError(`invalid layer tar: ${(err as Error).message}`, { cause: err });
  }
  // Directory times last: writing their content would have changed them.
  for (const [path, mtime] of dirTimes.reverse()) await utimes(path, mtime, mtime);
  if (!result) throw new InvalidParameterError('invalid layer tar: stream ended early');
  return result;
}
