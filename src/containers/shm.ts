// `--ipc shareable`: the container's /dev/shm is a tmpfs tugd mounts on the host at
// `<container dir>/mounts/shm` (dockerd's ShmPath) and binds into it, so that a container started
// with `--ipc container:NAME` can bind the same one. It is unmounted when the container stops or
// is removed; a joiner that still runs keeps its own reference to it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SHM_SIZE } from '../runtime/spec/index.js';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount, umount } from '../sys/libc.js';
import { isMountPoint } from '../sys/mounts.js';

export function shmPath(containerDir: string): string {
  return join(containerDir, 'mounts', 'shm');
}

/** Mounts the shareable /dev/shm (mode 1777, `--shm-size` or 64 MiB) unless it is mounted already. */
export function mountShm(path: string, size: number | undefined): void {
  mkdirSync(path, { recursive: true, mode: 0o710 });
  if (!isMountPoint(path)) mount('shm', path, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${size || DEFAULT_SHM_SIZE}`);
}

export function unmountShm(path: string): void {
  while (isMountPoint(path)) umount(path, MNT_DETACH);
}
