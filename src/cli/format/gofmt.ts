// Go's fmt package (Sprint, Sprintln, Sprintf) over JS values read as Go values:
// undefined is a missing value, null is nil, integral numbers are ints, other numbers are
// float64, arrays are slices, plain objects are map[string]interface{}.

import { formatFloat } from './gofloat.js';

export function isGoInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63);
}

export function isGoMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The Go type name a value stands for, as fmt's %T and template errors spell it. */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (isGoInt(v)) return 'int';
  if (typeof v === 'number') return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Date) return 'time.Time';
  if (typeof v === 'function') return 'func()';
  return 'map[string]interface {}';
}

/** Map keys in Go's order: by UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
export function goSortedKeys(m: object): string[] {
  return Object.keys(m).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Go's time.Time String(), in UTC. */
export function goTimeString(d: Date): string {
  const iso = d.toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const shortEscapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function quoteWith(s: string, quote: string, asciiOnly: boolean): string {
  let out = quote;
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    if (c === quote || c === '\\') out += '\\' + c;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += asciiOnly ? '\\ufffd' : '\ufffd';
    else if (printable.test(c) && (!asciiOnly || cp < 0x80)) out += c;
    else if (shortEscapes[c]) out += shortEscapes[c];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}

/** strconv.Quote (or QuoteToASCII). */
export function goQuote(s: string, asciiOnly = false): string {
  return quoteWith(s, '"', asciiOnly);
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v: Go-syntax output. */
  sharpV?: boolean;
  wid?: number;
  prec?: number;
}

const noFlags: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };

// Width counts runes, as Go's fmt does.
function pad(s: string, f: Flags, zero = f.zero): string {
  if (f.wid === undefined) return s;
  const n = f.wid - [...s].length;
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  return (zero ? '0' : ' ').repeat(n) + s;
}

function fmtInteger(value: number | bigint, base: number, verb: string, f: Flags): string {
  let n = BigInt(value);
  const negative = n < 0n;
  if (negative) n = -n;
  if (f.prec === 0 && n === 0n) return pad('', f, false);
  let digits = n.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = f.prec ?? 0;
  if (f.prec === undefined && f.zero && !f.minus && f.wid !== undefined) {
    prec = f.wid - (negative || f.plus || f.space ? 1 : 0);
  }
  if (digits.length < prec) digits = digits.padStart(prec, '0');
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + digits, f, false);
}

function fmtFloat(v: number, verb: string, f: Flags): string {
  const letter = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  const prec = f.prec ?? (verb === 'v' || letter === 'g' || letter === 'G' ? -1 : 6);
  let num = formatFloat(v, letter as 'e' | 'E' | 'f' | 'g' | 'G', prec);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    // Infinities and NaN are never zero padded; NaN shows no sign unless asked.
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, f, false);
  }
  if (f.sharp) num = keepPoint(num, letter === 'g' || letter === 'G' ? (prec < 0 ? 6 : prec) : 0);
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.wid !== undefined && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

// The '#' flag: always a decimal point, and %g keeps its trailing zeros up to `digits`.
function keepPoint(num: string, digits: number): string {
  const e = num.search(/[eE]/);
  const tail = e < 0 ? '' : num.slice(e);
  let body = e < 0 ? num : num.slice(0, e);
  let sawNonzero = false;
  for (const c of body.slice(1)) {
    if (c === '.') continue;
    if (c !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!body.includes('.')) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  return body + '0'.repeat(Math.max(digits, 0)) + tail;
}

function fmtString(s: string, verb: string, f: Flags): string {
  if (verb === 'x' || verb === 'X') {
    // Precision counts bytes here; ' ' separates bytes and '#' prefixes each.
    const bytes = [...Buffer.from(s, 'utf8').subarray(0, f.prec)];
    const prefix = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
    let hex = bytes.map((b, i) => (i > 0 && f.space ? ' ' + prefix : '') + b.toString(16).padStart(2, '0')).join('');
    if (bytes.length) hex = prefix + hex;
    return pad(verb === 'X' ? hex.toUpperCase() : hex, f);
  }
  if (f.prec !== undefined) s = [...s].slice(0, f.prec).join('');
  if (verb === 'q' || f.sharpV) {
    if (f.sharp && !/[`\p{Cc}]/u.test(s.replace(/\t/g, ''))) return pad('`' + s + '`', f);
    return pad(goQuote(s, f.plus), f);
  }
  return pad(s, f);
}

// Go prints the offending value with the directive's own width and precision.
function badVerb(verb: string, arg: unknown, f: Flags): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(arg)}=${printArg(arg, 'v', f)})`;
}

function printArg(arg: unknown, verb: string, f: Flags, depth = 0): string {
  if (arg === undefined || arg === null) {
    if (f.sharpV && depth > 0) return 'interface {}(nil)';
    return verb === 'v' || verb === 'T' || depth > 0 ? pad('<nil>', f) : badVerb(verb, arg, f);
  }
  if (verb === 'T') return fmtString(goTypeName(arg), 's', f);
  if (typeof arg === 'boolean') return verb === 'v' || verb === 't' ? pad(String(arg), f) : badVerb(verb, arg, f);
  if (isGoInt(arg)) {
    switch (verb) {
      case 'v': case 'd': return fmtInteger(arg, 10, verb, f);
      case 'b': return fmtInteger(arg, 2, verb, f);
      case 'o': case 'O': return fmtInteger(arg, 8, verb, f);
      case 'x': case 'X': return fmtInteger(arg, 16, verb, f);
      case 'c': return pad(String.fromCodePoint(validRune(arg)), f);
      case 'q': return pad(quoteWith(String.fromCodePoint(validRune(arg)), "'", f.plus), f);
      case 'U': return fmtUnicode(arg, f);
      // An integral number is a Go int, so %f on it is a bad verb, as in Go.
      default: return badVerb(verb, arg, f);
    }
  }
  // Go's hexadecimal float forms (%b, %x, %X) are not supported.
  if (typeof arg === 'number') return 'veEfFgG'.includes(verb) ? fmtFloat(arg, verb, f) : badVerb(verb, arg, f);
  if (typeof arg === 'string') return 'vsqxX'.includes(verb) ? fmtString(arg, verb, f) : badVerb(verb, arg, f);
  if (arg instanceof Date) return 'vsqxX'.includes(verb) ? fmtString(goTimeString(arg), verb, f) : badVerb(verb, arg, f);
  if (Array.isArray(arg)) {
    const items = arg.map((x) => printArg(x, verb, f, depth + 1));
    return f.sharpV ? `[]interface {}{${items.join(', ')}}` : `[${items.join(' ')}]`;
  }
  if (typeof arg === 'function') return pad('<func>', f);
  if (isGoMap(arg)) {
    const items = goSortedKeys(arg).map((k) => `${printArg(k, verb, f, depth + 1)}:${printArg(arg[k], verb, f, depth + 1)}`);
    return f.sharpV ? `map[string]interface {}{${items.join(', ')}}` : `map[${items.join(' ')}]`;
  }
  return pad(String(arg), f);
}

function fmtUnicode(n: number | bigint, f: Flags): string {
  const u = BigInt.asUintN(64, BigInt(n));
  let out = 'U+' + u.toString(16).toUpperCase().padStart(Math.max(4, f.prec ?? 0), '0');
  const c = u <= 0x10ffffn ? String.fromCodePoint(validRune(u)) : '';
  if (f.sharp && c && u === BigInt(c.codePointAt(0) ?? -1) && printable.test(c)) out += ` '${c}'`;
  return pad(out, f, false);
}

function validRune(n: number | bigint): number {
  const r = Number(n);
  return r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) ? 0xfffd : r;
}

/** fmt.Sprint of one value (the %v form). */
export function formatValue(v: unknown): string {
  return printArg(v, 'v', noFlags);
}

/** fmt.Sprint: spaces go between operands only when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += printArg(arg, 'v', noFlags);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => printArg(a, 'v', noFlags)).join(' ') + '\n';
}

// "[n]" argument indexes: [new argNum, new position, found, good].
function argIndex(format: string, i: number, argNum: number, numArgs: number): [number, number, boolean, boolean] {
  if (format[i] !== '[') return [argNum, i, false, true];
  const close = format.indexOf(']', i + 1);
  if (format.length - i < 3 || close < 0) return [argNum, i + 1, false, false];
  const text = format.slice(i + 1, close);
  if (!/^\d+$/.test(text)) return [argNum, close + 1, false, false];
  const n = Number(text) - 1;
  if (n >= 0 && n < numArgs) return [n, close + 1, true, true];
  return [argNum, close + 1, true, false];
}

// Go only takes a width or precision from an int argument of modest size.
function intFromArg(args: readonly unknown[], argNum: number): [number | undefined, number] {
  if (argNum >= args.length) return [undefined, argNum];
  const a = args[argNum];
  const n = isGoInt(a) ? Number(a) : undefined;
  return [n !== undefined && Math.abs(n) <= 1e6 ? n : undefined, argNum + 1];
}

/** fmt.Sprintf, with Go's in-band error forms such as %!d(MISSING). */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const end = format.length;
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...noFlags };
    for (; i < end; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = true;
      else if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === ' ') f.space = true;
      else break;
    }
    let good = true;
    let afterIndex = false;
    let found = false;
    const takeIndex = () => {
      let ok: boolean;
      if (format[i] === '[') reordered = true;
      [argNum, i, found, ok] = argIndex(format, i, argNum, args.length);
      good = good && ok;
      afterIndex = found;
    };
    takeIndex();
    if (format[i] === '*') {
      i++;
      [f.wid, argNum] = intFromArg(args, argNum);
      if (f.wid === undefined) out += '%!(BADWIDTH)';
      else if (f.wid < 0) [f.wid, f.minus] = [-f.wid, true];
      afterIndex = false;
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        [f.wid, i] = [Number(m[0]), i + m[0].length];
        if (afterIndex) good = false;
      }
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) good = false;
      takeIndex();
      if (format[i] === '*') {
        i++;
        [f.prec, argNum] = intFromArg(args, argNum);
        if (f.prec !== undefined && f.prec < 0) f.prec = undefined;
        if (f.prec === undefined) out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const m = /^\d*/.exec(format.slice(i)) as RegExpExecArray;
        [f.prec, i] = [Number(m[0] || '0'), i + m[0].length];
      }
    }
    if (!afterIndex) takeIndex();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!good) out += `%!${verb}(BADINDEX)`;
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      // %+v and %#v change only struct and Go-syntax output, which these values lack.
      if (verb === 'v') [f.sharpV, f.plus, f.sharp] = [f.sharp, false, false];
      out += printArg(args[argNum++], verb, f);
    }
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeName(a)}=${printArg(a, 'v', noFlags)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
