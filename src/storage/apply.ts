// Unpacks an uncompressed OCI layer tar into an empty directory as an overlayfs layer, hashing
// the bytes as they pass (the DiffID). The archive is untrusted. Symlink policy: parent
// directories resolve as they would in a chroot at `dest` (Docker unpacks in a chroot):
// symlinks inside the layer are followed, but `..` and absolute targets stop at `dest`. The
// last component is never followed: an entry replaces whatever is there.
import {
  chmodSync, closeSync, constants, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, readlinkSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameterError, TugError, errorMessage, isErrno } from '../errors.js';
import { lsetxattr, makedev, mknod } from '../sys/libc.js';
import { TarScanner } from './tarscan.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const WHITEOUT = '.wh.';
const WHITEOUT_META = '.wh..wh.';
const OPAQUE = '.wh..wh..opq';
const PATH_MAX = 4096;
const NAME_MAX = 255;
const MAX_SYMLINK_HOPS = 40; // as Linux allows in one lookup
// One PAX or GNU long-name record; tar-stream by itself would buffer up to 4 MiB of one.
const SMALL_FILE = 64 << 10;
// Errors of the host rather than of the archive: they keep their own code.
const HOST_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM', 'EROFS', 'EACCES']);

export interface ApplyOptions {
  signal?: AbortSignal;
  /** On a thread of its own (a pull's worker), a blocking write costs less than a trip to the pool per chunk. */
  blockingWrites?: boolean;
}

/** How `docker cp` into a container differs from a layer: no whiteouts, and stricter refusals. */
export interface ExtractOptions extends ApplyOptions {
  /** Refuse to swap a directory for a non-directory or back (the API's noOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  /** Owner of every entry instead of the tar's (copyUIDGID with the container's user). */
  chown?: { uid: number; gid: number };
}

interface WriterOptions {
  /** Layer mode: OCI whiteouts become overlayfs ones. Copy mode: names are taken as they are. */
  whiteouts: boolean;
  /** Copy mode refuses absolute names, relative symlinks that climb out, and paths through symlinks that lead out. */
  confined: boolean;
  noOverwriteDirNonDir: boolean;
  chown?: { uid: number; gid: number };
  blockingWrites?: boolean;
}

export interface ApplyResult {
  diffID: string;
  size: number;
}

/** tar-stream's header with what its typings leave out. */
type Header = tar.Header & { pax?: Record<string, string> | null; byteOffset?: number };
type Body = AsyncIterable<unknown> & { resume(): unknown };

function show(name: string): string {
  return JSON.stringify(name.length > 160 ? `${name.slice(0, 160)}…` : name);
}

function refuse(name: string, why: string): never {
  throw new InvalidParameterError(`invalid tar entry ${show(name)}: ${why}`);
}

/** Cleans an entry name into a path relative to the layer root ('' for the root), or refuses it. */
export function cleanEntryPath(name: string, entryName = name, what = 'the layer'): string {
  if (name.includes('\0')) refuse(entryName, 'NUL byte in name');
  if (Buffer.byteLength(name) >= PATH_MAX) refuse(entryName, 'name too long');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      if (Buffer.byteLength(part) > NAME_MAX) refuse(entryName, 'name too long');
      parts.push(part);
    } else if (parts.pop() === undefined) refuse(entryName, `path escapes ${what}`);
  }
  return parts.join('/');
}

function paxNumber(pax: Record<string, string>, key: 'uid' | 'gid' | 'mtime', name: string): number | undefined {
  const v = pax[key];
  if (v === undefined) return undefined;
  const n = key === 'mtime' ? Number(v) : Number.parseInt(v, 10);
  if (!Number.isFinite(n) || (key !== 'mtime' && (n < 0 || n > 0xfffffffe))) refuse(name, `invalid PAX ${key} ${JSON.stringify(v)}`);
  return n;
}

/**
 * Writes the entries of one layer into `dest`, remembering what it needs between entries.
 * Metadata calls are synchronous: a few µs each, against ~90 µs for a trip to libuv's pool,
 * and a layer makes several per entry. File data and recursive removal stay asynchronous.
 */
class LayerWriter {
  /** The real directory of each lexical parent path seen; cleared when anything is removed. */
  private readonly dirs = new Map<string, string>();
  /** Directory mtimes, set at the end: writing their content would change them. */
  private readonly dirTimes = new Map<string, Date>();

  private readonly what: string;

  constructor(private readonly dest: string, private readonly o: WriterOptions = { whiteouts: true, confined: false, noOverwriteDirNonDir: false }) {
    this.what = o.confined ? 'the destination' : 'the layer';
  }

  async add(h: Header, body: Body, xattrs: Map<string, Buffer> | undefined): Promise<void> {
    if (this.o.confined && h.name.startsWith('/')) refuse(h.name, 'absolute path');
    const rel = cleanEntryPath(h.name, h.name, this.what);
    const parts = rel.split('/');
    const base = parts.pop() as string;
    // The root itself stays as it is (as Docker does); AUFS bookkeeping means nothing on overlay.
    if (rel === '' || (this.o.whiteouts && (parts[0]?.startsWith(WHITEOUT_META) || (base.startsWith(WHITEOUT_META) && base !== OPAQUE)))) {
      body.resume();
      return;
    }
    try {
      if (!this.o.whiteouts) {
        await this.create(h, body, join(this.resolveDir(parts, h.name, true) as string, base), xattrs);
      } else if (base === OPAQUE) {
        body.resume();
        lsetxattr(this.resolveDir(parts, h.name, true) as string, 'trusted.overlay.opaque', Buffer.from('y'));
      } else if (base.startsWith(WHITEOUT)) {
        body.resume();
        const hidden = base.slice(WHITEOUT.length);
        if (hidden === '.' || hidden === '..' || hidden === '') refuse(h.name, 'whiteout of nothing');
        const path = join(this.resolveDir(parts, h.name, true) as string, hidden);
        await this.remove(path, false);
        // Overlayfs hides a lower file behind a 0:0 character device of the same name.
        mknod(path, S_IFCHR, 0n);
        lchownSync(path, h.uid ?? 0, h.gid ?? 0);
      } else {
        await this.create(h, body, join(this.resolveDir(parts, h.name, true) as string, base), xattrs);
      }
    } catch (err) {
      if (err instanceof TugError || !isErrno(err) || err.code?.startsWith('ERR_') || HOST_ERRORS.has(err.code ?? '')) throw err;
      // Keep the host's paths out of a message that goes back to the client.
      throw new InvalidParameterError(`invalid tar entry ${show(h.name)}: ${err.message.replace(/, \w+ '.*$/s, '')}`, { cause: err });
    }
  }

  finish(): void {
    for (const [path, mtime] of this.dirTimes) lutimesSync(path, mtime, mtime);
  }

  private async create(h: Header, body: Body, path: string, xattrs: Map<string, Buffer> | undefined): Promise<void> {
    const pax = h.pax ?? {};
    if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'))) refuse(h.name, 'sparse files are not supported');
    const mode = (h.mode ?? 0o644) & 0o7777;
    const uid = this.o.chown?.uid ?? paxNumber(pax, 'uid', h.name) ?? h.uid ?? 0;
    const gid = this.o.chown?.gid ?? paxNumber(pax, 'gid', h.name) ?? h.gid ?? 0;
    if (this.o.noOverwriteDirNonDir) this.checkOverwrite(h, path);
    const seconds = paxNumber(pax, 'mtime', h.name);
    const mtime = seconds !== undefined ? new Date(seconds * 1000) : (h.mtime ?? new Date(0));
    if (h.type !== 'file' && h.type !== 'contiguous-file') body.resume();

    switch (h.type) {
      case 'file':
      case 'contiguous-file': {
        await this.remove(path, false);
        // O_EXCL|O_NOFOLLOW: whatever appeared there since is an error, never followed.
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        if ((h.size ?? 0) <= SMALL_FILE) {
          // Most files of a layer are small: gathered, then written without trips to the pool.
          const chunks: Buffer[] = [];
          for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
          const fd = openSync(path, flags, 0o600);
          try {
            for (const chunk of chunks) for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
          } finally {
            closeSync(fd);
          }
          break;
        }
        if (this.o.blockingWrites) {
          const fd = openSync(path, flags, 0o600);
          try {
            for await (const chunk of body as AsyncIterable<Buffer>) for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
          } finally {
            closeSync(fd);
          }
          break;
        }
        const fh = await open(path, flags, 0o600);
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
          }
        } finally {
          await fh.close();
        }
        break;
      }
      case 'directory':
        if (!(await this.remove(path, true))) mkdirSync(path, 0o700);
        break;
      case 'symlink': {
        const target = h.linkname ?? '';
        if (target === '' || target.includes('\0') || Buffer.byteLength(target) >= PATH_MAX) refuse(h.name, 'invalid symlink target');
        if (this.o.confined) this.checkSymlink(h.name, path, target);
        await this.remove(path, false);
        symlinkSync(target, path);
        break;
      }
      case 'link':
        // The inode keeps the metadata of its first name, as GNU tar does.
        return this.hardlink(h.name, h.linkname ?? '', path);
      case 'character-device':
      case 'block-device':
        await this.remove(path, false);
        mknod(path, (h.type === 'character-device' ? S_IFCHR : S_IFBLK) | mode, makedev(h.devmajor ?? 0, h.devminor ?? 0));
        break;
      case 'fifo':
        await this.remove(path, false);
        mknod(path, S_IFIFO | mode, 0n);
        break;
      default:
        refuse(h.name, `unsupported entry type ${JSON.stringify((h.type as string | null) ?? 'unknown')}`);
    }
    lchownSync(path, uid, gid);
    // chmod after chown, which clears setuid and setgid. Linux symlinks have no mode of their own.
    if (h.type !== 'symlink') chmodSync(path, mode);
    for (const [key, value] of xattrs ?? []) {
      // Overlay's own attributes would let a layer forge redirects or metacopy files.
      if (key.startsWith('trusted.overlay.')) continue;
      try {
        lsetxattr(path, key, value);
      } catch (err) {
        // As Docker: a filesystem without xattrs, or refusing this one, does not fail the layer.
        if (!isErrno(err, 'ENOTSUP') && !isErrno(err, 'EOPNOTSUPP') && !isErrno(err, 'EPERM')) throw err;
      }
    }
    if (h.type === 'directory') this.dirTimes.set(path, mtime);
    else lutimesSync(path, mtime, mtime);
  }

  /** moby's noOverwriteDirNonDir texts, with the path as seen from the destination. */
  private checkOverwrite(h: Header, path: string): void {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    const shown = JSON.stringify(`/${posix.relative(this.dest, path)}`);
    if (st.isDirectory() && h.type !== 'directory') refuse(h.name, `cannot overwrite directory ${shown} with non-directory`);
    if (!st.isDirectory() && h.type === 'directory') refuse(h.name, `cannot overwrite non-directory ${shown} with directory`);
  }

  /**
   * go-archive's breakout rule: a relative target that climbs out of the destination is refused;
   * an absolute one names a path of the container and is kept (never followed out, see resolveDir).
   */
  private checkSymlink(name: string, path: string, target: string): void {
    const from = posix.dirname(posix.relative(this.dest, path));
    if (!target.startsWith('/') && posix.normalize(posix.join(from, target)).split('/')[0] === '..') {
      refuse(name, `symlink target ${show(target)} points outside the destination`);
    }
  }

  private async hardlink(name: string, linkname: string, path: string): Promise<void> {
    const rel = cleanEntryPath(linkname, name, this.what);
    if (rel === '') refuse(name, 'hardlink to the layer root');
    const parts = rel.split('/');
    const base = parts.pop() as string;
    const dir = this.resolveDir(parts, name, false);
    const st = dir === undefined ? undefined : lstatSync(join(dir, base), { throwIfNoEntry: false });
    if (dir === undefined || st === undefined) refuse(name, `hardlink target ${show(linkname)} does not exist in the layer`);
    if (st.isDirectory()) refuse(name, `hardlink target ${show(linkname)} is a directory`);
    const target = join(dir, base);
    if (target === path) return;
    await this.remove(path, false);
    // link(2) does not follow a symlink: a link to a symlink links the symlink itself.
    linkSync(target, path);
  }

  /**
   * Resolves lexically clean `parts` to a real directory inside `dest`: symlinks are followed,
   * `..` and absolute targets stop at `dest`. Missing directories are made when `create`;
   * otherwise one missing gives undefined.
   */
  private resolveDir(parts: string[], name: string, create: boolean): string | undefined {
    const key = parts.join('/');
    const known = this.dirs.get(key);
    if (known !== undefined) return known;
    const real: string[] = [];
    const todo = parts.slice().reverse();
    let hops = 0;
    while (todo.length) {
      const part = todo.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        real.pop();
        continue;
      }
      const path = join(this.dest, ...real, part);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st === undefined) {
        if (!create) return undefined;
        mkdirSync(path);
        chmodSync(path, 0o755);
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) refuse(name, 'too many levels of symbolic links');
        const target = readlinkSync(path);
        if (this.o.confined && escapes(real, target)) refuse(name, `${show(posix.join(...real, part))} is a symlink that points outside the destination`);
        if (target.startsWith('/')) real.length = 0;
        todo.push(...target.split('/').reverse());
        continue;
      } else if (!st.isDirectory()) {
        refuse(name, `${show(posix.join(...real, part))} is not a directory`);
      }
      real.push(part);
    }
    const dir = join(this.dest, ...real);
    this.dirs.set(key, dir);
    return dir;
  }

  /** Removes what is at `path` (a symlink itself, never its target). True if a dir was kept. */
  private async remove(path: string, keepDir: boolean): Promise<boolean> {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return false;
    if (st.isDirectory() && keepDir) return true;
    if (st.isDirectory()) await rm(path, { recursive: true });
    else unlinkSync(path);
    // Whatever was resolved through this path, or waits to be touched under it, is gone.
    this.dirs.clear();
    for (const dir of this.dirTimes.keys()) if (dir === path || dir.startsWith(`${path}/`)) this.dirTimes.delete(dir);
    return false;
  }
}

/** Whether `target`, read in the directory `real` (parts below the root), leaves the root. */
function escapes(real: readonly string[], target: string): boolean {
  if (target.startsWith('/')) return true;
  let depth = real.length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * Unpacks the uncompressed layer tar `input` into the empty directory `dest`, with OCI
 * whiteouts turned into overlayfs ones. Resolves to the sha256 and size of every byte read.
 * On failure `dest` holds a partial layer: the caller removes it.
 */
export async function applyLayer(input: Readable, dest: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
  return unpack(input, new LayerWriter(dest, { whiteouts: true, confined: false, noOverwriteDirNonDir: false, blockingWrites: !!opts.blockingWrites }), opts);
}

/**
 * Extracts the tar `input` into the existing directory `dest` as `docker cp` does: names
 * taken as they are (no whiteouts), nothing written outside `dest`, no absolute names, no
 * symlink that points out, and none followed out. Entries replace what is there.
 */
export async function extractArchive(input: Readable, dest: string, opts: ExtractOptions = {}): Promise<ApplyResult> {
  const writer = new LayerWriter(dest, { whiteouts: false, confined: true, noOverwriteDirNonDir: !!opts.noOverwriteDirNonDir, chown: opts.chown });
  return unpack(input, writer, opts);
}

async function unpack(input: Readable, writer: LayerWriter, opts: ApplyOptions): Promise<ApplyResult> {
  opts.signal?.throwIfAborted();
  const scanner = new TarScanner();
  const extract = tar.extract();
  // The first stream error tells whose fault a failure is: the caller's stream, or the tar.
  let first: { from: 'input' | 'tar'; err: unknown } | undefined;
  const note = (from: 'input' | 'tar') => (err: unknown) => {
    if (!first || isErrno(first.err, 'ERR_STREAM_PREMATURE_CLOSE')) first = { from, err };
  };
  input.on('error', note('input'));
  scanner.on('error', note('tar'));
  extract.on('error', note('tar'));

  const parse = pipeline(input, scanner, extract, opts.signal ? { signal: opts.signal } : {});
  const work = (async () => {
    for await (const entry of extract) {
      const h = entry.header as Header;
      await writer.add(h, entry, scanner.takeXattrs(h.byteOffset));
    }
    writer.finish();
  })();
  // Wait for both, so that nothing writes into `dest` any more when the caller removes it.
  const [parsed, worked] = await Promise.allSettled([parse, work]);
  if (parsed.status === 'fulfilled' && worked.status === 'fulfilled') return scanner.result();

  opts.signal?.throwIfAborted();
  const workError: unknown = worked.status === 'rejected' ? worked.reason : undefined;
  // A refused entry, or the host failing a write.
  if (workError instanceof TugError || (isErrno(workError) && !workError.code?.startsWith('ERR_'))) throw workError;
  const err = first?.err ?? (parsed.status === 'rejected' ? parsed.reason as unknown : workError);
  if (first?.from === 'input' || err instanceof TugError) throw err;
  throw new InvalidParameterError(`invalid layer tar: ${errorMessage(err)}`, { cause: err });
}
