// `docker ps --filter` semantics over container records (moby's daemon/list.go). Pure; the
// caller resolves ancestors to image IDs and before/since to records.
import { InvalidParameterError } from '../errors.js';
import type { ContainerRecord } from './types.js';

const KEYS = new Set(['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'label!', 'name', 'network', 'publish', 'since', 'status', 'volume']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);

export function validateContainerFilters(filters: Record<string, string[]>): void {
  for (const key of Object.keys(filters)) {
    if (!KEYS.has(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
  }
  for (const s of filters.status ?? []) {
    if (!STATUSES.has(s)) throw new InvalidParameterError(`invalid filter 'status=${s}'`);
  }
  for (const h of filters.health ?? []) {
    if (!HEALTH.has(h)) throw new InvalidParameterError(`Unrecognised filter value for health: ${h}`);
  }
  for (const e of filters.exited ?? []) {
    if (!/^-?\d+$/.test(e)) throw new InvalidParameterError(`invalid filter 'exited=${e}'`);
  }
}

function labelMatch(labels: Record<string, string>, expr: string): boolean {
  const i = expr.indexOf('=');
  if (i < 0) return expr in labels;
  return labels[expr.slice(0, i)] === expr.slice(i + 1);
}

export interface FilterContext {
  /** Image IDs an `ancestor=` value names (the image and its descendants). */
  ancestors?: Set<string>;
  /** Creation times (ms) of the `before=` / `since=` containers. */
  before?: number;
  since?: number;
}

/** Whether a record passes; `all` is ps -a (without it only running containers count). */
export function matchContainer(rec: ContainerRecord, filters: Record<string, string[]>, ctx: FilterContext): boolean {
  const s = rec.State;
  const created = Date.parse(rec.Created);
  const labels = rec.Config.Labels ?? {};
  const any = (key: string, test: (v: string) => boolean) => !filters[key]?.length || filters[key]!.some(test);
  if (!any('id', (v) => rec.ID.startsWith(v))) return false;
  // name filters are regular expressions over the name with its slash, as dockerd matches them.
  if (!any('name', (v) => safeRegExp(v).test(rec.Name))) return false;
  if (!any('status', (v) => v === s.Status)) return false;
  if (!any('exited', (v) => !s.Running && !s.StartedAt.startsWith('0001-') && Number(v) === s.ExitCode)) return false;
  if (filters.exited?.length && s.Running) return false;
  if (!any('health', (v) => (s.Health?.Status ?? 'none') === v)) return false;
  if (filters.label?.length && !filters.label.every((l) => labelMatch(labels, l))) return false;
  if (filters['label!']?.length && filters['label!'].some((l) => labelMatch(labels, l))) return false;
  if (filters.ancestor?.length && !ctx.ancestors?.has(rec.Image)) return false;
  if (ctx.before !== undefined && created >= ctx.before) return false;
  if (ctx.since !== undefined && created <= ctx.since) return false;
  return true;
}

function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new InvalidParameterError(`invalid filter 'name=${source}'`);
  }
}
