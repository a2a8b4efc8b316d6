// docker cp's path rules, pure: CONTAINER:PATH splitting, Go's filepath on Unix, trailing "/."
// and "/" kept through cleaning, and moby's archive.PrepareArchiveCopy (where a tar is extracted
// and how its top entry is renamed: dir into dir, file over file, no file over a directory).
import { absPath, cleanPath } from '../../run/mounts.js';

/** Go's filepath.Base. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's filepath.Split: everything up to and including the last '/', and the rest. */
export function goSplit(p: string): [string, string] {
  const i = p.lastIndexOf('/');
  return [p.slice(0, i + 1), p.slice(i + 1)];
}

/** Go's filepath.Dir. */
export function goDir(p: string): string {
  return cleanPath(goSplit(p)[0]);
}

/** Go's filepath.Join: the non-empty parts joined and cleaned ('' when all are empty). */
export function goJoin(...parts: string[]): string {
  const kept = parts.filter((x) => x !== '');
  return kept.length ? cleanPath(kept.join('/')) : '';
}

export const hasTrailingPathSeparator = (p: string): boolean => p.endsWith('/');
export const specifiesCurrentDir = (p: string): boolean => goBase(p) === '.';
/** A path ending in '/' or '/.' says it must be a directory. */
export const assertsDirectory = (p: string): boolean => hasTrailingPathSeparator(p) || specifiesCurrentDir(p);

/** Puts back the trailing '/.' or '/' that cleaning took from `original`. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingPathSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingPathSeparator(out) && hasTrailingPathSeparator(original)) out += '/';
  return out;
}

/** The parent and the entry, cleaned, keeping a trailing '.' ("/a/b/." → ["/a/b", "."]). */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = cleanPath(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [goDir(cleaned), goBase(cleaned)];
}

/** After a symlink was resolved: keep the user's trailing '/.' or '/', and rename to their name. */
export function getRebaseName(path: string, resolved: string): [string, string] {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingPathSeparator(path) && !hasTrailingPathSeparator(out)) out += '/';
  return [out, goBase(path) !== goBase(out) ? goBase(path) : ''];
}

/** `CONTAINER:PATH` or a local path; "./a:b" and "/a:b" are local, as in scp. */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.slice(0, colon).startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** filepath.Abs, with the trailing '/.' or '/' kept. */
export function resolveLocalPath(p: string, cwd: string): string {
  return preserveTrailingDotOrSeparator(absPath(p, cwd), p);
}

/** RebaseArchiveEntries' rename: the first occurrence of oldBase (the root as ''). */
export function rebaseEntryName(name: string, oldBase: string, newBase: string): string {
  const from = oldBase === '/' ? '' : oldBase;
  return name.replace(from, () => newBase);
}

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  rebaseName: string;
}

export interface PreparedCopy {
  /** The directory to extract into. */
  dstDir: string;
  /** Rename entries from [0] to [1] on the way, or nothing. */
  rebase?: [string, string];
}

/** A copy the archive rules refuse, with moby's error texts. */
export class CopyError extends Error {}

/** moby's PrepareArchiveCopy, without the stream: where to extract, and what to rename. */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): PreparedCopy {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  let [, srcBase] = splitPathDirEntry(src.path);
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new CopyError('cannot copy directory');
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new CopyError('no such directory');
  if (src.rebaseName) srcBase = src.rebaseName;
  return { dstDir, rebase: [srcBase, dstBase] };
}

/** Go's os.FileMode type bits, as PathStat.mode carries them. */
export const MODE_DIR = 2 ** 31;
export const MODE_SYMLINK = 2 ** 27;
export const MODE_DEVICE = 2 ** 26;
export const MODE_IRREGULAR = 2 ** 19;

const hasBit = (mode: number, bit: number) => Math.floor(mode / bit) % 2 === 1;
export const isDirMode = (mode: number): boolean => hasBit(mode, MODE_DIR);
export const isSymlinkMode = (mode: number): boolean => hasBit(mode, MODE_SYMLINK);

/** command.ValidateOutputPathFileMode: devices and irregular files are no copy targets. */
export function outputPathModeError(mode: number): string | undefined {
  if (hasBit(mode, MODE_DEVICE)) return 'got a device';
  if (hasBit(mode, MODE_IRREGULAR)) return 'got an irregular file';
  return undefined;
}

/** `destination "ctr:/path" must be a directory`, and its kin. */
export function destinationError(container: string, path: string, what: string): string {
  return `destination "${container}:${path}" ${what}`;
}
