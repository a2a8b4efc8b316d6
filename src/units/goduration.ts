// Go's time.ParseDuration, for the --health-* flags: "1m30s", "1.5h", "-300ms", "2h45m".
// Exact to the nanosecond below 2^53 ns (~104 days); the result is a Number because the
// Engine API carries durations as JSON numbers.

import { InvalidParameterError } from '../errors.js';

const NS = 1n;
const units: Record<string, bigint> = {
  ns: NS,
  us: 1000n * NS,
  'µs': 1000n * NS, // U+00B5 micro sign
  'μs': 1000n * NS, // U+03BC Greek mu
  ms: 1_000_000n * NS,
  s: 1_000_000_000n * NS,
  m: 60_000_000_000n * NS,
  h: 3_600_000_000_000n * NS,
};

const LIMIT = 1n << 63n;

// time's own quoting: printable ASCII as is (with " and \ escaped), everything else as \x bytes.
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration string into nanoseconds, with Go's error texts ("time: …"). */
export function parseGoDuration(input: string): number {
  const invalid = () => new InvalidParameterError(`time: invalid duration ${quote(input)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    let i = 0;
    let whole = 0n;
    for (; isDigit(s[i]); i++) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) throw invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    // The fraction stops gaining precision once it would overflow, as Go's does.
    let frac = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; isDigit(s[j]); j++) {
        if (overflow) continue;
        const next = frac * 10n + BigInt(s.charCodeAt(j) - 48);
        if (frac > (LIMIT - 1n) / 10n || next > LIMIT) {
          overflow = true;
          continue;
        }
        frac = next;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw new InvalidParameterError(`time: missing unit in duration ${quote(input)}`);
    const name = s.slice(0, u);
    s = s.slice(u);
    const unit = units[name];
    if (unit === undefined) throw new InvalidParameterError(`time: unknown unit ${quote(name)} in duration ${quote(input)}`);
    if (whole > LIMIT / unit) throw invalid();
    let v = whole * unit;
    if (frac > 0n) {
      // Go computes the fraction in float64; so do we, for the same rounding.
      v += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    total += v;
    if (total > LIMIT) throw invalid();
  }
  if (neg) return -Number(total);
  if (total > LIMIT - 1n) throw invalid();
  return Number(total);
}
