// Lexer for Go's text/template syntax with the default "{{" "}}" delimiters. It turns the
// whole text into items up front; a lexing error becomes a final 'error' item so the parser
// reports it at the same point Go's concurrent lexer would.

export type ItemType =
  | 'error' | 'eof' | 'text' | 'leftDelim' | 'rightDelim' | 'space'
  | 'bool' | 'char' | 'charConstant' | 'number' | 'string' | 'rawString'
  | 'identifier' | 'field' | 'variable' | 'dot' | 'nil'
  | 'assign' | 'declare' | 'pipe' | 'leftParen' | 'rightParen'
  | 'if' | 'else' | 'end' | 'range' | 'with' | 'break' | 'continue'
  | 'define' | 'template' | 'block';

export interface Item {
  type: ItemType;
  val: string;
  pos: number;
  line: number;
}

const keywords: Partial<Record<string, ItemType>> = {
  '.': 'dot', if: 'if', else: 'else', end: 'end', range: 'range', with: 'with',
  break: 'break', continue: 'continue', define: 'define', template: 'template', block: 'block',
  nil: 'nil', true: 'bool', false: 'bool',
};

export function isKeyword(t: ItemType): boolean {
  return ['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block', 'dot', 'nil'].includes(t);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[_\p{L}\p{Nd}]$/u.test(c);
const hasLeftTrim = (s: string, i: number): boolean => s[i] === '-' && isSpace(s[i + 1]);
const hasRightTrim = (s: string, i: number): boolean => isSpace(s[i]) && s[i + 1] === '-';

/** Go's %#U form of a rune, used in "bad character" errors. */
function runeName(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `${hex} '${c}'` : hex;
}

export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const next = (): string | undefined => {
    if (pos >= input.length) return undefined;
    const c = String.fromCodePoint(input.codePointAt(pos) as number);
    pos += c.length;
    if (c === '\n') line++;
    return c;
  };
  const peek = (): string | undefined => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos) as number) : undefined);
  const backup = (c: string | undefined): void => {
    if (c === undefined) return;
    pos -= c.length;
    if (c === '\n') line--;
  };
  const emit = (type: ItemType, val = input.slice(start, pos)): void => {
    items.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  // Lexing stops at the first error, which becomes the last item.
  const fail = (msg: string): Item[] => {
    items.push({ type: 'error', val: msg, pos: start, line: startLine });
    return items;
  };
  const skipTo = (to: number): void => {
    line += countNewlines(input.slice(pos, to));
    pos = to;
  };
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrim(input, pos) && input.startsWith('}}', pos + 2)) return [true, true];
    return [input.startsWith('}}', pos), false];
  };
  const atTerminator = (): boolean => {
    const c = peek();
    return c === undefined || isSpace(c) || '.,|:()'.includes(c) || input.startsWith('}}', pos);
  };

  for (;;) {
    // Text up to the next action.
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      skipTo(input.length);
      if (pos > start) emit('text');
      items.push({ type: 'eof', val: '', pos, line });
      return items;
    }
    const trimLeft = hasLeftTrim(input, open + 2);
    let textEnd = open;
    if (trimLeft) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    skipTo(textEnd);
    if (pos > start) emit('text');
    skipTo(open);
    ignore();
    skipTo(open + 2);
    const afterMarker = trimLeft ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      // A comment: must close before the right delimiter.
      skipTo(pos + afterMarker + 2);
      const close = input.indexOf('*/', pos);
      if (close < 0) return fail('unclosed comment');
      skipTo(close + 2);
      const [delim, trimRight] = atRightDelim();
      if (!delim) return fail('comment ends before closing delimiter');
      skipTo(pos + (trimRight ? 4 : 2));
      if (trimRight) while (isSpace(input[pos])) skipTo(pos + 1);
      ignore();
      continue;
    }
    emit('leftDelim');
    skipTo(pos + afterMarker);
    ignore();
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const [delim, trimRight] = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (trimRight) {
          skipTo(pos + 2);
          ignore();
        }
        skipTo(pos + 2);
        emit('rightDelim');
        if (trimRight) {
          while (isSpace(input[pos])) skipTo(pos + 1);
          ignore();
        }
        break;
      }
      const c = next();
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        let spaces = 1;
        for (; isSpace(peek()); spaces++) next();
        // A space that begins " -}}" belongs to the delimiter.
        if (hasRightTrim(input, pos - 1) && input.startsWith('}}', pos + 1)) {
          backup(input[pos - 1]);
          if (spaces === 1) continue;
        }
        emit('space');
      } else if (c === '=') emit('assign');
      else if (c === ':') {
        if (next() !== '=') return fail('expected :=');
        emit('declare');
      } else if (c === '|') emit('pipe');
      else if (c === '"' || c === "'") {
        let d = next();
        while (d !== c) {
          // A backslash escapes anything but a newline or the end of input.
          if (d === '\\' && (d = next()) !== '\n' && d !== undefined) d = next();
          else if (d === undefined || d === '\n') {
            return fail(c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
          } else d = next();
        }
        emit(c === '"' ? 'string' : 'charConstant');
      } else if (c === '`') {
        const close = input.indexOf('`', pos);
        if (close < 0) return fail('unterminated raw quoted string');
        skipTo(close + 1);
        emit('rawString');
      } else if (c === '$' || (c === '.' && !/^[0-9]$/.test(peek() ?? ''))) {
        // A field (".Name") or variable ("$x"); a lone "." or "$" is dot or root.
        if (atTerminator()) {
          emit(c === '$' ? 'variable' : 'dot');
          continue;
        }
        let d: string | undefined;
        while (isAlphaNumeric((d = next())));
        backup(d);
        if (!atTerminator()) return fail(`bad character ${runeName(peek() as string)}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === '.' || c === '+' || c === '-' || /^[0-9]$/.test(c)) {
        backup(c);
        let end = scanNumber(input, pos);
        skipTo(end.pos);
        // A sign right after a number can only continue a complex literal such as 1+2i.
        if (end.ok && (peek() === '+' || peek() === '-')) {
          end = scanNumber(input, pos);
          skipTo(end.pos);
          end.ok &&= input[pos - 1] === 'i';
        }
        if (!end.ok) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        emit('number');
      } else if (isAlphaNumeric(c)) {
        let d: string | undefined;
        while (isAlphaNumeric((d = next())));
        backup(d);
        if (!atTerminator()) return fail(`bad character ${runeName(peek() as string)}`);
        const word = input.slice(start, pos);
        emit(keywords[word] ?? 'identifier');
      } else if (c === '(') {
        emit('leftParen');
        parenDepth++;
      } else if (c === ')') {
        emit('rightParen');
        if (--parenDepth < 0) return fail("unexpected right paren U+0029 ')'");
      } else if (c.charCodeAt(0) < 0x7f && c >= ' ') emit('char');
      else return fail(`unrecognized character in action: ${runeName(c)}`);
    }
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

// Go's scanNumber: sign, base prefix, digits, fraction, exponent, then no letter may follow.
function scanNumber(s: string, pos: number): { pos: number; ok: boolean } {
  const accept = (set: string): boolean => {
    if (pos < s.length && set.includes(s[pos])) return pos++, true;
    return false;
  };
  const acceptRun = (set: string): void => {
    while (pos < s.length && set.includes(s[pos])) pos++;
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  if (pos < s.length && isAlphaNumeric(String.fromCodePoint(s.codePointAt(pos) as number))) {
    return { pos: pos + String.fromCodePoint(s.codePointAt(pos) as number).length, ok: false };
  }
  return { pos, ok: true };
}
