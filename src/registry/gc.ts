// Mark and sweep, safe while the registry serves pushes. Mark: every manifest a repository
// links, and every blob those manifests name. Sweep: unmarked blobs whose mtime is older than
// the gc start minus the grace period. Pushes bump a blob's mtime whenever they upload it, find
// it present, mount it or link it into a manifest, always under the store's shared lock; the
// sweep re-reads each mtime under the exclusive lock before deleting. So a blob that a push
// still needs is either young (kept) or was used after the mark, under the lock (kept too).
import { rm, stat } from 'node:fs/promises';
import { InvalidParameterError } from '../errors.js';
import { parseManifest } from './manifest.js';
import type { RegistryStore } from './store/index.js';

export interface GcOptions {
  /** Unreferenced blobs younger than this (ms before the gc started) are kept. */
  graceMs: number;
  /** Uploads started longer ago than this are removed. */
  uploadTtlMs: number;
  dryRun?: boolean;
}

export interface GcReport {
  marked: number;
  deleted: string[];
  freedBytes: number;
  keptRecent: number;
  uploadsRemoved: number;
  dryRun: boolean;
}

async function mark(store: RegistryStore): Promise<Set<string>> {
  const marked = new Set<string>();
  for (const repo of await store.repos.list()) {
    for (const digest of await store.repos.manifestDigests(repo)) {
      marked.add(digest);
      const mediaType = await store.repos.manifestType(repo, digest);
      let data: Buffer;
      try {
        data = await store.blobs.read(digest);
      } catch {
        continue;
      }
      try {
        const m = parseManifest(data, mediaType);
        for (const b of m.blobs) marked.add(b.digest);
        for (const c of m.manifests) marked.add(c.digest);
      } catch {
        // A manifest that no longer parses still keeps its own blob; it names nothing we can trust.
      }
    }
  }
  return marked;
}

export async function collectGarbage(store: RegistryStore, opts: GcOptions): Promise<GcReport> {
  const started = Date.now();
  const cutoff = started - opts.graceMs;
  const dryRun = opts.dryRun ?? false;
  const marked = await mark(store);
  const candidates = (await store.listBlobs()).filter((b) => !marked.has(b.digest));
  const report: GcReport = { marked: marked.size, deleted: [], freedBytes: 0, keptRecent: 0, uploadsRemoved: 0, dryRun };
  await store.lock.exclusive(async () => {
    for (const c of candidates) {
      const st = await stat(store.layout.blob(c.digest)).catch(() => undefined);
      if (!st) continue;
      if (st.mtimeMs >= cutoff) {
        report.keptRecent++;
        continue;
      }
      report.deleted.push(c.digest);
      report.freedBytes += st.size;
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
