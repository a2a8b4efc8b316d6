// Request decoding and response encoding shared by every route: the Engine API's wire
// conventions (JSON bodies, boolean query values, JSON-message progress streams) live here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidParameterError, TugError, errorMessage } from '../errors.js';

export interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the client asked for (the newest one for unversioned paths). */
  version: string;
  signal: AbortSignal;
  /** Set for requests with `Connection: Upgrade`: the raw socket and what was read past the head. */
  upgrade?: { socket: Duplex; head: Buffer };
  /** Set once a handler took the connection over (see hijack.ts). */
  hijacked?: boolean;
}

export function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body) + '\n');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

export function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** Docker reads booleans in queries as: 1/true/True/TRUE are true, ""/0/false/False are false. */
export function queryBool(query: URLSearchParams, name: string, def = false): boolean {
  const v = query.get(name);
  if (v === null) return def;
  const s = v.toLowerCase();
  if (s === '' || s === '0' || s === 'false' || s === 'no') return false;
  return true;
}

/** `filters` is a JSON object of name → list (or the legacy name → {value: true} map). */
export function queryFilters(query: URLSearchParams): Record<string, string[]> {
  const raw = query.get('filters');
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidParameterError(`invalid filter: ${raw}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidParameterError(`invalid filter: ${raw}`);
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.keys(v as object).filter((x) => (v as Record<string, unknown>)[x]);
    else throw new InvalidParameterError(`invalid filter: ${raw}`);
  }
  return out;
}

export async function readBody(req: IncomingMessage, limit = 4 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new InvalidParameterError(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJSON<T>(req: IncomingMessage, limit?: number): Promise<T | undefined> {
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw new InvalidParameterError(`invalid JSON: ${errorMessage(err)}`);
  }
}

/**
 * A JSON-message stream (pull, push, load, import, build): headers go out at once, each
 * message is one JSON line; an error after the headers becomes an `errorDetail` message.
 */
export class JSONMessageStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
  }

  write(msg: Record<string, unknown>): void {
    this.res.write(JSON.stringify(msg) + '\r\n');
  }

  error(err: unknown): void {
    const message = errorMessage(err);
    this.write({ errorDetail: { message }, error: message });
  }

  end(): void {
    this.res.end();
  }
}

export function statusForError(err: unknown): number {
  if (!(err instanceof TugError)) return 500;
  switch (err.kind) {
    case 'NotFound': return 404;
    case 'Conflict': return 409;
    case 'InvalidParameter': return 400;
    case 'Unauthorized': return 401;
    case 'Forbidden': return 403;
    case 'Unavailable': return 503;
    case 'NotModified': return 304;
    default: return 500;
  }
}
