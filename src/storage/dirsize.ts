// How much a directory tree holds, for sizes in ps -s, prune reports and volume listings.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';

/** Bytes of regular files under `dir` (du's apparent size), without following links. */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await lstat(p)).size;
  }
  return total;
}
