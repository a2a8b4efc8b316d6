// Go's strconv.FormatFloat for float64 ('e', 'f', 'g'), digit for digit. Docker prints sizes
// with "%.3g", so rounding must match Go exactly, including round-half-to-even on the exact
// binary value, which JS's toPrecision does not do.

/** A decimal 0.d × 10^dp; `d` has no trailing zeros and is '' for zero. */
interface Decimal {
  d: string;
  dp: number;
}

// The exact decimal expansion of a finite, non-negative double, via BigInt.
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  const digits = exp >= 0 ? (mant << BigInt(exp)).toString() : (mant * 5n ** BigInt(-exp)).toString();
  const dp = exp >= 0 ? digits.length : digits.length + exp;
  return { d: digits.replace(/0+$/, ''), dp };
}

// The shortest digits that round-trip; JS and Go agree on these.
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const [mantissa, exponent] = x.toExponential().split('e');
  return { d: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exponent) + 1 };
}

function shouldRoundUp(a: Decimal, nd: number): boolean {
  if (a.d[nd] === '5' && nd + 1 === a.d.length) {
    // Exactly halfway: round to even.
    return nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  }
  return a.d[nd] >= '5';
}

function round(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  if (!shouldRoundUp(a, nd)) {
    const d = a.d.slice(0, nd).replace(/0+$/, '');
    return { d, dp: d === '' ? 0 : a.dp };
  }
  let i = nd - 1;
  while (i >= 0 && a.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function fmtE(neg: boolean, a: Decimal, prec: number, letter: string): string {
  let out = (neg ? '-' : '') + (a.d.length ? a.d[0] : '0');
  if (prec > 0) out += '.' + a.d.slice(1, prec + 1).padEnd(prec, '0');
  const exp = a.d.length === 0 ? 0 : a.dp - 1;
  return out + letter + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
}

function fmtF(neg: boolean, a: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  out += a.dp > 0 ? a.d.slice(0, a.dp).padEnd(a.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = a.dp + i - 1;
      out += j >= 0 && j < a.d.length ? a.d[j] : '0';
    }
  }
  return out;
}

export type FloatFormat = 'e' | 'E' | 'f' | 'g' | 'G';

/** strconv.FormatFloat(x, fmt, prec, 64); prec < 0 means the shortest exact form. */
export function formatFloat(x: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let digs = shortest ? shortestDecimal(Math.abs(x)) : exactDecimal(Math.abs(x));
  if (shortest) {
    if (fmt === 'e' || fmt === 'E') prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else if (fmt === 'e' || fmt === 'E') {
    digs = round(digs, prec + 1);
  } else if (fmt === 'f') {
    digs = round(digs, digs.dp + prec);
  } else {
    if (prec === 0) prec = 1;
    digs = round(digs, prec);
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, digs, prec, fmt);
  if (fmt === 'f') return fmtF(neg, digs, prec);
  const nd = digs.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  // %e is used when the exponent is below -4 or at least the precision (6 for shortest).
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > digs.dp) prec = nd;
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
}
