// The transport: HTTP/1.1 over the daemon's Unix socket, errors turned into TugError kinds.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions as HttpRequestOptions } from 'node:http';
import type { Readable } from 'node:stream';
import { TugError, UnavailableError, type ErrorKind } from '../errors.js';

export const CLIENT_API_VERSION = '1.50';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  json?: unknown;
  body?: Readable;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400: return 'InvalidParameter';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 503: return 'Unavailable';
    default: return 'Internal';
  }
}

/** An error the daemon answered with: `Error response from daemon: …` in the CLI. */
export class DaemonError extends TugError {
  constructor(readonly status: number, message: string) {
    super(kindForStatus(status), message, `TUG_DAEMON_${status}`);
  }
}

export function buildQuery(query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, x);
    else params.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Node's agent reads `servername` from the request options (typed for https only). */
type RequestArgs = HttpRequestOptions & { servername?: string };

export class Transport {
  constructor(readonly socketPath: string, readonly hostLabel: string) {}

  request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let payload: Buffer | undefined;
    if (opts.json !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.json));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const options: RequestArgs = {
        socketPath: this.socketPath,
        // No TLS over a Unix socket: an empty server name spares the agent working one out from the
        // Host header, whose first IP check (a large regex compiled once) costs the CLI ~3 ms.
        servername: '',
        method,
        path: `/v${CLIENT_API_VERSION}${path}${buildQuery(opts.query)}`,
        headers: { Host: 'tug', 'User-Agent': 'tug-cli', ...headers },
        signal: opts.signal,
      };
      const req = httpRequest(options, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') {
          const why = err.code === 'EACCES' ? ': permission denied' : '';
          reject(new UnavailableError(`Cannot connect to the tug daemon at ${this.hostLabel}${why}. Is tugd running?`));
        } else reject(err);
      });
      if (opts.body) opts.body.pipe(req);
      else req.end(payload);
    });
  }

  /** Sends a request and fails with the daemon's message on a non-2xx answer. */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.request(method, path, opts);
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status === 304) return res;
    const text = await readAll(res.body);
    let message = text.toString('utf8').trim();
    try {
      const parsed = JSON.parse(message) as { message?: string };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Plain-text error body: use it as it is.
    }
    throw new DaemonError(res.status, message || `${res.status} ${method} ${path}`);
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.call(method, path, opts);
    const text = await readAll(res.body);
    return (text.length ? JSON.parse(text.toString('utf8')) : undefined) as T;
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface JSONMessage {
  status?: string;
  stream?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message: string; code?: number };
  aux?: Record<string, unknown>;
}

/** One line of a JSON-message stream; an `error` message becomes a thrown DaemonError. */
function parseMessage(line: string): JSONMessage {
  const msg = JSON.parse(line) as JSONMessage;
  if (msg.error || msg.errorDetail) throw new DaemonError(500, msg.errorDetail?.message ?? msg.error ?? 'unknown error');
  return msg;
}

/** Reads a JSON-message stream line by line. */
export async function* jsonMessages(stream: Readable): AsyncGenerator<JSONMessage> {
  let buf = '';
  for await (const chunk of stream) {
    buf += (chunk as Buffer).toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) yield parseMessage(line);
    }
  }
  const rest = buf.trim();
  if (rest) yield parseMessage(rest);
}
