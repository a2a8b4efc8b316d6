// The build cache: step key → the image that step made. A key is the parent image, the
// instruction with its arguments, the build args in scope and, for COPY/ADD, the content hash
// of the sources. Entries are files under data-root, so the cache survives a restart. Each
// entry also keeps what went into it (file hashes, args), so that a miss can say why.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJSONAtomic } from '../storage/atomic.js';

export interface CacheInputs {
  parent: string;
  /** The instruction after variable substitution, flags included. */
  instruction: string;
  /** Build args in scope for RUN (Docker's rule), name → value. */
  args?: Record<string, string>;
  /** COPY/ADD: source path in the build → content hash (mode, owner, bytes). */
  files?: Record<string, string>;
}

export interface CacheEntry {
  key: string;
  /** Same parent and same instruction text: the slot a changed input lands in. */
  slot: string;
  image: string;
  args?: Record<string, string>;
  files?: Record<string, string>;
  created: string;
}

function sha(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

export function slotOf(i: CacheInputs): string {
  return sha(['slot', i.parent, i.instruction]);
}

export function keyOf(i: CacheInputs): string {
  const args = Object.entries(i.args ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  const files = Object.entries(i.files ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}:${v}`);
  return sha(['key', i.parent, i.instruction, ...args, '--', ...files]);
}

function listDiff(what: string, before: Record<string, string>, now: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(now)) {
    if (!(k in before)) out.push(`${what}${k} added`);
    else if (before[k] !== v) out.push(`${what}${k} changed`);
  }
  for (const k of Object.keys(before)) if (!(k in now)) out.push(`${what}${k} removed`);
  return out;
}

/** Why `now` missed, against the last entry of the same slot (undefined: never built here). */
export function explainMiss(now: CacheInputs, last: CacheEntry | undefined): string {
  if (!last) return 'not built before on this parent image';
  const reasons = [...listDiff('build arg ', last.args ?? {}, now.args ?? {}), ...listDiff('', last.files ?? {}, now.files ?? {})];
  if (reasons.length === 0) return 'cached image is gone';
  const shown = reasons.slice(0, 3).join(', ');
  return reasons.length > 3 ? `${shown} and ${reasons.length - 3} more` : shown;
}

export class BuildCache {
  private readonly byKey = new Map<string, CacheEntry>();
  private readonly bySlot = new Map<string, CacheEntry>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (!name.endsWith('.json')) {
        await rm(join(this.root, name), { force: true });
        continue;
      }
      try {
        this.remember(JSON.parse(await readFile(join(this.root, name), 'utf8')) as CacheEntry);
      } catch {
        await rm(join(this.root, name), { force: true });
      }
    }
  }

  private remember(e: CacheEntry): void {
    this.byKey.set(e.key, e);
    const prev = this.bySlot.get(e.slot);
    if (!prev || prev.created <= e.created) this.bySlot.set(e.slot, e);
  }

  get(key: string): CacheEntry | undefined {
    return this.byKey.get(key);
  }

  lastInSlot(slot: string): CacheEntry | undefined {
    return this.bySlot.get(slot);
  }

  async put(inputs: CacheInputs, image: string): Promise<CacheEntry> {
    const entry: CacheEntry = { key: keyOf(inputs), slot: slotOf(inputs), image, created: new Date().toISOString() };
    if (inputs.args && Object.keys(inputs.args).length) entry.args = inputs.args;
    if (inputs.files) entry.files = inputs.files;
    await writeJSONAtomic(join(this.root, `${entry.key}.json`), entry);
    this.remember(entry);
    return entry;
  }

  async delete(key: string): Promise<void> {
    const e = this.byKey.get(key);
    if (!e) return;
    this.byKey.delete(key);
    if (this.bySlot.get(e.slot) === e) this.bySlot.delete(e.slot);
    await rm(join(this.root, `${key}.json`), { force: true });
  }

  entries(): CacheEntry[] {
    return [...this.byKey.values()];
  }
}
