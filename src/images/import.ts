// `docker import`: one tarball (plain or compressed, from the request body or a URL) becomes
// a single-layer image, with `-c` changes applied to its config.
import { Readable } from 'node:stream';
import { InvalidParameterError, UnavailableError, errorMessage } from '../errors.js';
import { familiarString, parseNormalizedNamed } from '../reference/index.js';
import { decompress } from '../storage/compression.js';
import { applyChanges } from './changes.js';
import type { ImageService } from './service.js';
import type { ImageConfig, ImageRecord } from './types.js';

export interface ImportOptions {
  /** `-` for the request body, or an http(s) URL. */
  source: string;
  /** Target reference, already normalised; undefined for an untagged image. */
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
  signal?: AbortSignal;
}

export async function openImportSource(source: string, body: Readable, signal?: AbortSignal): Promise<Readable> {
  if (source === '-') return body;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new InvalidParameterError(`invalid import source: ${source}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidParameterError(`invalid import source: ${source}: only http and https URLs`);
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new UnavailableError(`Get "${source}": ${errorMessage(cause ?? err)}`);
  }
  if (!res.ok || !res.body) throw new UnavailableError(`Get "${source}": ${res.status} ${res.statusText}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}

export function hostPlatform(platform?: string): { os: string; architecture: string } {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  if (platform) {
    const [os, a] = platform.split('/');
    if (os !== 'linux' || (a && a !== arch)) throw new InvalidParameterError(`image with platform ${platform} is not supported on this host (linux/${arch})`);
  }
  return { os: 'linux', architecture: arch };
}

export async function importImage(svc: ImageService, input: Readable, opts: ImportOptions): Promise<ImageRecord> {
  const { os, architecture } = hostPlatform(opts.platform);
  const runConfig = applyChanges({}, opts.changes);
  const layer = await svc.addLayer(await decompress(input), undefined, opts.signal);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    architecture,
    os,
    created,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: [layer.diffID] },
    history: [{ created, comment: opts.message || `Imported from ${opts.source}` }],
  };
  const rec = await svc.createImage({ config, layers: [layer], tags: opts.tag ? [opts.tag] : [] });
  // dockerd tags first (a `tag` event), then announces the import under the image ID.
  if (opts.tag) await svc.logEvent('tag', rec.id, familiarString(parseNormalizedNamed(opts.tag)));
  await svc.logEvent('import', rec.id, rec.id);
  return rec;
}
