// `docker save` / `docker load` archives: manifest.json + repositories + an OCI layout
// (index.json, oci-layout, blobs/sha256/…), and the legacy `<id>/layer.tar` layout on load.
// Archive paths are never used as filesystem paths: entries go to the content store by digest.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameterError, errorMessage } from '../errors.js';
import { decompress, detectCompression, type Compression } from '../storage/compression.js';
import { chainIDs, encoded, isDigest, sha256Digest } from '../storage/digest.js';
import { familiarName, familiarString, parseDockerRef, parseNormalizedNamed, referenceString } from '../reference/index.js';
import type { ImageService } from './service.js';
import { MediaType, type Descriptor, type ImageConfig, type ImageLayer, type Index, type Manifest } from './types.js';

const MAX_METADATA = 8 << 20;

interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

interface LoadedArchive {
  /** Small metadata files by path (manifest.json, repositories, legacy JSON). */
  files: Map<string, Buffer>;
  /** Archive path → digest of the blob it was ingested as. */
  blobs: Map<string, string>;
}

function cleanPath(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function isMetadataPath(p: string): boolean {
  return p === 'manifest.json' || p === 'repositories' || p === 'index.json' || p === 'oci-layout' ||
    /^[a-f0-9]{64}\.json$/.test(p) || /^[^/]+\/(json|VERSION)$/.test(p);
}

/** Reads the whole archive once: metadata into memory, everything else into the content store. */
async function readArchive(svc: ImageService, input: Readable, signal?: AbortSignal): Promise<LoadedArchive> {
  const files = new Map<string, Buffer>();
  const blobs = new Map<string, string>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  const consume = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const path = cleanPath(h.name);
      if (h.type === 'symlink' || h.type === 'link') {
        if (h.linkname) links.set(path, h.type === 'symlink' ? joinRelative(path, h.linkname) : cleanPath(h.linkname));
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      if (isMetadataPath(path)) {
        if ((h.size ?? 0) > MAX_METADATA) throw new InvalidParameterError(`invalid archive: ${path} is larger than ${MAX_METADATA} bytes`);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        files.set(path, Buffer.concat(chunks));
        continue;
      }
      const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
      if (named || /(^|\/)layer\.tar$/.test(path)) {
        const info = await svc.content.ingest(Readable.from(entry), named ? { expected: `sha256:${named[1]}`, signal } : { signal });
        blobs.set(path, info.digest);
        continue;
      }
      entry.resume();
    }
  })();
  try {
    await Promise.all([pipeline(await decompress(input), extract, { signal }), consume]);
  } catch (err) {
    extract.destroy();
    if (err instanceof InvalidParameterError) throw err;
    throw new InvalidParameterError(`invalid archive: ${errorMessage(err)}`);
  }
  for (const [from, to] of links) {
    const target = blobs.get(to);
    if (target) blobs.set(from, target);
  }
  return { files, blobs };
}

function joinRelative(from: string, link: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const seg of link.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

function parseJSON<T>(buf: Buffer | undefined, what: string): T {
  if (!buf) throw new InvalidParameterError(`invalid archive: missing ${what}`);
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new InvalidParameterError(`invalid archive: ${what} is not valid JSON`);
  }
}

/** The images an archive describes, from manifest.json or, failing that, index.json. */
async function describeImages(svc: ImageService, a: LoadedArchive): Promise<{ config: string; layers: string[]; tags: string[] }[]> {
  const manifestFile = a.files.get('manifest.json');
  if (manifestFile) {
    const items = parseJSON<ManifestItem[]>(manifestFile, 'manifest.json');
    if (!Array.isArray(items)) throw new InvalidParameterError('invalid archive: manifest.json is not a list');
    const out = [];
    for (const item of items) {
      if (!item || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) throw new InvalidParameterError('invalid archive: malformed manifest.json entry');
      let config = a.blobs.get(cleanPath(item.Config));
      if (!config) {
        const legacy = a.files.get(cleanPath(item.Config));
        if (!legacy) throw new InvalidParameterError(`invalid archive: config ${item.Config} not found`);
        config = (await svc.content.write(legacy)).digest;
      }
      const layers = item.Layers.map((p) => {
        const d = typeof p === 'string' ? a.blobs.get(cleanPath(p)) : undefined;
        if (!d) throw new InvalidParameterError(`invalid archive: layer ${String(p)} not found`);
        return d;
      });
      out.push({ config, layers, tags: Array.isArray(item.RepoTags) ? item.RepoTags.filter((t) => typeof t === 'string') : [] });
    }
    return out;
  }
  const indexFile = a.files.get('index.json');
  if (!indexFile) throw new InvalidParameterError('invalid archive: no manifest.json or index.json found');
  const index = parseJSON<Index>(indexFile, 'index.json');
  const out = [];
  for (const desc of index.manifests ?? []) {
    if (!isDigest(desc.digest) || !(await svc.content.has(desc.digest))) throw new InvalidParameterError(`invalid archive: manifest ${desc.digest} not found`);
    const m = await svc.content.readJSON<Manifest>(desc.digest);
    if (!m.config || !Array.isArray(m.layers)) throw new InvalidParameterError(`invalid archive: ${desc.digest} is not an image manifest`);
    const name = desc.annotations?.['io.containerd.image.name'];
    out.push({ config: m.config.digest, layers: m.layers.map((l) => l.digest), tags: name ? [name] : [] });
  }
  return out;
}

export interface LoadProgress {
  (line: string): void;
}

/** Loads every image in a save archive; reports Docker's `Loaded image: …` lines. */
export async function loadArchive(svc: ImageService, input: Readable, progress: LoadProgress, signal?: AbortSignal): Promise<string[]> {
  const archive = await readArchive(svc, input, signal);
  const images = await describeImages(svc, archive);
  const loaded: string[] = [];
  for (const img of images) {
    const config = await svc.content.readJSON<ImageConfig>(img.config);
    const diffIDs = config.rootfs?.diff_ids;
    if (!Array.isArray(diffIDs) || diffIDs.length !== img.layers.length) {
      throw new InvalidParameterError(`invalid archive: image ${img.config} has ${img.layers.length} layers but its config lists ${diffIDs?.length ?? 0}`);
    }
    const chains = chainIDs(diffIDs);
    const layers: ImageLayer[] = [];
    for (let i = 0; i < img.layers.length; i++) {
      const blob = img.layers[i]!;
      const info = await svc.content.info(blob);
      const compression = detectCompression(await readHead(svc, blob));
      let size: number;
      const existing = await svc.layers.get(chains[i]!);
      if (existing) {
        // The layer is already unpacked, but this archive's blob must still be that layer.
        if (blob !== diffIDs[i] && (await uncompressedDigest(svc, blob)) !== diffIDs[i]) {
          throw new InvalidParameterError(`layer digest mismatch: expected ${diffIDs[i]}, got a blob that is not that layer (${blob})`);
        }
        size = existing.size;
      } else {
        const layer = await svc.layers.register(await decompress(svc.content.reader(blob)), i ? chains[i - 1] : undefined, { expectedDiffID: diffIDs[i]!, signal });
        size = layer.size;
      }
      layers.push({ diffID: diffIDs[i]!, chainID: chains[i]!, blob, mediaType: LAYER_MEDIA_TYPE[compression] ?? MediaType.ociLayer, blobSize: info.size, size });
    }
    const tags = img.tags.map((t) => referenceString(parseDockerRef(t)));
    const configInfo = await svc.content.info(img.config);
    for (const t of tags) {
      const old = svc.store.resolveRef(t);
      if (old && old !== img.config) {
        progress(`The image ${familiarString(parseNormalizedNamed(t))} already exists, renaming the old one with ID ${old} to empty string`);
      }
    }
    const rec = await svc.createImage({ config: configInfo, layers, tags });
    await svc.logEvent('load', rec.id, rec.id);
    if (tags.length === 0) {
      progress(`Loaded image ID: ${rec.id}`);
      loaded.push(rec.id);
    }
    for (const t of tags) {
      progress(`Loaded image: ${familiarString(parseNormalizedNamed(t))}`);
      loaded.push(t);
    }
  }
  return loaded;
}

async function uncompressedDigest(svc: ImageService, blob: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of await decompress(svc.content.reader(blob))) hash.update(c as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** OCI has media types for these; bzip2 and xz layers are read by their magic bytes alone. */
const LAYER_MEDIA_TYPE: Partial<Record<Compression, string>> = { gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd };

async function readHead(svc: ImageService, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of svc.content.reader(digest, { start: 0, end: 5 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface SaveImage {
  id: string;
  refs: string[];
}

/** Which images and tags `docker save NAME…` means: a bare repository name saves all its tags. */
export function resolveSaveNames(svc: ImageService, names: string[]): SaveImage[] {
  const byID = new Map<string, Set<string>>();
  for (const name of names) {
    const rec = svc.get(name);
    const tags = byID.get(rec.id) ?? new Set<string>();
    byID.set(rec.id, tags);
    if (/^(sha256:)?[a-f0-9]+$/.test(name) && rec.id.includes(name.replace(/^sha256:/, ''))) continue;
    const ref = parseNormalizedNamed(name);
    if (!ref.tag && !ref.digest) {
      const repo = familiarName(ref);
      for (const [r, id] of svc.store.allRefs()) {
        if (!r.includes('@') && familiarName(parseNormalizedNamed(r)) === repo) {
          const set = byID.get(id) ?? new Set<string>();
          set.add(r);
          byID.set(id, set);
        }
      }
    } else if (!ref.digest) tags.add(referenceString(ref));
  }
  return [...byID].map(([id, refs]) => ({ id, refs: [...refs].sort() }));
}

const EPOCH = new Date(0);

/** Writes the archive. Deterministic: same images and tags give the same bytes. */
export function saveArchive(svc: ImageService, images: SaveImage[]): Readable {
  const pack = tar.pack();
  const write = async () => {
    const files = new Map<string, () => Promise<{ size: number; stream: Readable }>>();
    const manifest: (ManifestItem & { Layers: string[] })[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const indexManifests: Descriptor[] = [];
    const bytes = (b: Buffer) => async () => ({ size: b.length, stream: Readable.from([b]) });
    for (const img of images) {
      const rec = svc.store.get(img.id)!;
      const config = await svc.config(rec);
      const configBytes = await svc.content.read(rec.config.digest);
      files.set(`blobs/sha256/${encoded(rec.id)}`, bytes(configBytes));
      const layerPaths: string[] = [];
      const layerDescs: Descriptor[] = [];
      for (const l of rec.layers) {
        const path = `blobs/sha256/${encoded(l.diffID)}`;
        layerPaths.push(path);
        layerDescs.push({ mediaType: MediaType.ociLayer, digest: l.diffID, size: l.size });
        files.set(path, async () => ({
          size: l.size,
          stream: l.blob === l.diffID ? svc.content.reader(l.blob) : await decompress(svc.content.reader(l.blob)),
        }));
      }
      const m: Manifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: rec.id, size: configBytes.length },
        layers: layerDescs,
      };
      const mBytes = Buffer.from(JSON.stringify(m));
      const mDigest = sha256Digest(mBytes);
      files.set(`blobs/sha256/${encoded(mDigest)}`, bytes(mBytes));
      const tags = img.refs.map((r) => parseNormalizedNamed(r));
      for (const t of tags) {
        const fam = familiarName(t);
        repositories[fam] = { ...(repositories[fam] ?? {}), [t.tag ?? 'latest']: encoded(config.rootfs.diff_ids.at(-1) ?? '') };
        indexManifests.push({
          mediaType: MediaType.ociManifest,
          digest: mDigest,
          size: mBytes.length,
          annotations: { 'io.containerd.image.name': referenceString(t), 'org.opencontainers.image.ref.name': t.tag ?? 'latest' },
        });
      }
      if (tags.length === 0) indexManifests.push({ mediaType: MediaType.ociManifest, digest: mDigest, size: mBytes.length });
      manifest.push({ Config: `blobs/sha256/${encoded(rec.id)}`, RepoTags: tags.length ? tags.map(familiarString) : null, Layers: layerPaths });
    }
    const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexManifests };
    files.set('index.json', bytes(Buffer.from(JSON.stringify(index) + '\n')));
    files.set('manifest.json', bytes(Buffer.from(JSON.stringify(manifest) + '\n')));
    files.set('oci-layout', bytes(Buffer.from('{"imageLayoutVersion":"1.0.0"}')));
    if (Object.keys(repositories).length) files.set('repositories', bytes(Buffer.from(JSON.stringify(repositories) + '\n')));

    const dir = (name: string) => new Promise<void>((resolve, reject) => {
      pack.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0 }, (err) => (err ? reject(err) : resolve()));
    });
    await dir('blobs/');
    await dir('blobs/sha256/');
    for (const name of [...files.keys()].sort()) {
      const { size, stream } = await files.get(name)!();
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name, size, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0 }, (err) => (err ? reject(err) : resolve()));
        stream.on('error', (err) => entry.destroy(err));
        stream.pipe(entry);
      });
    }
    // Announced before the last bytes go out, so a client that has read the whole archive sees them.
    for (const img of images) await svc.logEvent('save', img.id, img.id);
    pack.finalize();
  };
  write().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack);
}
