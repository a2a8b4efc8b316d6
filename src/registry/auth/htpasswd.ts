// --htpasswd: Basic auth against bcrypt entries as `htpasswd -B` writes them. As in
// distribution, any user who authenticates may pull and push. Checked passwords are kept
// (hashed) for a while, since bcrypt is slow by design and a push makes many requests.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { InvalidParameterError } from '../../errors.js';
import { RegistryError } from '../errors.js';
import type { Access, Authorizer } from './index.js';

const REALM = 'tug-registry';
const REMEMBER_MS = 5 * 60_000;

export function parseHtpasswd(text: string, file = 'htpasswd'): Map<string, string> {
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const hash = line.slice(colon + 1);
    if (colon <= 0 || !/^\$2[aby]\$\d\d\$/.test(hash)) throw new InvalidParameterError(`${file}:${i + 1}: not a bcrypt entry (write it with htpasswd -B)`);
    users.set(line.slice(0, colon), hash);
  });
  return users;
}

export class HtpasswdAuthorizer implements Authorizer {
  private readonly users: Map<string, string>;
  private readonly verified = new Map<string, number>();

  constructor(file: string) {
    this.users = parseHtpasswd(readFileSync(file, 'utf8'), file);
  }

  async authorize(authorization: string | undefined, access: Access[]): Promise<void> {
    void access;
    const challenge = { 'WWW-Authenticate': `Basic realm="${REALM}"` };
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    if (!m) throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: challenge });
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const hash = colon > 0 ? this.users.get(user) : undefined;
    const key = createHash('sha256').update(decoded).digest('hex');
    if (hash && (this.verified.get(key) ?? 0) > Date.now()) return;
    if (!hash || !(await bcrypt.compare(decoded.slice(colon + 1), hash))) {
      throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: challenge, detail: { reason: 'invalid username or password' } });
    }
    this.verified.set(key, Date.now() + REMEMBER_MS);
  }
}
