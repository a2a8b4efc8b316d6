// Go's encoding/json output for template values, as docker's `json` template function
// prints it: compact, HTML left alone, U+2028/2029 escaped, map keys sorted.

import { InvalidParameterError } from '../../errors.js';
import { goSortedKeys, isGoInt } from './gofmt.js';

// Objects that docker marshals through a Go map (the listing rows): sorted keys, and Go's
// default HTML escaping, which `docker ps --format '{{json .}}'` shows as "\u003e".
const goMaps = new WeakSet<object>();

/** Marks a row so that `{{json .}}` prints it the way docker prints its row contexts. */
export function markAsGoMap<T extends object>(o: T): T {
  goMaps.add(o);
  return o;
}

// Rows that stand for one of docker's formatter contexts (Go structs): a field they lack is an
// execution error naming the context's type, where a map would print "<no value>".
const goStructs = new WeakMap<object, string>();

/** Marks a row as docker's context struct `typeName` (e.g. `*formatter.ContainerContext`); `{{json .}}` is unchanged. */
export function markAsGoStruct<T extends object>(o: T, typeName: string): T {
  goStructs.set(markAsGoMap(o), typeName);
  return o;
}

/** The Go struct type a value was marked as, if any. */
export function goStructType(o: object): string | undefined {
  return goStructs.get(o);
}

function encodeString(s: string, escapeHTML: boolean): string {
  let out = JSON.stringify(s)
    .replace(/\\ud[89a-f][0-9a-f]{2}/g, '\\ufffd')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  if (escapeHTML) out = out.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return out;
}

function encodeTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new InvalidParameterError('json: error calling MarshalJSON for type time.Time: invalid time');
  const iso = d.toISOString();
  const frac = iso.slice(19, 23).replace(/\.?0+$/, '');
  return `"${iso.slice(0, 19)}${frac}Z"`;
}

function encode(v: unknown, sorted: boolean, escapeHTML: boolean, depth: number): string {
  if (depth > 1000) throw new InvalidParameterError('json: unsupported value: encountered a cycle');
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return encodeString(v, escapeHTML);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidParameterError(`json: unsupported value: ${v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN'}`);
    return isGoInt(v) ? BigInt(v).toString() : String(v);
  }
  if (v instanceof Date) return encodeTime(v);
  if (typeof v === 'function') throw new InvalidParameterError('json: unsupported type: func()');
  if (Array.isArray(v)) return '[' + v.map((x) => encode(x, sorted, escapeHTML, depth + 1)).join(',') + ']';
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return encode((v as { toJSON: () => unknown }).toJSON(), sorted, escapeHTML, depth + 1);
  }
  const obj = v as Record<string, unknown>;
  const asMap = sorted || goMaps.has(obj);
  const html = escapeHTML || goMaps.has(obj);
  const keys = asMap ? goSortedKeys(obj) : Object.keys(obj);
  const fields: string[] = [];
  for (const k of keys) {
    // Absent values and methods are not fields, as JSON.stringify and docker both agree.
    if (obj[k] === undefined || typeof obj[k] === 'function') continue;
    fields.push(`${encodeString(k, html)}:${encode(obj[k], asMap, html, depth + 1)}`);
  }
  return '{' + fields.join(',') + '}';
}

/** json.Marshal-like, without HTML escaping except inside rows marked as Go maps. */
export function goJSON(v: unknown): string {
  return encode(v, false, false, 0);
}
