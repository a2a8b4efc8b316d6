// docker's --since/--until values (`tug events`, `tug logs`): durations, RFC3339-like dates and
// UNIX timestamps turned into the API's `seconds[.nanoseconds]` exactly as timetypes.GetTimestamp
// does, with Go's time.Parse rules and error texts; and the fixed-width time `docker events` prints.
import { InvalidParameterError } from '../../errors.js';
import { parseGoDuration } from '../../units/goduration.js';
import { goQuote } from './gofmt.js';

const NS = 1_000_000_000n;

type Std = '2006' | '01' | '02' | '15' | '04' | '05' | '.999999999' | 'Z07:00';
const STD = /2006|01|02|15|04|05|\.999999999|Z07:00/g;

/** A layout as Go's nextStdChunk walks it: literal prefix, then one element. */
function chunks(layout: string): { prefix: string; std?: Std }[] {
  const out: { prefix: string; std?: Std }[] = [];
  let last = 0;
  for (const m of layout.matchAll(STD)) {
    out.push({ prefix: layout.slice(last, m.index), std: m[0] as Std });
    last = m.index! + m[0].length;
  }
  out.push({ prefix: layout.slice(last) });
  return out;
}

/** time's quote: non-ASCII and control bytes as \x escapes (values here are UTF-8 bytes as latin1). */
function timeQuote(bytes: string): string {
  let out = '"';
  for (const c of bytes) {
    const b = c.charCodeAt(0);
    if (b >= 0x80 || b < 0x20) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c === '"' || c === '\\' ? `\\${c}` : c;
  }
  return `${out}"`;
}

const isDigit = (s: string, i: number) => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** getnum: one or two digits (two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/** parseNanoseconds: `.ddd…` (or `,ddd…`) of `n` bytes, cut to nanoseconds. */
function nanos(s: string, n: number): number {
  return Number(s.slice(1, Math.min(n, 10)).padEnd(9, '0'));
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Go's time.Parse (UTC default) or ParseInLocation (a fixed zone, `offset` seconds east), for
 * the layouts GetTimestamp uses. Returns nanoseconds since the epoch.
 */
export function goParseTime(layout: string, input: string, offset: number | 'UTC'): bigint {
  const value = Buffer.from(input, 'utf8').toString('latin1');
  const err = (msg: string) => new InvalidParameterError(`parsing time ${timeQuote(value)}${msg}`);
  const cannot = (v: string, l: string) => err(` as ${timeQuote(layout)}: cannot parse ${timeQuote(v)} as ${timeQuote(l)}`);
  let [year, month, day, hour, min, sec, nsec] = [0, 1, 1, 0, 0, 0, 0];
  let zone: number | undefined;
  let v = value;
  const steps = chunks(layout);
  for (let i = 0; i < steps.length; i++) {
    const { prefix, std } = steps[i]!;
    for (let j = 0; j < prefix.length; j++) {
      if (v[0] !== prefix[j]) throw cannot(v, prefix);
      v = v.slice(1);
    }
    if (!std) {
      if (v.length) throw err(`: extra text: ${timeQuote(v)}`);
      break;
    }
    const hold = v;
    let range = '';
    let got: [number, string] | undefined;
    switch (std) {
      case '2006':
        if (v.length < 4 || !/^[0-9]{4}/.test(v)) throw cannot(hold, std);
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case '01': case '02': case '04': case '05': case '15':
        got = getnum(v, std !== '15');
        if (!got) throw cannot(hold, std);
        v = got[1];
        if (std === '01') { month = got[0]; if (month < 1 || month > 12) range = 'month'; }
        if (std === '02') day = got[0];
        if (std === '15') { hour = got[0]; if (hour >= 24) range = 'hour'; }
        if (std === '04') { min = got[0]; if (min >= 60) range = 'minute'; }
        if (std === '05') {
          sec = got[0];
          if (sec >= 60) range = 'second';
          // A fraction the layout does not ask for is read anyway.
          else if (/^[.,][0-9]/.test(v) && steps[i + 1]?.std !== '.999999999') {
            let n = 2;
            while (isDigit(v, n)) n++;
            nsec = nanos(v, n);
            v = v.slice(n);
          }
        }
        break;
      case '.999999999':
        if (/^[.,][0-9]/.test(v)) {
          let n = 1;
          while (isDigit(v, n)) n++;
          nsec = nanos(v, n);
          v = v.slice(n);
        }
        break;
      case 'Z07:00': {
        if (v[0] === 'Z') {
          zone = 0;
          v = v.slice(1);
          break;
        }
        if (v.length < 6 || v[3] !== ':') throw cannot(hold, std);
        const hh = getnum(v.slice(1, 3), true);
        const mm = hh && getnum(v.slice(4, 6), true);
        const [h, m] = [hh?.[0] ?? 0, mm?.[0] ?? 0];
        // Go checks the ranges before it reports a malformed offset.
        if (h > 24) range = 'time zone offset hour';
        if (m > 60) range = 'time zone offset minute';
        if (range) break;
        if (!mm || (v[0] !== '+' && v[0] !== '-')) throw cannot(hold, std);
        zone = (v[0] === '-' ? -1 : 1) * (h * 3600 + m * 60);
        v = v.slice(6);
        break;
      }
    }
    if (range) throw err(`: ${range} out of range`);
  }
  if (day < 1 || day > daysIn(month, year)) throw err(': day out of range');
  const local = BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + min * 60 + sec);
  const east = zone ?? (offset === 'UTC' ? 0 : offset);
  return (local - BigInt(east)) * NS + BigInt(nsec);
}

/** strconv.ParseInt(s, 10, 64) succeeds. */
function isInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const v = BigInt(s);
  return v < 1n << 63n && v >= -(1n << 63n);
}

/** The offset (seconds east of UTC) of the local zone at a time, as Go's reference.Zone(). */
export function localOffset(ns: bigint): number {
  return -new Date(Number(ns / 1_000_000n)).getTimezoneOffset() * 60;
}

/**
 * timetypes.GetTimestamp: a Go duration is taken back from `reference` (whole seconds out), an
 * RFC3339-like date becomes `seconds.nanoseconds` (in the reference's zone when it names none),
 * and a UNIX timestamp passes unchanged. `reference` is ns since the epoch.
 */
export function getTimestamp(value: string, reference: bigint, zoneOffset = localOffset(reference)): string {
  if (value !== '0') {
    let d: number | undefined;
    try {
      d = parseGoDuration(value);
    } catch {
      // Not a duration: a date or a timestamp.
    }
    if (d !== undefined) {
      const t = reference - BigInt(d);
      return (t / NS - (t % NS < 0n ? 1n : 0n)).toString();
    }
  }
  const inLocation = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  let layout: string;
  if (value.includes('.')) {
    layout = inLocation ? '2006-01-02T15:04:05.999999999' : '2006-01-02T15:04:05.999999999Z07:00';
  } else if (value.includes('T')) {
    let colons = value.split(':').length - 1;
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--;
    const time = colons === 0 ? '15' : colons === 1 ? '15:04' : '15:04:05';
    layout = `2006-01-02T${time}${inLocation ? '' : 'Z07:00'}`;
  } else {
    layout = inLocation ? '2006-01-02' : '2006-01-02Z07:00';
  }
  let ns: bigint;
  try {
    ns = goParseTime(layout, value, inLocation ? zoneOffset : 'UTC');
  } catch (err) {
    // A `-` means it was meant as a date; otherwise it may be a timestamp already.
    if (value.includes('-')) throw err;
    const [s, n] = [value.split('.')[0]!, value.includes('.') ? value.slice(value.indexOf('.') + 1) : undefined];
    if (!isInt64(s) || (n !== undefined && !isInt64(n))) {
      throw new InvalidParameterError(`failed to parse value as time or duration: ${goQuote(value)}`);
    }
    return value;
  }
  const sec = ns / NS - (ns % NS < 0n ? 1n : 0n);
  const frac = ns - sec * NS;
  return `${sec}.${frac.toString().padStart(9, '0')}`;
}

/** Go's `2006-01-02T15:04:05.000000000Z07:00` in the local zone, as `docker events` prints times. */
export function formatEventTime(ns: bigint, offset = localOffset(ns)): string {
  const sec = ns / NS - (ns % NS < 0n ? 1n : 0n);
  const frac = (ns - sec * NS).toString().padStart(9, '0');
  const d = new Date(Number(sec + BigInt(offset)) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const abs = Math.abs(offset);
  const zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${p(Math.floor(abs / 3600))}:${p(Math.floor((abs % 3600) / 60))}`;
  return `${date}T${time}.${frac}${zone}`;
}
