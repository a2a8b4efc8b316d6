// One error base for the whole engine. Services throw a kind; the API maps kinds to HTTP
// status once, and the CLI maps them to exit codes once.

export type ErrorKind =
  | 'NotFound'
  | 'Conflict'
  | 'InvalidParameter'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotModified'
  | 'Internal';

/** The code of a --format template's failure, which the CLI prints without "Error: ", as docker does. */
export const TEMPLATE_ERROR_CODE = 'TUG_TEMPLATE';

export class TugError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;

  constructor(kind: ErrorKind, message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code ?? `TUG_${kind.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c).toUpperCase()}`;
    this.name = 'TugError';
  }
}

export class NotFoundError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NotFound', message, 'TUG_NOT_FOUND', options);
  }
}

export class ConflictError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Conflict', message, 'TUG_CONFLICT', options);
  }
}

export class InvalidParameterError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidParameter', message, 'TUG_INVALID_PARAMETER', options);
  }
}

export class UnauthorizedError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unauthorized', message, 'TUG_UNAUTHORIZED', options);
  }
}

export class ForbiddenError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Forbidden', message, 'TUG_FORBIDDEN', options);
  }
}

export class UnavailableError extends TugError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unavailable', message, 'TUG_UNAVAILABLE', options);
  }
}

export class NotModifiedError extends TugError {
  constructor(message: string) {
    super('NotModified', message, 'TUG_NOT_MODIFIED');
  }
}

export function isTugError(err: unknown, kind?: ErrorKind): err is TugError {
  return err instanceof TugError && (kind === undefined || err.kind === kind);
}

/** Node's system errors carry a `code` such as ENOENT; this narrows to them. */
export function isErrno(err: unknown, code?: string): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (err as NodeJS.ErrnoException).code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
