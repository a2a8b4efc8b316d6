// The images a build starts from (FROM, COPY --from an image): the local one, else pulled
// with the build's logins, as dockerd's classic builder gets them; with --pull always pulled.
import { NotFoundError } from '../errors.js';
import { credentialKey, normaliseAuth, type AuthConfig, type DistributionService, type ProgressSink } from '../distribution/index.js';
import type { ImageService } from '../images/service.js';
import type { ImageRecord } from '../images/types.js';
import { parseNormalizedNamed } from '../reference/index.js';

export interface BasePolicy {
  /** --pull: pull even when the image is here. */
  pull: boolean;
  /** X-Registry-Config: logins keyed by registry (`host:port`, or Hub's index URL). */
  auth: Record<string, AuthConfig>;
  platform?: string;
}

/** The login of `domain` in an X-Registry-Config map, whatever form its key was written in. */
export function authFor(auths: Record<string, AuthConfig>, domain: string): AuthConfig {
  const want = credentialKey(domain);
  for (const [server, cfg] of Object.entries(auths)) {
    let key: string;
    try {
      key = credentialKey(server);
    } catch {
      continue;
    }
    if (key === want) return normaliseAuth({ ...cfg, serveraddress: cfg.serveraddress || server });
  }
  return {};
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

export class BaseImages {
  /** One pull per name and build, however many stages name it. */
  private readonly pulls = new Map<string, Promise<void>>();

  constructor(private readonly d: { images: ImageService; distribution: DistributionService }, private readonly o: BasePolicy) {}

  async get(name: string, progress: ProgressSink, signal?: AbortSignal): Promise<ImageRecord> {
    // An image ID names a local image only: there is nothing to pull it by.
    if (!this.o.pull || IMAGE_ID.test(name)) {
      const local = this.local(name);
      if (local || IMAGE_ID.test(name)) return local ?? this.d.images.get(name);
    }
    const ref = parseNormalizedNamed(name);
    let pull = this.pulls.get(name);
    if (!pull) {
      pull = this.d.distribution.pull({ image: name, auth: authFor(this.o.auth, ref.domain), platform: this.o.platform, progress, signal });
      this.pulls.set(name, pull);
    }
    await pull;
    return this.d.images.get(name);
  }

  private local(name: string): ImageRecord | undefined {
    try {
      return this.d.images.get(name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
