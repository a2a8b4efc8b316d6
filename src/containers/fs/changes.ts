// `docker diff` from an overlay upper dir (moby's OverlayChanges): a 0:0 character device or
// an opaque directory over a lower one is a deletion, a path the lowers have is a change, any
// other an addition. The mount points runc makes for the runtime's own files are not changes
// of the container's (dockerd keeps them in an init layer below the upper dir).
import { lstatSync, readdirSync, type BigIntStats, type Stats } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '../../sys/libc.js';

export const ChangeKind = { Modified: 0, Added: 1, Deleted: 2 } as const;

export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** What dockerd's init layer holds: mount points of the runtime's files, deepest first. */
const INIT_PATHS = ['dev/pts', 'dev/shm', 'dev/console', 'dev', 'proc', 'sys', '.dockerenv', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab'];

/**
 * The init paths present in `upper` only as mount points (empty files, or directories with
 * nothing else in them): left out of diff and commit.
 */
export function mountPointPaths(upper: string): Set<string> {
  const hidden = new Set<string>();
  for (const rel of INIT_PATHS) {
    const st = lstatSync(join(upper, rel), { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isFile() && st.size === 0) hidden.add(rel);
    else if (st.isDirectory() && readdirSync(join(upper, rel)).every((n) => hidden.has(`${rel}/${n}`))) hidden.add(rel);
  }
  return hidden;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  return lgetxattr(path, 'trusted.overlay.opaque')?.toString() === 'y';
}

/** Go's time comparison in moby's sameFsTime: equal, or equal seconds where one side has no nanoseconds. */
function sameTime(a: bigint, b: bigint): boolean {
  const ns = 1_000_000_000n;
  return a === b || (a / ns === b / ns && (a % ns === 0n || b % ns === 0n));
}

function lowerStat(lowers: readonly string[], rel: string): BigIntStats | undefined {
  for (const dir of lowers) {
    const st = lstatSync(join(dir, rel), { throwIfNoEntry: false, bigint: true });
    if (st) return st;
  }
  return undefined;
}

/** The changes in `upper` over `lowers` (top layer first), sorted by path as dockerd sorts them. */
export function overlayChanges(upper: string, lowers: readonly string[]): Change[] {
  const hidden = mountPointPaths(upper);
  const changes: Change[] = [];
  // Returns whether anything under `rel` was reported, so its directory is reported too.
  const walk = (rel: string): boolean => {
    let reported = false;
    for (const name of readdirSync(rel ? join(upper, rel) : upper)) {
      const path = rel ? `${rel}/${name}` : name;
      if (hidden.has(path)) continue;
      const abs = join(upper, path);
      const st = lstatSync(abs);
      const below = lowerStat(lowers, path);
      if (isWhiteout(st)) {
        changes.push({ Path: `/${path}`, Kind: ChangeKind.Deleted });
      } else if (!st.isDirectory()) {
        changes.push({ Path: `/${path}`, Kind: below ? ChangeKind.Modified : ChangeKind.Added });
      } else if (isOpaque(abs) && below) {
        // A directory deleted and made again: its old content is gone, the new one added.
        changes.push({ Path: `/${path}`, Kind: ChangeKind.Deleted });
        walk(path);
      } else {
        const at = changes.length;
        const childReported = walk(path);
        if (!below) {
          changes.splice(at, 0, { Path: `/${path}`, Kind: ChangeKind.Added });
        } else {
          const big = lstatSync(abs, { bigint: true });
          const sameAttrs = below.isDirectory() && big.mode === below.mode && big.uid === below.uid && big.gid === below.gid;
          // A directory copied up only for runc's mount points has a new mtime and nothing else.
          const onlyMountPoints = [...hidden].some((h) => h.startsWith(`${path}/`));
          const touched = !sameTime(big.mtimeNs, below.mtimeNs as bigint) && !onlyMountPoints;
          if (!childReported && sameAttrs && !touched) continue;
          changes.splice(at, 0, { Path: `/${path}`, Kind: ChangeKind.Modified });
        }
      }
      reported = true;
    }
    return reported;
  };
  walk('');
  return changes.sort((a, b) => Buffer.compare(Buffer.from(a.Path), Buffer.from(b.Path)));
}
