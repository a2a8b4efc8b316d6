// ADD's extras over COPY: local tar archives (plain or compressed) are unpacked into the
// destination, and http(s) URLs are downloaded. Both are staged in a temporary directory so
// that the cache key hashes what will land in the image.
import { createReadStream, createWriteStream, closeSync, lstatSync, openSync, readSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { InvalidParameterError, UnavailableError, errorMessage } from '../errors.js';
import { applyLayer } from '../storage/apply.js';
import { decompress, detectCompression } from '../storage/compression.js';
import { excludeMatcher, planCopy, type CopyPlan } from './copy.js';

export interface AddSources {
  plan: CopyPlan;
  cleanup(): Promise<void>;
}

function isURL(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A tar by its magic: compressed, or `ustar` at offset 257. */
function isArchive(path: string): boolean {
  const head = Buffer.alloc(263);
  const fd = openSync(path, 'r');
  let n = 0;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (detectCompression(head.subarray(0, n)) !== 'none') return true;
  return n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

async function download(url: string, dir: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new UnavailableError(`ADD failed: Get "${url}": ${errorMessage(cause ?? err)}`);
  }
  if (!res.ok || !res.body) throw new UnavailableError(`ADD failed: Get "${url}": ${res.status} ${res.statusText}`);
  const name = posix.basename(new URL(url).pathname) || 'index.html';
  const file = join(dir, name);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file, { mode: 0o600 }));
  return file;
}

/** ADD --checksum=sha256:…: the download must have that digest. */
async function verifyChecksum(url: string, file: string, want: string): Promise<void> {
  if (!/^sha256:[0-9a-f]{64}$/.test(want)) throw new InvalidParameterError(`invalid checksum ${want}: expected sha256:<64 hex digits>`);
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  const got = `sha256:${h.digest('hex')}`;
  if (got !== want) throw new InvalidParameterError(`ADD failed: digest mismatch for ${url}: expected ${want}, got ${got}`);
}

/** Plans COPY's sources; for ADD, URLs are fetched and archives unpacked first. */
export async function addSources(kind: 'COPY' | 'ADD', root: string, sources: string[], fromImage: boolean, tmpRoot: string, signal?: AbortSignal, checksum?: string, exclude: string[] = []): Promise<AddSources> {
  if (checksum && (sources.length !== 1 || !isURL(sources[0]!))) throw new InvalidParameterError('ADD --checksum needs exactly one http(s) source');
  if (kind === 'COPY') return { plan: planCopy(root, sources, fromImage, exclude), cleanup: async () => undefined };
  const tmp = join(tmpRoot, `add-${randomBytes(8).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  try {
    const plan: CopyPlan = { sources: [], files: {} };
    const local = sources.filter((s) => !isURL(s));
    for (const [i, url] of sources.filter(isURL).entries()) {
      const dir = join(tmp, `url${i}`);
      await mkdir(dir);
      const file = await download(url, dir, signal);
      if (checksum) await verifyChecksum(url, file, checksum);
      const p = planCopy(dir, [posix.basename(file)], false);
      plan.sources.push(...p.sources);
      for (const [k, v] of Object.entries(p.files)) plan.files[url + (k === posix.basename(file) ? '' : `/${k}`)] = v;
    }
    if (local.length) {
      const p = planCopy(root, local, fromImage, exclude);
      for (const [i, s] of p.sources.entries()) {
        if (s.isDir || !lstatSync(s.abs).isFile() || !isArchive(s.abs)) {
          plan.sources.push(s);
          continue;
        }
        const dir = join(tmp, `tar${i}`);
        await mkdir(dir);
        await applyLayer(await decompress(createReadStream(s.abs)), dir, { signal });
        plan.sources.push({ rel: s.rel, abs: dir, isDir: true });
      }
      Object.assign(plan.files, p.files);
    }
    plan.skip = excludeMatcher(exclude);
    return { plan, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
