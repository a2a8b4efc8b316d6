// Repository names, tags and digests as the distribution spec allows them. Everything that
// reaches the filesystem passes through here, so `..`, empty components, upper case,
// percent-escapes and leading `_` (our own directories) are all refused.
import { RegistryError } from './errors.js';

const component = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = new RegExp(`^${component}(?:/${component})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const MAX_NAME_LENGTH = 255;

export function validateName(name: string): string {
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new RegistryError('NAME_INVALID', 'invalid repository name', { detail: { name: name.slice(0, 300) } });
  }
  return name;
}

export function isTag(ref: string): boolean {
  return TAG.test(ref);
}

export function validateTag(tag: string): string {
  if (!TAG.test(tag)) throw new RegistryError('TAG_INVALID', 'manifest tag did not match URI', { detail: { tag: tag.slice(0, 200) } });
  return tag;
}

/** Only sha256 is stored; other well-formed algorithms are refused as unsupported digests. */
export function validateDigest(digest: string): string {
  if (SHA256.test(digest)) return digest;
  if (ANY_DIGEST.test(digest) && !digest.startsWith('sha256:')) throw new RegistryError('DIGEST_INVALID', 'unsupported digest algorithm', { detail: { digest } });
  throw new RegistryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { digest: digest.slice(0, 200), reason: 'invalid digest format' } });
}

export function isDigest(ref: string): boolean {
  return ref.includes(':');
}

export function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}
