// The registry's storage service: what the HTTP handlers call. Every step that makes a blob
// reachable runs under the shared side of `lock`; the garbage collector sweeps under the
// exclusive side, so it never deletes a blob that a commit or a manifest is about to use.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../errors.js';
import { MAX_MANIFEST_SIZE, parseManifest, referrerDescriptor, type Descriptor } from '../manifest.js';
import { isDigest, validateDigest, validateTag } from '../names.js';
import { RWLock } from '../rwlock.js';
import { sha256Digest } from '../../storage/digest.js';
import { BlobStore, blobUnknown } from './blobs.js';
import { Layout } from './layout.js';
import { RepoStore } from './repos.js';
import { UploadStore } from './uploads.js';

export { Layout } from './layout.js';
export { rangeHeader } from './uploads.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  data: Buffer;
}

function manifestUnknown(ref: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', { detail: { reference: ref } });
}

export class RegistryStore {
  readonly layout: Layout;
  readonly blobs: BlobStore;
  readonly uploads: UploadStore;
  readonly repos: RepoStore;
  readonly lock = new RWLock();

  constructor(root: string) {
    this.layout = new Layout(root);
    this.blobs = new BlobStore(this.layout);
    this.uploads = new UploadStore(this.layout);
    this.repos = new RepoStore(this.layout);
  }

  /** Creates the layout and drops temp files a crash left in blobs/ (never blobs themselves). */
  async init(): Promise<void> {
    await this.blobs.init();
    await this.uploads.init();
    for (const n of await readdir(this.layout.blobDir)) if (n.includes('.tmp-')) await rm(join(this.layout.blobDir, n), { force: true });
  }

  /** A blob's size when the repository may serve it (a layer it holds, or one of its manifests). */
  async blobSize(repo: string, digest: string): Promise<number> {
    validateDigest(digest);
    const linked = (await this.repos.hasLayer(repo, digest)) || (await this.repos.manifestType(repo, digest)) !== undefined;
    const size = linked ? await this.blobs.size(digest) : undefined;
    if (size === undefined) throw blobUnknown(digest);
    return size;
  }

  /** HEAD before a push: a present blob is touched so a concurrent gc keeps it. */
  async confirmBlob(repo: string, digest: string): Promise<number> {
    const size = await this.blobSize(repo, digest);
    await this.lock.shared(async () => {
      if (!(await this.blobs.touch(digest))) throw blobUnknown(digest);
    });
    return size;
  }

  async deleteBlob(repo: string, digest: string): Promise<void> {
    validateDigest(digest);
    if (!(await this.repos.unlinkLayer(repo, digest))) throw blobUnknown(digest);
  }

  /** Cross-repository mount: true when `from` holds the blob and it is now linked into `repo`. */
  async mount(repo: string, from: string, digest: string): Promise<boolean> {
    validateDigest(digest);
    if (!(await this.repos.hasLayer(from, digest))) return false;
    return this.lock.shared(async () => {
      if (!(await this.blobs.touch(digest))) return false;
      await this.repos.linkLayer(repo, digest);
      return true;
    });
  }

  /** Verifies a finished upload against `expected` and makes it a blob of `repo`. */
  async completeUpload(repo: string, uuid: string, expected: string, finalChunk?: AsyncIterable<Buffer>): Promise<number> {
    return this.uploads.serial(uuid, async () => {
      await this.uploads.info(repo, uuid);
      if (finalChunk) await this.uploads.append(repo, uuid, finalChunk);
      const got = await this.uploads.digest(uuid);
      if (got.digest !== expected) {
        await this.uploads.remove(uuid);
        throw new RegistryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected, actual: got.digest } });
      }
      await this.lock.shared(async () => {
        await this.blobs.commitFile(this.uploads.dataPath(uuid), expected);
        await this.repos.linkLayer(repo, expected);
      });
      await this.uploads.remove(uuid);
      return got.size;
    });
  }

  async putManifest(repo: string, ref: string, body: Buffer, contentType: string | undefined): Promise<{ digest: string; subject?: string }> {
    if (body.length > MAX_MANIFEST_SIZE) throw tooLarge(body.length);
    const digest = sha256Digest(body);
    const tag = isDigest(ref) ? undefined : validateTag(ref);
    if (!tag && validateDigest(ref) !== digest) {
      throw new RegistryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: ref, actual: digest } });
    }
    const parsed = parseManifest(body, contentType);
    await this.lock.shared(async () => {
      for (const b of parsed.blobs) {
        if (!(await this.repos.hasLayer(repo, b.digest)) || !(await this.blobs.touch(b.digest))) throw blobOfManifestUnknown(b.digest);
      }
      for (const m of parsed.manifests) {
        if ((await this.repos.manifestType(repo, m.digest)) === undefined || !(await this.blobs.touch(m.digest))) throw blobOfManifestUnknown(m.digest);
      }
      await this.blobs.commitBytes(body, digest);
      await this.repos.linkManifest(repo, digest, parsed.mediaType);
      if (parsed.subject) await this.repos.addReferrer(repo, parsed.subject.digest, referrerDescriptor(parsed, digest, body.length, parsed.blobs[0]?.mediaType));
      if (tag) await this.repos.setTag(repo, tag, digest);
    });
    return { digest, subject: parsed.subject?.digest };
  }

  async getManifest(repo: string, ref: string): Promise<StoredManifest> {
    await this.repos.requireRepo(repo);
    const digest = isDigest(ref) ? validateDigest(ref) : await this.repos.resolveTag(repo, validateTag(ref));
    if (!digest) throw manifestUnknown(ref);
    const mediaType = await this.repos.manifestType(repo, digest);
    if (mediaType === undefined) throw manifestUnknown(ref);
    try {
      return { digest, mediaType, data: await this.blobs.read(digest) };
    } catch {
      throw manifestUnknown(ref);
    }
  }

  /** By tag: untags. By digest: removes the manifest, its tags and its referrer entry. */
  async deleteManifest(repo: string, ref: string): Promise<void> {
    await this.repos.requireRepo(repo);
    if (!isDigest(ref)) {
      if (!(await this.repos.removeTag(repo, validateTag(ref)))) throw manifestUnknown(ref);
      return;
    }
    const { digest, mediaType, data } = await this.getManifest(repo, ref);
    for (const t of await this.repos.tagsOf(repo, digest)) await this.repos.removeTag(repo, t);
    const subject = parseManifest(data, mediaType).subject;
    if (subject) await this.repos.removeReferrer(repo, subject.digest, digest);
    await this.repos.unlinkManifest(repo, digest);
  }

  async tags(repo: string): Promise<string[]> {
    await this.repos.requireRepo(repo);
    return this.repos.tags(repo);
  }

  async referrers(repo: string, subject: string, artifactType?: string): Promise<Descriptor[]> {
    validateDigest(subject);
    const all = await this.repos.referrers(repo, subject);
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }

  /** Blob digests in the store with their modification times (for the garbage collector). */
  async listBlobs(): Promise<{ digest: string; mtimeMs: number; size: number }[]> {
    const out: { digest: string; mtimeMs: number; size: number }[] = [];
    for (const n of await readdir(this.layout.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      const st = await stat(join(this.layout.blobDir, n)).catch(() => undefined);
      if (st) out.push({ digest: `sha256:${n}`, mtimeMs: st.mtimeMs, size: st.size });
    }
    return out;
  }
}

function blobOfManifestUnknown(digest: string): RegistryError {
  return new RegistryError('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
}

export function tooLarge(size: number): RegistryError {
  return new RegistryError('MANIFEST_TOO_LARGE', `manifest too large: ${size} bytes, at most ${MAX_MANIFEST_SIZE}`, { detail: { size, limit: MAX_MANIFEST_SIZE } });
}
