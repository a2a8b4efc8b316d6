// Go's literal syntax inside templates: strconv.Unquote for strings and character
// constants, and the number forms text/template/parse accepts.

const simpleEscapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

// strconv.UnquoteChar: one possibly escaped character at the start of s.
export function unquoteChar(s: string, quote: string): { rune: number; tail: string } | undefined {
  if (s === '') return undefined;
  const c = String.fromCodePoint(s.codePointAt(0) as number);
  if (c !== '\\') return c === quote && quote === "'" ? undefined : { rune: c.codePointAt(0) as number, tail: s.slice(c.length) };
  const e = s[1];
  if (e === undefined) return undefined;
  if (simpleEscapes[e]) return { rune: simpleEscapes[e].charCodeAt(0), tail: s.slice(2) };
  if (e === quote) return { rune: e.charCodeAt(0), tail: s.slice(2) };
  const lengths: Record<string, number> = { x: 2, u: 4, U: 8 };
  if (lengths[e]) {
    const hex = s.slice(2, 2 + lengths[e]);
    if (!new RegExp(`^[0-9a-fA-F]{${lengths[e]}}$`).test(hex)) return undefined;
    const rune = parseInt(hex, 16);
    if (e !== 'x' && (rune > 0x10ffff || (rune >= 0xd800 && rune < 0xe000))) return undefined;
    return { rune, tail: s.slice(2 + lengths[e]) };
  }
  if (/^[0-7]{3}$/.test(s.slice(1, 4))) {
    const rune = parseInt(s.slice(1, 4), 8);
    return rune > 255 ? undefined : { rune, tail: s.slice(4) };
  }
  return undefined;
}

/** strconv.Unquote for "…" and `…` literals; undefined when invalid. */
export function unquote(q: string): string | undefined {
  if (q[0] === '`') return q.slice(1, -1).replace(/\r/g, '');
  let s = q.slice(1, -1);
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  while (s.length) {
    const r = unquoteChar(s, '"');
    if (!r || (s[0] === '\\' && s[1] === "'")) return undefined;
    // \x and octal escapes are bytes, which may combine into UTF-8.
    if (s[0] === '\\' && /[x0-7]/.test(s[1])) bytes.push(r.rune);
    else {
      flush();
      out += String.fromCodePoint(r.rune);
    }
    s = r.tail;
  }
  flush();
  return out;
}

// Go's number literals: returns the value, or the error message.
export function parseGoNumber(text: string): { value: number | bigint; isFloat: boolean } | string {
  if (/i$/.test(text)) return 'complex numbers are not supported';
  const m = /^([+-]?)(.*)$/.exec(text) as RegExpExecArray;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2];
  const badUnderscore = /__|_$|^_|_[.eEpP+-]|[.eEpP+-]_/.test(body.replace(/^0[xXoObB]_/, '0'));
  let int: bigint | undefined;
  if (!badUnderscore) {
    const digits = body.replace(/_/g, '');
    if (/^0[xX][0-9a-fA-F]+$|^0[bB][01]+$|^0[oO][0-7]+$|^[1-9][0-9]*$|^0$/.test(digits)) int = BigInt(digits);
    else if (/^0[0-7]+$/.test(digits)) int = BigInt('0o' + digits.slice(1));
  }
  if (int !== undefined) {
    const v = sign < 0 ? -int : int;
    if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) return `integer overflow: ${text}`;
    return { value: Number.isSafeInteger(Number(v)) ? Number(v) : v, isFloat: false };
  }
  const digits = body.replace(/_/g, '');
  let f: number | undefined;
  if (!badUnderscore && /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(digits)) f = Number(digits);
  const hex = badUnderscore ? null : /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)$/.exec(digits);
  if (hex && (hex[1] || hex[2])) f = parseInt(hex[1] + hex[2] || '0', 16) * 2 ** (Number(hex[3]) - 4 * hex[2].length);
  if (f === undefined || !Number.isFinite(f)) return `illegal number syntax: ${JSON.stringify(text)}`;
  if (!/[.eEpP]/.test(text)) return `integer overflow: ${text}`;
  return { value: sign * f, isFloat: true };
}
