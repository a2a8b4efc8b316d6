// The few libc calls Node lacks (mknod, extended attributes), through koffi. libc is loaded
// on first use, so importing this module loads no native code.
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

type Koffi = typeof import('koffi');

interface Libc {
  mknod: (path: string, mode: number, dev: bigint) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  errno: () => number;
}

let libc: Libc | undefined;
let errnoNames: Map<number, [string, string]> | undefined;

function load(): Libc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    llistxattr: lib.func('intptr_t llistxattr(const char *path, char *list, size_t size)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

/** An Error shaped like Node's own system errors: `EPERM: operation not permitted, mknod '/x'`. */
export function errnoError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const [code, text] = (errnoNames ??= getSystemErrorMap()).get(-errno) ?? [`E${errno}`, 'unknown error'];
  const err = new Error(`${code}: ${text}, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.errno = -errno;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

function errnoCode(errno: number): string | undefined {
  return (errnoNames ??= getSystemErrorMap()).get(-errno)?.[0];
}

/** glibc's makedev(3): the 64-bit dev_t with major and minor split across both halves. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** The inverse of makedev for a dev_t as fs.Stats gives it (a number, exact below 2^53). */
export function devMajor(dev: number | bigint): number {
  const d = BigInt(dev);
  return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
}

export function devMinor(dev: number | bigint): number {
  const d = BigInt(dev);
  return Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
}

/** mknod(2); `mode` carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and the permissions. */
export function mknod(path: string, mode: number, dev: bigint): void {
  const l = load();
  if (l.mknod(path, mode, dev) !== 0) throw errnoError(l.errno(), 'mknod', path);
}

/** Sets an extended attribute on `path` itself, never on a symlink's target. */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  const l = load();
  if (l.lsetxattr(path, name, value, value.length, 0) !== 0) throw errnoError(l.errno(), 'lsetxattr', path);
}

/** An attribute's value, or undefined when the file has none of that name. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = load();
  // The value may grow between asking its size and reading it: ask again on ERANGE.
  for (let attempt = 0; attempt < 8; attempt++) {
    const size = l.lgetxattr(path, name, null, 0);
    if (size < 0) {
      const errno = l.errno();
      const code = errnoCode(errno);
      if (code === 'ENODATA' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return undefined;
      throw errnoError(errno, 'lgetxattr', path);
    }
    if (size === 0) return Buffer.alloc(0);
    const buf = Buffer.alloc(size);
    const n = l.lgetxattr(path, name, buf, size);
    if (n >= 0) return buf.subarray(0, n);
    const errno = l.errno();
    if (errnoCode(errno) !== 'ERANGE') throw errnoError(errno, 'lgetxattr', path);
  }
  throw errnoError(constants.errno.ERANGE, 'lgetxattr', path);
}

/** Names of the extended attributes on `path` itself; none where the filesystem has none. */
export function llistxattr(path: string): string[] {
  const l = load();
  for (let attempt = 0; attempt < 8; attempt++) {
    const size = l.llistxattr(path, null, 0);
    if (size < 0) {
      const errno = l.errno();
      const code = errnoCode(errno);
      if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return [];
      throw errnoError(errno, 'llistxattr', path);
    }
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const n = l.llistxattr(path, buf, size);
    if (n >= 0) return buf.subarray(0, n).toString('utf8').split('\0').filter(Boolean);
    const errno = l.errno();
    if (errnoCode(errno) !== 'ERANGE') throw errnoError(errno, 'llistxattr', path);
  }
  throw errnoError(constants.errno.ERANGE, 'llistxattr', path);
}

