// Volume names as dockerd's local driver accepts them, and names made for anonymous volumes.
import { randomBytes } from 'node:crypto';
import { InvalidParameterError } from '../errors.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** dockerd's local driver check, with its text (the caller adds the `create NAME: ` prefix). */
export function checkVolumeName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new InvalidParameterError(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** Anonymous volumes get 64 hex characters, as dockerd names them. */
export function anonymousName(): string {
  return randomBytes(32).toString('hex');
}
