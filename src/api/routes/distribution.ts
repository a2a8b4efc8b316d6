// Registry routes: pull (POST /images/create?fromImage=), push, /auth and /images/search.
// X-Registry-Auth carries the credentials; progress is Docker's JSON-message stream.
import { InvalidParameterError } from '../../errors.js';
import { DistributionService, decodeAuthHeader, parseSearchFilters, type AuthConfig, type ProgressMessage } from '../../distribution/index.js';
import { JSONMessageStream, queryFilters, readJSON, sendJSON, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

function authOf(ctx: Context): AuthConfig {
  const h = ctx.req.headers['x-registry-auth'];
  return decodeAuthHeader(Array.isArray(h) ? h[0] : h);
}

/**
 * Runs a registry job whose first message opens the 200 stream: a failure before any output
 * (bad name, unknown manifest, denied) is still a plain HTTP error, as dockerd answers it.
 */
async function lazyStream(ctx: Context, job: (progress: (m: ProgressMessage) => void) => Promise<void>): Promise<void> {
  let out: JSONMessageStream | undefined;
  const progress = (m: ProgressMessage) => {
    out ??= new JSONMessageStream(ctx.res);
    out.write(m as Record<string, unknown>);
  };
  try {
    await job(progress);
  } catch (err) {
    if (!out) throw err;
    out.error(err);
  }
  if (out) out.end();
  else sendJSON(ctx.res, 200, {});
}

/** POST /images/create with fromImage (images.ts hands it here). */
export async function pullRoute(ctx: Context, { distribution }: Services): Promise<void> {
  const image = ctx.query.get('fromImage') ?? '';
  if (!image) throw new InvalidParameterError('fromImage or fromSrc is required');
  const tag = ctx.query.get('tag') || undefined;
  // The API's rule: no tag, and none in fromImage, pulls every tag (docker pull -a).
  const named = DistributionService.pullReference(image, tag);
  const allTags = !named.tag && !named.digest;
  await lazyStream(ctx, (progress) => distribution.pull({
    image,
    tag,
    allTags,
    platform: ctx.query.get('platform') || undefined,
    auth: authOf(ctx),
    signal: ctx.signal,
    progress,
  }));
}

export function registerDistributionRoutes(r: Router, { distribution }: Services): void {
  r.post('/images/{name:.*}/push', async (ctx) => {
    const auth = authOf(ctx);
    await lazyStream(ctx, (progress) => distribution.push(ctx.params.name!, ctx.query.get('tag') || undefined, auth, progress, ctx.signal));
  });

  r.post('/auth', async (ctx) => {
    const body = await readJSON<AuthConfig>(ctx.req, 1 << 20);
    if (!body || typeof body !== 'object') throw new InvalidParameterError('login requires a JSON body with username and password');
    sendJSON(ctx.res, 200, await distribution.login(decodeAuthHeader(Buffer.from(JSON.stringify(body)).toString('base64url')), ctx.signal));
  });

  r.get('/images/search', async (ctx) => {
    const term = ctx.query.get('term') ?? '';
    if (!term) throw new InvalidParameterError('a search term is required');
    const limitText = ctx.query.get('limit');
    const limit = limitText ? Number(limitText) : 25;
    if (!Number.isInteger(limit)) throw new InvalidParameterError(`invalid limit: ${limitText}`);
    const filters = parseSearchFilters(queryFilters(ctx.query));
    sendJSON(ctx.res, 200, await distribution.search(term, limit, filters, authOf(ctx), ctx.signal));
  });
}
