// What the container verbs share: docker's parallelOperation (at most 50 at once, results in
// argument order, each name echoed on success, errors joined at the end) and pflag-style errors.
import { Option, type Command } from 'commander';
import { goQuote } from '../../format/gofmt.js';
import { parseBool, parseInt as goParseInt } from '../../run/strconv.js';
import { ExitError, describeError, out } from '../../context.js';
import { flagValueError } from '../../usage.js';

const PARALLEL = 50;

/** Runs `op` on every name, at most 50 at a time; the outcomes come back in the names' order. */
export function inParallel<T>(names: readonly string[], op: (name: string) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: Promise<PromiseSettledResult<T>>[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (running < PARALLEL) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  for (const name of names) {
    results.push(slot().then(() => op(name)).then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => ({ status: 'rejected' as const, reason }),
    ).finally(release));
  }
  return Promise.all(results);
}

/**
 * docker's way for stop, kill, pause…: each name that worked is printed on stdout, and the
 * errors, one line each, end the command with status 1. `skip` errors are printed but forgiven.
 */
export async function eachContainer(names: readonly string[], op: (name: string) => Promise<unknown>, opts: { parallel?: boolean; skip?: (err: unknown) => boolean } = {}): Promise<void> {
  const errors: string[] = [];
  const report = (name: string, r: PromiseSettledResult<unknown>) => {
    if (r.status === 'fulfilled') out(`${name}\n`);
    else if (opts.skip?.(r.reason)) process.stderr.write(`${errorLine(r.reason)}\n`);
    else errors.push(errorLine(r.reason));
  };
  if (opts.parallel === false) {
    for (const name of names) {
      report(name, await op(name).then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })));
    }
  } else {
    const results = await inParallel(names, op);
    results.forEach((r, i) => report(names[i]!, r));
  }
  if (errors.length) throw new ExitError(1, errors.join('\n'));
}

/** An ExitError's text stands as docker prints it; anything else is described the house way. */
export function errorLine(err: unknown): string {
  return err instanceof ExitError ? err.message : describeError(err);
}

/** "tug container stop", as usage errors name the command. */

/** A flag value that must be an int, refused as pflag refuses it (status 125). */
export function intFlag(value: string, label: string, cmd: Command): number {
  try {
    return goParseInt(value, 0, 64);
  } catch (err) {
    throw flagValueError(cmd, `invalid argument ${goQuote(value)} for "${label}" flag: ${(err as Error).message}`);
  }
}

/**
 * pflag's `--size=false` and `-a=true` for boolean flags, which commander has no syntax for:
 * rewritten to `--size` or a hidden `--no-size` before commander parses. Stops at the first
 * positional argument, skipping the values of flags that take one.
 */
export function acceptBoolValues(cmd: Command): void {
  const bools = cmd.options.filter((o) => !o.required && !o.optional && !o.negate && o.long);
  for (const o of bools) {
    const negation = `--no-${o.long!.slice(2)}`;
    if (!cmd.options.some((x) => x.long === negation)) cmd.addOption(new Option(negation).hideHelp());
  }
  const find = (flag: string) => cmd.options.find((o) => o.long === flag || o.short === flag);
  const parseOptions = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv: string[]) => {
    const args: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--' || !arg.startsWith('-') || arg === '-') {
        args.push(...argv.slice(i));
        break;
      }
      const m = /^(--[^=]+|-[^-])=(.*)$/.exec(arg);
      const o = find(m ? m[1]! : arg.startsWith('--') ? arg : arg.slice(0, 2));
      if (m && o && bools.includes(o)) {
        let on: boolean;
        try {
          on = parseBool(m[2]!);
        } catch (err) {
          const label = o.short ? `${o.short}, ${o.long}` : o.long!;
          throw flagValueError(cmd, `invalid argument ${goQuote(m[2]!)} for "${label}" flag: ${(err as Error).message}`);
        }
        args.push(on ? o.long! : `--no-${o.long!.slice(2)}`);
        continue;
      }
      args.push(arg);
      // A flag's value in the next argument is no positional.
      const takesValue = o && (o.required || o.optional);
      const attached = arg.startsWith('--') ? arg.includes('=') : arg.length > 2;
      if (takesValue && !attached && i + 1 < argv.length) args.push(argv[++i]!);
    }
    return parseOptions(args);
  };
}
