// --token-realm/--token-key: Docker's token auth. The client gets a JWT from the realm (a
// separate token server) and sends it as a Bearer token; we check its signature with the
// token server's public key (or certificate), its times, issuer and audience, and that its
// `access` claim grants every action the request needs.
import { X509Certificate, constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidParameterError } from '../../errors.js';
import { RegistryError } from '../errors.js';
import { scopeString, type Access, type Authorizer } from './index.js';

export interface TokenOptions {
  realm: string;
  keyFile: string;
  service: string;
  issuer?: string;
}

interface Claims {
  iss?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  access?: { type?: string; name?: string; actions?: string[] }[];
}

const HASHES: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', PS256: 'sha256', PS384: 'sha384', PS512: 'sha512' };

function loadKey(file: string): KeyObject {
  const pem = readFileSync(file, 'utf8');
  try {
    return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch (err) {
    throw new InvalidParameterError(`--token-key ${file}: not a PEM public key or certificate (${(err as Error).message})`);
  }
}

function b64json(part: string): Record<string, unknown> {
  const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  return v as Record<string, unknown>;
}

export class TokenAuthorizer implements Authorizer {
  private readonly key: KeyObject;

  constructor(private readonly opts: TokenOptions) {
    this.key = loadKey(opts.keyFile);
  }

  private challenge(access: Access[], error?: string): Record<string, string> {
    const parts = [`realm="${this.opts.realm}"`, `service="${this.opts.service}"`];
    if (access.length) parts.push(`scope="${access.map(scopeString).join(' ')}"`);
    if (error) parts.push(`error="${error}"`);
    return { 'WWW-Authenticate': `Bearer ${parts.join(',')}` };
  }

  async authorize(authorization: string | undefined, access: Access[]): Promise<void> {
    await Promise.resolve();
    const m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(authorization ?? '');
    if (!m) throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: this.challenge(access), detail: access.map((a) => ({ ...a })) });
    const claims = this.verify(m[1]!, m[2]!, m[3]!, access);
    for (const need of access) {
      const granted = new Set((claims.access ?? []).filter((g) => g.type === need.type && g.name === need.name).flatMap((g) => g.actions ?? []));
      if (!need.actions.every((a) => granted.has(a) || granted.has('*'))) {
        throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: this.challenge(access, 'insufficient_scope'), detail: access.map((a) => ({ ...a })) });
      }
    }
  }

  private verify(h: string, p: string, s: string, access: Access[]): Claims {
    const bad = (reason: string): RegistryError => new RegistryError('UNAUTHORIZED', 'authentication required', { headers: this.challenge(access, 'invalid_token'), detail: { reason } });
    let header: Record<string, unknown>;
    let claims: Claims;
    try {
      header = b64json(h);
      claims = b64json(p) as Claims;
    } catch {
      throw bad('malformed token');
    }
    const alg = typeof header.alg === 'string' ? header.alg : '';
    const hash = HASHES[alg];
    if (!hash) throw bad(`unsupported token algorithm ${alg || 'none'}`);
    const signature = Buffer.from(s, 'base64url');
    const key = alg.startsWith('PS') ? { key: this.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : alg.startsWith('ES') ? { key: this.key, dsaEncoding: 'ieee-p1363' as const } : this.key;
    let ok = false;
    try {
      ok = verify(hash, Buffer.from(`${h}.${p}`), key, signature);
    } catch {
      ok = false;
    }
    if (!ok) throw bad('invalid token signature');
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < now - 60) throw bad('token expired');
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) throw bad('token not yet valid');
    if (this.opts.issuer !== undefined && claims.iss !== this.opts.issuer) throw bad('token has the wrong issuer');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.opts.service)) throw bad('token is for another service');
    return claims;
  }
}
