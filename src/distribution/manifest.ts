// Manifests as registries serve them: Docker schema 2 and OCI, single or lists, and the one
// entry of a list this host runs (linux/amd64 unless asked otherwise).
import { InvalidParameterError, NotFoundError } from '../errors.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../images/types.js';

export const MANIFEST_ACCEPT = [MediaType.dockerManifest, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.ociIndex].join(', ');
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const HOST_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** `linux/amd64`, `linux/arm64/v8`; empty means this host's. */
export function parsePlatform(s: string | undefined): Platform {
  if (!s) return HOST_PLATFORM;
  const parts = s.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new InvalidParameterError(`invalid platform: ${s}: expected os/arch[/variant]`);
  const arch = parts[1] === 'x86_64' ? 'amd64' : parts[1] === 'aarch64' ? 'arm64' : parts[1]!;
  return parts[2] ? { os: parts[0]!, architecture: arch, variant: parts[2] } : { os: parts[0]!, architecture: arch };
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export type ParsedManifest = { kind: 'index'; mediaType: string; index: Index } | { kind: 'manifest'; mediaType: string; manifest: Manifest };

/** Tells a manifest from an index by the body's mediaType, else the Content-Type, else its members. */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new InvalidParameterError('manifest is not valid JSON');
  }
  if (body === null || typeof body !== 'object') throw new InvalidParameterError('manifest is not a JSON object');
  const type = typeof body.mediaType === 'string' ? body.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (body.schemaVersion === 1 || /prettyjws|docker\.distribution\.manifest\.v1\+json/.test(type)) {
    throw new InvalidParameterError('image is in Docker schema 1 format, which is not supported');
  }
  if (type === MediaType.dockerManifestList || type === MediaType.ociIndex || (Array.isArray(body.manifests) && !body.config)) {
    if (!Array.isArray(body.manifests)) throw new InvalidParameterError('manifest list has no manifests');
    return { kind: 'index', mediaType: type || MediaType.ociIndex, index: body as unknown as Index };
  }
  const m = body as unknown as Manifest;
  if (!m.config || typeof m.config.digest !== 'string' || !Array.isArray(m.layers)) throw new InvalidParameterError('manifest has no config or layers');
  return { kind: 'manifest', mediaType: type || MediaType.ociManifest, manifest: m };
}

/** The list entry for `want`, with containerd's leniency for a missing variant. */
export function selectPlatform(index: Index, want: Platform): Descriptor {
  const matches = index.manifests.filter((d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture &&
    (!want.variant || !d.platform.variant || d.platform.variant === want.variant));
  if (matches.length === 0) throw new NotFoundError(`no matching manifest for ${platformString(want)} in the manifest list entries`);
  return matches[0]!;
}

/** Whether a layer media type is one tug can unpack (tar, gzip or zstd, Docker's or OCI's). */
export function isLayerMediaType(t: string): boolean {
  return /^application\/vnd\.(oci\.image\.layer\.v1\.tar|docker\.image\.rootfs\.diff\.tar)(\.gzip|\+gzip|\+zstd)?$/.test(t) ||
    t === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
}
