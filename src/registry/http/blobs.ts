// GET/HEAD/DELETE /v2/<name>/blobs/<digest>, with single byte ranges as RFC 9110 has them.
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../errors.js';
import type { RegistryStore } from '../store/index.js';
import { sendEmpty } from './respond.js';

export interface ByteRange {
  start: number;
  end: number;
}

/** A `Range: bytes=…` header for a blob of `size` bytes; undefined for the whole blob. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const unsatisfiable = new RegistryError('RANGE_INVALID', `range ${header.slice(0, 100)} not satisfiable for ${size} bytes`, { headers: { 'Content-Range': `bytes */${size}` } });
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw unsatisfiable;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable;
  return { start, end };
}

export async function getBlob(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, digest: string): Promise<void> {
  const size = req.method === 'HEAD' ? await store.confirmBlob(name, digest) : await store.blobSize(name, digest);
  const range = parseRange(req.headers.range, size);
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest}"`,
    'Cache-Control': 'max-age=31536000',
  };
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
  } else {
    headers['Content-Length'] = String(size);
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(store.blobs.reader(digest, range), res);
}

export async function deleteBlob(res: ServerResponse, store: RegistryStore, name: string, digest: string): Promise<void> {
  await store.deleteBlob(name, digest);
  sendEmpty(res, 202, { 'Docker-Content-Digest': digest });
}
