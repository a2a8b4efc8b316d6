// What tugd remembers of registries, as dockerd's v2 metadata: for each layer (by DiffID) the
// compressed blob it was pulled or pushed as, and the repositories known to hold that blob,
// so a push can skip compression, HEAD the blob, or mount it from a sibling repository.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
import { writeJSONAtomic } from '../storage/atomic.js';

export interface BlobRecord {
  digest: string;
  size: number;
  mediaType: string;
  /** `registry/repository` names that hold this blob. */
  sources: string[];
}

interface MetadataFile {
  layers: Record<string, BlobRecord>;
}

const MAX_SOURCES = 16;

export class DistributionMetadata {
  private layers: Record<string, BlobRecord> = {};
  private saving: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(readonly root: string) {
    this.file = join(root, 'blobs.json');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    try {
      this.layers = (JSON.parse(await readFile(this.file, 'utf8')) as MetadataFile).layers ?? {};
    } catch (err) {
      // A damaged file only costs a recompression: start afresh.
      if (!isErrno(err, 'ENOENT') && !(err instanceof SyntaxError)) throw err;
    }
  }

  get(diffID: string): BlobRecord | undefined {
    return this.layers[diffID];
  }

  /** Records that `source` holds the blob `blob` of layer `diffID`. */
  async remember(diffID: string, blob: Omit<BlobRecord, 'sources'>, source: string): Promise<void> {
    const prev = this.layers[diffID];
    const sources = prev && prev.digest === blob.digest ? prev.sources.filter((s) => s !== source) : [];
    this.layers[diffID] = { ...blob, sources: [source, ...sources].slice(0, MAX_SOURCES) };
    const snapshot = { layers: this.layers };
    // Writes queue behind each other so the file always holds a whole, recent state.
    this.saving = this.saving.then(() => writeJSONAtomic(this.file, snapshot), () => writeJSONAtomic(this.file, snapshot));
    await this.saving;
  }
}
