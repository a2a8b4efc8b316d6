// Logical lines → typed instructions, with Docker's flag rules and error texts. Words stay
// unexpanded: variables are substituted at build time, with the environment of that step.
import { parseGoDuration } from '../../units/goduration.js';
import { errorMessage } from '../../errors.js';
import type { Heredoc, LogicalLine } from './lexer.js';
import { DockerfileError } from './errors.js';
import { splitWords } from './shell.js';

export type Flags = Record<string, string | true>;

interface Base {
  line: number;
  /** The instruction as written, continuations joined: what history and cache keys see. */
  original: string;
  flags: Flags;
}

/** CMD, ENTRYPOINT and RUN: a JSON array, or a shell command line. */
export type CommandForm = { json: string[] } | { shell: string };

export type Instruction =
  | (Base & { kind: 'FROM'; image: string; stageName?: string })
  | (Base & { kind: 'RUN'; command: CommandForm; heredocs: Heredoc[] })
  | (Base & { kind: 'CMD' | 'ENTRYPOINT'; command: CommandForm })
  | (Base & { kind: 'ENV' | 'LABEL'; pairs: [string, string][] })
  | (Base & { kind: 'EXPOSE'; ports: string[] })
  | (Base & { kind: 'COPY' | 'ADD'; sources: string[]; dest: string; heredocs: Heredoc[] })
  | (Base & { kind: 'VOLUME'; paths: string[]; json: boolean })
  | (Base & { kind: 'USER' | 'WORKDIR' | 'STOPSIGNAL' | 'MAINTAINER'; value: string })
  | (Base & { kind: 'ARG'; args: { name: string; value?: string }[] })
  | (Base & { kind: 'ONBUILD'; trigger: Instruction; expression: string })
  | (Base & { kind: 'HEALTHCHECK'; test: string[] | null; interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number })
  | (Base & { kind: 'SHELL'; shell: string[] });

export type Kind = Instruction['kind'];

const FLAGS: Record<Kind, string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  CMD: [],
  ENTRYPOINT: [],
  ENV: [],
  LABEL: [],
  EXPOSE: [],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'keep-git-dir', 'checksum', 'exclude'],
  VOLUME: [],
  USER: [],
  WORKDIR: [],
  STOPSIGNAL: [],
  MAINTAINER: [],
  ARG: [],
  ONBUILD: [],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
  SHELL: [],
};
const REPEATABLE = new Set(['mount', 'exclude']);

export function isKind(s: string): s is Kind {
  return Object.hasOwn(FLAGS, s);
}

/** `--name=value` / `--name` words at the front; the rest of the line after them. */
function takeFlags(kind: Kind, rest: string, line: number): { flags: Flags; rest: string } {
  const flags: Flags = {};
  let s = rest;
  for (;;) {
    const m = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=((?:"[^"]*"|'[^']*'|\S)*))?(?:\s+|$)/.exec(s);
    if (!m) break;
    const name = m[1]!;
    if (!FLAGS[kind].includes(name)) throw new DockerfileError(line, `unknown flag: ${name}`);
    const value = m[2] ?? true;
    if (flags[name] !== undefined && !REPEATABLE.has(name)) throw new DockerfileError(line, `duplicate flag specified: ${name}`);
    if (REPEATABLE.has(name) && typeof flags[name] === 'string' && typeof value === 'string') flags[name] = `${flags[name] as string}\n${value}`;
    else flags[name] = value;
    s = s.slice(m[0].length);
  }
  return { flags, rest: s };
}

/** A JSON array of strings, or undefined (then Docker takes the shell form). */
export function jsonArray(s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(s) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: shell form.
  }
  return undefined;
}

function command(rest: string): CommandForm {
  const json = jsonArray(rest);
  return json ? { json } : { shell: rest };
}

/** `k=v k2="v 2"`, or the legacy `KEY value with spaces` (one pair). */
function pairs(kind: 'ENV' | 'LABEL', rest: string, line: number, escape: string): [string, string][] {
  const words = splitWords(rest, escape);
  if (words.length === 0) throw new DockerfileError(line, `${kind} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw new DockerfileError(line, `${kind} must have two arguments`);
    return [[m[1]!, m[2]!.trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw new DockerfileError(line, `Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (i === 0) throw new DockerfileError(line, `${kind} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

function one(kind: string, rest: string, line: number, escape: string): string {
  const words = splitWords(rest, escape);
  if (words.length !== 1) throw new DockerfileError(line, `${kind} requires exactly one argument`);
  return words[0]!;
}

function duration(flags: Flags, name: string, line: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (v === true) throw new DockerfileError(line, `missing a value on flag: ${name}`);
  try {
    const ns = parseGoDuration(v);
    if (ns !== 0 && ns < 1_000_000) throw new Error(`Interval "${name}" cannot be less than 1ms`);
    return ns;
  } catch (err) {
    throw new DockerfileError(line, errorMessage(err));
  }
}

function healthcheck(b: Base, rest: string, line: number): Instruction {
  const words = rest.trim().split(/\s+/);
  const type = (words[0] ?? '').toUpperCase();
  if (type === 'NONE') {
    if (words.length > 1) throw new DockerfileError(line, 'HEALTHCHECK NONE takes no arguments');
    return { ...b, kind: 'HEALTHCHECK', test: ['NONE'] };
  }
  if (type !== 'CMD') throw new DockerfileError(line, `Unknown type "${words[0] ?? ''}" in HEALTHCHECK (try CMD)`);
  const cmdLine = rest.trim().slice(3).trim();
  if (!cmdLine) throw new DockerfileError(line, 'HEALTHCHECK CMD requires at least one argument');
  const form = command(cmdLine);
  const test = 'json' in form ? ['CMD', ...form.json] : ['CMD-SHELL', form.shell];
  let retries: number | undefined;
  if (b.flags.retries !== undefined) {
    retries = Number(b.flags.retries);
    if (!Number.isInteger(retries)) throw new DockerfileError(line, `strconv.ParseInt: parsing "${String(b.flags.retries)}": invalid syntax`);
    if (retries < 0) throw new DockerfileError(line, '--retries cannot be negative');
  }
  return {
    ...b, kind: 'HEALTHCHECK', test,
    interval: duration(b.flags, 'interval', line), timeout: duration(b.flags, 'timeout', line),
    startPeriod: duration(b.flags, 'start-period', line), startInterval: duration(b.flags, 'start-interval', line), retries,
  };
}

/** One logical line as an instruction, or a DockerfileError naming its line. */
export function parseInstruction(l: LogicalLine, escape: string, inOnbuild = false): Instruction {
  const upper = l.keyword.toUpperCase();
  if (!isKind(upper)) throw new DockerfileError(l.line, `unknown instruction: ${l.keyword}`);
  const kind: Kind = upper;
  const { flags, rest } = takeFlags(kind, l.rest, l.line);
  const original = `${upper} ${l.rest}`.trim();
  const b: Base = { line: l.line, original, flags };
  const line = l.line;
  switch (kind) {
    case 'FROM': {
      const w = splitWords(rest, escape);
      if (w.length === 1) return { ...b, kind, image: w[0]! };
      if (w.length === 3 && w[1]!.toUpperCase() === 'AS') {
        const name = w[2]!.toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw new DockerfileError(line, `invalid name for build stage: "${w[2]}", name can't start with a number or contain symbols`);
        return { ...b, kind, image: w[0]!, stageName: name };
      }
      throw new DockerfileError(line, 'FROM requires either one or three arguments');
    }
    case 'RUN':
      if (!rest && l.heredocs.length === 0) throw new DockerfileError(line, 'RUN requires at least one argument');
      return { ...b, kind, command: command(rest), heredocs: l.heredocs };
    case 'CMD':
    case 'ENTRYPOINT':
      if (!rest && kind === 'CMD') throw new DockerfileError(line, 'CMD requires at least one argument');
      return { ...b, kind, command: command(rest) };
    case 'ENV':
    case 'LABEL':
      return { ...b, kind, pairs: pairs(kind, rest, line, escape) };
    case 'EXPOSE': {
      const ports = splitWords(rest, escape);
      if (ports.length === 0) throw new DockerfileError(line, 'EXPOSE requires at least one argument');
      return { ...b, kind, ports };
    }
    case 'COPY':
    case 'ADD': {
      const json = jsonArray(rest);
      const words = json ?? splitWords(rest, escape);
      if (words.length < 2) {
        throw new DockerfileError(line, `${kind} requires at least two arguments, but only ${words.length === 1 ? 'one was' : `${words.length} were`} provided. Destination could not be determined.`);
      }
      return { ...b, kind, sources: words.slice(0, -1), dest: words[words.length - 1]!, heredocs: l.heredocs };
    }
    case 'VOLUME': {
      const json = jsonArray(rest);
      const paths = json ?? splitWords(rest, escape);
      if (paths.length === 0) throw new DockerfileError(line, 'VOLUME requires at least one argument');
      if (paths.some((p) => p.trim() === '')) throw new DockerfileError(line, 'VOLUME specified can not be an empty string');
      return { ...b, kind, paths, json: !!json };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return { ...b, kind, value: one(kind, rest, line, escape) };
    case 'MAINTAINER':
      if (!rest) throw new DockerfileError(line, 'MAINTAINER requires exactly one argument');
      return { ...b, kind, value: rest };
    case 'ARG': {
      const words = splitWords(rest, escape);
      if (words.length === 0) throw new DockerfileError(line, 'ARG requires at least one argument');
      return {
        ...b, kind, args: words.map((w) => {
          const i = w.indexOf('=');
          const name = i < 0 ? w : w.slice(0, i);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(line, `invalid ARG name: ${JSON.stringify(name)}`);
          return i < 0 ? { name } : { name, value: w.slice(i + 1) };
        }),
      };
    }
    case 'ONBUILD': {
      if (inOnbuild) throw new DockerfileError(line, "ONBUILD ONBUILD isn't allowed as an ONBUILD trigger");
      const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      if (!m) throw new DockerfileError(line, 'ONBUILD requires at least one argument');
      const inner = m[1]!.toUpperCase();
      if (inner === 'ONBUILD') throw new DockerfileError(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === 'FROM' || inner === 'MAINTAINER') throw new DockerfileError(line, `${inner} isn't allowed as an ONBUILD trigger`);
      const trigger = parseInstruction({ ...l, keyword: m[1]!, rest: m[2]!.trim(), heredocs: [] }, escape, true);
      return { ...b, kind, trigger, expression: `${inner} ${m[2]!.trim()}`.trim() };
    }
    case 'HEALTHCHECK':
      return healthcheck(b, rest, line);
    case 'SHELL': {
      const json = jsonArray(rest);
      if (!json) throw new DockerfileError(line, 'SHELL requires the arguments to be in JSON form');
      if (json.length === 0) throw new DockerfileError(line, 'SHELL requires at least one argument');
      return { ...b, kind, shell: json };
    }
  }
}
