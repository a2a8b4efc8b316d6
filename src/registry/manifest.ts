// Manifest validation, pure: which media type a pushed manifest is, and which blobs and
// child manifests it references. Docker schema 2 manifests and lists, OCI manifests and indexes.
import { RegistryError } from './errors.js';
import { validateDigest } from './names.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Manifests larger than this are refused, as distribution does (4 MiB). */
export const MAX_MANIFEST_SIZE = 4 << 20;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  /** Blobs that must be in the repository: the config and the layers. */
  blobs: Descriptor[];
  /** Manifests that must be in the repository: an index's entries. */
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

function invalid(reason: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', 'manifest invalid', { detail: { reason } });
}

function descriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${where} is not a descriptor`);
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw invalid(`${where} has no mediaType`);
  if (typeof d.digest !== 'string') throw invalid(`${where} has no digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(`${where} has an invalid size`);
  validateDigest(d.digest);
  return v as Descriptor;
}

function descriptors(v: unknown, where: string): Descriptor[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} is not an array`);
  return v.map((d, i) => descriptor(d, `${where}[${i}]`));
}

/** A foreign layer (Windows base layers) lives elsewhere and is not pushed. */
function isForeign(d: Descriptor): boolean {
  return d.mediaType.includes('.foreign.') || d.mediaType.includes('nondistributable');
}

/**
 * Parses a pushed manifest. `contentType` is the request's Content-Type; when the body names
 * its own mediaType the two must agree.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const declared = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const header = contentType?.split(';')[0]!.trim();
  const fromHeader = header && header !== 'application/json' && header !== 'application/octet-stream' ? header : undefined;
  if (declared && fromHeader && declared !== fromHeader) throw invalid(`mediaType ${declared} does not match Content-Type ${fromHeader}`);
  const mediaType = declared ?? fromHeader ?? (m.manifests !== undefined ? MEDIA.ociIndex : MEDIA.ociManifest);
  const subject = m.subject === undefined ? undefined : descriptor(m.subject, 'subject');
  const common = {
    mediaType,
    subject,
    artifactType: typeof m.artifactType === 'string' ? m.artifactType : undefined,
    annotations: typeof m.annotations === 'object' && m.annotations !== null ? m.annotations as Record<string, string> : undefined,
  };
  switch (mediaType) {
    case MEDIA.dockerManifest:
    case MEDIA.ociManifest: {
      const config = descriptor(m.config, 'config');
      if (!Array.isArray(m.layers)) throw invalid('layers is not an array');
      const layers = descriptors(m.layers, 'layers');
      if (mediaType === MEDIA.dockerManifest && layers.length === 0) throw invalid('a Docker image manifest needs at least one layer');
      return { ...common, blobs: [config, ...layers.filter((l) => !isForeign(l))], manifests: [] };
    }
    case MEDIA.dockerList:
    case MEDIA.ociIndex:
      if (!Array.isArray(m.manifests)) throw invalid('manifests is not an array');
      return { ...common, blobs: [], manifests: descriptors(m.manifests, 'manifests') };
    default:
      throw invalid(`unsupported manifest media type ${mediaType}`);
  }
}

/** The descriptor a referrers listing shows for a manifest with a subject. */
export function referrerDescriptor(p: ParsedManifest, digest: string, size: number, configMediaType?: string): Descriptor {
  const artifactType = p.artifactType ?? configMediaType;
  return {
    mediaType: p.mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(p.annotations ? { annotations: p.annotations } : {}),
  };
}
