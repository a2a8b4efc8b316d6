// The first record of Go's encoding/csv Reader (default settings), which docker uses to split
// --mount, --network and --gpus values: "type=bind,\"src=/a,b\",dst=/c". Errors carry Go's
// text with its 1-based byte columns ("parse error on line 1, column 2: bare \" in non-quoted-field").

import { InvalidParameterError } from '../../errors.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const NL = 0x0a;
const CR = 0x0d;

const ERR_BARE_QUOTE = 'bare " in non-quoted-field';
const ERR_QUOTE = 'extraneous or missing " in quoted-field';

function parseError(startLine: number, line: number, column: number, why: string): InvalidParameterError {
  if (startLine !== line) return new InvalidParameterError(`record on line ${startLine}; parse error on line ${line}, column ${column}: ${why}`);
  return new InvalidParameterError(`parse error on line ${line}, column ${column}: ${why}`);
}

/** Reads lines the way csv.Reader.readLine does: "\r\n" becomes "\n", a lone final "\r" is dropped. */
class Lines {
  private offset = 0;
  numLine = 0;

  constructor(private readonly buf: Buffer) {}

  /** The next line with its "\n", and whether input ended before it was read. */
  next(): { line: Buffer; eof: boolean } {
    if (this.offset >= this.buf.length) {
      this.numLine++;
      return { line: Buffer.alloc(0), eof: true };
    }
    const nl = this.buf.indexOf(NL, this.offset);
    let line = this.buf.subarray(this.offset, nl < 0 ? this.buf.length : nl + 1);
    this.offset += line.length;
    this.numLine++;
    if (nl < 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    const n = line.length;
    if (n >= 2 && line[n - 2] === CR && line[n - 1] === NL) line = Buffer.concat([line.subarray(0, n - 2), Buffer.from([NL])]);
    return { line, eof: false };
  }
}

const lengthNL = (b: Buffer) => (b.length > 0 && b[b.length - 1] === NL ? 1 : 0);

/** csv.NewReader(strings.NewReader(s)).Read(): the fields of the first non-empty line. */
export function readCSVRecord(s: string): string[] {
  const lines = new Lines(Buffer.from(s, 'utf8'));
  let line: Buffer;
  let eof: boolean;
  // Empty lines are skipped; no line at all is io.EOF.
  for (;;) {
    ({ line, eof } = lines.next());
    if (eof) throw new InvalidParameterError('EOF');
    if (line.length !== lengthNL(line)) break;
  }
  const recLine = lines.numLine;
  const fields: string[] = [];
  let lineNo = recLine;
  let col = 1;
  for (;;) {
    if (line.length === 0 || line[0] !== QUOTE) {
      const i = line.indexOf(COMMA);
      const field = i >= 0 ? line.subarray(0, i) : line.subarray(0, line.length - lengthNL(line));
      const q = field.indexOf(QUOTE);
      if (q >= 0) throw parseError(recLine, lines.numLine, col + q, ERR_BARE_QUOTE);
      fields.push(field.toString('utf8'));
      if (i < 0) return fields;
      line = line.subarray(i + 1);
      col += i + 1;
      continue;
    }
    // Quoted field: "" is a quote, and the field may run over several lines.
    line = line.subarray(1);
    col += 1;
    const parts: Buffer[] = [];
    for (;;) {
      const i = line.indexOf(QUOTE);
      if (i >= 0) {
        parts.push(line.subarray(0, i));
        line = line.subarray(i + 1);
        col += i + 1;
        if (line[0] === QUOTE) {
          parts.push(Buffer.from('"'));
          line = line.subarray(1);
          col += 1;
        } else if (line[0] === COMMA) {
          line = line.subarray(1);
          col += 1;
          fields.push(Buffer.concat(parts).toString('utf8'));
          break;
        } else if (lengthNL(line) === line.length) {
          fields.push(Buffer.concat(parts).toString('utf8'));
          return fields;
        } else {
          throw parseError(recLine, lines.numLine, col - 1, ERR_QUOTE);
        }
      } else if (line.length > 0) {
        parts.push(line);
        col += line.length;
        ({ line } = lines.next());
        if (line.length > 0) {
          lineNo++;
          col = 1;
        }
      } else {
        throw parseError(recLine, lineNo, col, ERR_QUOTE);
      }
    }
  }
}
