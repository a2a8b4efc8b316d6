// GET /events' `since` and `until`: UNIX timestamps `seconds[.nanoseconds]`, read and refused
// with the texts of dockerd's timestamp.ParseUnixTimestamp (a 400, not a 500 as before 29.0).
import { InvalidParameterError } from '../errors.js';

const NS = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
/** Go's zero time.Time (0001-01-01 UTC), what an absent `since` compares as. */
const ZERO_TIME = -62_135_596_800n * NS;

/** strconv.Quote for the ASCII and printable text these errors carry. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp !== 0x7f && !/[\p{C}\p{Z}]/u.test(ch)) out += ch;
    else if (ch === ' ') out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** strconv.QuoteRune of one byte, as `%q` prints it. */
function quoteByte(b: number): string {
  const ch = String.fromCharCode(b);
  if (ch === "'" || ch === '\\') return `'\\${ch}'`;
  const q = goQuote(ch);
  return `'${q.slice(1, -1).replace(/^\\"$/, '"')}'`;
}

/** strconv.ParseInt(s, 10, 64)'s verdict: the value, or Go's error word. */
function parseInt64(s: string): bigint | 'invalid syntax' | 'value out of range' {
  if (!/^[+-]?[0-9]+$/.test(s)) return 'invalid syntax';
  const v = BigInt(s);
  if (v > INT64_MAX || v < -INT64_MAX - 1n) return 'value out of range';
  return v;
}

/** `seconds[.nanoseconds]` → ns since the epoch; undefined for "". */
export function parseUnixTimestamp(value: string): bigint | undefined {
  if (value === '') return undefined;
  const fail = (why: string) => new InvalidParameterError(`invalid timestamp ${goQuote(value)}: ${why}`);
  const dot = value.indexOf('.');
  const s = dot < 0 ? value : value.slice(0, dot);
  let n = dot < 0 ? '' : value.slice(dot + 1);
  const sec = parseInt64(s);
  if (typeof sec === 'string') throw fail(`invalid seconds ${goQuote(s)}: ${sec}`);
  if (n === '' || n === '000000000' || n === '0') return sec * NS;
  const bytes = Buffer.from(n, 'utf8');
  if (bytes.length > 20) throw fail(`invalid nanoseconds: length ${bytes.length} exceeds maximum 20`);
  const bad = bytes.findIndex((c) => c < 0x30 || c > 0x39);
  if (bad >= 0) throw fail(`invalid nanoseconds: invalid character ${quoteByte(bytes[bad]!)} at position ${bad}`);
  n = n.length > 9 ? n.slice(0, 9) : n.padEnd(9, '0');
  return sec * NS + BigInt(n);
}

export interface EventWindow {
  since?: bigint;
  until?: bigint;
}

/** Reads `since` and `until` as getEvents does, refusing an `until` before `since`. */
export function parseEventWindow(since: string, until: string): EventWindow {
  const read = (name: string, v: string) => {
    try {
      return parseUnixTimestamp(v);
    } catch (err) {
      throw new InvalidParameterError(`invalid value for '${name}': ${(err as Error).message}`);
    }
  };
  const window: EventWindow = { since: read('since', since), until: read('until', until) };
  if (window.until !== undefined && window.until < (window.since ?? ZERO_TIME)) {
    throw new InvalidParameterError(`\`since\` time (${since}) cannot be after \`until\` time (${until})`);
  }
  return window;
}
