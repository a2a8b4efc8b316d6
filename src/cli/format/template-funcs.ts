// The functions a docker --format template can call: Go's text/template builtins plus the
// ones docker/cli adds (json, split, join, title, lower, upper, pad, truncate), and the
// identity versions docker uses while rendering a table header.

import { goJSON } from './gojson.js';
import { formatValue, goSortedKeys, goTypeName, isGoInt, isGoMap, sprint, sprintf, sprintln } from './gofmt.js';

/** How an argument is checked and converted, after Go's reflect-based calls. */
export type ParamType = 'any' | 'value' | 'string' | 'int';

export interface TemplateFunc {
  params: ParamType[];
  /** Type of the trailing variadic parameter, if any. */
  variadic?: ParamType;
  call: (...args: unknown[]) => unknown;
}

export type FuncMap = Record<string, TemplateFunc>;

const fn = (params: ParamType[], call: TemplateFunc['call'], variadic?: ParamType): TemplateFunc => ({ params, call, variadic });

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isGoMap(v)) return Object.keys(v).length > 0;
  return true;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const isNil = (v: unknown): boolean => v === undefined || v === null;

type Basic = 'bool' | 'int' | 'float' | 'string' | 'other';
function basicKind(v: unknown): Basic {
  if (typeof v === 'boolean') return 'bool';
  if (isGoInt(v)) return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function compareBasic(a: unknown, b: unknown): number {
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b as string));
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const [x, y] = [BigInt(a as number), BigInt(b as number)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNil(a) && !isNil(b)) throw new Error('incompatible types for comparison');
      truth = false;
    } else if (k1 !== 'other') {
      truth = compareBasic(a, b) === 0;
    } else if (isNil(a) || isNil(b)) {
      truth = isNil(a) && isNil(b);
    } else if (a instanceof Date && b instanceof Date) {
      truth = a.getTime() === b.getTime();
    } else if (Array.isArray(a) !== Array.isArray(b) || typeof a !== typeof b) {
      throw new Error(`non-comparable types ${sprintf('%s', [a])}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
    } else {
      throw new Error(`non-comparable type ${sprintf('%s', [b])}: ${goTypeName(b)}`);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'other' || k2 === 'other') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  return compareBasic(a, b) < 0;
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function indexArg(index: unknown, cap: number): number {
  if (isNil(index)) throw new Error('cannot index slice/array with nil');
  if (!isGoInt(index)) throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('index of untyped nil');
  for (const i of indexes) {
    if (isNil(item)) throw new Error('index of nil pointer');
    if (typeof item === 'string' || Array.isArray(item)) {
      const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
      const len = bytes ? bytes.length : (item as unknown[]).length;
      const x = indexArg(i, len);
      if (x === len) throw new Error(`reflect: ${bytes ? 'string' : 'slice'} index out of range`);
      item = bytes ? bytes[x] : (item as unknown[])[x];
    } else if (isGoMap(item)) {
      if (isNil(i)) throw new Error('value is nil; should be of type string');
      if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
      item = Object.hasOwn(item, i) ? item[i] : undefined;
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (typeof item === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
  const len = bytes ? bytes.length : (item as unknown[]).length;
  const idx = [0, len, len];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, len)));
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return bytes ? bytes.subarray(idx[0], idx[1]).toString('utf8') : (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  // A missing value reaches Go's len as a zero reflect.Value.
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (isGoMap(item)) return Object.keys(item).length;
  throw new Error(`len of type ${goTypeName(item)}`);
}

// Go's evalArgs for html/js/urlquery: one string as is, else Sprint of printable values.
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (isNil(a) ? '<no value>' : a)));
}

const htmlEscapes: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\ufffd' };

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    if (c === '\\' || c === "'" || c === '"') out += '\\' + c;
    else if ('<>&='.includes(c) || cp < 0x20 || (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c))) {
      out += cp < 0x10000 ? '\\u' + cp.toString(16).toUpperCase().padStart(4, '0') : c;
    } else out += c;
  }
  return out;
}

/** Go's url.QueryEscape (the template's urlquery): unreserved bytes stay, a space is `+`, the rest `%XX`. */
export function urlQueryEscape(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      return c === ' ' ? '+' : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

/** Go's text/template builtins; `and` and `or` are short-circuited by the executor. */
export const builtinFuncs: FuncMap = {
  and: fn(['value'], () => undefined, 'value'),
  or: fn(['value'], () => undefined, 'value'),
  not: fn(['value'], (a) => !isTrue(a)),
  len: fn(['value'], length),
  index: fn(['value'], index, 'value'),
  slice: fn(['value'], slice, 'value'),
  print: fn([], (...a) => sprint(a), 'any'),
  printf: fn(['string'], (f, ...a) => sprintf(f as string, a), 'any'),
  println: fn([], (...a) => sprintln(a), 'any'),
  html: fn([], (...a) => evalArgs(a).replace(/["'&<>\0]/g, (c) => htmlEscapes[c]), 'any'),
  js: fn([], (...a) => jsEscape(evalArgs(a)), 'any'),
  urlquery: fn([], (...a) => urlQueryEscape(evalArgs(a)), 'any'),
  call: fn(['value'], (f, ...a) => {
    if (isNil(f)) throw new Error('call of nil');
    if (typeof f !== 'function') throw new Error(`non-function of type ${goTypeName(f)}`);
    return (f as (...x: unknown[]) => unknown)(...a);
  }, 'value'),
  eq: fn(['value'], eq, 'value'),
  ne: fn(['value', 'value'], (a, b) => !eq(a, b)),
  lt: fn(['value', 'value'], lt),
  le: fn(['value', 'value'], le),
  gt: fn(['value', 'value'], (a, b) => !le(a, b)),
  ge: fn(['value', 'value'], (a, b) => !lt(a, b)),
};

// Go's unicode case mapping is per code point and never changes the number of runes.
function mapRunes(s: string, f: (c: string) => string): string {
  return Array.from(s, (c) => {
    const m = f(c);
    return [...m].length === 1 ? m : c === '\u0130' ? 'i' : c;
  }).join('');
}

// strings.Title: upper-case the first letter after each separator.
function title(s: string): string {
  let prev = ' ';
  return Array.from(s, (c) => {
    const sep = prev.charCodeAt(0) < 0x80 ? !/[0-9A-Za-z_]/.test(prev) : !/[\p{L}\p{Nd}]/u.test(prev) && /\s/u.test(prev);
    prev = c;
    return sep ? mapRunes(c, (x) => x.toUpperCase()) : c;
  }).join('');
}

function join(elems: unknown, sep: unknown): string {
  if (isNil(elems)) return '';
  if (Array.isArray(elems)) return elems.map((e) => formatValue(e)).join(sep as string);
  if (isGoMap(elems)) return goSortedKeys(elems).map((k) => formatValue(elems[k])).sort().join(sep as string);
  throw new Error(`expected slice, got ${goTypeName(elems)}`);
}

function repeat(n: unknown): string {
  if ((n as number) < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n as number);
}

/** The functions docker/cli adds for --format. */
export const dockerFuncs: FuncMap = {
  json: fn(['any'], (v) => goJSON(v)),
  split: fn(['string', 'string'], (s, sep) => (sep === '' ? Array.from(s as string) : (s as string).split(sep as string))),
  join: fn(['any', 'string'], join),
  title: fn(['string'], (s) => title(s as string)),
  lower: fn(['string'], (s) => mapRunes(s as string, (c) => c.toLowerCase())),
  upper: fn(['string'], (s) => mapRunes(s as string, (c) => c.toUpperCase())),
  pad: fn(['string', 'int', 'int'], (s, a, b) => (s === '' ? '' : repeat(a) + s + repeat(b))),
  truncate: fn(['string', 'int'], (s, n) => {
    const bytes = Buffer.from(s as string, 'utf8');
    if (bytes.length < (n as number)) return s;
    if ((n as number) < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
    return bytes.subarray(0, n as number).toString('utf8');
  }),
};

const same = (v: unknown): unknown => v;

/** docker's header versions: the column names come through unchanged. */
export const headerFuncs: FuncMap = {
  json: fn(['string'], same),
  split: fn(['string', 'string'], same),
  join: fn(['string', 'string'], same),
  title: fn(['string'], same),
  lower: fn(['string'], same),
  upper: fn(['string'], same),
  truncate: fn(['string', 'int'], same),
};
