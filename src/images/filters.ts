// `docker images --filter` semantics: reference (path.Match globs against the familiar
// name and name:tag), dangling, label, before/since. Pure.
import { InvalidParameterError } from '../errors.js';
import { familiarName, familiarString, parseNormalizedNamed } from '../reference/index.js';
import type { ImageConfig, ImageRecord } from './types.js';

const KEYS = ['before', 'dangling', 'label', 'label!', 'reference', 'since', 'until'];

export function validateImageFilters(filters: Record<string, string[]>): void {
  for (const key of Object.keys(filters)) {
    if (!KEYS.includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
  }
  for (const v of filters.dangling ?? []) {
    if (!['true', 'false', '1', '0'].includes(v)) throw new InvalidParameterError(`invalid filter 'dangling=${v}'`);
  }
}

/** Go's path.Match: `*` and `?` never match `/`; `[...]` classes with `^` negation. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new InvalidParameterError(`invalid reference filter pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/[\\\]]/g, '\\$&');
      else body = body.replace(/[\\\]^]/g, '\\$&');
      re += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface FilterSubject {
  rec: ImageRecord;
  config: ImageConfig;
  refs: string[];
}

function labelMatch(labels: Record<string, string>, expr: string): boolean {
  const i = expr.indexOf('=');
  if (i < 0) return expr in labels;
  return labels[expr.slice(0, i)] === expr.slice(i + 1);
}

/** `before`/`since` name images; the caller resolves them to creation times (ms). */
export interface TimeBounds {
  before?: number;
  since?: number;
}

export function matchImageFilters(filters: Record<string, string[]>, s: FilterSubject, bounds: TimeBounds = {}): boolean {
  const labels = s.config.config?.Labels ?? {};
  for (const v of filters.dangling ?? []) {
    const want = v === 'true' || v === '1';
    if (want !== (s.refs.filter((r) => !r.includes('@')).length === 0)) return false;
  }
  if (filters.label && !filters.label.every((l) => labelMatch(labels, l))) return false;
  if (filters['label!'] && filters['label!'].some((l) => labelMatch(labels, l))) return false;
  if (filters.reference?.length) {
    const patterns = filters.reference.map(globToRegExp);
    const ok = s.refs.some((r) => {
      const ref = parseNormalizedNamed(r);
      const candidates = [familiarString(ref), familiarName(ref)];
      return patterns.some((p) => candidates.some((c) => p.test(c)));
    });
    if (!ok) return false;
  }
  const created = s.config.created ? Date.parse(s.config.created) : 0;
  if (bounds.before !== undefined && !(created < bounds.before)) return false;
  if (bounds.since !== undefined && !(created > bounds.since)) return false;
  for (const v of filters.until ?? []) {
    if (!(created <= parseUntil(v))) return false;
  }
  return true;
}

function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(ns|us|ms|s|m|h)$/.exec(v);
  if (d) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    return Date.now() - Number(d[1]) * mult[d[2]!]!;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidParameterError(`invalid filter 'until=${v}'`);
  return t;
}
