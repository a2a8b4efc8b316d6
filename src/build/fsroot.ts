// Paths inside a root directory resolved as a chroot would: symlinks are followed, but `..`
// and absolute targets stop at the root. COPY writes into an image's rootfs through these.
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { InvalidParameterError } from '../errors.js';

const MAX_HOPS = 40;

/** The host path of `path` (absolute, in the image) under `root`; the last component is followed too unless `nofollowLast`. */
export function resolveInRoot(root: string, path: string, nofollowLast = false): string {
  const todo = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = posix.join(root, ...done, part);
    if (nofollowLast && todo.length === 0) {
      done.push(part);
      break;
    }
    let isLink = false;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      // Missing: the rest is created by the caller.
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_HOPS) throw new InvalidParameterError(`too many levels of symbolic links: ${path}`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter(Boolean));
  }
  return posix.join(root, ...done);
}

/** `rel` cleaned and kept inside its root: `../x` and `/x` both mean `x`, as Docker's context paths. */
export function cleanRelative(p: string): string {
  return posix.normalize(`/${p}`).slice(1);
}

/** A glob of one path segment (`*`, `?`, `[a-z]`, `\` escapes) as a RegExp. */
export function segmentRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new InvalidParameterError(`syntax error in pattern: ${glob}`);
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    throw new InvalidParameterError(`syntax error in pattern: ${glob}`);
  }
}

export function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}
