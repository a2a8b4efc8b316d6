// The filters of GET /volumes and POST /volumes/prune, with dockerd's keys and error texts.
import { InvalidParameterError } from '../errors.js';
import { ANONYMOUS_LABEL, type VolumeRecord } from './types.js';

export type Filters = Record<string, string[]>;

const LIST_KEYS = new Set(['dangling', 'driver', 'label', 'name']);
const PRUNE_KEYS = new Set(['label', 'label!', 'all']);

function checkKeys(filters: Filters, allowed: Set<string>): void {
  for (const key of Object.keys(filters)) if (!allowed.has(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
}

function boolValue(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidParameterError(`invalid filter '${key}=${value}'`);
}

/** `label=k` has the key, `label=k=v` has it with that value. */
export function labelMatches(labels: Record<string, string> | null, filter: string): boolean {
  const eq = filter.indexOf('=');
  const key = eq < 0 ? filter : filter.slice(0, eq);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return eq < 0 || labels[key] === filter.slice(eq + 1);
}

// dockerd's filters.Match: the value is a regular expression, else a plain substring.
function nameMatches(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

export function checkListFilters(filters: Filters): void {
  checkKeys(filters, LIST_KEYS);
  for (const v of filters.dangling ?? []) boolValue('dangling', v);
}

/** Whether a volume is listed; `inUse` says whether any container refers to it. */
export function listMatches(v: VolumeRecord, inUse: boolean, filters: Filters): boolean {
  const dangling = filters.dangling?.map((x) => boolValue('dangling', x));
  if (dangling && !dangling.some((d) => d === !inUse)) return false;
  if (filters.name && !filters.name.some((n) => nameMatches(v.Name, n))) return false;
  if (filters.driver && !filters.driver.includes(v.Driver)) return false;
  if (filters.label && !filters.label.every((l) => labelMatches(v.Labels, l))) return false;
  return true;
}

export function checkPruneFilters(filters: Filters): void {
  checkKeys(filters, PRUNE_KEYS);
  for (const v of filters.all ?? []) boolValue('all', v);
}

/** Whether an unused volume is pruned: anonymous ones only, unless `all=true` (API ≥ 1.42). */
export function pruneMatches(v: VolumeRecord, filters: Filters): boolean {
  const all = (filters.all ?? []).some((x) => boolValue('all', x));
  if (!all && !Object.hasOwn(v.Labels ?? {}, ANONYMOUS_LABEL)) return false;
  if (filters.label && !filters.label.every((l) => labelMatches(v.Labels, l))) return false;
  if (filters['label!'] && filters['label!'].some((l) => labelMatches(v.Labels, l))) return false;
  return true;
}
