// pflag's syntax, which docker's flags use, taught to commander: every tug command accepts it.
import type { Command, Option } from 'commander';
import { goQuote } from './format/gofmt.js';
import { parseBool } from './run/strconv.js';

const patched = new WeakSet<Command>();

/** Rewrites argv into commander's syntax before `cmd` parses it (once per command). */
export function acceptPflagSyntax(cmd: Command, interspersed: boolean): void {
  if (patched.has(cmd)) return;
  patched.add(cmd);
  const parseOptions = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv: string[]) => parseOptions(toCommanderArgs(cmd, argv, interspersed));
}

/**
 * pflag syntax that commander lacks, rewritten before commander sees it: "--rm=false" and
 * "-t=true" (booleans with a value), "-e=A=1" (a shorthand's "="), and shorthand groups
 * ending in a value ("-itp8080:80"). Flags may follow positionals (pflag's interspersed
 * mode) unless the command's arguments end its flags, as `run IMAGE CMD…` does.
 */
function toCommanderArgs(cmd: Command, args: readonly string[], interspersed: boolean): string[] {
  const out: string[] = [];
  const find = (flag: string) => cmd.options.find((o) => o.long === flag || o.short === flag);
  // commander's isBoolean() is false for "--no-" flags, which take no value either.
  const isBool = (o: Option) => !o.required && !o.optional;
  const boolArgs = (o: Option, value: string): string[] => {
    let on: boolean;
    try {
      on = parseBool(value);
    } catch (err) {
      const label = o.short ? `${o.short}, ${o.long}` : `${o.long}`;
      return cmd.error(`invalid argument ${goQuote(value)} for "${label}" flag: ${(err as Error).message}`, { exitCode: 125, code: 'commander.invalidArgument' });
    }
    if (o.negate) return on ? [o.long!] : [];
    if (on) return [o.long!];
    // "--x=false" of a plain boolean is its default: nothing to pass unless "--no-x" is declared.
    return find(`--no-${o.long!.slice(2)}`) ? [`--no-${o.long!.slice(2)}`] : [];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (arg.length < 2 || arg[0] !== '-') {
      if (!interspersed) {
        out.push(...args.slice(i));
        break;
      }
      out.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const o = find(eq < 0 ? arg : arg.slice(0, eq));
      if (!o) {
        out.push(...args.slice(i));
        break;
      }
      if (isBool(o) && eq >= 0) {
        out.push(...boolArgs(o, arg.slice(eq + 1)));
        continue;
      }
      out.push(arg);
      if (o.required && eq < 0 && i + 1 < args.length) out.push(args[++i]);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const o = find(`-${arg[j]}`);
      if (!o) {
        out.push(`-${arg.slice(j)}`, ...args.slice(i + 1));
        return out;
      }
      if (isBool(o)) {
        if (arg[j + 1] !== '=') {
          out.push(`-${arg[j]}`);
          continue;
        }
        out.push(...boolArgs(o, arg.slice(j + 2)));
        break;
      }
      let rest = arg.slice(j + 1);
      if (rest.length > 1 && rest[0] === '=') rest = rest.slice(1);
      out.push(`-${arg[j]}`);
      if (j + 1 < arg.length) out.push(rest);
      else if (i + 1 < args.length) out.push(args[++i]);
      break;
    }
  }
  return out;
}

