// -e/--env, --env-file, -l/--label and --label-file: docker's kvfile format and validators.

import { InvalidParameterError } from '../../errors.js';

export type Lookup = (key: string) => string | undefined;

/**
 * docker's kvfile.Parse over a file's text: "KEY=value" lines kept as they are (trailing
 * spaces included), "#" comments and blank lines skipped, a bare "KEY" filled from lookup
 * (or dropped when lookup has nothing, or when there is no lookup: label files).
 */
export function parseKVFile(text: string, filename: string, lookup?: Lookup): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  // bufio.Scanner: a final newline ends the last line rather than starting an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // Leading Unicode space goes (Go's unicode.IsSpace); trailing space is part of the value.
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    line = line.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '');
    if (line === '' || line[0] === '#') return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    const fail = (why: string) => new InvalidParameterError(`invalid env file (${filename}): ${why}`);
    if (key === '') throw fail(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw fail(`variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      out.push(line);
      return;
    }
    const value = lookup?.(line);
    if (value !== undefined) out.push(`${key}=${value}`);
  });
  return out;
}

/** opts.ValidateEnv: "KEY=value" as is; a bare "KEY" takes the client's value when it has one. */
export function validateEnv(val: string, lookup: Lookup): string {
  const eq = val.indexOf('=');
  const key = eq < 0 ? val : val.slice(0, eq);
  if (key === '') throw new InvalidParameterError(`invalid environment variable: ${val}`);
  if (eq >= 0) return val;
  const value = lookup(key);
  return value === undefined ? val : `${key}=${value}`;
}

/** opts.ValidateLabel: a non-empty key without spaces or tabs (after leading ones). */
export function validateLabel(value: string): string {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new InvalidParameterError(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new InvalidParameterError(`label '${key}' contains whitespaces`);
  return value;
}

/** "K=v" strings into a map; a later key wins, and a bare "K" maps to "". */
export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/**
 * The final Env list: docker passes -e values through a map (so a key given twice keeps its
 * last value) before appending them after the env files' lines. Order is first-seen here.
 */
export function mergeEnv(fileLines: readonly string[], flagValues: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const v of flagValues) {
    const eq = v.indexOf('=');
    byKey.set(eq < 0 ? v : v.slice(0, eq), v);
  }
  return [...fileLines, ...byKey.values()];
}
