// HTTP to one registry for one set of repository scopes: HTTPS first (plain HTTP for insecure
// registries), the WWW-Authenticate challenge answered with Basic or a Bearer token.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ForbiddenError, NotFoundError, TugError, UnauthorizedError, errorMessage } from '../errors.js';
import { MAX_REDIRECTS, redirectTarget } from '../storage/blob-get.js';
import { basicAuth, parseChallenges, type AuthConfig } from './auth.js';
import type { Endpoint } from './endpoint.js';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
const insecureHttpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
/** The scheme each host answered on, so HTTPS is not tried again on every request. */
const schemes = new Map<string, 'https' | 'http'>();
const USER_AGENT = 'tug (distribution client)';
/** A token this close to its expiry is not used for a new request. */
const TOKEN_MARGIN_MS = 5000;

export interface RegistryRequest {
  method: string;
  /** A path under the registry (`/v2/…`) or an absolute URL from a Location header. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/** The registry's own error (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`) with its status. */
export class RegistryError extends TugError {
  constructor(readonly status: number, readonly registryCode: string, message: string) {
    super(status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : 'Internal', message, `TUG_REGISTRY_${registryCode || status}`);
  }
}

function send(url: URL, req: RegistryRequest, insecure: boolean): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(url, {
      method: req.method,
      headers: { 'User-Agent': USER_AGENT, ...req.headers },
      agent: https ? (insecure ? insecureHttpsAgent : httpsAgent) : httpAgent,
      signal: req.signal,
    }, resolve);
    r.on('error', (err) => reject(new TugError('Internal', `${req.method[0]}${req.method.slice(1).toLowerCase()} "${url.href}": ${errorMessage(err)}`, 'TUG_REGISTRY_UNREACHABLE', { cause: err })));
    if (req.body === undefined) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      req.body.once('error', (err) => r.destroy(err));
      req.body.pipe(r);
    }
  });
}

export async function readText(res: IncomingMessage, limit = 4 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    size += (c as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new TugError('Internal', `registry response larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The registry's error body as one line: `manifest unknown: manifest unknown`. */
export async function registryError(res: IncomingMessage, what: string): Promise<RegistryError> {
  const status = res.statusCode ?? 0;
  let code = '';
  let message = '';
  try {
    const body = JSON.parse((await readText(res, 1 << 20)).toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const first = body.errors?.[0];
    code = first?.code ?? '';
    message = (body.errors ?? []).map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`).join(', ');
  } catch {
    res.resume();
  }
  if (!message) message = `${status} ${res.statusMessage ?? ''}`.trim();
  const err = new RegistryError(status, code, `${what}: ${message}`);
  return err;
}

export class RegistryClient {
  private base: string | undefined;
  private authorization: string | undefined;
  private challenge: { scheme: string; params: Record<string, string> } | undefined;
  /** When the bearer token stops being good (ms since the epoch); a new one is fetched before. */
  private tokenExpires = Infinity;

  constructor(readonly endpoint: Endpoint, readonly auth: AuthConfig, private scopes: string[]) {}

  /** GET /v2/, choosing the scheme and answering its challenge for our scopes. */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.pingOnce(signal);
    res.resume();
    if (res.statusCode === 401) {
      this.challenge = parseChallenges(res.headers['www-authenticate'])[0];
      await this.authorize(signal);
    } else if ((res.statusCode ?? 0) >= 400 && res.statusCode !== 404) {
      throw new TugError('Internal', `registry ${this.endpoint.domain} answered GET /v2/ with ${res.statusCode}`);
    }
  }

  private async pingOnce(signal?: AbortSignal): Promise<IncomingMessage> {
    const known = schemes.get(this.endpoint.host);
    const order: ('https' | 'http')[] = known ? [known] : this.endpoint.insecure ? ['https', 'http'] : ['https'];
    let lastErr: unknown;
    for (const scheme of order) {
      try {
        const res = await send(new URL(`${scheme}://${this.endpoint.host}/v2/`), { method: 'GET', path: '/v2/', signal }, this.endpoint.insecure);
        schemes.set(this.endpoint.host, scheme);
        this.base = `${scheme}://${this.endpoint.host}`;
        return res;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** Asks for a token again with more scopes (a cross-repository mount reads another repository). */
  async addScope(scope: string, signal?: AbortSignal): Promise<void> {
    if (this.scopes.includes(scope)) return;
    this.scopes = [...this.scopes, scope];
    if (this.challenge?.scheme === 'bearer') await this.authorize(signal);
  }

  private async authorize(signal?: AbortSignal): Promise<void> {
    const ch = this.challenge;
    if (!ch) return;
    if (ch.scheme === 'basic') {
      this.authorization = basicAuth(this.auth);
      if (!this.authorization) throw new UnauthorizedError(`${this.endpoint.domain}: authentication required`);
      return;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw new TugError('Internal', `unsupported authentication challenge from ${this.endpoint.domain}: ${ch.scheme}`);
    if (this.auth.registrytoken) {
      this.authorization = `Bearer ${this.auth.registrytoken}`;
      this.tokenExpires = Infinity;
      return;
    }
    const asked = Date.now();
    const url = new URL(ch.params.realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    for (const s of this.scopes) url.searchParams.append('scope', s);
    if (this.auth.username) url.searchParams.set('account', this.auth.username);
    const basic = basicAuth(this.auth);
    const res = await send(url, { method: 'GET', path: url.href, headers: basic ? { Authorization: basic } : {}, signal }, this.endpoint.insecure);
    if (res.statusCode !== 200) {
      res.resume();
      if (res.statusCode === 401) throw new UnauthorizedError(`Get "${url.origin}${url.pathname}": unauthorized: incorrect username or password`);
      throw new TugError('Internal', `token server ${url.origin} answered ${res.statusCode}`);
    }
    const body = JSON.parse((await readText(res, 1 << 20)).toString('utf8')) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new TugError('Internal', `token server ${url.origin} sent no token`);
    this.authorization = `Bearer ${token}`;
    // The token spec's default lifetime is 60 s; issued_at, when given, is the token server's clock.
    const issued = body.issued_at ? Date.parse(body.issued_at) : NaN;
    this.tokenExpires = (Number.isFinite(issued) ? Math.min(issued, asked) : asked) + (body.expires_in && body.expires_in > 0 ? body.expires_in : 60) * 1000;
  }

  url(path: string): URL {
    if (!this.base) throw new TugError('Internal', 'registry client used before ping');
    return new URL(path, this.base);
  }

  /** Pinged, and holding a token that is still good for a while. */
  private async ready(signal?: AbortSignal): Promise<void> {
    if (!this.base) await this.ping(signal);
    else if (this.challenge?.scheme === 'bearer' && Date.now() > this.tokenExpires - TOKEN_MARGIN_MS) await this.authorize(signal);
  }

  /**
   * Where a GET of `path` goes and the credentials it carries, for a thread that makes the
   * request itself (a layer's download); they are renewed first as `request` would.
   */
  async target(path: string, signal?: AbortSignal): Promise<{ url: string; headers: Record<string, string>; authorization?: string; insecure: boolean }> {
    await this.ready(signal);
    return { url: this.url(path).href, headers: { 'User-Agent': USER_AGENT }, ...(this.authorization ? { authorization: this.authorization } : {}), insecure: this.endpoint.insecure };
  }

  /**
   * One request with our credentials; a 401 on a bodiless request re-authorises once. A
   * streamed body cannot be sent twice, so a token about to expire is renewed before it.
   */
  async request(req: RegistryRequest): Promise<IncomingMessage> {
    await this.ready(req.signal);
    const go = () => send(this.url(req.path), { ...req, headers: { ...req.headers, ...(this.authorization ? { Authorization: this.authorization } : {}) } }, this.endpoint.insecure);
    let res = await go();
    if (res.statusCode === 401 && (req.body === undefined || Buffer.isBuffer(req.body))) {
      const ch = parseChallenges(res.headers['www-authenticate'])[0];
      if (ch) {
        res.resume();
        this.challenge = ch;
        await this.authorize(req.signal);
        res = await go();
      }
    }
    // Blob GETs may be redirected to storage elsewhere: our credentials stay with the registry.
    for (let hops = 0; hops < MAX_REDIRECTS && (req.method === 'GET' || req.method === 'HEAD'); hops++) {
      const target = redirectTarget(res, this.url(req.path));
      if (!target) break;
      res.resume();
      const sameOrigin = target.origin === this.url('/').origin;
      const headers = { ...req.headers, ...(sameOrigin && this.authorization ? { Authorization: this.authorization } : {}) };
      res = await send(target, { ...req, path: target.href, headers }, this.endpoint.insecure);
    }
    return res;
  }

  /** A request that must answer one of `ok`; anything else becomes the registry's error. */
  async expect(req: RegistryRequest, ok: number[], what: string): Promise<IncomingMessage> {
    const res = await this.request(req);
    if (ok.includes(res.statusCode ?? 0)) return res;
    const err = await registryError(res, what);
    if (res.statusCode === 401) throw new UnauthorizedError(err.message);
    if (res.statusCode === 403) throw new ForbiddenError(err.message);
    if (res.statusCode === 404) throw new NotFoundError(err.message);
    throw err;
  }
}
