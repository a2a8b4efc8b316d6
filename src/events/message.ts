// The event message and its wire form: one JSON object per line, as dockerd's json.Encoder
// writes it (HTML escaped, map keys sorted, timeNano an int64 that a JS number cannot hold).

export type EventType =
  | 'builder' | 'config' | 'container' | 'daemon' | 'image' | 'network' | 'node' | 'plugin' | 'secret' | 'service' | 'volume';

/** Engine events are `local`; swarm's cluster events are `swarm`. */
export type EventScope = 'local' | 'swarm';

/** What generated the event; a container's Attributes are its labels plus `image` and `name`. */
export interface Actor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: Actor;
  scope: EventScope;
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
  /** Legacy fields (deprecated in API 1.22), still sent by dockerd below API 1.52. */
  status?: string;
  id?: string;
  from?: string;
}

/** dockerd stopped back-filling `status`, `id` and `from` at API 1.52. */
export const LEGACY_FIELDS_REMOVED_IN = '1.52';
/** Image `create` events exist from API 1.46; older clients never see them. */
export const IMAGE_CREATE_ADDED_IN = '1.46';

/** Go's encoding/json string: HTML escaped, U+2028/2029 escaped, lone surrogates replaced. */
function goString(s: string): string {
  return JSON.stringify(s)
    .replace(/\\ud[89a-f][0-9a-f]{2}/g, '\\ufffd')
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go sorts map keys by their UTF-8 bytes. */
export function sortedKeys(m: Record<string, string>): string[] {
  return Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The deprecated fields dockerd fills for container and image events only. */
export function legacyFields(msg: EventMessage): Pick<EventMessage, 'status' | 'id' | 'from'> {
  if (msg.Type === 'container') return { status: msg.Action, id: msg.Actor.ID, from: msg.Actor.Attributes.image ?? '' };
  if (msg.Type === 'image') return { status: msg.Action, id: msg.Actor.ID };
  return {};
}

/** One line of GET /events, in the field order and with the omitempty rules of Go's Message. */
export function encodeEvent(msg: EventMessage, opts: { legacy: boolean }): string {
  const fields: string[] = [];
  const add = (key: string, json: string) => fields.push(`${goString(key)}:${json}`);
  if (opts.legacy) {
    const legacy = legacyFields(msg);
    for (const key of ['status', 'id', 'from'] as const) if (legacy[key]) add(key, goString(legacy[key]));
  }
  add('Type', goString(msg.Type));
  add('Action', goString(msg.Action));
  const attrs = sortedKeys(msg.Actor.Attributes).map((k) => `${goString(k)}:${goString(msg.Actor.Attributes[k]!)}`);
  add('Actor', `{"ID":${goString(msg.Actor.ID)},"Attributes":{${attrs.join(',')}}}`);
  if (msg.scope) add('scope', goString(msg.scope));
  if (msg.time) add('time', String(msg.time));
  if (msg.timeNano) add('timeNano', msg.timeNano.toString());
  return `{${fields.join(',')}}\n`;
}

/**
 * Finds a top-level integer member in a JSON object text without going through a double,
 * so `timeNano` keeps its nanoseconds. Strings are skipped, so an attribute cannot fake it.
 */
function topLevelInteger(text: string, key: string): bigint | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth !== 1 || text.slice(start, i + 1) !== JSON.stringify(key)) continue;
      const m = /^\s*:\s*(-?\d+)/.exec(text.slice(i + 1));
      if (m) return BigInt(m[1]!);
    }
  }
  return undefined;
}

/** Decodes one line of GET /events (from tugd or dockerd) into a message. */
export function parseEventLine(line: string): EventMessage {
  const raw = JSON.parse(line) as Partial<Record<string, unknown>>;
  const actor = (raw.Actor ?? {}) as Partial<Actor>;
  const time = typeof raw.time === 'number' ? raw.time : 0;
  const msg: EventMessage = {
    Type: String(raw.Type ?? '') as EventType,
    Action: String(raw.Action ?? ''),
    Actor: { ID: String(actor.ID ?? ''), Attributes: actor.Attributes ?? {} },
    scope: String(raw.scope ?? '') as EventScope,
    time,
    timeNano: topLevelInteger(line, 'timeNano') ?? 0n,
  };
  for (const key of ['status', 'id', 'from'] as const) if (typeof raw[key] === 'string') msg[key] = raw[key];
  return msg;
}
