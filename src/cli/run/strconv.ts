// Go's strconv number and bool parsing as pflag uses it for int, uint and bool flags, with
// Go's error texts ("strconv.ParseInt: parsing \"x\": invalid syntax"). pflag parses with
// base 0, so "0x10", "010" (octal), "0b1" and "1_000" are all valid numbers.

import { InvalidParameterError } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';

type Func = 'ParseInt' | 'ParseUint' | 'ParseBool' | 'Atoi';

class NumError extends InvalidParameterError {
  constructor(readonly func: Func, readonly num: string, readonly reason: 'invalid syntax' | 'value out of range') {
    super(`strconv.${func}: parsing ${goQuote(num)}: ${reason}`);
  }
}

// Underscores only between digits, or between a base prefix and a digit (strconv's rule).
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  const hex = /^0[xX]/.test(s);
  if (/^0[bBoOxX]/.test(s)) {
    i = 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

function digitValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  const l = c.toLowerCase();
  if (l >= 'a' && l <= 'z') return l.charCodeAt(0) - 87;
  return 99;
}

function parseUintBig(s0: string, base: number, bitSize: number, func: Func): bigint {
  if (s0 === '') throw new NumError(func, s0, 'invalid syntax');
  const base0 = base === 0;
  let s = s0;
  if (base0) {
    base = 10;
    if (s[0] === '0') {
      const p = s.length >= 3 ? s[1].toLowerCase() : '';
      base = p === 'b' ? 2 : p === 'o' ? 8 : p === 'x' ? 16 : 8;
      s = s.slice(p === 'b' || p === 'o' || p === 'x' ? 2 : 1);
    }
  }
  const max = (1n << BigInt(bitSize)) - 1n;
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_' && base0) {
      underscores = true;
      continue;
    }
    const d = digitValue(c);
    if (d >= base) throw new NumError(func, s0, 'invalid syntax');
    n = n * BigInt(base) + BigInt(d);
    // Go gives up at the first overflow, before looking at the rest of the string.
    if (n > max) throw new NumError(func, s0, 'value out of range');
  }
  if (underscores && !underscoreOK(s0)) throw new NumError(func, s0, 'invalid syntax');
  return n;
}

/** strconv.ParseUint(s, base, bitSize). */
export function parseUint(s: string, base = 0, bitSize = 64): number {
  return Number(parseUintBig(s, base, bitSize, 'ParseUint'));
}

/** strconv.ParseInt(s, base, bitSize). */
export function parseInt(s: string, base = 0, bitSize = 64, func: Func = 'ParseInt'): number {
  if (s === '') throw new NumError(func, s, 'invalid syntax');
  const neg = s[0] === '-';
  const body = s[0] === '+' || s[0] === '-' ? s.slice(1) : s;
  let un: bigint;
  try {
    un = parseUintBig(body, base, bitSize, func);
  } catch (err) {
    if (err instanceof NumError) throw new NumError(func, s, err.reason);
    throw err;
  }
  const cutoff = 1n << BigInt(bitSize - 1);
  if ((!neg && un >= cutoff) || (neg && un > cutoff)) throw new NumError(func, s, 'value out of range');
  return Number(neg ? -un : un);
}

/** strconv.Atoi: base 10, no prefixes, no underscores. */
export function atoi(s: string): number {
  return parseInt(s, 10, 64, 'Atoi');
}

/** strconv.ParseBool. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new NumError('ParseBool', s, 'invalid syntax');
}

/** The error's reason alone ("invalid syntax"), as some docker messages print it. */
export function numErrorReason(err: unknown): string | undefined {
  return err instanceof NumError ? err.reason : undefined;
}

// math/big's Rat.SetString, far enough for --cpus: "1.5", "3/2", "1e-3", "0x1p-2", "1_0".
function parseRat(s: string): [bigint, bigint] | undefined {
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const num = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)$/.test(s.slice(0, slash));
    const den = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)$/.test(s.slice(slash + 1));
    if (!num || !den || !underscoreOK(s.slice(0, slash)) || !underscoreOK(s.slice(slash + 1))) return undefined;
    let n: bigint;
    let d: bigint;
    try {
      n = BigInt(parseInt(s.slice(0, slash)));
      d = BigInt(parseUint(s.slice(slash + 1)));
    } catch {
      return undefined;
    }
    return d === 0n ? undefined : [n, d];
  }
  // A mantissa (base prefix 0x/0o/0b allowed, '.' fraction allowed) and an exponent, e (x10)
  // or p (x2), as big.Rat takes them; in hex, "e" is a digit.
  const m = /^([+-]?)(?:0([xX])([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?(?:([pP])([+-]?[0-9_]+))?|(?:0([oObB]))?([0-9_]*)(?:\.([0-9_]*))?(?:([eEpP])([+-]?[0-9_]+))?)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1];
  const prefix = m[2] ?? m[7] ?? '';
  const intDigits = m[3] ?? m[8] ?? '';
  const fracDigits = m[4] ?? m[9] ?? '';
  const expKind = m[5] ?? m[10];
  const expDigits = m[6] ?? m[11] ?? '';
  const radix = ({ x: 16, o: 8, b: 2 } as Record<string, number>)[prefix.toLowerCase()] ?? 10;
  const digits = (intDigits + fracDigits).replace(/_/g, '');
  if (digits === '' || !underscoreOK((prefix ? `0${prefix}` : '') + intDigits + fracDigits)) return undefined;
  if ([...digits].some((c) => digitValue(c) >= radix)) return undefined;
  let num = 0n;
  for (const c of digits) num = num * BigInt(radix) + BigInt(digitValue(c));
  let den = BigInt(radix) ** BigInt(fracDigits.replace(/_/g, '').length);
  if (expKind !== undefined) {
    const e = BigInt(expDigits.replace(/_/g, ''));
    const b = expKind.toLowerCase() === 'p' ? 2n : 10n;
    if (e > 100_000n || e < -100_000n) return undefined;
    if (e >= 0n) num *= b ** e;
    else den *= b ** -e;
  }
  return [sign === '-' ? -num : num, den];
}

/** docker's opts.ParseCPUs: a decimal or ratio of CPUs into nano-CPUs. */
export function parseCPUs(value: string): number {
  const rat = parseRat(value);
  if (!rat) throw new InvalidParameterError(`failed to parse ${value} as a rational number`);
  const [num, den] = rat;
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new InvalidParameterError('value is too precise');
  return Number(BigInt.asIntN(64, nano / den));
}
