// What pull, push and search share inside tugd: the image service they fill and read, the
// registry metadata, where partial downloads wait, and which registries may be plain HTTP.
import type { ImageService } from '../images/service.js';
import type { DistributionMetadata } from './metadata.js';

export interface DistributionContext {
  images: ImageService;
  metadata: DistributionMetadata;
  /** Partly downloaded blobs by digest, kept across restarts for resumption (same filesystem as content/). */
  partialDir: string;
  insecureRegistries: readonly string[];
  /** Blob downloads under way, so two pulls of one layer fetch it once. */
  inflight: Map<string, Promise<unknown>>;
  /** How many pulls pin each `layers <chainID>` / `blobs <digest>` in the image service. */
  pins: Map<string, number>;
}
