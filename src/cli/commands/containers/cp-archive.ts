// docker cp's local half, as moby/go-archive does it on the client: a tar of the source path
// (entries named after it, renamed for the destination), and a tar unpacked into a local
// directory without chown, refusing to swap a directory for a file or back.
import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { chmod, lutimes, mkdir, rm, symlink, link, utimes } from 'node:fs/promises';
import { relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { goQuote } from '../../format/gofmt.js';
import { goFileError } from '../../run/security.js';
import { cleanPath } from '../../run/mounts.js';
import { devMajor, devMinor, makedev, mknod } from '../../../sys/libc.js';
import { CopyError, getRebaseName, goBase, goDir, goJoin, goSplit, hasTrailingPathSeparator, splitPathDirEntry, type CopyInfo } from './cp-paths.js';

const MAX_SYMLINKS = 10;
const IMPLIED_DIR_MODE = 0o755;

/** An fs error worded as Go's *PathError. */
export function pathError(op: string, path: string, err: unknown): CopyError {
  return new CopyError(goFileError(op, path, err));
}

/** os.Lstat where only "does not exist" means absent; any other failure is an error. */
function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw pathError('lstat', p, err);
  }
}

/** Unpack's check: whatever cannot be lstat'ed is treated as not there. */
function existing(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** filepath.EvalSymlinks, with Go's error naming the first part that is missing. */
export function evalSymlinks(p: string): string {
  try {
    return realpathSync(p === '' ? '.' : p);
  } catch (err) {
    const parts = cleanPath(p).split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/') || '/';
      try {
        lstatSync(prefix);
      } catch (e) {
        throw pathError('lstat', prefix, e);
      }
    }
    throw pathError('lstat', p, err);
  }
}

/** CopyInfoSourcePath: symlinks resolved before the last element (all of them with -L). */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    [resolved, rebaseName] = getRebaseName(path, evalSymlinks(path));
  } else {
    const [dir, base] = goSplit(path);
    resolved = `${evalSymlinks(dir)}/${base}`.replace(/^\/\//, '/');
    if (hasTrailingPathSeparator(path) && goBase(path) !== goBase(resolved)) rebaseName = goBase(path);
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    throw pathError('lstat', resolved, err);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/** CopyInfoDestinationPath: the last element's symlinks followed; a missing path needs its parent. */
export function copyInfoDestinationPath(path: string): CopyInfo {
  const original = path;
  let st = lstatOrUndefined(path);
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > MAX_SYMLINKS) throw new CopyError(`too many symlinks in ${original}`);
    let target = readlinkSync(path);
    if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(path)[0], target);
    path = target;
    st = lstatOrUndefined(path);
  }
  if (st) return { path, exists: true, isDir: st.isDirectory(), rebaseName: '' };
  const [parent] = splitPathDirEntry(path);
  let parentStat: Stats;
  try {
    parentStat = statSync(parent);
  } catch (err) {
    throw pathError('stat', parent, err);
  }
  if (!parentStat.isDirectory()) throw new CopyError('not a directory');
  return { path, exists: false, isDir: false, rebaseName: '' };
}

/** command.ValidateOutputPath: the parent must exist, and the path be a directory or a file. */
export function validateOutputPath(path: string): void {
  const dir = goDir(cleanPath(path));
  if (dir !== '' && dir !== '.') {
    try {
      statSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CopyError(`invalid output path: directory ${goQuote(dir)} does not exist`);
    }
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw pathError('stat', path, err);
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new CopyError(`invalid output path: ${goQuote(path)} must be a directory or a regular file: got a device`);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * TarResource: a tar of `src.path` as TarWithOptions writes it for one include (entries named
 * after the path's last element, or "./…" for a trailing "/."), every name passed through `rename`.
 */
export function tarResource(src: CopyInfo, rename: (name: string) => string, onSkip: (msg: string) => void = () => undefined): Readable {
  const [sourceDir, include] = splitPathDirEntry(src.path);
  const pack = tar.pack();
  const seen = new Map<string, string>();
  const add = async (filePath: string, rel: string): Promise<void> => {
    let st: Stats;
    try {
      st = lstatSync(filePath);
    } catch (err) {
      onSkip(`Can't add file ${filePath} to tar: ${goFileError('lstat', filePath, err)}`);
      return;
    }
    let name = rel;
    if (include === '.' && name !== '.') name = `./${name}`;
    if (src.rebaseName) name = name.replace(include, () => (src.rebaseName === '/' ? '' : src.rebaseName));
    if (st.isDirectory() && !name.endsWith('/')) name += '/';
    if (st.isSocket()) {
      onSkip(`Can't add file ${filePath} to tar: archive/tar: sockets not supported`);
      return;
    }
    const header: Partial<tar.Header> & { name: string } = { name: rename(name), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000), size: 0 };
    const inode = `${st.dev}:${st.ino}`;
    const first = !st.isDirectory() && st.nlink > 1 ? seen.get(inode) : undefined;
    if (first !== undefined) {
      pack.entry({ ...header, type: 'link', linkname: rename(first) });
    } else if (st.isFile()) {
      if (st.nlink > 1) seen.set(inode, name);
      const entry = pack.entry({ ...header, type: 'file', size: st.size });
      try {
        await pipeline(createReadStream(filePath), entry);
      } catch (err) {
        throw pathError('open', filePath, err);
      }
    } else if (st.isDirectory()) {
      pack.entry({ ...header, type: 'directory' });
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...header, type: 'symlink', linkname: readlinkSync(filePath) });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      pack.entry({ ...header, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) });
    } else if (st.isFIFO()) {
      pack.entry({ ...header, type: 'fifo' });
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = readdirSync(filePath).sort(byteOrder);
    } catch (err) {
      onSkip(`Can't stat file ${filePath} to tar: ${goFileError('open', filePath, err)}`);
      return;
    }
    for (const child of names) await add(`${filePath}/${child}`, rel === '.' ? child : `${rel}/${child}`);
  };
  void (async () => {
    try {
      await add(`${sourceDir}/${include}`.replace(/^\/\//, '/'), include === '.' ? '.' : include);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return Readable.from(pack, { objectMode: false });
}

type Header = tar.Header;

function mknodFor(path: string, h: Header): void {
  const kind = h.type === 'character-device' ? 0o020000 : h.type === 'block-device' ? 0o060000 : 0o010000;
  mknod(path, kind | ((h.mode ?? 0) & 0o7777), kind === 0o010000 ? 0n : makedev(h.devmajor ?? 0, h.devminor ?? 0));
}

/** archive.Untar with NoLchown and NoOverwriteDirNonDir; `rename` rewrites entry (and hardlink) names first. */
export async function untar(input: Readable, dest: string, rename: (name: string) => string = (n) => n): Promise<void> {
  dest = cleanPath(dest);
  const extract = tar.extract();
  const dirs: [string, Date][] = [];
  const parsing = pipeline(input, extract);
  parsing.catch(() => undefined);
  for await (const entry of extract) {
    const h = entry.header as Header;
    if ((h.type as string) === 'pax-global-header') {
      entry.resume();
      continue;
    }
    const name = cleanPath(rename(h.name));
    const linkname = h.type === 'link' ? rename(h.linkname ?? '') : h.linkname ?? '';
    if (name !== '/') {
      const parent = goJoin(dest, goDir(name));
      if (!existing(parent)) await mkdir(parent, { recursive: true, mode: IMPLIED_DIR_MODE });
    }
    const path = goJoin(dest, name);
    const rel = relative(dest, path);
    if (rel === '..' || rel.startsWith('../')) throw new CopyError(`${goQuote(name)} is outside of ${goQuote(dest)}`);
    const there = existing(path);
    const isDir = h.type === 'directory';
    if (there) {
      if (there.isDirectory() && !isDir) throw new CopyError(`cannot overwrite directory ${goQuote(path)} with non-directory ${goQuote(dest)}`);
      if (!there.isDirectory() && isDir) throw new CopyError(`cannot overwrite non-directory ${goQuote(path)} with directory ${goQuote(dest)}`);
      if (there.isDirectory() && name === '.') {
        entry.resume();
        continue;
      }
      if (!there.isDirectory() || !isDir) await rm(path, { recursive: true, force: true });
    }
    const mode = (h.mode ?? 0) & 0o7777;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory':
        if (!there?.isDirectory()) await mkdir(path, { mode });
        break;
      case 'file':
      case 'contiguous-file':
        await pipeline(entry, createWriteStream(path, { flags: 'w', mode }));
        break;
      case 'link': {
        const target = goJoin(dest, linkname);
        if (!target.startsWith(dest)) throw new CopyError(`invalid hardlink ${goQuote(target)} -> ${goQuote(linkname)}`);
        await link(target, path);
        break;
      }
      case 'symlink': {
        const target = goJoin(goDir(path), linkname);
        if (!target.startsWith(dest)) throw new CopyError(`invalid symlink ${goQuote(path)} -> ${goQuote(linkname)}`);
        await symlink(linkname, path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        mknodFor(path, h);
        break;
      default:
        throw new CopyError(`unhandled tar header type ${String(h.type)}`);
    }
    entry.resume();
    if (h.type === 'symlink') await lutimes(path, mtime, mtime).catch(() => undefined);
    else if (h.type !== 'link') {
      await chmod(path, mode);
      if (isDir) dirs.push([path, mtime]);
      else await utimes(path, mtime, mtime);
    }
  }
  await parsing;
  // Directory times last: creating their entries changed them.
  for (const [path, mtime] of dirs) await utimes(path, mtime, mtime);
}
