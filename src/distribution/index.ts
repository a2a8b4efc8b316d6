// The registry client of tugd: pull, push, search and login, over the image service's stores.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import type { ImageService } from '../images/service.js';
import { parseNormalizedNamed, tagNameOnly, withDigest, withTag, type Reference } from '../reference/index.js';
import type { AuthConfig } from './auth.js';
import type { DistributionContext } from './context.js';
import { DistributionMetadata } from './metadata.js';
import { listTags, pullOne } from './pull.js';
import { pushRepository } from './push.js';
import { login, searchRegistry, type SearchFilters, type SearchResult } from './search.js';
import type { ProgressSink } from './progress.js';

export { decodeAuthHeader, decodeRegistryConfigHeader, encodeAuthHeader, normaliseAuth, type AuthConfig } from './auth.js';
export { credentialKey, HUB_INDEX_SERVER } from './endpoint.js';
export { parseSearchFilters, type SearchResult } from './search.js';
export { progressBar, humanSize, type ProgressMessage, type ProgressSink } from './progress.js';

export interface PullRequest {
  /** `fromImage` as the API gets it, and the separate `tag` (a tag or a digest). */
  image: string;
  tag?: string;
  allTags?: boolean;
  platform?: string;
  auth: AuthConfig;
  signal?: AbortSignal;
  progress: ProgressSink;
}

export class DistributionService {
  private readonly ctx: DistributionContext;

  constructor(images: ImageService, root: string, insecureRegistries: readonly string[] = []) {
    this.ctx = {
      images,
      metadata: new DistributionMetadata(root),
      partialDir: join(root, 'partial'),
      insecureRegistries,
      inflight: new Map(),
      pins: new Map(),
    };
  }

  async init(): Promise<void> {
    await this.ctx.metadata.init();
    await mkdir(this.ctx.partialDir, { recursive: true });
  }

  /** The reference a pull names: `tag` may be a tag or a digest, as the docker CLI sends them. */
  static pullReference(image: string, tag: string | undefined): Reference {
    let ref = parseNormalizedNamed(image);
    if (tag) {
      if (ref.tag || ref.digest) throw new InvalidParameterError(`invalid reference format: both ${image} and tag ${tag} name a version`);
      ref = /^[a-z0-9]+:/.test(tag) ? withDigest(ref, tag) : withTag(ref, tag);
    }
    return ref;
  }

  async pull(req: PullRequest): Promise<void> {
    const ref = DistributionService.pullReference(req.image, req.tag);
    const opts = { auth: req.auth, platform: req.platform, signal: req.signal, progress: req.progress };
    if (!req.allTags) {
      await pullOne(this.ctx, tagNameOnly(ref), opts);
      return;
    }
    if (ref.tag || ref.digest) throw new InvalidParameterError('tag can\'t be used with --all-tags/-a');
    for (const tag of await listTags(this.ctx, ref, req.auth, req.signal)) await pullOne(this.ctx, { ...ref, tag }, opts);
  }

  push(name: string, tag: string | undefined, auth: AuthConfig, progress: ProgressSink, signal?: AbortSignal): Promise<void> {
    return pushRepository(this.ctx, name, tag, { auth, progress, signal });
  }

  search(term: string, limit: number, filters: SearchFilters, auth: AuthConfig, signal?: AbortSignal): Promise<SearchResult[]> {
    return searchRegistry(term, limit, filters, auth, this.ctx.insecureRegistries, signal);
  }

  login(auth: AuthConfig, signal?: AbortSignal): Promise<{ Status: string; IdentityToken: string }> {
    return login(auth, this.ctx.insecureRegistries, signal);
  }
}
