// The few libc calls Node lacks (mknod, extended attributes, mount, SOCK_SEQPACKET, posix_spawn), through koffi. libc is loaded
// on first use, so importing this module loads no native code.
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

type Koffi = typeof import('koffi');

interface Libc {
  mknod: (path: string, mode: number, dev: bigint) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  mount: (source: string, target: string, fstype: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  socket: (domain: number, type: number, protocol: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  close: (fd: number) => number;
  send: (fd: number, buf: Buffer, len: number, flags: number) => number;
  recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
  shutdown: (fd: number, how: number) => number;
  pipe2: (fds: Int32Array, flags: number) => number;
  posix_spawnp: (pid: Int32Array, file: string, actions: Buffer, attr: Buffer, argv: (string | null)[], envp: (string | null)[]) => number;
  posix_spawn_file_actions_init: (actions: Buffer) => number;
  posix_spawn_file_actions_destroy: (actions: Buffer) => number;
  posix_spawn_file_actions_adddup2: (actions: Buffer, fd: number, newfd: number) => number;
  posix_spawn_file_actions_addopen: (actions: Buffer, fd: number, path: string, flags: number, mode: number) => number;
  posix_spawn_file_actions_addchdir_np: (actions: Buffer, path: string) => number;
  posix_spawnattr_init: (attr: Buffer) => number;
  posix_spawnattr_destroy: (attr: Buffer) => number;
  posix_spawnattr_setflags: (attr: Buffer, flags: number) => number;
  posix_spawnattr_setsigdefault: (attr: Buffer, set: Buffer) => number;
  posix_spawnattr_setsigmask: (attr: Buffer, set: Buffer) => number;
  sigfillset: (set: Buffer) => number;
  sigemptyset: (set: Buffer) => number;
  waitpid: (pid: number, status: Int32Array, options: number) => number;
  unshare: (flags: number) => number;
  setns: (fd: number, nstype: number) => number;
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
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
    close: lib.func('int close(int fd)'),
    send: lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
    recv: lib.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    shutdown: lib.func('int shutdown(int fd, int how)'),
    pipe2: lib.func('int pipe2(int *fds, int flags)'),
    posix_spawnp: lib.func('int posix_spawnp(int *pid, const char *file, void *actions, void *attr, const char **argv, const char **envp)'),
    posix_spawn_file_actions_init: lib.func('int posix_spawn_file_actions_init(void *actions)'),
    posix_spawn_file_actions_destroy: lib.func('int posix_spawn_file_actions_destroy(void *actions)'),
    posix_spawn_file_actions_adddup2: lib.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    posix_spawn_file_actions_addopen: lib.func('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)'),
    posix_spawn_file_actions_addchdir_np: lib.func('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
    posix_spawnattr_init: lib.func('int posix_spawnattr_init(void *attr)'),
    posix_spawnattr_destroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
    posix_spawnattr_setflags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
    posix_spawnattr_setsigdefault: lib.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    posix_spawnattr_setsigmask: lib.func('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    sigfillset: lib.func('int sigfillset(void *set)'),
    sigemptyset: lib.func('int sigemptyset(void *set)'),
    waitpid: lib.func('int waitpid(int pid, int *status, int options)'),
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
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


/** mount(2). Options longer than a page fail with EINVAL; callers keep `data` short. */
export function mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  const l = load();
  if (l.mount(source, target, fstype, flags, data) !== 0) throw errnoError(l.errno(), 'mount', target);
}

export const MNT_DETACH = 2;
/** mount(2) flags. */
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_REMOUNT = 32;
export const MS_SHARED = 1 << 20;

/** umount2(2); a target that is not mounted (EINVAL) or gone (ENOENT) counts as unmounted. */
export function umount(target: string, flags = 0): void {
  const l = load();
  if (l.umount2(target, flags) === 0) return;
  const errno = l.errno();
  const code = errnoCode(errno);
  if (code === 'EINVAL' || code === 'ENOENT') return;
  throw errnoError(errno, 'umount2', target);
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;

/**
 * A connected AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket), as a blocking fd the caller
 * owns; Node's net module only opens stream sockets.
 */
export function connectSeqpacket(path: string): number {
  const l = load();
  const fd = l.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError(l.errno(), 'socket', path);
  const name = Buffer.from(path);
  if (name.length >= 108) {
    l.close(fd);
    throw errnoError(constants.errno.ENAMETOOLONG, 'connect', path);
  }
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  if (l.connect(fd, addr, 2 + name.length + 1) !== 0) {
    const errno = l.errno();
    l.close(fd);
    throw errnoError(errno, 'connect', path);
  }
  return fd;
}

const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const SHUT_WR = 1;

function wouldBlock(errno: number): boolean {
  const code = errnoCode(errno);
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** Sends one packet without blocking: false when the peer's queue is full (try again later). */
export function sendPacket(fd: number, packet: Buffer): boolean {
  const l = load();
  if (l.send(fd, packet, packet.length, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
  const errno = l.errno();
  if (wouldBlock(errno)) return false;
  throw errnoError(errno, 'send', `fd ${fd}`);
}

/** Receives one packet without blocking: its length, 0 when the peer closed, undefined when none is queued. */
export function recvPacket(fd: number, into: Buffer): number | undefined {
  const l = load();
  const n = l.recv(fd, into, into.length, MSG_DONTWAIT);
  if (n >= 0) return n;
  const errno = l.errno();
  if (wouldBlock(errno)) return undefined;
  throw errnoError(errno, 'recv', `fd ${fd}`);
}

/** shutdown(SHUT_WR): the peer reads end of file while this end can still receive. */
export function shutdownWrite(fd: number): void {
  const l = load();
  if (l.shutdown(fd, SHUT_WR) !== 0) throw errnoError(l.errno(), 'shutdown', `fd ${fd}`);
}

/** close(2) on the main thread, for fds this module handed out. */
export function closeFd(fd: number): void {
  load().close(fd);
}

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
// glibc's posix_spawnattr flags.
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
// Generous sizes for glibc's opaque types (x86_64: 80, 336 and 128 bytes).
const ACTIONS_BYTES = 256;
const ATTR_BYTES = 512;
const SIGSET_BYTES = 256;

/** pipe2(O_CLOEXEC): [read end, write end]. */
export function pipe(): [number, number] {
  const l = load();
  const fds = new Int32Array(2);
  if (l.pipe2(fds, O_CLOEXEC) !== 0) throw errnoError(l.errno(), 'pipe2', 'pipe');
  return [fds[0]!, fds[1]!];
}

export interface SpawnRequest {
  file: string;
  argv: string[];
  env: string[];
  cwd?: string;
  /** A new session (setsid), as `detached` does for child_process. */
  setsid?: boolean;
  /** [parent fd, child fd] pairs, dup2'd in the child; child fds not named here and below 3 get /dev/null. */
  fds: [number, number][];
}

/**
 * posix_spawnp(3): glibc's clone(CLONE_VM|CLONE_VFORK), so the cost does not grow with the
 * daemon's memory as fork does (2 ms for tugd's, against 0.15). Every signal is reset to its
 * default and unblocked in the child (Node ignores SIGPIPE). Throws when the program cannot run.
 */
export function posixSpawn(req: SpawnRequest): number {
  const l = load();
  const actions = Buffer.alloc(ACTIONS_BYTES);
  const attr = Buffer.alloc(ATTR_BYTES);
  const all = Buffer.alloc(SIGSET_BYTES);
  const none = Buffer.alloc(SIGSET_BYTES);
  l.posix_spawn_file_actions_init(actions);
  l.posix_spawnattr_init(attr);
  try {
    const mapped = new Set(req.fds.map(([, child]) => child));
    for (const fd of [0, 1, 2]) if (!mapped.has(fd)) l.posix_spawn_file_actions_addopen(actions, fd, '/dev/null', O_RDWR, 0);
    for (const [parent, child] of req.fds) l.posix_spawn_file_actions_adddup2(actions, parent, child);
    if (req.cwd) l.posix_spawn_file_actions_addchdir_np(actions, req.cwd);
    l.sigfillset(all);
    // sigfillset leaves out glibc's own signals (32, 33), which its child then leaves ignored: every one of the kernel's 64.
    all.fill(0xff, 0, 8);
    l.sigemptyset(none);
    l.posix_spawnattr_setsigdefault(attr, all);
    l.posix_spawnattr_setsigmask(attr, none);
    l.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (req.setsid ? POSIX_SPAWN_SETSID : 0));
    const pid = new Int32Array(1);
    // posix_spawn returns the error number itself (errno is untouched).
    const rc = l.posix_spawnp(pid, req.file, actions, attr, [...req.argv, null], [...req.env, null]);
    if (rc !== 0) throw errnoError(rc, 'posix_spawnp', req.file);
    return pid[0]!;
  } finally {
    l.posix_spawn_file_actions_destroy(actions);
    l.posix_spawnattr_destroy(attr);
  }
}

const WNOHANG = 1;

/** waitpid(pid, WNOHANG): the raw wait status once the child has ended, else undefined. */
export function reapChild(pid: number): number | undefined {
  const l = load();
  const status = new Int32Array(1);
  const r = l.waitpid(pid, status, WNOHANG);
  if (r === pid) return status[0]!;
  if (r === 0) return undefined;
  const errno = l.errno();
  // Reaped already (by no one else in tugd, but never wait forever on a lost child).
  if (errnoCode(errno) === 'ECHILD') return 255 << 8;
  throw errnoError(errno, 'waitpid', String(pid));
}

const CLONE_NEWNET = 0x40000000;
/** The network namespace tugd's main thread started in, opened before it ever leaves it. */
let homeNetns: number | undefined;

/**
 * A new network namespace, bound at `path` (which is made), as `ip netns add` makes one: the main
 * thread enters it (namespaces are per thread; nothing else runs on it meanwhile), binds its
 * /proc entry and comes back. No fork and no exec, where unshare(1) cost two of each.
 */
export function newNetns(path: string): void {
  const l = load();
  homeNetns ??= openSync('/proc/thread-self/ns/net', 'r');
  closeSync(openSync(path, 'w'));
  if (l.unshare(CLONE_NEWNET) !== 0) throw errnoError(l.errno(), 'unshare', path);
  let bound: unknown;
  try {
    mount('/proc/thread-self/ns/net', path, null, MS_BIND, null);
  } catch (err) {
    bound = err;
  }
  if (l.setns(homeNetns, CLONE_NEWNET) !== 0) {
    // Left in the new namespace, the daemon's later sockets would be in it: stop here instead.
    process.stderr.write(`tugd: cannot return to its network namespace: ${errnoError(l.errno(), 'setns', path).message}\n`);
    process.exit(70);
  }
  if (bound) throw bound;
}
