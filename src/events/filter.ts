// dockerd's event filters (daemon/events/filter.go), compiled once per subscriber. dockerd
// validates no filter names here: unknown ones are accepted and match everything.
import { familiarName, parseNormalizedNamed } from '../reference/index.js';
import type { EventMessage, EventType } from './message.js';

export type EventFilters = Record<string, string[]>;
export type EventPredicate = (msg: EventMessage) => boolean;

/** Filters whose value matches an actor's ID or `name` attribute by prefix (FuzzyMatch). */
const NAME_FILTERS: readonly EventType[] = ['daemon', 'container', 'plugin', 'volume', 'network', 'service', 'node', 'secret', 'config'];

/** Actions that carry a suffix (`exec_start: sh -c …`): filtering on the bare word matches by prefix. */
const PREFIX_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

/** filters.Args over plain sets: an absent or empty key matches anything. */
class Args {
  private readonly fields = new Map<string, Set<string>>();

  constructor(filters: EventFilters) {
    for (const [k, v] of Object.entries(filters)) this.fields.set(k, new Set(v));
  }

  get size(): number {
    return this.fields.size;
  }

  values(key: string): Set<string> {
    return this.fields.get(key) ?? new Set();
  }

  exact(key: string, source: string): boolean {
    const values = this.fields.get(key);
    return !values || values.size === 0 || values.has(source);
  }

  fuzzy(key: string, source: string): boolean {
    if (this.exact(key, source)) return true;
    for (const prefix of this.values(key)) if (source.startsWith(prefix)) return true;
    return false;
  }

  /** Every `key` or `key=value` given must be among the attributes. */
  matchKV(key: string, attrs: Record<string, string>): boolean {
    const values = this.values(key);
    if (values.size === 0) return true;
    if (Object.keys(attrs).length === 0) return false;
    for (const v of values) {
      const eq = v.indexOf('=');
      const k = eq < 0 ? v : v.slice(0, eq);
      if (!Object.hasOwn(attrs, k)) return false;
      if (eq >= 0 && attrs[k] !== v.slice(eq + 1)) return false;
    }
    return true;
  }
}

/** The repository without tag or digest (`busybox:1` → `busybox`); the input when it is no reference. */
function stripTag(image: string): string {
  try {
    return familiarName(parseNormalizedNamed(image));
  } catch {
    return image;
  }
}

/** Builds the predicate dockerd's Filter.Include computes; undefined when nothing is filtered. */
export function compileEventFilter(filters: EventFilters): EventPredicate | undefined {
  const args = new Args(filters);
  if (args.size === 0) return undefined;
  const fuzzyEvent = [...args.values('event')].some((v) => PREFIX_ACTIONS.has(v));
  const matchImage = (msg: EventMessage): boolean => {
    const id = msg.Actor.ID;
    const name = msg.Actor.Attributes[msg.Type === 'image' ? 'name' : 'image'] ?? '';
    return args.exact('image', id) || args.exact('image', name) || args.exact('image', stripTag(id)) || args.exact('image', stripTag(name));
  };
  return (msg) =>
    (fuzzyEvent ? args.fuzzy('event', msg.Action) : args.exact('event', msg.Action)) &&
    args.exact('type', msg.Type) &&
    args.exact('scope', msg.scope) &&
    NAME_FILTERS.every((t) => args.fuzzy(t, msg.Actor.ID) || args.fuzzy(t, msg.Actor.Attributes.name ?? '')) &&
    matchImage(msg) &&
    args.matchKV('label', msg.Actor.Attributes);
}
