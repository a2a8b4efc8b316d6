// COPY and ADD: sources found (wildcards, Docker's context rules) and hashed for the cache key,
// then copied into a mounted rootfs with Docker's file / directory / trailing-slash rules.
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, rmSync, symlinkSync,
  writeFileSync, type Stats,
} from 'node:fs';
import { basename, join, posix } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import { DockerIgnore } from './context/dockerignore.js';
import { cleanRelative, hasGlob, resolveInRoot, segmentRegExp } from './fsroot.js';

/** One source as the user named it, with the files it stands for. */
export interface CopySource {
  /** The path in the context (or the other image), cleaned, without a leading slash. */
  rel: string;
  abs: string;
  isDir: boolean;
}

export interface CopyPlan {
  sources: CopySource[];
  /** COPY --exclude: true for a path (inside a source directory) that is left out. */
  skip?: (pathInSource: string) => boolean;
  /** For the cache key and miss explanations: path → hash of mode, owner and content. */
  files: Record<string, string>;
}

export interface Ownership {
  uid: number;
  gid: number;
}

const BUF = Buffer.allocUnsafe(1 << 16);

function fileHash(abs: string, st: Stats): string {
  const h = createHash('sha256');
  h.update(`${st.mode.toString(8)} ${st.uid}:${st.gid}\0`);
  if (st.isSymbolicLink()) h.update(readlinkSync(abs));
  else if (st.isFile()) {
    const fd = openSync(abs, 'r');
    try {
      for (let n; (n = readSync(fd, BUF, 0, BUF.length, null)) > 0;) h.update(BUF.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest('hex').slice(0, 32);
}

function hashTree(abs: string, rel: string, inSource: string, out: Record<string, string>, skip?: (p: string) => boolean): void {
  const st = lstatSync(abs);
  out[rel || '.'] = fileHash(abs, st);
  if (!st.isDirectory()) return;
  for (const name of readdirSync(abs).sort()) {
    const sub = inSource ? `${inSource}/${name}` : name;
    if (skip?.(sub)) continue;
    hashTree(join(abs, name), rel ? `${rel}/${name}` : name, sub, out, skip);
  }
}

/** Matches a wildcard path segment by segment under `root`. */
function glob(root: string, pattern: string): string[] {
  let found = [''];
  for (const seg of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const base of found) {
      if (!hasGlob(seg)) {
        try {
          lstatSync(join(root, base, seg));
          next.push(base ? `${base}/${seg}` : seg);
        } catch {
          // no such entry
        }
        continue;
      }
      const re = segmentRegExp(seg);
      let names: string[] = [];
      try {
        names = readdirSync(join(root, base));
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n)) next.push(base ? `${base}/${n}` : n);
    }
    found = next;
  }
  return found;
}

/** COPY --exclude patterns (.dockerignore syntax) as a test on paths inside a source. */
export function excludeMatcher(exclude: string[]): ((p: string) => boolean) | undefined {
  if (exclude.length === 0) return undefined;
  const ignore = new DockerIgnore(exclude.join('\n'));
  return (p) => ignore.ignored(p);
}

/** Finds and hashes the sources. `root` is the context dir, or another image's rootfs for --from. */
export function planCopy(root: string, sources: string[], fromImage: boolean, exclude: string[] = []): CopyPlan {
  const plan: CopyPlan = { sources: [], files: {} };
  plan.skip = excludeMatcher(exclude);
  for (const src of sources) {
    const rel = cleanRelative(src).replace(/\/+$/, '');
    const matches = hasGlob(rel) ? glob(root, rel) : [rel];
    if (hasGlob(rel) && matches.length === 0) continue;
    for (const m of matches) {
      // Inside another image symlinks resolve in its root; in the context they are copied as they are.
      const abs = fromImage ? resolveInRoot(root, m) : join(root, m);
      let st: Stats;
      try {
        st = lstatSync(abs);
      } catch {
        if (fromImage) throw new NotFoundError(`failed to compute cache key: "/${m}": not found`);
        throw new NotFoundError(`COPY failed: file not found in build context or excluded by .dockerignore: stat ${m || '.'}: file does not exist`);
      }
      if (!st.isDirectory() && plan.skip?.(posix.basename(m))) continue;
      plan.sources.push({ rel: m, abs, isDir: st.isDirectory() });
      hashTree(abs, m, '', plan.files, plan.skip);
    }
  }
  if (plan.sources.length === 0) throw new InvalidParameterError('COPY failed: no source files were specified');
  return plan;
}

export interface CopyTarget {
  /** The mounted rootfs written into. */
  root: string;
  /** Absolute destination in the image, WORKDIR applied, trailing slash kept. */
  dest: string;
  owner: Ownership;
  /** --chmod, applied to every file and directory copied. */
  mode?: number;
}

/** Creates missing directories of `dir` (inside root), owned as the copy is; returns its host path. */
function mkdirs(root: string, dir: string, owner: Ownership): string {
  const host = resolveInRoot(root, dir);
  const parts = posix.relative(root, host).split('/').filter(Boolean);
  let cur = root;
  for (const p of parts) {
    cur = join(cur, p);
    let st: Stats | undefined;
    try {
      st = lstatSync(cur);
    } catch {
      // created below
    }
    if (st?.isDirectory()) continue;
    if (st) rmSync(cur, { force: true });
    mkdirSync(cur, { mode: 0o755 });
    lchownSync(cur, owner.uid, owner.gid);
  }
  return host;
}

function applyMeta(dst: string, st: Stats, t: CopyTarget): void {
  lchownSync(dst, t.owner.uid, t.owner.gid);
  if (!st.isSymbolicLink()) chmodSync(dst, t.mode ?? st.mode & 0o7777);
  lutimesSync(dst, st.atime, st.mtime);
}

function copyEntry(src: string, dst: string, t: CopyTarget, inSource = '', skip?: (p: string) => boolean): void {
  const st = lstatSync(src);
  let existing: Stats | undefined;
  try {
    existing = lstatSync(dst);
  } catch {
    // new entry
  }
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) rmSync(dst, { force: true });
    if (!existing?.isDirectory()) mkdirSync(dst, { mode: 0o755 });
    for (const name of readdirSync(src)) {
      const sub = inSource ? `${inSource}/${name}` : name;
      if (!skip?.(sub)) copyEntry(join(src, name), join(dst, name), t, sub, skip);
    }
    applyMeta(dst, st, t);
    return;
  }
  if (existing) rmSync(dst, { recursive: true, force: true });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isFile()) copyFileSync(src, dst);
  else throw new InvalidParameterError(`COPY failed: ${basename(src)} is not a regular file, directory or symlink`);
  applyMeta(dst, st, t);
}

/** Docker's rules: a directory source copies its contents; a file goes into `dest/` or becomes `dest`. */
export function executeCopy(plan: CopyPlan, t: CopyTarget): void {
  const many = plan.sources.length > 1;
  const destIsDir = t.dest.endsWith('/') || t.dest === '/' || isDirIn(t.root, t.dest);
  if (many && !t.dest.endsWith('/') && !destIsDir) {
    throw new InvalidParameterError('When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  for (const s of plan.sources) {
    if (s.isDir) {
      const existed = isDirIn(t.root, t.dest);
      const host = mkdirs(t.root, t.dest, t.owner);
      for (const name of readdirSync(s.abs)) if (!plan.skip?.(name)) copyEntry(join(s.abs, name), join(host, name), t, name, plan.skip);
      if (!existed) applyDirMeta(host, s.abs, t);
      continue;
    }
    if (destIsDir) {
      const host = mkdirs(t.root, t.dest, t.owner);
      copyEntry(s.abs, join(host, basename(s.abs)), t);
    } else {
      const parent = mkdirs(t.root, posix.dirname(t.dest), t.owner);
      copyEntry(s.abs, join(parent, posix.basename(t.dest)), t);
    }
  }
}

/** A directory copied to a new `dest` gives it its own mode and time. */
function applyDirMeta(host: string, src: string, t: CopyTarget): void {
  const st = lstatSync(src);
  lchownSync(host, t.owner.uid, t.owner.gid);
  chmodSync(host, t.mode ?? st.mode & 0o7777);
  lutimesSync(host, st.atime, st.mtime);
}

/** `mkdir -p` inside the root, new directories root-owned 0755 (WORKDIR). */
export function executeMkdir(root: string, dir: string): void {
  mkdirs(root, dir, { uid: 0, gid: 0 });
}

/** Writes a heredoc (`COPY <<EOF /file`) as a file of its own. */
export function writeHeredocFile(root: string, dest: string, name: string, content: string, t: Omit<CopyTarget, 'root' | 'dest'>): void {
  const destIsDir = dest.endsWith('/') || isDirIn(root, dest);
  const file = destIsDir ? posix.join(dest, name) : dest;
  const parent = mkdirs(root, posix.dirname(file), t.owner);
  const host = join(parent, posix.basename(file));
  rmSync(host, { recursive: true, force: true });
  writeFileSync(host, content, { mode: 0o644 });
  lchownSync(host, t.owner.uid, t.owner.gid);
  chmodSync(host, t.mode ?? 0o644);
}

function isDirIn(root: string, p: string): boolean {
  try {
    return lstatSync(resolveInRoot(root, p)).isDirectory();
  } catch {
    return false;
  }
}

/** `--chmod=0755` (octal only, as the classic builder takes it). */
export function parseChmod(v: string | true | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === true || !/^[0-7]{3,4}$/.test(v)) throw new InvalidParameterError(`invalid chmod parameter: ${String(v)}`);
  return parseInt(v, 8);
}
