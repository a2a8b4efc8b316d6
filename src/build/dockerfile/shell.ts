// Docker's word rules for Dockerfile arguments: quotes, the escape character and variable
// substitution (`$V`, `${V}`, `${V:-x}`, `${V-x}`, `${V:+x}`, `${V+x}`, `${V:?msg}`). Pure.
import { InvalidParameterError } from '../../errors.js';

export type Lookup = (name: string) => string | undefined;

/** Splits on blanks outside quotes; quotes and escapes stay in the words (for expand later). */
export function splitWords(s: string, escape = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === escape && quote !== "'" && i + 1 < s.length) {
      cur += c + s[++i]!;
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = '';
      cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class WordLexer {
  private i = 0;

  constructor(private readonly s: string, private readonly lookup: Lookup, private readonly escape: string) {}

  /** Reads until `stop` (unquoted, at depth 0) or the end; returns the processed text. */
  read(stop?: string): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (stop && c === stop) return out;
      if (c === "'") out += this.single();
      else if (c === '"') out += this.double();
      else if (c === '$') out += this.dollar();
      else if (c === this.escape) {
        this.i++;
        if (this.i < this.s.length) out += this.s[this.i++]!;
      } else {
        out += c;
        this.i++;
      }
    }
    if (stop) throw new InvalidParameterError(`missing '${stop}' in ${JSON.stringify(this.s)}`);
    return out;
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) throw new InvalidParameterError(`unexpected end of statement while looking for matching single-quote`);
    const text = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return text;
  }

  private double(): string {
    this.i++;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '$') out += this.dollar();
      else if (c === this.escape && this.i + 1 < this.s.length && ['"', '$', this.escape].includes(this.s[this.i + 1]!)) {
        out += this.s[this.i + 1]!;
        this.i += 2;
      } else {
        out += c;
        this.i++;
      }
    }
    throw new InvalidParameterError(`unexpected end of statement while looking for matching double-quote`);
  }

  private name(): string {
    let n = '';
    while (this.i < this.s.length && NAME_CHAR.test(this.s[this.i]!)) n += this.s[this.i++]!;
    return n;
  }

  private dollar(): string {
    this.i++;
    const c = this.s[this.i];
    if (c === undefined) return '$';
    if (c !== '{') {
      if (!NAME_START.test(c) && !/[0-9]/.test(c)) return '$';
      const n = /[0-9]/.test(c) ? this.s[this.i++]! : this.name();
      return this.lookup(n) ?? '';
    }
    this.i++;
    const n = this.name();
    if (!n) throw new InvalidParameterError(`bad substitution: missing variable name in ${JSON.stringify(this.s)}`);
    const next = this.s[this.i];
    if (next === '}') {
      this.i++;
      return this.lookup(n) ?? '';
    }
    let op = '';
    if (next === ':') {
      op = ':';
      this.i++;
    }
    const kind = this.s[this.i];
    if (kind !== '-' && kind !== '+' && kind !== '?') {
      throw new InvalidParameterError(`unsupported modifier (${op}${kind ?? ''}) in substitution ${JSON.stringify(this.s)}`);
    }
    this.i++;
    const word = this.read('}');
    this.i++;
    const value = this.lookup(n);
    const set = op === ':' ? value !== undefined && value !== '' : value !== undefined;
    if (kind === '-') return set ? value! : word;
    if (kind === '+') return set ? word : '';
    if (!set) throw new InvalidParameterError(`${n}: ${word || 'is not allowed to be unset'}`);
    return value!;
  }
}

/** One word with quotes removed and variables substituted. */
export function expand(word: string, lookup: Lookup, escape = '\\'): string {
  return new WordLexer(word, lookup, escape).read();
}

/** Splits then expands each word (EXPOSE, VOLUME, ADD/COPY sources). */
export function expandWords(s: string, lookup: Lookup, escape = '\\'): string[] {
  return splitWords(s, escape).map((w) => expand(w, lookup, escape));
}

/** A lookup over `KEY=value` lists, later entries winning. */
export function envLookup(...lists: (readonly string[] | undefined)[]): Lookup {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const e of list ?? []) {
      const i = e.indexOf('=');
      if (i > 0) map.set(e.slice(0, i), e.slice(i + 1));
    }
  }
  return (n) => map.get(n);
}
