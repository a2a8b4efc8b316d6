// First-use copy of the image's content into an empty volume, as dockerd's CopyImagePathContent:
// the path is resolved inside the rootfs as a chroot would (a symlink cannot lead out), and
// cp -a keeps owners, modes, links and xattrs, the directory's own included. A marker beside
// _data says a copy is under way: a copy a crash cut short is done again from the start.
import { execFile } from 'node:child_process';
import { lstat, readdir, readlink, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isErrno } from '../errors.js';
import { writeFileAtomic } from '../storage/atomic.js';

const run = promisify(execFile);
const MAX_LINKS = 255;
export const COPY_MARKER = 'copy-up.pending';

/** The host path of `path` inside `root`, following symlinks without leaving root. */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return join(root, ...done, part, ...pending);
      throw err;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links: ${path}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...done);
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/** Copies the image's directory at `destination` into the volume if it is empty (or a copy was cut short). */
export async function copyImageContent(rootfs: string, destination: string, volumePath: string): Promise<boolean> {
  const source = await resolveInRoot(rootfs, destination);
  let st;
  try {
    st = await lstat(source);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
  if (!st.isDirectory()) return false;
  const marker = join(dirname(volumePath), COPY_MARKER);
  if (await lstat(marker).then(() => true, () => false)) {
    for (const name of await readdir(volumePath)) await rm(join(volumePath, name), { recursive: true, force: true });
  } else if (await isEmptyDir(volumePath)) {
    await writeFileAtomic(marker, '');
  } else {
    return false;
  }
  await run('cp', ['-a', '--', `${source}/.`, `${volumePath}/`]);
  await rm(marker);
  return true;
}
