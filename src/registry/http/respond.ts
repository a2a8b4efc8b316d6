// Writing responses: the spec's JSON error body with the status chosen from its code (the
// one place that mapping lives), JSON bodies, and bounded reads of request bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TugError, errorMessage } from '../../errors.js';
import { RegistryError, type SpecCode } from '../errors.js';

const STATUS: Record<SpecCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  RANGE_INVALID: 416,
  MANIFEST_TOO_LARGE: 413,
  PAGINATION_NUMBER_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  NOT_FOUND: 404,
};

// Codes of our own that the spec spells differently on the wire.
const WIRE: Partial<Record<SpecCode, string>> = { RANGE_INVALID: 'BLOB_UPLOAD_INVALID', MANIFEST_TOO_LARGE: 'MANIFEST_INVALID', TAG_INVALID: 'MANIFEST_INVALID' };

export function statusOf(err: RegistryError): number {
  return STATUS[err.spec];
}

export function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(data.length), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : data);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = err instanceof RegistryError ? err
    : err instanceof TugError && err.kind === 'InvalidParameter' ? new RegistryError('UNSUPPORTED', err.message)
      : undefined;
  if (!e) {
    const body = { errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: errorMessage(err) }] };
    sendJSON(res, 500, body);
    return;
  }
  const status = e.spec === 'UNSUPPORTED' && !(err instanceof RegistryError) ? 400 : statusOf(e);
  const entry: Record<string, unknown> = { code: WIRE[e.spec] ?? e.spec, message: e.message };
  if (e.detail !== undefined) entry.detail = e.detail;
  sendJSON(res, status, { errors: [entry] }, e.headers);
}

// A refused body up to this size is read and dropped so the client sees the error rather
// than a broken pipe; past it the connection is closed.
const DRAIN_LIMIT = 64 << 20;

/** Reads a whole body of at most `limit` bytes; `tooLarge` builds the refusal. */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: (size: number) => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > DRAIN_LIMIT) throw tooLarge(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DRAIN_LIMIT) break;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw tooLarge(Math.max(size, declared || 0));
  return Buffer.concat(chunks);
}

/** `n` and `last` pagination over a sorted list, with the Link header for the next page. */
export function paginate(items: string[], query: URLSearchParams, path: string): { page: string[]; headers: Record<string, string> } {
  const last = query.get('last');
  let rest = last === null ? items : items.filter((i) => i > last);
  const nRaw = query.get('n');
  if (nRaw === null) return { page: rest, headers: {} };
  if (!/^\d+$/.test(nRaw)) throw new RegistryError('PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { detail: { n: nRaw.slice(0, 20) } });
  const n = Number(nRaw);
  const more = rest.length > n;
  rest = rest.slice(0, n);
  const headers: Record<string, string> = {};
  if (more && n > 0) headers.Link = `<${path}?n=${n}&last=${encodeURIComponent(rest[rest.length - 1]!)}>; rel="next"`;
  return { page: rest, headers };
}
