// Pull: manifest (a list resolved to this platform), config, then every layer at once with
// download, checksum, decompression and extraction in one stream. Bytes already downloaded
// stay in partial/ so an interrupted pull resumes with a Range request.
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import { type Descriptor, type ImageConfig, type ImageLayer, type Manifest } from '../images/types.js';
import { familiarName, familiarString, referenceString, repositoryName, type Reference } from '../reference/index.js';
import { chainIDs, encoded } from '../storage/digest.js';
import { BrokenLinkError } from '../storage/blob-get.js';
import { BlobRefusedError, downloadOffThread, prewarmUnpack, unpackOffThread, type UnpackSink } from '../storage/unpack.js';
import { RegistryClient, readText } from './client.js';
import type { DistributionContext } from './context.js';
import { endpointFor } from './endpoint.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, isLayerMediaType, parseManifest, parsePlatform, selectPlatform } from './manifest.js';
import { ByteProgress, parallel, progressBar, shortID, type ProgressSink } from './progress.js';
import { repositoryScope, type AuthConfig } from './auth.js';

export interface PullOptions {
  auth: AuthConfig;
  platform?: string;
  signal?: AbortSignal;
  progress: ProgressSink;
}

/** Layers fetched at once (dockerd's max-concurrent-downloads is 3; 4 keeps two cores busy). */
const CONCURRENT_DOWNLOADS = 4;

interface Resolved {
  manifest: Manifest;
  bytes: Buffer;
  mediaType: string;
  digest: string;
  /** The digest the reference named (a list's, for multi-platform images). */
  refDigest: string;
}

function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

async function fetchManifest(client: RegistryClient, repo: string, ref: string, what: string, signal?: AbortSignal): Promise<{ bytes: Buffer; contentType?: string; digest: string }> {
  const res = await client.expect({ method: 'GET', path: `/v2/${repo}/manifests/${ref}`, headers: { Accept: MANIFEST_ACCEPT }, signal }, [200], `manifest for ${what} not found`);
  if (Number(res.headers['content-length'] ?? 0) > MAX_MANIFEST_BYTES) {
    res.destroy();
    throw new InvalidParameterError(`manifest for ${what} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const bytes = await readText(res, MAX_MANIFEST_BYTES);
  const digest = sha256(bytes);
  if (ref.startsWith('sha256:') && digest !== ref) throw new InvalidParameterError(`manifest verification failed for digest ${ref}`);
  return { bytes, contentType: res.headers['content-type'], digest };
}

export async function resolveManifest(client: RegistryClient, ref: Reference, platform: string | undefined, signal?: AbortSignal): Promise<Resolved> {
  const repo = ref.path;
  const what = familiarString(ref);
  const first = await fetchManifest(client, repo, ref.digest ?? ref.tag ?? 'latest', what, signal);
  let parsed = parseManifest(first.bytes, first.contentType);
  let current = first;
  if (parsed.kind === 'index') {
    const entry = selectPlatform(parsed.index, parsePlatform(platform));
    current = await fetchManifest(client, repo, entry.digest, what, signal);
    parsed = parseManifest(current.bytes, current.contentType);
    if (parsed.kind !== 'manifest') throw new InvalidParameterError(`manifest list entry ${entry.digest} is itself a list`);
  }
  return { manifest: parsed.manifest, bytes: current.bytes, mediaType: parsed.mediaType, digest: current.digest, refDigest: first.digest };
}

/** The response to a blob GET, from `offset` on when the registry honours Range. */
async function openBlob(client: RegistryClient, repo: string, digest: string, offset: number, signal?: AbortSignal): Promise<{ res: IncomingMessage; offset: number }> {
  const res = await client.expect({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, headers: offset ? { Range: `bytes=${offset}-` } : {}, signal }, [200, 206], `blob ${digest}`);
  return { res, offset: res.statusCode === 206 ? offset : 0 };
}

async function fetchConfig(ctx: DistributionContext, client: RegistryClient, repo: string, desc: Descriptor, signal?: AbortSignal): Promise<ImageConfig> {
  if (!(await ctx.images.content.has(desc.digest))) {
    const { res } = await openBlob(client, repo, desc.digest, 0, signal);
    const bytes = await readText(res, MAX_MANIFEST_BYTES);
    if (sha256(bytes) !== desc.digest) throw new InvalidParameterError(`image config verification failed for digest ${desc.digest}`);
    await ctx.images.content.write(bytes, desc.digest);
  }
  return ctx.images.content.readJSON<ImageConfig>(desc.digest);
}

interface LayerJob {
  desc: Descriptor;
  diffID: string;
  chainID: string;
  parent?: string;
}

/**
 * Downloads one layer and unpacks it as the bytes arrive; returns what the image record keeps.
 * The worker that unpacks it makes the GET itself; a status it does not take (a 401 to answer,
 * the registry's error) sends the layer down the client's own path, the bytes fed from here.
 */
async function fetchLayer(ctx: DistributionContext, client: RegistryClient, repo: string, job: LayerJob, progress: ProgressSink, signal?: AbortSignal): Promise<ImageLayer> {
  const { desc } = job;
  const id = shortID(desc.digest);
  const partial = join(ctx.partialDir, encoded(desc.digest));
  let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (have > desc.size) {
    await rm(partial, { force: true });
    have = 0;
  }
  const needed = have < desc.size || desc.size === 0;
  const path = `/v2/${repo}/blobs/${desc.digest}`;
  let res: IncomingMessage | undefined;
  const bar = new ByteProgress(progress, id, 'Downloading', desc.size);
  bar.current = have;
  let brokenLink = false;
  // The response's bytes go to a worker thread, which hashes, keeps and unpacks them.
  const feed = async (sink: UnpackSink) => {
    if (!res) return;
    let refused = false;
    try {
      for await (const c of res) {
        const chunk = c as Buffer;
        bar.add(chunk.length);
        await sink.write(chunk).catch((err: unknown) => {
          refused = true;
          throw err;
        });
      }
    } catch (err) {
      // The connection's own failure, not the worker's refusal of what came through it.
      if (!refused) brokenLink = true;
      throw err;
    }
  };
  const verified = () => {
    progress({ status: 'Verifying Checksum', id, progressDetail: {} });
    progress({ status: 'Download complete', id, progressDetail: {} });
    progress({ status: 'Extracting', id, progressDetail: { current: desc.size, total: desc.size }, progress: progressBar(desc.size, desc.size) });
  };
  const unpack = async (dest: string) => {
    if (needed) {
      const source = await client.target(path, signal);
      try {
        return await downloadOffThread({ partial, have, digest: desc.digest, dest, source }, { onVerified: verified, onProgress: (current) => bar.add(current - bar.current) }, signal);
      } catch (err) {
        if (!(err instanceof BlobRefusedError)) throw err;
      }
      const opened = await openBlob(client, repo, desc.digest, have, signal);
      res = opened.res;
      have = opened.offset;
      bar.current = have;
    }
    return unpackOffThread({ partial, have, digest: desc.digest, dest }, feed, verified, signal);
  };
  try {
    const layer = await ctx.images.layers.registerWith(unpack, job.parent, { expectedDiffID: job.diffID });
    const blob = await ctx.images.content.adopt(partial, desc.digest);
    return { diffID: layer.diffID, chainID: layer.chainID, blob: blob.digest, mediaType: desc.mediaType, blobSize: blob.size, size: layer.size };
  } catch (err) {
    res?.destroy();
    // A broken connection's bytes are worth resuming from; bytes that failed to check are not.
    if (!brokenLink && !(err instanceof BrokenLinkError) && !signal?.aborted) await rm(partial, { force: true });
    throw err;
  }
}

/** One download of a blob at a time: a second pull of the same layer waits for the first. */
async function singleFlight<T>(ctx: DistributionContext, key: string, fn: () => Promise<T>): Promise<T> {
  while (ctx.inflight.has(key)) await ctx.inflight.get(key)!.catch(() => undefined);
  const p = fn();
  ctx.inflight.set(key, p);
  try {
    return await p;
  } finally {
    ctx.inflight.delete(key);
  }
}

async function existingLayer(ctx: DistributionContext, job: LayerJob): Promise<ImageLayer | undefined> {
  const layer = await ctx.images.layers.get(job.chainID);
  if (!layer || !(await ctx.images.content.has(job.desc.digest))) return undefined;
  return { diffID: layer.diffID, chainID: layer.chainID, blob: job.desc.digest, mediaType: job.desc.mediaType, blobSize: job.desc.size, size: layer.size };
}

/** Pulls one tag or digest; returns the image ID. */
export async function pullOne(ctx: DistributionContext, ref: Reference, opts: PullOptions): Promise<string> {
  const endpoint = endpointFor(ref, ctx.insecureRegistries);
  const client = new RegistryClient(endpoint, opts.auth, [repositoryScope(ref.path, ['pull'])]);
  const { progress, signal } = opts;
  const resolved = await resolveManifest(client, ref, opts.platform, signal);
  progress({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag ?? 'latest' });
  const m = resolved.manifest;
  // Their start-up overlaps the config's round trip.
  prewarmUnpack(Math.min(m.layers.length, CONCURRENT_DOWNLOADS));
  const config = await fetchConfig(ctx, client, ref.path, m.config, signal);
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== m.layers.length) throw new InvalidParameterError(`invalid manifest: ${m.layers.length} layers but ${diffIDs.length} diff IDs in the image config`);
  for (const l of m.layers) if (!isLayerMediaType(l.mediaType)) throw new InvalidParameterError(`unsupported layer media type ${l.mediaType}`);
  const chains = chainIDs(diffIDs);
  const jobs: LayerJob[] = m.layers.map((desc, i) => ({ desc, diffID: diffIDs[i]!, chainID: chains[i]!, ...(i ? { parent: chains[i - 1] } : {}) }));
  // Until the image record names them, a garbage collection elsewhere must not take them.
  const unpin = pin(ctx, jobs.map((j) => j.chainID), [m.config.digest, resolved.digest, ...jobs.map((j) => j.desc.digest)]);
  try {
    return await assemble(ctx, client, ref, resolved, jobs, opts);
  } finally {
    unpin();
  }
}

/** Pins layers and blobs, counted: two pulls sharing a layer keep it pinned until both are done. */
function pin(ctx: DistributionContext, layers: string[], blobs: string[]): () => void {
  const keys = [...layers.map((l) => ['layers', l] as const), ...blobs.map((b) => ['blobs', b] as const)];
  for (const [kind, key] of keys) {
    const n = ctx.pins.get(`${kind} ${key}`) ?? 0;
    ctx.pins.set(`${kind} ${key}`, n + 1);
    ctx.images.pinned[kind].add(key);
  }
  return () => {
    for (const [kind, key] of keys) {
      const n = (ctx.pins.get(`${kind} ${key}`) ?? 1) - 1;
      if (n > 0) ctx.pins.set(`${kind} ${key}`, n);
      else {
        ctx.pins.delete(`${kind} ${key}`);
        ctx.images.pinned[kind].delete(key);
      }
    }
  };
}

async function assemble(ctx: DistributionContext, client: RegistryClient, ref: Reference, resolved: Resolved, jobs: LayerJob[], opts: PullOptions): Promise<string> {
  const { progress, signal } = opts;
  const endpoint = client.endpoint;
  const m = resolved.manifest;
  const layers: ImageLayer[] = new Array<ImageLayer>(jobs.length);
  const todo: number[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const have = await existingLayer(ctx, jobs[i]!);
    if (have) {
      layers[i] = have;
      progress({ status: 'Already exists', id: shortID(jobs[i]!.desc.digest), progressDetail: {} });
    } else {
      todo.push(i);
      progress({ status: 'Pulling fs layer', id: shortID(jobs[i]!.desc.digest), progressDetail: {} });
    }
  }
  const source = `${endpoint.domain}/${ref.path}`;
  await parallel(todo, CONCURRENT_DOWNLOADS, async (i) => {
    const job = jobs[i]!;
    layers[i] = await singleFlight(ctx, job.desc.digest, async () => (await existingLayer(ctx, job)) ?? fetchLayer(ctx, client, ref.path, job, progress, signal));
    progress({ status: 'Pull complete', id: shortID(job.desc.digest), progressDetail: {} });
    await ctx.metadata.remember(job.diffID, { digest: job.desc.digest, size: job.desc.size, mediaType: job.desc.mediaType }, source);
  });
  const manifestBlob = await ctx.images.content.write(resolved.bytes, resolved.digest);
  const named = { domain: endpoint.domain, path: ref.path };
  const tags = [`${repositoryName(named)}@${resolved.refDigest}`];
  if (!ref.digest && ref.tag) tags.unshift(referenceString({ ...named, tag: ref.tag }));
  const before = ref.tag && !ref.digest ? ctx.images.store.lookup(referenceString({ ...named, tag: ref.tag }))?.id : undefined;
  const rec = await ctx.images.createImage({
    config: { digest: m.config.digest, size: m.config.size },
    layers,
    manifest: { mediaType: resolved.mediaType, digest: manifestBlob.digest, size: manifestBlob.size },
    tags,
  });
  // dockerd names pull events by the reference, not the image ID.
  ctx.images.events?.publish('image', 'pull', { ID: familiarString(ref), Attributes: { name: familiarString(ref) } });
  progress({ status: `Digest: ${resolved.refDigest}` });
  progress({ status: `Status: ${before === rec.id ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(ref)}` });
  return rec.id;
}

/** Every tag of a repository, as the registry lists them (following `Link` pages). */
export async function listTags(ctx: DistributionContext, ref: Reference, auth: AuthConfig, signal?: AbortSignal): Promise<string[]> {
  const client = new RegistryClient(endpointFor(ref, ctx.insecureRegistries), auth, [repositoryScope(ref.path, ['pull'])]);
  const tags: string[] = [];
  let path: string | undefined = `/v2/${ref.path}/tags/list`;
  for (let pages = 0; path && pages < 1000; pages++) {
    const res = await client.expect({ method: 'GET', path, signal }, [200], `tags of ${familiarName(ref)}`);
    const body = JSON.parse((await readText(res)).toString('utf8')) as { tags?: string[] | null };
    tags.push(...(body.tags ?? []));
    const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
    path = link?.[1];
  }
  if (tags.length === 0) throw new NotFoundError(`no tags found for ${familiarName(ref)}`);
  return tags;
}
