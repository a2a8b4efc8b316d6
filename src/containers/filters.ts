// `docker ps --filter` semantics over container records (moby's daemon/list.go). Pure; the
// caller resolves ancestors to image IDs and before/since to records.
import { parseBool } from '../cli/run/strconv.js';
import { InvalidParameterError } from '../errors.js';
import type { ContainerRecord } from './types.js';
import { portSummaries } from './views.js';

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
  for (const v of filters['is-task'] ?? []) {
    if (parseGoBool(v) === undefined) throw new InvalidParameterError(`invalid filter 'is-task=${v}'`);
  }
  for (const key of ['publish', 'expose']) for (const v of filters[key] ?? []) portFilter(key, v);
}

/** strconv.ParseBool, undefined for what it refuses. */
function parseGoBool(v: string): boolean | undefined {
  try {
    return parseBool(v);
  } catch {
    return undefined;
  }
}

/** A publish/expose value, `port[/proto]` or `start-end[/proto]`, as the `port/proto` keys it names. */
function portFilter(key: string, value: string): string[] {
  if (value.includes(':')) throw new InvalidParameterError(`filter for '${key}' should not contain ':': ${value}`);
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(value);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start > 65535 || end > 65535 || end < start) throw new InvalidParameterError(`error while looking up for ${key} ${value}: invalid port range`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}

/**
 * filters.Args.Match: a value equal to the field, or one that as a regular expression matches it
 * somewhere (unanchored); a value that is no valid expression matches only by equality.
 */
function goMatch(values: readonly string[], source: string): boolean {
  return values.some((v) => {
    if (v === source) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false;
    }
  });
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
  // id and name are filters.Args.Match; a name is tried with its slash and without.
  if (filters.id?.length && !goMatch(filters.id, rec.ID)) return false;
  if (filters.name?.length && !goMatch(filters.name, rec.Name) && !goMatch(filters.name, rec.Name.replace(/^\//, ''))) return false;
  if (!any('status', (v) => v === s.Status)) return false;
  if (!any('exited', (v) => !s.Running && !s.StartedAt.startsWith('0001-') && Number(v) === s.ExitCode)) return false;
  if (filters.exited?.length && s.Running) return false;
  if (!any('health', (v) => (s.Health?.Status ?? 'none') === v)) return false;
  if (filters.label?.length && !filters.label.every((l) => labelMatch(labels, l))) return false;
  if (filters['label!']?.length && filters['label!'].some((l) => labelMatch(labels, l))) return false;
  if (filters.ancestor?.length && !ctx.ancestors?.has(rec.Image)) return false;
  if (ctx.before !== undefined && created >= ctx.before) return false;
  if (ctx.since !== undefined && created <= ctx.since) return false;
  // No container here is a swarm task.
  if (filters['is-task']?.some((v) => parseGoBool(v) === true)) return false;
  if (filters.volume?.length) {
    const mounts = Object.values(rec.MountPoints ?? {});
    if (!filters.volume.some((v) => mounts.some((m) => m.Destination === v || (m.Name ? m.Name === v : m.Source === v)))) return false;
  }
  if (filters.network?.length) {
    const eps = rec.Endpoints ?? {};
    if (!filters.network.some((v) => v in eps || Object.values(eps).some((e) => (e.NetworkID ?? '').startsWith(v)))) return false;
  }
  if (filters.publish?.length || filters.expose?.length) {
    // Over the ports `ps` shows: published as host port, exposed as container port.
    const published = new Set((filters.publish ?? []).flatMap((v) => portFilter('publish', v)));
    const exposed = new Set((filters.expose ?? []).flatMap((v) => portFilter('expose', v)));
    const ports = portSummaries(rec) as Array<{ PrivatePort: number; PublicPort?: number; Type: string }>;
    if (!ports.some((p) => published.has(`${p.PublicPort ?? 0}/${p.Type}`) || exposed.has(`${p.PrivatePort}/${p.Type}`))) return false;
  }
  return true;
}
