// Push: every layer at once — skipped when the registry has it (HEAD), mounted from a sibling
// repository when tug knows one that holds it, else streamed up (gzip-compressed on the way
// for layers stored uncompressed) — then the config, then the manifest under its tag.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import { MediaType, type Descriptor, type ImageLayer, type ImageRecord, type Manifest } from '../images/types.js';
import { familiarName, familiarString, parseNormalizedNamed, referenceString, repositoryName, type Reference } from '../reference/index.js';
import { repositoryScope, type AuthConfig } from './auth.js';
import { RegistryClient } from './client.js';
import type { DistributionContext } from './context.js';
import { endpointFor, type Endpoint } from './endpoint.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import { ByteProgress, parallel, shortID, type ProgressSink } from './progress.js';

export interface PushOptions {
  auth: AuthConfig;
  signal?: AbortSignal;
  progress: ProgressSink;
}

/** dockerd's max-concurrent-uploads. */
const CONCURRENT_UPLOADS = 5;
/** zlib level for layers compressed on push: 1 trades a little size for several times the speed. */
export const PUSH_GZIP_LEVEL = 1;

/** Docker's layer media types and their OCI names: the same bytes under a new manifest. */
const OCI_LAYER_TYPE: Record<string, string> = {
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerLayer]: MediaType.ociLayer,
};

function isCompressed(l: ImageLayer): boolean {
  return l.blob !== l.diffID && l.mediaType !== MediaType.ociLayer && l.mediaType !== MediaType.dockerLayer;
}

async function blobExists(client: RegistryClient, path: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await client.request({ method: 'HEAD', path: `/v2/${path}/blobs/${digest}`, signal });
  res.resume();
  return res.statusCode === 200;
}

/** POST to /blobs/uploads/: mounted (201), or the upload URL to send the bytes to (202). */
async function startUpload(client: RegistryClient, path: string, mount: { digest: string; from: string } | undefined, signal?: AbortSignal): Promise<{ mounted: boolean; location: string }> {
  const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
  const res = await client.expect({ method: 'POST', path: `/v2/${path}/blobs/uploads/${q}`, headers: { 'Content-Length': '0' }, signal }, [201, 202], `starting upload to ${path}`);
  res.resume();
  if (res.statusCode === 201) return { mounted: true, location: '' };
  const location = res.headers.location;
  if (!location) throw new InvalidParameterError(`registry gave no upload location for ${path}`);
  return { mounted: false, location };
}

function withDigest(client: RegistryClient, location: string, digest: string): string {
  const u = client.url(location);
  u.searchParams.set('digest', digest);
  return u.href;
}

async function done(res: IncomingMessage): Promise<void> {
  res.resume();
  await new Promise((r) => res.once('end', r).once('close', r));
}

/** Sends bytes whose digest and size are known in one PUT (monolithic upload). */
async function putBlob(client: RegistryClient, location: string, desc: { digest: string; size: number }, body: Readable | Buffer, signal?: AbortSignal): Promise<void> {
  const res = await client.expect({ method: 'PUT', path: withDigest(client, location, desc.digest), headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) }, body, signal }, [201, 204], `uploading ${desc.digest}`);
  await done(res);
}

/** Compresses `tar` while it streams up in one PATCH, then closes the upload with the digest it hashed to. */
async function putCompressed(client: RegistryClient, location: string, tar: Readable, onRead: (n: number) => void, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const counted = new Transform({ transform(c: Buffer, _e, cb) { onRead(c.length); cb(null, c); } });
  const hashed = new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); size += c.length; cb(null, c); } });
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const piping = pipeline(tar, counted, createGzip({ level: PUSH_GZIP_LEVEL, chunkSize: 1 << 18 }), hashed, body, { signal });
  const patched = client.expect({ method: 'PATCH', path: client.url(location).href, headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' }, body, signal }, [202, 204], 'uploading a layer');
  let res: IncomingMessage;
  try {
    [, res] = await Promise.all([piping, patched]);
  } catch (err) {
    // The registry may answer before it has read everything: stop compressing and close the layer.
    tar.destroy();
    body.destroy();
    piping.catch(() => undefined);
    throw err;
  }
  await done(res);
  const digest = 'sha256:' + hash.digest('hex');
  const next = res.headers.location ?? location;
  const fin = await client.expect({ method: 'PUT', path: withDigest(client, next, digest), headers: { 'Content-Length': '0' }, signal }, [201, 204], `closing upload of ${digest}`);
  await done(fin);
  return { digest, size };
}

interface PushTarget {
  client: RegistryClient;
  endpoint: Endpoint;
  path: string;
}

/** One layer up; returns the descriptor the manifest lists for it. */
async function pushLayer(ctx: DistributionContext, t: PushTarget, l: ImageLayer, progress: ProgressSink, signal?: AbortSignal): Promise<Descriptor> {
  const id = shortID(l.diffID);
  const source = `${t.endpoint.domain}/${t.path}`;
  const known = isCompressed(l) ? { digest: l.blob, size: l.blobSize, mediaType: l.mediaType, sources: ctx.metadata.get(l.diffID)?.sources ?? [] } : ctx.metadata.get(l.diffID);
  const remember = async (d: Descriptor) => ctx.metadata.remember(l.diffID, { digest: d.digest, size: d.size, mediaType: d.mediaType }, source);
  let location: string | undefined;
  if (known) {
    const desc: Descriptor = { mediaType: known.mediaType, digest: known.digest, size: known.size };
    if (await blobExists(t.client, t.path, known.digest, signal)) {
      progress({ status: 'Layer already exists', id, progressDetail: {} });
      await remember(desc);
      return desc;
    }
    const from = known.sources.map((s) => parseNormalizedNamed(s)).find((r) => r.domain === t.endpoint.domain && r.path !== t.path);
    if (from) {
      await t.client.addScope(repositoryScope(from.path, ['pull']), signal);
      const started = await startUpload(t.client, t.path, { digest: known.digest, from: from.path }, signal);
      if (started.mounted) {
        progress({ status: `Mounted from ${from.path}`, id, progressDetail: {} });
        await remember(desc);
        return desc;
      }
      location = started.location;
    }
    if (isCompressed(l)) {
      location ??= (await startUpload(t.client, t.path, undefined, signal)).location;
      const bar = new ByteProgress(progress, id, 'Pushing', l.blobSize);
      const body = ctx.images.content.reader(l.blob).pipe(new Transform({ transform(c: Buffer, _e, cb) { bar.add(c.length); cb(null, c); } }));
      await putBlob(t.client, location, desc, body, signal);
      progress({ status: 'Pushed', id, progressDetail: {} });
      await remember(desc);
      return desc;
    }
  }
  location ??= (await startUpload(t.client, t.path, undefined, signal)).location;
  const bar = new ByteProgress(progress, id, 'Pushing', l.size);
  const blob = await putCompressed(t.client, location, ctx.images.content.reader(l.blob), (n) => bar.add(n), signal);
  progress({ status: 'Pushed', id, progressDetail: {} });
  const desc: Descriptor = { mediaType: MediaType.ociLayerGzip, digest: blob.digest, size: blob.size };
  await remember(desc);
  return desc;
}

/** The manifest the image came with when it still describes exactly these blobs, else a new OCI one. */
async function manifestFor(ctx: DistributionContext, rec: ImageRecord, layers: Descriptor[]): Promise<{ bytes: Buffer; mediaType: string }> {
  if (rec.manifest && rec.manifest.mediaType !== MediaType.ociIndex && rec.manifest.mediaType !== MediaType.dockerManifestList) {
    const bytes = await ctx.images.content.read(rec.manifest.digest, MAX_MANIFEST_BYTES).catch(() => undefined);
    if (bytes) {
      const parsed = parseManifest(bytes, rec.manifest.mediaType);
      if (parsed.kind === 'manifest' && parsed.manifest.config.digest === rec.id && parsed.manifest.layers.length === layers.length &&
        parsed.manifest.layers.every((d, i) => d.digest === layers[i]!.digest)) return { bytes, mediaType: parsed.mediaType };
    }
  }
  // OCI, as Docker 25+ with the containerd store pushes: skopeo and others copy it unconverted, digests intact.
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: rec.config.digest, size: rec.config.size },
    layers: layers.map((l) => ({ ...l, mediaType: OCI_LAYER_TYPE[l.mediaType] ?? l.mediaType })),
  };
  return { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: MediaType.ociManifest };
}

async function pushTag(ctx: DistributionContext, t: PushTarget, named: Reference, tag: string, opts: PushOptions): Promise<void> {
  const { progress, signal } = opts;
  const rec = ctx.images.store.lookup(referenceString({ ...named, tag }));
  if (!rec) throw new NotFoundError(`tag does not exist: ${familiarString({ ...named, tag })}`);
  for (const l of rec.layers) progress({ status: 'Preparing', id: shortID(l.diffID), progressDetail: {} });
  const layers: Descriptor[] = new Array<Descriptor>(rec.layers.length);
  const order = rec.layers.map((_, i) => i);
  if (order.length > CONCURRENT_UPLOADS) for (const i of order.slice(CONCURRENT_UPLOADS)) progress({ status: 'Waiting', id: shortID(rec.layers[i]!.diffID), progressDetail: {} });
  await parallel(order, CONCURRENT_UPLOADS, async (i) => {
    layers[i] = await pushLayer(ctx, t, rec.layers[i]!, progress, signal);
  });
  if (!(await blobExists(t.client, t.path, rec.config.digest, signal))) {
    const bytes = await ctx.images.content.read(rec.config.digest);
    const { location } = await startUpload(t.client, t.path, undefined, signal);
    await putBlob(t.client, location, { digest: rec.config.digest, size: bytes.length }, bytes, signal);
  }
  const { bytes, mediaType } = await manifestFor(ctx, rec, layers);
  const res = await t.client.expect({ method: 'PUT', path: `/v2/${t.path}/manifests/${tag}`, headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) }, body: bytes, signal }, [201, 200], `pushing manifest for ${familiarString({ ...named, tag })}`);
  await done(res);
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  await ctx.images.store.exclusive(() => ctx.images.store.setRef(`${repositoryName(named)}@${digest}`, rec.id));
  ctx.images.events?.publish('image', 'push', { ID: familiarString({ ...named, tag }), Attributes: { name: familiarString({ ...named, tag }) } });
  progress({ status: `${tag}: digest: ${digest} size: ${bytes.length}` });
  progress({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: bytes.length } });
}

/** The local tags of a repository, sorted, for a push of all of them. */
export function localTags(ctx: DistributionContext, named: Reference): string[] {
  const repo = repositoryName(named);
  const tags: string[] = [];
  for (const rec of ctx.images.store.all()) {
    for (const r of ctx.images.store.refsOf(rec.id)) {
      if (r.includes('@')) continue;
      const ref = parseNormalizedNamed(r);
      if (repositoryName(ref) === repo && ref.tag) tags.push(ref.tag);
    }
  }
  return tags.sort();
}

/** POST /images/{name}/push: one tag, or every local tag of the repository when none is given. */
export async function pushRepository(ctx: DistributionContext, name: string, tag: string | undefined, opts: PushOptions): Promise<void> {
  const ref = parseNormalizedNamed(name);
  if (ref.digest) throw new InvalidParameterError('cannot push a digest reference');
  const named: Reference = { domain: ref.domain, path: ref.path };
  const tags = tag ? [tag] : ref.tag ? [ref.tag] : localTags(ctx, named);
  if (tags.length === 0) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(named)}`);
  for (const t of tags) if (!ctx.images.store.lookup(referenceString({ ...named, tag: t }))) throw new NotFoundError(`tag does not exist: ${familiarString({ ...named, tag: t })}`);
  const endpoint = endpointFor(named, ctx.insecureRegistries);
  opts.progress({ status: `The push refers to repository [${repositoryName({ ...named, domain: endpoint.domain })}]` });
  const client = new RegistryClient(endpoint, opts.auth, [repositoryScope(named.path, ['pull', 'push'])]);
  await client.ping(opts.signal);
  for (const t of tags) await pushTag(ctx, { client, endpoint, path: named.path }, named, t, opts);
}
