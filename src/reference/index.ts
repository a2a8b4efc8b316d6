// Docker image references ("busybox", "localhost:5000/a/b:t", "x@sha256:…"), parsed and
// normalised with the rules and error texts of github.com/distribution/reference.

import { InvalidParameterError } from '../errors.js';
import {
  anchoredDigestRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  anchoredTagRegexp,
  digestError,
  goToLower,
  referenceRegexp,
} from './grammar.js';

/** A named reference. `domain` is '' only for names that fail the domain grammar. */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** What ParseAnyReference may return instead of a name: a bare image ID. */
export interface DigestReference {
  digest: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

/** distribution's Parse: the grammar only, no normalisation ('busybox' has no domain). */
export function parseReference(s: string): Reference {
  if (s === '') fail('repository name must have at least one component');
  const m = referenceRegexp.exec(s);
  if (!m) {
    const lower = goToLower(s);
    if (lower !== s && referenceRegexp.test(lower)) fail('repository name must be lowercase');
    fail('invalid reference format');
  }
  const [, name, tag, digest] = m;
  const nameMatch = anchoredNameRegexp.exec(name);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch ? nameMatch[2] : name;
  if (path.length > NAME_TOTAL_LENGTH_MAX) fail(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (digest) {
    const err = digestError(digest);
    if (err) fail(err);
  }
  const ref: Reference = { domain, path };
  if (tag) ref.tag = tag;
  if (digest) ref.digest = digest;
  return ref;
}

// Which part of a user's name is a registry: see splitDockerDomain upstream.
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/');
  // A single element is never a domain, so "localhost:5000" is the repo "localhost" tagged "5000".
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  // The legacy Hub name must be checked before the "has a dot" rule would keep it.
  if (first === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, rest];
  else if (first === 'localhost' || /[.:]/.test(first) || goToLower(first) !== first) [domain, remainder] = [first, rest];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

/** 'busybox' -> { domain: 'docker.io', path: 'library/busybox' }; keeps tag and digest. */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifierRegexp.test(s)) {
    fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (goToLower(remote) !== remote) fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  return parseReference(`${domain}/${remainder}`);
}

/** Normalised, with tag 'latest' when neither tag nor digest; a digest wins over a tag. */
export function parseDockerRef(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (ref.tag !== undefined && ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return tagNameOnly(ref);
}

/** A 64-hex ID or any valid digest, else a normalised name. */
export function parseAnyReference(s: string): Reference | DigestReference {
  if (anchoredIdentifierRegexp.test(s)) return { digest: `sha256:${s}` };
  if (digestError(s) === undefined) return { digest: s };
  return parseNormalizedNamed(s);
}

export function isNamed(r: Reference | DigestReference): r is Reference {
  return 'path' in r;
}

export function isNameOnly(r: Reference): boolean {
  return r.tag === undefined && r.digest === undefined;
}

export function tagNameOnly(r: Reference): Reference {
  return isNameOnly(r) ? { ...r, tag: DEFAULT_TAG } : r;
}

/** The name without tag or digest. */
export function trimNamed(r: Reference): Reference {
  return { domain: r.domain, path: r.path };
}

/** Replaces the tag; like upstream WithTag, a digest is kept. */
export function withTag(r: Reference, tag: string): Reference {
  if (!anchoredTagRegexp.test(tag)) fail('invalid tag format');
  return { ...r, tag };
}

/** Replaces the digest; a tag is kept. */
export function withDigest(r: Reference, digest: string): Reference {
  if (!anchoredDigestRegexp.test(digest)) fail('invalid digest format');
  return { ...r, digest };
}

/** 'docker.io/library/busybox' (no tag or digest). */
export function repositoryName(r: Reference): string {
  return r.domain === '' ? r.path : `${r.domain}/${r.path}`;
}

function withSuffixes(name: string, r: Reference): string {
  return name + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

/** 'docker.io/library/busybox:latest'. */
export function referenceString(r: Reference): string {
  return withSuffixes(repositoryName(r), r);
}

/** 'busybox', 'user/app', 'localhost:5000/a/b': Docker Hub's domain and 'library/' dropped. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repositoryName(r);
  // Only a single element under library/ is shortened, as upstream does.
  if (r.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = r.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return r.path;
}

/** 'busybox:latest', 'busybox@sha256:…'. */
export function familiarString(r: Reference): string {
  return withSuffixes(familiarName(r), r);
}

/** 'sha256:<64 hex>' or a bare 64-hex ID. */
export function isFullImageID(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{64}$/.test(s);
}

/**
 * Whether s could name an image by ID prefix. Docker looks an unknown name up as a prefix
 * of the hex ID (with or without 'sha256:'), with no minimum length.
 */
export function looksLikeIDPrefix(s: string): boolean {
  return /^(?:sha256:)?[a-f0-9]{1,64}$/.test(s);
}
