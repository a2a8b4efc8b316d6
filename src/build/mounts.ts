// RUN --mount: `type=cache` keeps a directory between builds (npm's, apt's caches) under
// data-root; it is bind-mounted and so never part of the step's layer.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { InvalidParameterError } from '../errors.js';

export interface CacheMount {
  host: string;
  target: string;
}

/** Parses the `--mount` flag values (one per line, as the parser joins repeated flags). */
export function cacheMounts(flag: string | true | undefined, root: string, expand: (w: string) => string): CacheMount[] {
  if (flag === undefined) return [];
  if (flag === true) throw new InvalidParameterError('RUN --mount needs a value, for example --mount=type=cache,target=/root/.npm');
  return flag.split('\n').map((spec) => {
    const fields = new Map<string, string>();
    for (const part of expand(spec).split(',')) {
      const i = part.indexOf('=');
      fields.set((i < 0 ? part : part.slice(0, i)).trim().toLowerCase(), i < 0 ? 'true' : part.slice(i + 1));
    }
    const type = fields.get('type') ?? 'bind';
    if (type !== 'cache') throw new InvalidParameterError(`RUN --mount=type=${type} is not supported (only type=cache)`);
    const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
    if (!target) throw new InvalidParameterError('RUN --mount=type=cache needs a target');
    if (!target.startsWith('/')) throw new InvalidParameterError(`RUN --mount target must be an absolute path: ${target}`);
    const id = fields.get('id') ?? target;
    return { host: join(root, createHash('sha256').update(id).digest('hex').slice(0, 32)), target };
  });
}
