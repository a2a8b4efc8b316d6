// Read-only views over the container store: `ps` (list with filters, limit, sizes) and inspect.
import { dirSize } from '../storage/dirsize.js';
import { join } from 'node:path';
import type { ImageService } from '../images/service.js';
import type { SnapshotStore } from '../storage/snapshots.js';
import type { LayerStore } from '../storage/layers.js';
import { matchContainer, validateContainerFilters, type FilterContext } from './filters.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';
import { inspectView, summaryView, type ContainerPaths } from './views.js';

export interface ListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Record<string, string[]>;
}

export class ContainerQueries {
  constructor(
    private readonly store: ContainerStore,
    private readonly images: ImageService,
    private readonly snapshots: SnapshotStore,
    private readonly layers: LayerStore,
  ) {}

  paths(rec: ContainerRecord): ContainerPaths {
    const dir = this.store.dir(rec.ID);
    return {
      resolvConf: join(dir, 'resolv.conf'),
      hostname: join(dir, 'hostname'),
      hosts: join(dir, 'hosts'),
      upper: this.snapshots.upperDir(rec.ID),
      merged: this.snapshots.mergedDir(rec.ID),
      lowers: [...rec.Layers].reverse().map((c) => this.layers.diffPath(c)),
    };
  }

  private async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await dirSize(this.snapshots.upperDir(rec.ID));
    let image = 0;
    try {
      image = this.images.get(rec.Image).layers.reduce((n, l) => n + l.size, 0);
    } catch {
      // The image may be gone (rmi -f): its layers still count through the container's chain.
    }
    return { rw, rootFs: rw + image };
  }

  /** The name `ps` shows in IMAGE: what the user asked for, or the ID once that name moved on. */
  imageName(rec: ContainerRecord): string {
    const asked = rec.Config.Image ?? '';
    try {
      if (asked && this.images.get(asked).id === rec.Image) return asked;
    } catch {
      // Untagged or removed since: fall back to the ID.
    }
    return rec.Image;
  }

  async list(opts: ListOptions): Promise<Record<string, unknown>[]> {
    const filters = opts.filters ?? {};
    validateContainerFilters(filters);
    const ctx: FilterContext = {};
    if (filters.ancestor?.length) {
      ctx.ancestors = new Set();
      for (const a of filters.ancestor) {
        try {
          const id = this.images.get(a).id;
          ctx.ancestors.add(id);
        } catch {
          // dockerd ignores an ancestor that names no image.
        }
      }
    }
    if (filters.before?.length) ctx.before = Date.parse(this.store.get(filters.before[0]!).Created);
    if (filters.since?.length) ctx.since = Date.parse(this.store.get(filters.since[0]!).Created);
    let recs = this.store.all().sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created) || (a.ID < b.ID ? -1 : 1));
    const all = opts.all || (opts.limit ?? 0) > 0 || filters.status?.length || filters.exited?.length;
    if (!all) recs = recs.filter((r) => r.State.Running);
    recs = recs.filter((r) => matchContainer(r, filters, ctx));
    if (opts.limit && opts.limit > 0) recs = recs.slice(0, opts.limit);
    const now = Date.now();
    return Promise.all(recs.map(async (r) => summaryView(r, this.imageName(r), now, opts.size ? await this.sizes(r) : undefined)));
  }

  async inspect(ref: string, size = false): Promise<Record<string, unknown>> {
    const rec = this.store.get(ref);
    return inspectView(rec, this.paths(rec), size ? await this.sizes(rec) : undefined);
  }
}
