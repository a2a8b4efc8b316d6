// The image service: everything tugd does to images, over the content store, the layer
// store and the image records. No HTTP here; callers pass plain options.
import { PassThrough, type Readable } from 'node:stream';
import { ConflictError, InvalidParameterError, NotFoundError } from '../errors.js';
import type { EventPublisher } from '../events/index.js';
import type { ContentStore } from '../storage/content.js';
import { chainIDs, encoded } from '../storage/digest.js';
import type { LayerStore } from '../storage/layers.js';
import { familiarName, familiarString, parseDockerRef, parseNormalizedNamed, referenceString, withTag } from '../reference/index.js';
import type { ImageStore } from './store.js';
import { MediaType, type Descriptor, type ImageConfig, type ImageLayer, type ImageRecord, type Manifest } from './types.js';
import { imageHistory, imageInspect, imageSummary, repoTags, type HistoryItem, type ImageSummary } from './views.js';
import { globToRegExp, matchImageFilters, validateImageFilters, type TimeBounds } from './filters.js';

export interface ImageListOptions {
  all?: boolean;
  filters?: Record<string, string[]>;
  apiVersion: string;
}

export interface DeleteItem {
  Untagged?: string;
  Deleted?: string;
}

/** What the container service tells us about image use (none until containers exist). */
export interface ImageUsers {
  running(imageID: string): string | undefined;
  stopped(imageID: string): string | undefined;
  count(imageID: string): number;
  layersInUse(): Set<string>;
}

const noUsers: ImageUsers = { running: () => undefined, stopped: () => undefined, count: () => 0, layersInUse: () => new Set() };

/** The image events dockerd's image service logs for what tug does to images. */
export type ImageEventAction = 'tag' | 'untag' | 'delete' | 'import' | 'load' | 'save' | 'prune';

export interface NewImage {
  /** A config object to serialise, or the digest of config bytes already stored verbatim. */
  config: ImageConfig | { digest: string; size: number };
  layers: ImageLayer[];
  parent?: string;
  manifest?: Descriptor;
  tags?: string[];
}

export class ImageService {
  users: ImageUsers = noUsers;
  /** Layers and blobs a job is still assembling into an image (a pull): garbage collection spares them. */
  readonly pinned = { layers: new Set<string>(), blobs: new Set<string>() };
  /** Where image events go; none until the engine wires its event bus in. */
  events: EventPublisher | undefined;

  constructor(
    readonly content: ContentStore,
    readonly layers: LayerStore,
    readonly store: ImageStore,
  ) {}

  /** dockerd's LogImageEvent: the image's labels (while it still exists), then `name`. */
  async logEvent(action: ImageEventAction, id: string, name: string): Promise<void> {
    if (!this.events) return;
    const rec = this.store.get(id);
    const labels = rec ? (await this.config(rec).catch(() => undefined))?.config?.Labels : undefined;
    this.events.publish('image', action, { ID: id, Attributes: { ...(labels ?? {}), name } });
  }

  /** Resolves a name or ID; Docker's "No such image" otherwise. */
  get(name: string): ImageRecord {
    const rec = this.store.lookup(name);
    if (!rec) throw new NotFoundError(`No such image: ${this.displayName(name)}`);
    return rec;
  }

  private displayName(name: string): string {
    try {
      if (/^(sha256:)?[a-f0-9]+$/.test(name)) return name;
      return familiarString(parseDockerRef(name));
    } catch {
      return name;
    }
  }

  async config(rec: ImageRecord): Promise<ImageConfig> {
    return this.content.readJSON<ImageConfig>(rec.config.digest);
  }

  async list(opts: ImageListOptions): Promise<ImageSummary[]> {
    const filters = opts.filters ?? {};
    validateImageFilters(filters);
    const bounds = await this.timeBounds(filters);
    const out: { s: ImageSummary; created: number }[] = [];
    const records = this.store.all();
    const parents = new Set(records.map((r) => r.parent).filter((p): p is string => !!p));
    const patterns = (filters.reference ?? []).map(globToRegExp);
    for (const rec of records) {
      let refs = this.store.refsOf(rec.id);
      // Like dockerd, a reference filter also narrows the tags shown to the matching ones.
      if (patterns.length) {
        refs = refs.filter((r) => {
          const ref = parseNormalizedNamed(r);
          return patterns.some((p) => p.test(familiarString(ref)) || p.test(familiarName(ref)));
        });
        if (refs.length === 0) continue;
      }
      const config = await this.config(rec);
      // Untagged parents of other images are intermediate layers: only `-a` shows them.
      if (!opts.all && refs.length === 0 && parents.has(rec.id) && !filters.dangling) continue;
      const summary = imageSummary(rec, config, refs, opts.apiVersion, this.users.count(rec.id));
      if (!matchImageFilters(filters, { rec, config, refs }, bounds)) continue;
      out.push({ s: summary, created: summary.Created });
    }
    out.sort((a, b) => b.created - a.created || a.s.Id.localeCompare(b.s.Id));
    return out.map((x) => x.s);
  }

  private async timeBounds(filters: Record<string, string[]>): Promise<TimeBounds> {
    const bounds: TimeBounds = {};
    for (const key of ['before', 'since'] as const) {
      for (const name of filters[key] ?? []) {
        const config = await this.config(this.get(name));
        bounds[key] = config.created ? Date.parse(config.created) : 0;
      }
    }
    return bounds;
  }

  async inspect(name: string, apiVersion: string): Promise<Record<string, unknown>> {
    const rec = this.get(name);
    const config = await this.config(rec);
    const dirs = chainIDs(config.rootfs.diff_ids).map((c) => this.layers.diffPath(c)).reverse();
    const graph: Record<string, string> = dirs.length ? { UpperDir: dirs[0]!, ...(dirs.length > 1 ? { LowerDir: dirs.slice(1).join(':') } : {}) } : {};
    return imageInspect(rec, config, this.store.refsOf(rec.id), apiVersion, graph);
  }

  async history(name: string): Promise<HistoryItem[]> {
    const rec = this.get(name);
    const config = await this.config(rec);
    const anchors = [];
    for (let r: ImageRecord | undefined = rec; r; r = r.parent ? this.store.get(r.parent) : undefined) {
      const c = r === rec ? config : await this.config(r);
      anchors.push({ id: r.id, tags: repoTags(this.store.refsOf(r.id)), historyLength: c.history?.length || r.layers.length });
    }
    return imageHistory(rec, config, anchors);
  }

  async tag(name: string, repo: string, tag?: string): Promise<string> {
    const rec = this.get(name);
    let ref = parseNormalizedNamed(repo);
    if (ref.digest) throw new InvalidParameterError('refusing to create a tag with a digest reference');
    if (tag) ref = withTag(ref, tag);
    else if (!ref.tag) ref = withTag(ref, 'latest');
    const full = referenceString(ref);
    await this.store.exclusive(async () => {
      await this.store.setRef(full, rec.id);
      await this.store.put({ ...rec, lastTagTime: new Date().toISOString() });
    });
    await this.logEvent('tag', rec.id, familiarString(ref));
    return familiarString(ref);
  }

  async remove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<DeleteItem[]> {
    return this.store.exclusive(() => this.removeLocked(name, !!opts.force, !opts.noprune));
  }

  private async removeLocked(name: string, force: boolean, prune: boolean): Promise<DeleteItem[]> {
    const rec = this.get(name);
    const records: DeleteItem[] = [];
    const isIDPrefix = /^(sha256:)?[a-f0-9]+$/.test(name) && encoded(rec.id).startsWith(name.replace(/^sha256:/, ''));
    let refs = this.store.refsOf(rec.id);
    if (!isIDPrefix) {
      const ref = referenceString(parseDockerRef(name));
      if (!force && isSingleReference(refs)) {
        const user = this.users.running(rec.id) ?? this.users.stopped(rec.id);
        if (user) {
          throw new ConflictError(`conflict: unable to remove repository reference "${name}" (must force) - container ${user.slice(0, 12)} is using its referenced image ${encoded(rec.id).slice(0, 12)}`);
        }
      }
      await this.store.deleteRef(ref);
      await this.logEvent('untag', rec.id, rec.id);
      records.push({ Untagged: familiarString(parseNormalizedNamed(ref)) });
      refs = this.store.refsOf(rec.id);
      if (!ref.includes('@')) {
        const repo = familiarName(parseNormalizedNamed(ref));
        const sameRepoTag = refs.some((r) => !r.includes('@') && familiarName(parseNormalizedNamed(r)) === repo);
        if (!sameRepoTag) {
          for (const r of refs.filter((r) => r.includes('@') && familiarName(parseNormalizedNamed(r)) === repo)) {
            await this.store.deleteRef(r);
            records.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
          }
          refs = this.store.refsOf(rec.id);
        }
      }
      if (refs.length > 0) return records;
    } else if (isSingleReference(refs)) {
      this.checkConflict(rec, force ? 'hard' : 'soft-no-refs');
      for (const r of refs) {
        await this.store.deleteRef(r);
        await this.logEvent('untag', rec.id, rec.id);
        records.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
      }
    }
    await this.deleteHelper(rec, records, force, prune);
    await this.collectGarbage();
    return records;
  }

  private checkConflict(rec: ImageRecord, mode: 'hard' | 'soft' | 'soft-no-refs'): void {
    const short = encoded(rec.id).slice(0, 12);
    if (this.store.children(rec.id).length > 0) throw new ConflictError(`conflict: unable to delete ${short} (cannot be forced) - image has dependent child images`);
    const running = this.users.running(rec.id);
    if (running) throw new ConflictError(`conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${running.slice(0, 12)}`);
    if (mode === 'hard') return;
    if (mode === 'soft' && this.store.refsOf(rec.id).length > 0) {
      throw new ConflictError(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    }
    const stopped = this.users.stopped(rec.id);
    if (stopped) throw new ConflictError(`conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${stopped.slice(0, 12)}`);
  }

  private async deleteHelper(rec: ImageRecord, records: DeleteItem[], force: boolean, prune: boolean, quiet = false): Promise<void> {
    try {
      this.checkConflict(rec, force ? 'hard' : 'soft');
    } catch (err) {
      if (quiet) return;
      throw err;
    }
    for (const r of this.store.refsOf(rec.id)) {
      await this.logEvent('untag', rec.id, rec.id);
      records.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
    }
    await this.store.delete(rec.id);
    await this.logEvent('delete', rec.id, rec.id);
    records.push({ Deleted: rec.id });
    if (prune && rec.parent) {
      const parent = this.store.get(rec.parent);
      if (parent && this.store.refsOf(parent.id).length === 0) await this.deleteHelper(parent, records, false, true, true);
    }
  }

  /** Prunes dangling images (all unused ones with `all`). */
  async prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ ImagesDeleted: DeleteItem[] | null; SpaceReclaimed: number }> {
    const filters = { ...(opts.filters ?? {}) };
    const all = opts.all || (filters.dangling ?? []).some((v) => v === 'false' || v === '0');
    delete filters.dangling;
    validateImageFilters(filters);
    const bounds = await this.timeBounds(filters);
    return this.store.exclusive(async () => {
      const deleted: DeleteItem[] = [];
      for (const rec of this.store.all()) {
        if (!this.store.get(rec.id)) continue;
        const refs = this.store.refsOf(rec.id);
        if (!all && refs.length > 0) continue;
        if (this.users.count(rec.id) > 0 || this.store.children(rec.id).length > 0) continue;
        const config = await this.config(rec);
        if (!matchImageFilters(filters, { rec, config, refs }, bounds)) continue;
        for (const r of refs) {
          await this.logEvent('untag', rec.id, rec.id);
          deleted.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
        }
        await this.store.delete(rec.id);
        await this.logEvent('delete', rec.id, rec.id);
        deleted.push({ Deleted: rec.id });
      }
      const reclaimed = await this.collectGarbage();
      this.events?.publish('image', 'prune', { ID: '', Attributes: { reclaimed: String(reclaimed) } });
      return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
    });
  }

  /** Removes layers and blobs no image (and no container) references; returns the layer bytes freed. */
  async collectGarbage(): Promise<number> {
    const liveLayers = new Set([...this.users.layersInUse(), ...this.pinned.layers]);
    const liveBlobs = new Set<string>(this.pinned.blobs);
    for (const rec of this.store.all()) {
      liveBlobs.add(rec.config.digest);
      if (rec.manifest) liveBlobs.add(rec.manifest.digest);
      for (const l of rec.layers) {
        liveLayers.add(l.chainID);
        liveBlobs.add(l.blob);
      }
    }
    let freed = 0;
    for (const chain of await this.layers.list()) {
      if (liveLayers.has(chain)) continue;
      freed += (await this.layers.get(chain))?.size ?? 0;
      await this.layers.delete(chain);
    }
    for (const blob of await this.content.list()) if (!liveBlobs.has(blob)) await this.content.delete(blob);
    return freed;
  }

  /**
   * Stores an uncompressed layer tar: the blob goes to the content store (so `save` can
   * give back the same bytes) while the same stream is unpacked into the layer store.
   */
  async addLayer(tar: Readable, parentChainID: string | undefined, signal?: AbortSignal): Promise<ImageLayer> {
    const toBlob = new PassThrough({ highWaterMark: 1 << 20 });
    const toLayer = new PassThrough({ highWaterMark: 1 << 20 });
    tar.pipe(toBlob);
    tar.pipe(toLayer);
    tar.on('error', (err) => {
      toBlob.destroy(err);
      toLayer.destroy(err);
    });
    const [blob, layer] = await Promise.all([
      this.content.ingest(toBlob, { signal }).catch((err: unknown) => {
        toLayer.destroy(err as Error);
        throw err;
      }),
      this.layers.register(toLayer, parentChainID, { signal }).catch((err: unknown) => {
        toBlob.destroy(err as Error);
        throw err;
      }),
    ]);
    return { diffID: layer.diffID, chainID: layer.chainID, blob: blob.digest, mediaType: MediaType.ociLayer, blobSize: blob.size, size: layer.size };
  }

  /** Writes config and manifest blobs, the image record, then its tags: in that order. */
  async createImage(img: NewImage): Promise<ImageRecord> {
    const configBlob = 'digest' in img.config && typeof img.config.digest === 'string'
      ? { digest: img.config.digest, size: img.config.size as number }
      : await this.content.write(JSON.stringify(img.config));
    const configDesc: Descriptor = { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size };
    let manifestDesc = img.manifest;
    if (!manifestDesc) {
      const manifest: Manifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: configDesc,
        layers: img.layers.map((l) => ({ mediaType: l.mediaType, digest: l.blob, size: l.blobSize })),
      };
      const m = await this.content.write(JSON.stringify(manifest));
      manifestDesc = { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size };
    }
    const id = configBlob.digest;
    return this.store.exclusive(async () => {
      const existing = this.store.get(id);
      const rec: ImageRecord = existing ?? {
        id,
        config: configDesc,
        manifest: manifestDesc,
        layers: img.layers,
        added: new Date().toISOString(),
        ...(img.parent ? { parent: img.parent } : {}),
      };
      if (!existing) await this.store.put(rec);
      for (const t of img.tags ?? []) await this.store.setRef(t, id);
      if (img.tags?.length) await this.store.put({ ...rec, lastTagTime: new Date().toISOString() });
      return this.store.get(id)!;
    });
  }

  /** Normalises user-given tags (`busybox` → `docker.io/library/busybox:latest`). */
  static normaliseTag(s: string): string {
    const ref = parseDockerRef(s);
    if (ref.digest) throw new InvalidParameterError(`refusing to create a tag with a digest reference`);
    return referenceString(ref);
  }
}

/** At most one tag, and every digest reference in that tag's repository (dockerd's rule). */
export function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const repoOf = (r: string) => familiarName(parseNormalizedNamed(r));
  const tags = refs.filter((r) => !r.includes('@'));
  if (tags.length > 1) return false;
  const repos = new Set(refs.map(repoOf));
  return repos.size === 1;
}
