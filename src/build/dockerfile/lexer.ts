// The Dockerfile's physical layout into logical lines: parser directives, comments, line
// continuations (with the `# escape` character) and heredocs. No meaning given to words yet.
import { DockerfileError } from './errors.js';

export interface Heredoc {
  name: string;
  content: string;
  /** `<<"EOF"` and `<<'EOF'` keep `$` literal. */
  expand: boolean;
}

export interface LogicalLine {
  /** 1-based line where the instruction starts, and where it ends. */
  line: number;
  endLine: number;
  /** The instruction keyword as written (case kept for messages). */
  keyword: string;
  /** Everything after the keyword, continuations joined. */
  rest: string;
  heredocs: Heredoc[];
}

export interface Directives {
  syntax?: string;
  escape: string;
  check?: string;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC = /<<(-?)\s*(["']?)([a-zA-Z_][a-zA-Z0-9_]*)\2/g;
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);

/** Leading `# key=value` lines, up to the first line that is not one (Docker's rule). */
function readDirectives(lines: string[]): { directives: Directives; start: number } {
  const directives: Directives = { escape: '\\' };
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key !== 'syntax' && key !== 'escape' && key !== 'check') break;
    if (seen.has(key)) throw new DockerfileError(i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      directives.escape = m[2];
    } else directives[key] = m[2]!;
  }
  return { directives, start: i };
}

/** True when the line (trailing blanks ignored) ends in an unescaped escape character. */
function continues(line: string, escape: string): boolean {
  const t = line.replace(/[ \t\r]+$/, '');
  if (!t.endsWith(escape)) return false;
  let n = 0;
  for (let i = t.length - 1; i >= 0 && t[i] === escape; i--) n++;
  return n % 2 === 1;
}

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

export function lex(text: string): { directives: Directives; lines: LogicalLine[] } {
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { directives, start } = readDirectives(raw);
  const escape = directives.escape;
  const out: LogicalLine[] = [];
  let i = start;
  while (i < raw.length) {
    const first = raw[i]!;
    if (first.trim() === '' || isComment(first)) {
      i++;
      continue;
    }
    const line = i + 1;
    let joined = '';
    let cur = first;
    for (;;) {
      if (!continues(cur, escape)) {
        joined += cur;
        break;
      }
      const t = cur.replace(/[ \t\r]+$/, '');
      joined += t.slice(0, -1);
      i++;
      // Comment and empty lines inside a continuation are dropped, as Docker does.
      while (i < raw.length && (isComment(raw[i]!) || raw[i]!.trim() === '')) i++;
      if (i >= raw.length) break;
      cur = raw[i]!;
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(joined);
    const keyword = m?.[1] ?? '';
    const rest = (m?.[2] ?? '').trim();
    const heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.has(keyword.toUpperCase()) && !rest.startsWith('[')) {
      for (const hm of rest.matchAll(HEREDOC)) {
        const strip = hm[1] === '-';
        const name = hm[3]!;
        const body: string[] = [];
        let closed = false;
        while (++i < raw.length) {
          const l = strip ? raw[i]!.replace(/^\t+/, '') : raw[i]!;
          if (l === name) {
            closed = true;
            break;
          }
          body.push(l);
        }
        if (!closed) throw new DockerfileError(line, `unterminated heredoc ${name}`);
        heredocs.push({ name, content: body.map((b) => `${b}\n`).join(''), expand: hm[2] === '' });
      }
    }
    out.push({ line, endLine: i + 1, keyword, rest, heredocs });
    i++;
  }
  return { directives, lines: out };
}
