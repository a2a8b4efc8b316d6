// Go's json.Compact, for `--security-opt seccomp=profile.json`: insignificant whitespace
// dropped, everything else byte for byte, and Go's syntax error texts on bad input.

import { InvalidParameterError } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';

const WS = ' \t\r\n';

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  return `'${goQuote(c).slice(1, -1)}'`;
}

/** Returns src without whitespace between tokens, or throws Go's SyntaxError text. */
export function compactJSON(src: string): string {
  let i = 0;
  let out = '';
  const eof = () => new InvalidParameterError('unexpected end of JSON input');
  // At the end of input Go's scanner is fed a space: inside a number, literal or escape that
  // space is the invalid character; between tokens the input just ended early.
  const bad = (context: string, inToken = false) => {
    if (i >= src.length && !inToken) return eof();
    return new InvalidParameterError(`invalid character ${quoteChar(src[i] ?? ' ')} ${context}`);
  };
  const skip = () => {
    while (i < src.length && WS.includes(src[i])) i++;
  };
  const take = () => {
    out += src[i];
    i++;
  };
  const digits = () => {
    while (i < src.length && src[i] >= '0' && src[i] <= '9') take();
  };
  const isDigit = () => i < src.length && src[i] >= '0' && src[i] <= '9';

  function literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (src[i] !== word[k]) throw bad(`in literal ${word} (expecting ${quoteChar(word[k])})`, true);
      take();
    }
  }

  function string(): void {
    take();
    for (;;) {
      if (i >= src.length) throw eof();
      const c = src[i];
      if (c === '"') return take();
      if (c === '\\') {
        take();
        if (src[i] === 'u') {
          take();
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(src[i] ?? '')) throw bad('in \\u hexadecimal character escape', true);
            take();
          }
        } else if ('"\\/bfnrt'.includes(src[i])) {
          take();
        } else {
          throw bad('in string escape code', true);
        }
      } else if (c < ' ') {
        throw bad('in string literal');
      } else {
        take();
      }
    }
  }

  function number(): void {
    if (src[i] === '-') {
      take();
      if (!isDigit()) throw bad('in numeric literal', true);
    }
    if (src[i] === '0') take();
    else digits();
    if (src[i] === '.') {
      take();
      if (!isDigit()) throw bad('after decimal point in numeric literal', true);
      digits();
    }
    if (src[i] === 'e' || src[i] === 'E') {
      take();
      if (src[i] === '+' || src[i] === '-') take();
      if (!isDigit()) throw bad('in exponent of numeric literal', true);
      digits();
    }
  }

  function value(): void {
    skip();
    const c = src[i];
    if (c === '{') {
      take();
      skip();
      if (src[i] === '}') return take();
      for (;;) {
        skip();
        if (src[i] !== '"') throw bad('looking for beginning of object key string');
        string();
        skip();
        if (src[i] !== ':') throw bad('after object key');
        take();
        value();
        skip();
        if (src[i] === '}') return take();
        if (src[i] !== ',') throw bad('after object key:value pair');
        take();
      }
    }
    if (c === '[') {
      take();
      skip();
      if (src[i] === ']') return take();
      for (;;) {
        value();
        skip();
        if (src[i] === ']') return take();
        if (src[i] !== ',') throw bad('after array element');
        take();
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    throw bad('looking for beginning of value');
  }

  value();
  skip();
  if (i < src.length) throw bad('after top-level value');
  return out;
}
