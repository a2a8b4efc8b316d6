// .dockerignore with Docker's semantics (moby's patternmatcher): `#` comments, `**` for any
// number of directories, `!` exceptions, the last matching line wins, a pattern that matches a
// directory excludes what is in it. Pure; the client uses it to send only what is not ignored.
import { InvalidParameterError } from '../../errors.js';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
}

function clean(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

function compile(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = p.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < p.length) re += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    throw new InvalidParameterError(`syntax error in .dockerignore pattern: ${p}`);
  }
}

export class DockerIgnore {
  private readonly patterns: Pattern[];

  constructor(text: string, always: string[] = []) {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    // The Dockerfile and .dockerignore always go, as the docker CLI adds them back.
    this.patterns = [...lines, ...always.map((a) => `!${a}`)].flatMap((l) => {
      const exclusion = l.startsWith('!');
      const body = clean((exclusion ? l.slice(1) : l).trim());
      return body === '' ? [] : [{ re: compile(body), exclusion }];
    });
  }

  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** True when `path` (relative, `/`-separated) is ignored. */
  ignored(path: string): boolean {
    const parts = clean(path).split('/');
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      let hit = false;
      for (let n = parts.length; n >= 1 && !hit; n--) hit = p.re.test(parts.slice(0, n).join('/'));
      if (hit) matched = !p.exclusion;
    }
    return matched;
  }
}
