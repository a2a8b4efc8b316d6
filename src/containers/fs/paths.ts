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

/** A bind mount of the container, seen from the host: what dockerd mounts for cp as well. */
export interface BindMount {
  destination: string;
  source: string;
  readOnly: boolean;
}

/** The rootfs with the container's bind mounts over it, as the container sees its tree. */
export class RootfsView {
  private readonly binds: { parts: string[]; mount: BindMount }[];

  constructor(readonly root: string, binds: readonly BindMount[] = []) {
    // Longest destination first: a mount inside another one wins.
    this.binds = binds.map((mount) => ({ parts: posix.normalize(mount.destination).split('/').filter(Boolean), mount }))
      .sort((a, b) => b.parts.length - a.parts.length);
  }

  /** The bind mount a clean container path (as parts) is in, if any. */
  mountOf(parts: readonly string[]): { mount: BindMount; rest: string[] } | undefined {
    for (const b of this.binds) {
      if (b.parts.length <= parts.length && b.parts.every((p, i) => parts[i] === p)) return { mount: b.mount, rest: parts.slice(b.parts.length) };
    }
    return undefined;
  }

  hostPath(parts: readonly string[]): string {
    const m = this.mountOf(parts);
    return m ? posix.join(m.mount.source, ...m.rest) : posix.join(this.root, ...parts);
  }
}

/**
 * The container path `path` resolved in `view`, every symlink followed inside it (also the
 * last element when `followLast`): its clean parts, and where that is on the host. Missing
 * parts are kept as they are.
 */
export function resolveIn(view: RootfsView, path: string, followLast: boolean): { parts: string[]; host: string } {
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
    const host = view.hostPath([...real, part]);
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
  return { parts: real, host: view.hostPath(real) };
}

/** resolveIn for a rootfs without mounts: the host path. */
export function resolveInRoot(root: string, path: string, followLast: boolean): string {
  return resolveIn(new RootfsView(root), path, followLast).host;
}

/** moby's PreserveTrailingDotOrSeparator for a path made absolute in the container. */
export function absContainerPath(path: string): string {
  let abs = posix.join('/', path);
  if ((path.endsWith('/.') || path === '.') && !abs.endsWith('/.')) abs = `${abs === '/' ? '' : abs}/.`;
  if (path.endsWith('/') && !abs.endsWith('/')) abs += '/';
  return abs;
}

/** moby's container.ResolvePath: the directory resolved in scope, the last element kept as given. */
export function resolvePath(view: RootfsView | string, path: string): { resolved: string; abs: string } {
  const v = typeof view === 'string' ? new RootfsView(view) : view;
  const abs = absContainerPath(path);
  const cut = abs.lastIndexOf('/') + 1;
  const base = abs.slice(cut);
  const dir = resolveIn(v, abs.slice(0, cut), true).parts;
  // The last element may itself be a mount point: map the joined path, then keep "/." or "/".
  const named = base === '' || base === '.' ? dir : [...dir, base];
  const host = v.hostPath(named);
  return { resolved: base === '' || base === '.' ? `${host.replace(/\/$/, '')}/${base}` : host, abs };
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
export function statPath(view: RootfsView, resolved: string, abs: string, path: string, container: string): PathStat {
  const st = lstatIn(resolved, path, container);
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = `/${resolveIn(view, abs, true).parts.join('/')}`;
  const mtimeNs = lstatSync(resolved, { bigint: true }).mtimeNs;
  return { name: goBase(abs), size: st.size, mode: goFileMode(st), mtime: rfc3339Nano(mtimeNs), linkTarget };
}
