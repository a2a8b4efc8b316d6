// The CRI "k8s-file" log record conmon writes, one per line: `<RFC3339Nano with offset> <stdout|stderr>
// <F|P> <content>`; and the fixed-width UTC timestamp Docker puts before each line of `logs -t`.

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** Nanoseconds since the Unix epoch. */
  timeNs: bigint;
  stream: LogStream;
  /** P: the line goes on in the stream's next record; F: the record ends a line. */
  partial: boolean;
  /** The bytes of the line in this record, without the newline. */
  content: Buffer;
  /** A json-file entry's attributes (log options such as `labels`); conmon's records have none. */
  attrs?: Record<string, string>;
}

const SPACE = 0x20;
const F = 0x46;
const P = 0x50;
const NS = 1_000_000_000n;

/** Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z|([+-])(\d\d):(\d\d))$/;

/**
 * RFC 3339 with an optional fraction and any zone offset (conmon writes local time with its
 * offset, e.g. "+09:00"), as nanoseconds since the epoch; undefined when it is not one.
 */
export function parseTimestamp(ts: string): bigint | undefined {
  const m = TIMESTAMP.exec(ts);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offset = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offset = (oh * 3600 + om * 60) * (m[8] === '-' ? -1 : 1);
  }
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
  return BigInt(secs) * NS + BigInt((m[7] ?? '').padEnd(9, '0'));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Docker's `logs --timestamps` prefix: Go's RFC3339NanoFixed in UTC, all nine fraction digits
 * kept ("2026-11-22T10:38:35.169831600Z") so that the lines align, unlike RFC3339Nano.
 */
export function formatTimestamp(ns: bigint): string {
  let secs = ns / NS;
  let frac = ns % NS;
  if (frac < 0n) {
    frac += NS;
    secs -= 1n;
  }
  const s = Number(secs);
  const days = Math.floor(s / 86400);
  const rem = s - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  return `${year}-${pad(mo)}-${pad(d)}T${pad(Math.floor(rem / 3600))}:${pad(Math.floor(rem / 60) % 60)}:${pad(rem % 60)}.${frac.toString().padStart(9, '0')}Z`;
}

/** One record line as conmon writes it (in UTC), newline included; tests write logs with it. */
export function formatRecord(r: LogRecord): Buffer {
  const head = `${formatTimestamp(r.timeNs).slice(0, -1)}+00:00 ${r.stream} ${r.partial ? 'P' : 'F'} `;
  return Buffer.concat([Buffer.from(head), r.content, Buffer.from('\n')]);
}

let lastStamp: { text: string; ns: bigint | undefined } = { text: '', ns: undefined };

/** One record line, without its newline; a malformed line gives undefined, never an error. */
export function parseRecord(line: Buffer): LogRecord | undefined {
  const s1 = line.indexOf(SPACE);
  // The stream name is exactly six bytes, then the one-byte tag and the space before the content.
  if (s1 < 0 || line.length < s1 + 10 || line[s1 + 7] !== SPACE || line[s1 + 9] !== SPACE) return undefined;
  const name = line.toString('latin1', s1 + 1, s1 + 7);
  if (name !== 'stdout' && name !== 'stderr') return undefined;
  const tag = line[s1 + 8];
  if (tag !== F && tag !== P) return undefined;
  const ts = line.toString('latin1', 0, s1);
  // The records of one pipe read share their time: it is parsed once.
  if (ts !== lastStamp.text) lastStamp = { text: ts, ns: parseTimestamp(ts) };
  const timeNs = lastStamp.ns;
  if (timeNs === undefined) return undefined;
  return { timeNs, stream: name, partial: tag === P, content: line.subarray(s1 + 10) };
}
