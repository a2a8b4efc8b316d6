// Digests as OCI writes them: `algorithm:encoded`. Only sha256 is stored; other algorithms
// are refused with a clear error rather than mis-stored.
import { createHash } from 'node:crypto';
import { InvalidParameterError } from '../errors.js';

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return SHA256.test(s);
}

export function validateDigest(s: string): string {
  if (!SHA256.test(s)) {
    if (!s.startsWith('sha256:') && /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s)) throw new InvalidParameterError(`unsupported digest algorithm: ${s}`);
    throw new InvalidParameterError(`invalid digest format: ${s}`);
  }
  return s;
}

export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function encoded(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
