// Docker's json-file log entry, one per line: `{"log":"text\n","stream":"stdout","time":"<RFC3339Nano>Z"}`,
// with `"attrs":{…}` before the time when log options ask for attributes (attrs.ts).
// A conmon record becomes one entry; a partial record's "log" has no newline, as Docker's partial messages.
import { basename } from 'node:path';
import { rfc3339Nano } from '../../units/time.js';
import { parseRecord, parseTimestamp, type LogRecord } from './k8sfile.js';

/** dockerd's jsonlog escapes these beyond what JSON.stringify does (HTML-safe, as Go's encoder). */
const EXTRA_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
const EXTRA = /[<>&\u2028\u2029]/g;
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/;

let lastTime = { ns: -1n, text: '' };

/**
 * The entry line for a record, newline included; invalid UTF-8 becomes U+FFFD, as Go's encoder makes it.
 * `attrs` is the attributes' JSON object (attrsJSON), the same for every entry of a container.
 */
export function formatEntry(r: LogRecord, attrs?: string): string {
  const text = r.content.toString('utf8');
  // Text with nothing to escape (the usual line) is its own JSON string; decoded UTF-8 holds no lone surrogate.
  const log = NEEDS_ESCAPE.test(text)
    ? JSON.stringify(text + (r.partial ? '' : '\n')).replace(EXTRA, (c) => EXTRA_ESCAPES[c]!)
    : `"${text}${r.partial ? '' : '\\n'}"`;
  // Entries of one pipe read share their time: it is formatted once.
  if (r.timeNs !== lastTime.ns) lastTime = { ns: r.timeNs, text: rfc3339Nano(r.timeNs) };
  return `{"log":${log},"stream":"${r.stream}",${attrs ? `"attrs":${attrs},` : ''}"time":"${lastTime.text}"}\n`;
}

const HEAD = Buffer.from('{"log":"');
const STREAM = Buffer.from('","stream":"');
const TAIL = /^","stream":"(stdout|stderr)","time":"([^"\\]+)"\}$/;
const BACKSLASH = 0x5c;
let lastStamp: { text: string; ns: bigint | undefined } = { text: '', ns: undefined };

/**
 * The entries tugd writes, without a JSON parse: when the text has no escape but its final "\n",
 * its bytes are the content as they stand. Null: not of that form, JSON.parse decides.
 */
function plainEntry(line: Buffer): LogRecord | undefined | null {
  if (line.length < HEAD.length || line.compare(HEAD, 0, HEAD.length, 0, HEAD.length) !== 0) return null;
  const at = line.lastIndexOf(STREAM);
  if (at < HEAD.length) return null;
  const m = TAIL.exec(line.toString('latin1', at));
  if (!m) return null;
  const body = line.subarray(HEAD.length, at);
  const partial = !(body.length >= 2 && body[body.length - 2] === BACKSLASH && body[body.length - 1] === 0x6e);
  const content = partial ? body : body.subarray(0, body.length - 2);
  if (content.includes(BACKSLASH)) return null;
  if (m[2] !== lastStamp.text) lastStamp = { text: m[2]!, ns: parseTimestamp(m[2]!) };
  if (lastStamp.ns === undefined) return undefined;
  return { timeNs: lastStamp.ns, stream: m[1] as 'stdout' | 'stderr', partial, content };
}

/** One entry line, without its newline, as a record; anything else gives undefined, never an error. */
export function parseEntry(line: Buffer): LogRecord | undefined {
  const plain = plainEntry(line);
  if (plain !== null) return plain;
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { log, stream, time, attrs } = v as { log?: unknown; stream?: unknown; time?: unknown; attrs?: unknown };
  if (typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr') || typeof time !== 'string') return undefined;
  const timeNs = parseTimestamp(time);
  if (timeNs === undefined) return undefined;
  const partial = !log.endsWith('\n');
  const rec: LogRecord = { timeNs, stream, partial, content: Buffer.from(partial ? log : log.slice(0, -1), 'utf8') };
  const kept = stringValues(attrs);
  if (kept) rec.attrs = kept;
  return rec;
}

/** An entry's attrs, the string values of an object (what dockerd's decoder keeps); undefined if none. */
function stringValues(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out = Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string');
  return out.length ? Object.fromEntries(out) : undefined;
}

/** An entry's `"attrs"` value as dockerd's encoder writes it: keys as given (sorted by the caller), HTML-safe escapes. */
export function attrsJSON(attrs: Readonly<Record<string, string>>): string {
  return JSON.stringify(attrs).replace(EXTRA, (c) => EXTRA_ESCAPES[c]!);
}

export type RecordParser = (line: Buffer) => LogRecord | undefined;

/** `<id>-json.log` (and its rotations) is a json-file log; any other log is conmon's k8s-file. */
export function isJSONLog(logPath: string): boolean {
  return basename(logPath).endsWith('-json.log');
}

export function parserFor(logPath: string): RecordParser {
  return isJSONLog(logPath) ? parseEntry : parseRecord;
}
