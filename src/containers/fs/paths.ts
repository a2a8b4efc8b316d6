// Paths inside a container's rootfs, resolved from the host as a chroot would: symlinks are
// followed, but `..` and absolute targets stop at the rootfs (moby's FollowSymlinkInScope).
// And the archive API's stat: Go's os.FileMode bits, as the docker CLI reads them.
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { InvalidParameterError, NotFoundError, isErrno } from '../../errors.js';
import { rfc3339Nano } from '../../units/time.js';
import type { PathStat } from '../../types/container-views.js';

const MAX_SYMLINK_HOPS = 255; // as moby's FollowSymlinkInScope allows

/** Go's os.FileMode type bits. */
const GO_MODE = {
  dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, namedPipe: 2 ** 25, socket: 2 ** 24,
  setuid: 2 ** 23, setgid: 2 ** 22, charDevice: 2 ** 21, sticky: 2 ** 20,
};

/**
 * The host path of the container path `path` under `root`, every symlink followed inside the
 * root (also the last element when `followLast`). Missing parts are kept as they are.
 */
export function resolveInRoot(root: string, path: string, followLast: boolean): string {
  const real: string[] = [];
  const todo = path.split('/').reverse();
  let hops = 0;
  while (todo.length) {
    const part = todo.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      real.pop();
      continue;
    }
    const last = todo.every((p) => p === '' || p === '.');
    const host = posix.join(root, ...real, part);
    let st: Stats | undefined;
    try {
      st = lstatSync(host);
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
    if (st?.isSymbolicLink() && (!last || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new InvalidParameterError(`too many links in ${path}`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) real.length = 0;
      todo.push(...target.split('/').reverse());
      continue;
    }
    real.push(part);
  }
  return posix.join(root, ...real);
}

/** moby's PreserveTrailingDotOrSeparator for a path made absolute in the container. */
export function absContainerPath(path: string): string {
  let abs = posix.join('/', path);
  if ((path.endsWith('/.') || path === '.') && !abs.endsWith('/.')) abs = `${abs === '/' ? '' : abs}/.`;
  if (path.endsWith('/') && !abs.endsWith('/')) abs += '/';
  return abs;
}

/** moby's container.ResolvePath: the directory resolved in scope, the last element kept as given. */
export function resolvePath(root: string, path: string): { resolved: string; abs: string } {
  const abs = absContainerPath(path);
  const cut = abs.lastIndexOf('/') + 1;
  const dir = resolveInRoot(root, abs.slice(0, cut), true);
  return { resolved: `${dir.replace(/\/$/, '')}/${abs.slice(cut)}`, abs };
}

/** Go's os.FileMode of an lstat result. */
export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode += GO_MODE.dir;
  else if (st.isSymbolicLink()) mode += GO_MODE.symlink;
  else if (st.isFIFO()) mode += GO_MODE.namedPipe;
  else if (st.isSocket()) mode += GO_MODE.socket;
  else if (st.isCharacterDevice()) mode += GO_MODE.device + GO_MODE.charDevice;
  else if (st.isBlockDevice()) mode += GO_MODE.device;
  if (st.mode & 0o4000) mode += GO_MODE.setuid;
  if (st.mode & 0o2000) mode += GO_MODE.setgid;
  if (st.mode & 0o1000) mode += GO_MODE.sticky;
  return mode;
}

/** Go's filepath.Base. */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function fileNotFound(path: string, container: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${container}`);
}

/** lstat, with "no such file" worded as dockerd words it. */
export function lstatIn(resolved: string, path: string, container: string): Stats {
  try {
    return lstatSync(resolved);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw fileNotFound(path, container);
    throw err;
  }
}

/** moby's container.StatPath: the entry itself, and for a symlink where it leads in the rootfs. */
export function statPath(root: string, resolved: string, abs: string, path: string, container: string): PathStat {
  const st = lstatIn(resolved, path, container);
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = posix.join('/', posix.relative(root, resolveInRoot(root, abs, true)));
  const mtimeNs = lstatSync(resolved, { bigint: true }).mtimeNs;
  return { name: goBase(abs), size: st.size, mode: goFileMode(st), mtime: rfc3339Nano(mtimeNs), linkTarget };
}
