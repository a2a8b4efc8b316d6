// Mark and sweep, safe while the registry serves pushes. Mark: every manifest a repository
// links, and every blob those manifests name. Sweep: unmarked blobs whose mtime is older than
// the gc start minus the grace period. Pushes bump a blob's mtime whenever they upload it, find
// it present, mount it or link it into a manifest, always under the store's shared lock; the
// sweep re-reads each mtime under the exclusive lock before deleting. So a blob that a push
// still needs is either young (kept) or was used after the mark, under the lock (kept too).
// With --delete-untagged, old manifests that no tag, index or kept subject reaches are
// unlinked first; tagging one re-pushes it, which makes it young again.
import { rm, stat } from 'node:fs/promises';
import { InvalidParameterError } from '../errors.js';
import { parseManifest, type ParsedManifest } from './manifest.js';
import type { RegistryStore } from './store/index.js';

export interface GcOptions {
  /** Unreferenced blobs younger than this (ms before the gc started) are kept. */
  graceMs: number;
  /** Uploads started longer ago than this are removed. */
  uploadTtlMs: number;
  dryRun?: boolean;
  /** Also remove manifests no tag reaches (distribution's --delete-untagged). */
  deleteUntagged?: boolean;
}

export interface GcReport {
  marked: number;
  deleted: string[];
  /** `repo@digest` of untagged manifests removed. */
  manifestsRemoved: string[];
  freedBytes: number;
  keptRecent: number;
  uploadsRemoved: number;
  dryRun: boolean;
}

interface Untagged {
  repo: string;
  digest: string;
  subject?: string;
}

async function readManifest(store: RegistryStore, repo: string, digest: string): Promise<ParsedManifest | undefined> {
  try {
    return parseManifest(await store.blobs.read(digest), await store.repos.manifestType(repo, digest));
  } catch {
    // Gone, or no longer parses: it still keeps its own blob, and names nothing we can trust.
    return undefined;
  }
}

async function isYoung(store: RegistryStore, digest: string, cutoff: number): Promise<boolean> {
  const st = await stat(store.layout.blob(digest)).catch(() => undefined);
  return st !== undefined && st.mtimeMs >= cutoff;
}

/**
 * Marks what each repository keeps: every manifest it links, or with `deleteUntagged` only
 * the tagged and the young ones, what their indexes list, and the referrers of what is kept.
 */
async function markRepo(store: RegistryStore, repo: string, marked: Set<string>, cutoff: number, deleteUntagged: boolean): Promise<Untagged[]> {
  const revisions = await store.repos.manifestDigests(repo);
  const parsed = new Map<string, ParsedManifest | undefined>();
  for (const d of revisions) parsed.set(d, await readManifest(store, repo, d));
  const tagged = new Set<string>();
  for (const t of await store.repos.tags(repo)) {
    const d = await store.repos.resolveTag(repo, t);
    if (d) tagged.add(d);
  }
  const keep = new Set<string>();
  const visit = (d: string): void => {
    if (keep.has(d)) return;
    keep.add(d);
    for (const c of parsed.get(d)?.manifests ?? []) visit(c.digest);
  };
  for (const d of revisions) if (!deleteUntagged || tagged.has(d) || (await isYoung(store, d, cutoff))) visit(d);
  for (let grew = true; grew;) {
    grew = false;
    for (const [d, m] of parsed) {
      if (!keep.has(d) && m?.subject && keep.has(m.subject.digest)) {
        visit(d);
        grew = true;
      }
    }
  }
  for (const d of keep) {
    marked.add(d);
    for (const b of parsed.get(d)?.blobs ?? []) marked.add(b.digest);
    for (const c of parsed.get(d)?.manifests ?? []) marked.add(c.digest);
  }
  return revisions.filter((d) => !keep.has(d)).map((digest) => ({ repo, digest, subject: parsed.get(digest)?.subject?.digest }));
}

export async function collectGarbage(store: RegistryStore, opts: GcOptions): Promise<GcReport> {
  const started = Date.now();
  const cutoff = started - opts.graceMs;
  const dryRun = opts.dryRun ?? false;
  const marked = new Set<string>();
  const untagged: Untagged[] = [];
  for (const repo of await store.repos.list()) untagged.push(...await markRepo(store, repo, marked, cutoff, opts.deleteUntagged ?? false));
  const report: GcReport = { marked: marked.size, deleted: [], manifestsRemoved: [], freedBytes: 0, keptRecent: 0, uploadsRemoved: 0, dryRun };
  await store.lock.exclusive(async () => {
    for (const u of untagged) {
      // Tagging a manifest re-pushes it, which makes it young: a tag set since the mark wins.
      if (await isYoung(store, u.digest, cutoff)) {
        const m = await readManifest(store, u.repo, u.digest);
        for (const d of [u.digest, ...(m?.blobs ?? []).map((b) => b.digest), ...(m?.manifests ?? []).map((c) => c.digest)]) marked.add(d);
        continue;
      }
      report.manifestsRemoved.push(`${u.repo}@${u.digest}`);
      if (dryRun) continue;
      if (u.subject) await store.repos.removeReferrer(u.repo, u.subject, u.digest);
      await store.repos.unlinkManifest(u.repo, u.digest);
    }
    const candidates = (await store.listBlobs()).filter((b) => !marked.has(b.digest));
    for (const c of candidates) {
      if (c.mtimeMs >= cutoff) {
        report.keptRecent++;
        continue;
      }
      report.deleted.push(c.digest);
      report.freedBytes += c.size;
      if (!dryRun) await store.blobs.remove(c.digest);
    }
    if (dryRun || report.deleted.length === 0) return;
    // Links to swept blobs would make a repository claim what it cannot serve.
    const gone = new Set(report.deleted);
    for (const repo of await store.repos.list()) {
      for (const d of await store.repos.layerDigests(repo)) if (gone.has(d)) await store.repos.unlinkLayer(repo, d);
    }
  });
  for (const u of await store.uploads.list()) {
    if (u.startedAt < started - opts.uploadTtlMs && !store.uploads.isBusy(u.uuid)) {
      report.uploadsRemoved++;
      if (!dryRun) await rm(store.layout.upload(u.uuid), { recursive: true, force: true });
    }
  }
  return report;
}

/** Durations as Go writes them: `90s`, `1h30m`, `168h`, `500ms`, or `0`. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) throw new InvalidParameterError(`invalid duration "${s}"`);
  return total;
}
