// The distribution spec's error codes. Each is a TugError kind for the CLI and carries its
// spec code; the HTTP status is chosen from the code once, in http/respond.ts.
import { TugError, type ErrorKind } from '../errors.js';

export type SpecCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'RANGE_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'PAGINATION_NUMBER_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'NOT_FOUND';

const kinds: Record<SpecCode, ErrorKind> = {
  BLOB_UNKNOWN: 'NotFound',
  BLOB_UPLOAD_INVALID: 'InvalidParameter',
  BLOB_UPLOAD_UNKNOWN: 'NotFound',
  DIGEST_INVALID: 'InvalidParameter',
  MANIFEST_BLOB_UNKNOWN: 'InvalidParameter',
  MANIFEST_INVALID: 'InvalidParameter',
  MANIFEST_UNKNOWN: 'NotFound',
  NAME_INVALID: 'InvalidParameter',
  NAME_UNKNOWN: 'NotFound',
  SIZE_INVALID: 'InvalidParameter',
  RANGE_INVALID: 'InvalidParameter',
  MANIFEST_TOO_LARGE: 'InvalidParameter',
  PAGINATION_NUMBER_INVALID: 'InvalidParameter',
  TAG_INVALID: 'InvalidParameter',
  UNAUTHORIZED: 'Unauthorized',
  DENIED: 'Forbidden',
  UNSUPPORTED: 'InvalidParameter',
  NOT_FOUND: 'NotFound',
};

export class RegistryError extends TugError {
  readonly spec: SpecCode;
  readonly detail: unknown;
  /** Extra response headers (a WWW-Authenticate challenge, a Content-Range). */
  readonly headers: Record<string, string>;

  constructor(spec: SpecCode, message: string, opts: { detail?: unknown; headers?: Record<string, string> } = {}) {
    super(kinds[spec], message, `REGISTRY_${spec}`);
    this.spec = spec;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }
}

export function isRegistryError(err: unknown, spec?: SpecCode): err is RegistryError {
  return err instanceof RegistryError && (spec === undefined || err.spec === spec);
}
