// The GET of a layer's blob that an unpack worker makes itself, so that the response's bytes
// never cross the main thread: a Range for the bytes partial/ holds, redirects followed as the
// registry client follows them (credentials only to the registry's own origin, at most 5 hops).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { TugError, errorMessage } from '../errors.js';

/** What the registry client would send for the blob (see RegistryClient.target). */
export interface BlobSource {
  url: string;
  headers: Record<string, string>;
  /** Sent to the registry's origin only: storage a blob is redirected to never sees it. */
  authorization?: string;
  /** TLS errors are not fatal (loopback, --insecure-registry), as for the client. */
  insecure: boolean;
}

/** The blob's bytes from `offset` on (0 when the server ignored the Range). */
export type BlobResponse = { ok: true; res: IncomingMessage; offset: number } | { ok: false; status: number };

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });
const insecureHttpsAgent = new HttpsAgent({ keepAlive: true, rejectUnauthorized: false });
const REDIRECTS = [301, 302, 303, 307, 308];
/** How many redirects a blob GET follows, here and in the registry client. */
export const MAX_REDIRECTS = 5;

/** Where a redirect answer sends the request (its Location read against `base`); undefined for any other answer. */
export function redirectTarget(res: IncomingMessage, base: URL): URL | undefined {
  return REDIRECTS.includes(res.statusCode ?? 0) && res.headers.location ? new URL(res.headers.location, base) : undefined;
}

/** The connection itself failed (as opposed to what came through it): its bytes are worth a resume. */
export class BrokenLinkError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Internal', message, 'TUG_REGISTRY_UNREACHABLE', options);
  }
}

function get(url: URL, headers: Record<string, string>, insecure: boolean, signal: AbortSignal): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(url, { method: 'GET', headers, agent: https ? (insecure ? insecureHttpsAgent : httpsAgent) : httpAgent, signal }, resolve);
    r.on('error', (err) => reject(signal.aborted ? signal.reason : new BrokenLinkError(`Get "${url.href}": ${errorMessage(err)}`, { cause: err })));
    r.end();
  });
}

/**
 * The blob's response once it answers 200 or 206; any other final status is left to the
 * caller (the main thread's client knows 401 challenges and the registry's error bodies).
 */
export async function getBlob(source: BlobSource, offset: number, signal: AbortSignal): Promise<BlobResponse> {
  const origin = new URL(source.url).origin;
  const range: Record<string, string> = offset ? { Range: `bytes=${offset}-` } : {};
  let url = new URL(source.url);
  for (let hop = 0; ; hop++) {
    const auth: Record<string, string> = source.authorization && url.origin === origin ? { Authorization: source.authorization } : {};
    const res = await get(url, { ...source.headers, ...range, ...auth }, source.insecure, signal);
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) return { ok: true, res, offset: status === 206 ? offset : 0 };
    res.resume();
    const next = hop < MAX_REDIRECTS ? redirectTarget(res, url) : undefined;
    if (!next) return { ok: false, status };
    url = next;
  }
}

/** The body's chunks; a connection that breaks before its end fails as a BrokenLinkError. */
export async function* bodyOf(res: IncomingMessage, url: string, signal: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new BrokenLinkError(`Get "${url}": ${errorMessage(err)}`, { cause: err });
  } finally {
    if (!res.complete) res.destroy();
  }
}
