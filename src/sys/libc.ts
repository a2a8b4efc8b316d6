// The few libc calls Node lacks (mknod, extended attributes), through koffi. libc is loaded
// on first use so importing this module costs nothing.
import { createRequire } from 'node:module';

interface Libc {
  mknod: (path: string, mode: number, dev: bigint) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  errno: () => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as {
    load(name: string): { func(sig: string): (...args: unknown[]) => number };
    errno(): number;
  };
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)') as Libc['mknod'],
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)') as Libc['lsetxattr'],
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)') as Libc['lgetxattr'],
    llistxattr: lib.func('intptr_t llistxattr(const char *path, _Out_ char *list, size_t size)') as Libc['llistxattr'],
    errno: () => koffi.errno(),
  };
  return libc;
}

const ERRNO: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 17: 'EEXIST', 20: 'ENOTDIR', 22: 'EINVAL', 28: 'ENOSPC', 34: 'ERANGE', 61: 'ENODATA', 95: 'EOPNOTSUPP' };

function fail(syscall: string, path: string): never {
  const errno = load().errno();
  const code = ERRNO[errno] ?? `E${errno}`;
  const err = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = errno;
  err.syscall = syscall;
  err.path = path;
  throw err;
}

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function mknod(path: string, mode: number, dev: bigint): void {
  if (load().mknod(path, mode, dev) !== 0) fail('mknod', path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  if (load().lsetxattr(path, name, value, value.length, 0) !== 0) fail('lsetxattr', path);
}

export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = load();
  const size = l.lgetxattr(path, name, null, 0);
  if (size < 0) {
    const code = ERRNO[l.errno()];
    if (code === 'ENODATA' || code === 'EOPNOTSUPP') return undefined;
    fail('lgetxattr', path);
  }
  const buf = Buffer.alloc(size);
  const n = l.lgetxattr(path, name, buf, size);
  if (n < 0) fail('lgetxattr', path);
  return buf.subarray(0, n);
}

export function llistxattr(path: string): string[] {
  const l = load();
  const size = l.llistxattr(path, null, 0);
  if (size < 0) {
    if (ERRNO[l.errno()] === 'EOPNOTSUPP') return [];
    fail('llistxattr', path);
  }
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const n = l.llistxattr(path, buf, size);
  if (n < 0) fail('llistxattr', path);
  return buf.subarray(0, n).toString('latin1').split('\0').filter(Boolean);
}
