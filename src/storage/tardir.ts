// A deterministic tar of a directory tree: sorted names, one tar hardlink per extra name,
// xattrs as PAX records. With overlayWhiteouts, overlay whiteouts become OCI ones: what
// `commit` and `build` need to turn an upper dir into a layer. The headers are written here
// rather than by tar-stream, which would encode binary xattr values (security.capability)
// as UTF-8 text: Go's reader, and so Docker, expects the raw bytes.
import { closeSync, constants, lstatSync, openSync, read, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConflictError, InvalidParameterError } from '../errors.js';
import { devMajor, devMinor, lgetxattr, llistxattr } from '../sys/libc.js';

const BLOCK = 512;
const MAX_OCTAL7 = 0o7777777;
const MAX_OCTAL11 = 0o77777777777;
const OPAQUE = '.wh..wh..opq';
const READ_CHUNK = 1 << 20;
const SMALL_FILE = 64 << 10;
const BATCH = 64 << 10;

export interface TarDirectoryOptions {
  /** Turn overlayfs whiteouts (0:0 char devices, opaque dirs) into OCI `.wh.` entries. */
  overlayWhiteouts?: boolean;
  /** Entry names start with this directory name ("etc" gives "etc/passwd"); none by default. */
  prefix?: string;
  /** Paths (relative, no leading slash) left out with everything under them. */
  skip?: (path: string) => boolean;
  /** Which entries go in (paths relative to `dir`); 'descend' walks a directory without its own entry. */
  filter?: (path: string, isDir: boolean) => 'include' | 'exclude' | 'descend';
}

/** One tar entry. Type flags as in the ustar spec: 0 file, 1 hardlink, 2 symlink, 3 char, 4 block, 5 dir, 6 fifo. */
interface TarEntry {
  name: string;
  type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: [string, Buffer][];
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** `<length> <key>=<value>\n`, the length counting its own digits. */
function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
  let digits = String(body.length).length;
  while (String(body.length + digits).length > digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits)), body]);
}

function octal(b: Buffer, offset: number, width: number, n: number): void {
  b.write(`${n.toString(8).padStart(width - 1, '0')}\0`, offset, 'latin1');
}

/** One ustar header block; fields too big for it are the caller's to put in PAX records. */
function ustar(name: Buffer, type: string, e: Omit<TarEntry, 'name' | 'type' | 'linkname'>, linkname: Buffer): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, 100);
  octal(b, 100, 8, e.mode);
  octal(b, 108, 8, e.uid > MAX_OCTAL7 ? 0 : e.uid);
  octal(b, 116, 8, e.gid > MAX_OCTAL7 ? 0 : e.gid);
  octal(b, 124, 12, e.size > MAX_OCTAL11 ? 0 : e.size);
  octal(b, 136, 12, e.mtime < 0 || e.mtime > MAX_OCTAL11 ? 0 : e.mtime);
  b.write(type, 156, 'latin1');
  linkname.copy(b, 157, 0, 100);
  b.write('ustar\x0000', 257, 'latin1');
  octal(b, 329, 8, e.devmajor ?? 0);
  octal(b, 337, 8, e.devminor ?? 0);
  // The checksum is summed with its own field as spaces.
  b.fill(0x20, 148, 156);
  const sum = b.reduce((n, byte) => n + byte, 0);
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** The header blocks of an entry: a PAX header first when ustar cannot say everything. */
function encodeHeader(e: TarEntry): Buffer {
  const name = Buffer.from(e.name);
  const linkname = Buffer.from(e.linkname ?? '');
  if ((e.devmajor ?? 0) > MAX_OCTAL7 || (e.devminor ?? 0) > MAX_OCTAL7) {
    throw new InvalidParameterError(`cannot archive ${JSON.stringify(e.name)}: device number too large for tar`);
  }
  const records: Buffer[] = [];
  if (name.length > 100) records.push(paxRecord('path', name));
  if (linkname.length > 100) records.push(paxRecord('linkpath', linkname));
  if (e.uid > MAX_OCTAL7) records.push(paxRecord('uid', String(e.uid)));
  if (e.gid > MAX_OCTAL7) records.push(paxRecord('gid', String(e.gid)));
  if (e.size > MAX_OCTAL11) records.push(paxRecord('size', String(e.size)));
  if (e.mtime < 0 || e.mtime > MAX_OCTAL11) records.push(paxRecord('mtime', String(e.mtime)));
  for (const [key, value] of e.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${key}`, value));
  const header = ustar(name, e.type, e, linkname);
  if (records.length === 0) return header;
  const pax = Buffer.concat(records);
  const base = e.name.replace(/\/$/, '').split('/').pop() as string;
  const paxName = Buffer.from(`PaxHeaders.0/${base}`).subarray(0, 100);
  const paxHeader = ustar(paxName, 'x', { mode: 0o644, uid: 0, gid: 0, mtime: 0, size: pax.length }, Buffer.alloc(0));
  return Buffer.concat([paxHeader, pax, Buffer.alloc(padding(pax.length)), header]);
}

/** Extended attributes worth keeping, sorted; overlayfs's own are the upper dir's business. */
function xattrsOf(path: string): [string, Buffer][] | undefined {
  const out: [string, Buffer][] = [];
  for (const key of llistxattr(path).sort()) {
    if (key.startsWith('trusted.overlay.')) continue;
    const value = lgetxattr(path, key);
    if (value !== undefined) out.push([key, value]);
  }
  return out.length ? out : undefined;
}

/** Whole seconds, rounded down as Go's Time.Unix does (also before 1970). */
function seconds(st: BigIntStats): number {
  const s = st.mtimeNs / 1_000_000_000n;
  return Number(st.mtimeNs < 0n && s * 1_000_000_000n !== st.mtimeNs ? s - 1n : s);
}

/** Reads into `buffer` from `fd` at `position` until it is full or the file ends. */
function readFull(fd: number, buffer: Buffer, position: number): number {
  let done = 0;
  for (let n = -1; done < buffer.length && n !== 0; done += n) n = readSync(fd, buffer, done, buffer.length - done, position + done);
  return done;
}

function readAsync(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/** The file's bytes in chunks of at most 1 MiB, then the padding to a whole block. */
async function* contents(path: string, size: number): AsyncGenerator<Buffer> {
  let done = 0;
  // Opening and closing are quick metadata calls (see walk). Most files of a tree are small:
  // those are read at once too; only bigger reads go to the pool, a chunk at a time.
  // O_NOFOLLOW: the name was a regular file a moment ago; never read what replaced it.
  const fd = size > 0 ? openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW) : -1;
  try {
    while (done < size) {
      const buffer = Buffer.allocUnsafe(Math.min(size - done, READ_CHUNK));
      const n = size <= SMALL_FILE ? readFull(fd, buffer, done) : await readAsync(fd, buffer, done);
      if (n === 0) break;
      done += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (done !== size) throw new ConflictError(`cannot archive ${path}: it changed size while being read`);
  if (padding(size)) yield Buffer.alloc(padding(size));
}

function named(prefix: string | undefined, path: string): string {
  if (!prefix) return path;
  return prefix.endsWith('/') ? `${prefix}${path}` : `${prefix}/${path}`;
}

/** The entry (and for a directory, its tree) of `abs`, called `path` below the prefix. */
async function* entry(root: string, path: string, opts: TarDirectoryOptions, links: Map<bigint, string>): AsyncGenerator<Buffer> {
  const abs = path ? join(root, path) : root;
  const name = path ? named(opts.prefix, path) : (opts.prefix ?? '');
  const st = lstatSync(abs, { bigint: true });
  const meta = { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: seconds(st), size: 0 };
  if (st.isDirectory()) {
    yield encodeHeader({ ...meta, name: name.endsWith('/') ? name : `${name}/`, type: '5', xattrs: xattrsOf(abs) });
    if (opts.overlayWhiteouts && lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y') {
      // As Docker writes it: a plain file with the directory's owner and permissions.
      yield encodeHeader({ ...meta, name: `${name}/${OPAQUE}`, type: '0', mode: meta.mode & 0o777, mtime: 0 });
    }
    yield* walk(root, path, opts, links);
    return;
  }
  if (opts.overlayWhiteouts && st.isCharacterDevice() && st.rdev === 0n) {
    const cut = name.lastIndexOf('/') + 1;
    yield encodeHeader({ ...meta, name: `${name.slice(0, cut)}.wh.${name.slice(cut)}`, type: '0', mode: 0o600 });
    return;
  }
  if (st.isSocket()) return; // sockets have no place in a layer
  if (st.nlink > 1n) {
    // dev and ino together, exactly: overlayfs may use the inode number's high bits.
    const key = (st.dev << 64n) | st.ino;
    const first = links.get(key);
    if (first !== undefined) {
      yield encodeHeader({ ...meta, name, type: '1', linkname: first });
      return;
    }
    links.set(key, name);
  }
  const xattrs = xattrsOf(abs);
  if (st.isFile()) {
    const size = Number(st.size);
    yield encodeHeader({ ...meta, name, type: '0', size, xattrs });
    yield* contents(abs, size);
  } else if (st.isSymbolicLink()) {
    yield encodeHeader({ ...meta, name, type: '2', linkname: readlinkSync(abs), xattrs });
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const type = st.isCharacterDevice() ? '3' : '4';
    yield encodeHeader({ ...meta, name, type, devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev), xattrs });
  } else if (st.isFIFO()) {
    yield encodeHeader({ ...meta, name, type: '6', xattrs });
  }
}

async function* walk(root: string, rel: string, opts: TarDirectoryOptions, links: Map<bigint, string>): AsyncGenerator<Buffer> {
  // Metadata calls are synchronous: a few µs each, against ~90 µs for a trip to libuv's pool.
  // Byte order of the UTF-8 names, as Go's filepath.Walk sorts them.
  const names = readdirSync(rel ? join(root, rel) : root).map((n) => ({ n, key: Buffer.from(n) }));
  names.sort((a, b) => Buffer.compare(a.key, b.key));
  for (const { n: name } of names) {
    const path = rel ? `${rel}/${name}` : name;
    if (opts.skip?.(path)) continue;
    if (opts.filter) {
      const isDir = lstatSync(join(root, path)).isDirectory();
      const verdict = opts.filter(path, isDir);
      if (verdict === 'exclude') continue;
      if (verdict === 'descend') {
        if (isDir) yield* walk(root, path, opts, links);
        continue;
      }
    }
    yield* entry(root, path, opts, links);
  }
}

async function* archive(dir: string, opts: TarDirectoryOptions, self = false): AsyncGenerator<Buffer> {
  // Headers and small files come in pieces of a few hundred bytes: pass them on in batches.
  let parts: Buffer[] = [];
  let size = 0;
  for await (const piece of self ? entry(dir, '', opts, new Map()) : walk(dir, '', opts, new Map())) {
    if (piece.length < BATCH) {
      parts.push(piece);
      size += piece.length;
      if (size < BATCH) continue;
    }
    if (size) yield Buffer.concat(parts, size);
    if (piece.length >= BATCH) yield piece; // big file chunks pass as they are
    parts = [];
    size = 0;
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  yield Buffer.concat(parts);
}

/**
 * An uncompressed tar of everything under `dir` (not `dir` itself), streamed as it is read:
 * file contents are never held whole in memory. The same tree gives the same bytes.
 */
export function tarDirectory(dir: string, opts: TarDirectoryOptions = {}): Readable {
  // A deep read-ahead lets reading the tree overlap with whoever drains the stream.
  return Readable.from(archive(dir, opts), { objectMode: false, highWaterMark: 1 << 20 });
}

/**
 * A tar of `path` itself (a file, a symlink, or a directory and its tree), the entries named
 * after `name`: what `docker cp` reads from a container.
 */
export function tarPath(path: string, name: string): Readable {
  return Readable.from(archive(path, { prefix: name }, true), { objectMode: false, highWaterMark: 1 << 20 });
}
