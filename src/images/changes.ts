// `import -c` / `commit -c` changes: single Dockerfile instructions applied to an image's
// run config. Pure; the builder's full parser is a separate module.
import { InvalidParameterError } from '../errors.js';
import type { ImageRunConfig } from './types.js';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** JSON form when the argument is a JSON array of strings, otherwise undefined. */
function jsonForm(arg: string): string[] | undefined {
  if (!arg.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(arg) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: Docker treats it as shell form.
  }
  return undefined;
}

/** Splits `a=b "c d"=e f='g h'` into words, honouring quotes and backslash escapes. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new InvalidParameterError(`unmatched quote in: ${s}`);
  if (inWord) words.push(cur);
  return words;
}

function keyValues(instr: string, arg: string): [string, string][] {
  const words = splitWords(arg);
  if (words.length === 0) throw new InvalidParameterError(`${instr} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    // Legacy `ENV KEY value with spaces` form.
    const m = /^(\S+)\s+(.*)$/s.exec(arg.trim());
    if (!m) throw new InvalidParameterError(`${instr} requires at least two arguments`);
    return [[m[1]!, splitWords(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new InvalidParameterError(`${instr} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** A change line's instruction (upper-cased, one Docker allows) and its argument. */
function splitChange(line: string): [string, string] {
  const m = /^\s*(\S+)\s*(.*)$/s.exec(line);
  if (!m || m[1] === undefined) throw new InvalidParameterError('empty change');
  const instr = m[1].toUpperCase();
  if (!ALLOWED.includes(instr)) throw new InvalidParameterError(`${m[1]} is not a valid change command`);
  return [instr, (m[2] ?? '').trim()];
}

/** The shell form runs under the config's SHELL, as the builder's does. */
function shellOrJSON(arg: string, shell: string[] | undefined): string[] {
  return jsonForm(arg) ?? [...(shell?.length ? shell : ['/bin/sh', '-c']), arg];
}

/**
 * Applies one change line to `config` (mutating a copy) and returns it. `cmdSet`: a CMD came
 * earlier in the same list, so an ENTRYPOINT keeps it (otherwise it drops the old CMD, as a
 * Dockerfile's does).
 */
export function applyChange(config: ImageRunConfig, line: string, cmdSet = false): ImageRunConfig {
  const [instr, arg] = splitChange(line);
  const c: ImageRunConfig = structuredClone(config);
  switch (instr) {
    case 'CMD':
      c.Cmd = shellOrJSON(arg, c.Shell);
      delete c.ArgsEscaped;
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = arg === '' ? null : shellOrJSON(arg, c.Shell);
      delete c.ArgsEscaped;
      if (!cmdSet) delete c.Cmd;
      break;
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of keyValues('ENV', arg)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      c.Env = env;
      break;
    }
    case 'LABEL': {
      const labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of keyValues('LABEL', arg)) labels[k] = v;
      c.Labels = labels;
      break;
    }
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const p of splitWords(arg)) {
        const pm = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
        if (!pm) throw new InvalidParameterError(`invalid containerPort: ${p}`);
        const lo = Number(pm[1]);
        const hi = pm[2] ? Number(pm[2]) : lo;
        if (lo < 1 || hi > 65535 || hi < lo) throw new InvalidParameterError(`invalid port range: ${p}`);
        for (let port = lo; port <= hi; port++) ports[`${port}/${(pm[3] ?? 'tcp').toLowerCase()}`] = {};
      }
      c.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      for (const v of jsonForm(arg) ?? splitWords(arg)) {
        if (v === '') throw new InvalidParameterError('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      c.Volumes = vols;
      break;
    }
    case 'USER':
      if (arg === '') throw new InvalidParameterError('USER requires exactly one argument');
      c.User = arg;
      break;
    case 'WORKDIR': {
      if (arg === '') throw new InvalidParameterError('WORKDIR requires exactly one argument');
      const base = c.WorkingDir || '/';
      c.WorkingDir = arg.startsWith('/') ? arg : `${base.replace(/\/$/, '')}/${arg}`;
      break;
    }
    case 'STOPSIGNAL':
      if (arg === '') throw new InvalidParameterError('STOPSIGNAL requires exactly one argument');
      c.StopSignal = arg;
      break;
    case 'ONBUILD':
      if (arg === '') throw new InvalidParameterError('ONBUILD requires at least one argument');
      c.OnBuild = [...(c.OnBuild ?? []), arg];
      break;
  }
  return c;
}

export function applyChanges(config: ImageRunConfig, lines: readonly string[]): ImageRunConfig {
  let cmdSet = false;
  return lines.reduce((c, line) => {
    const next = applyChange(c, line, cmdSet);
    cmdSet ||= splitChange(line)[0] === 'CMD';
    return next;
  }, config);
}
