// What every tug entry point shares: the root command with its global flags, Docker-style usage
// errors, and the run of a parse. main.ts registers every command on it, hot.ts only run/create/start.
import { Command, CommanderError, Option } from 'commander';
import { TUG_VERSION } from '../version.js';
import { setGlobals } from './context.js';
import { acceptPflagSyntax } from './pflag.js';
import { commandPath, usageText } from './usage.js';

/** A usage error raised by commander inside a given command, to be reported Docker-style. */
class UsageError extends Error {
  readonly command: Command;
  override readonly cause: CommanderError;

  constructor(command: Command, cause: CommanderError) {
    super(cause.message);
    this.command = command;
    this.cause = cause;
  }
}

function applyDockerErrors(cmd: Command): void {
  // Commands whose arguments end their flags (passThroughOptions: run, exec, …) keep later words as they are.
  if (cmd.commands.length === 0) acceptPflagSyntax(cmd, !(cmd as unknown as { _passThroughOptions?: boolean })._passThroughOptions);
  cmd.exitOverride((err) => {
    throw new UsageError(cmd, err);
  });
  cmd.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  for (const sub of cmd.commands) applyDockerErrors(sub);
}

/** The flag as the user typed it (`--tail` or `-n`) among an option's spellings in `flags`. */
function typedFlag(flags: string, argv: readonly string[]): string {
  const spellings = flags.split(/[ ,|]+/).filter((f) => f.startsWith('-'));
  for (let i = argv.length - 1; i >= 0; i--) {
    const hit = spellings.find((f) => argv[i] === f || argv[i]!.startsWith(`${f}=`));
    if (hit) return hit;
  }
  return spellings.at(-1) ?? flags;
}

const flagName = (flag: string): string => (flag.startsWith('--') ? flag : `'${flag.replace(/^-/, '')}' in ${flag}`);

/** How many arguments a command takes, as cobra's validators word it. */
function argumentRule(command: Command): { text: string; atLeast: boolean } {
  const args = command.registeredArguments;
  const required = args.filter((a) => a.required).length;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if (args.length === 0) return { text: 'accepts no arguments', atLeast: false };
  if (args.some((a) => a.variadic)) return { text: `requires at least ${plural(required)}`, atLeast: true };
  if (required === args.length) return { text: `requires ${plural(required)}`, atLeast: false };
  if (required === 0) return { text: `requires at most ${plural(args.length)}`, atLeast: false };
  return { text: `requires at least ${required} and at most ${plural(args.length)}`, atLeast: false };
}

/** A management command's help, as the docker CLI prints it when no subcommand is given. */
function groupHelp(cmd: Command): string {
  const subs = cmd.commands.filter((c) => c.name() !== 'help').sort((x, y) => x.name().localeCompare(y.name()));
  const pad = Math.max(11, ...subs.map((c) => c.name().length));
  const rows = subs.map((c) => `  ${c.name().padEnd(pad)} ${c.description()}`).join('\n');
  const path = commandPath(cmd);
  return `Usage:  ${path} COMMAND\n\n${cmd.description()}\n\nCommands:\n${rows}\n\nRun '${path} COMMAND --help' for more information on a command.\n`;
}

/** Reports a usage error in the docker CLI's (28.x) words; returns the exit code. */
function reportUsage(err: UsageError, argv: readonly string[]): number {
  const { command, cause } = err;
  const path = commandPath(command);
  const hint = (verb = 'Run') => `\n\n${verb} '${path} --help' for more information\n`;
  switch (cause.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return 0;
    case 'commander.help':
      // A management command (`tug image`) with no subcommand.
      if (command.commands.length) process.stderr.write(groupHelp(command));
      return 0;
    case 'commander.unknownOption': {
      const flag = /'([^']+)'/.exec(cause.message)?.[1] ?? cause.message;
      process.stderr.write(usageText(command, `unknown ${flag.startsWith('--') ? 'flag' : 'shorthand flag'}: ${flagName(flag)}`));
      return 125;
    }
    case 'commander.unknownCommand': {
      const name = /'([^']+)'/.exec(cause.message)?.[1] ?? '';
      process.stderr.write(`tug: unknown command: ${path} ${name}${command.parent ? `\n\nUsage:  ${path}` : ''}${hint()}`);
      return 1;
    }
    case 'commander.missingArgument':
    case 'commander.excessArguments': {
      const rule = argumentRule(command);
      process.stderr.write(usageText(command, `tug: '${path}' ${rule.text}`, rule.atLeast ? 'See' : 'Run'));
      return 1;
    }
    case 'commander.optionMissingArgument': {
      const flags = /option '([^']+)'/.exec(cause.message)?.[1] ?? '';
      process.stderr.write(usageText(command, `flag needs an argument: ${flagName(typedFlag(flags.replace(/\s*[<[].*$/, ''), argv))}`));
      return 125;
    }
    case 'commander.invalidArgument':
    case 'commander.missingMandatoryOptionValue':
      process.stderr.write(usageText(command, cause.message.replace(/^error: /, '')));
      return 125;
    default:
      process.stderr.write(`${cause.message.replace(/^error: /, '')}\n`);
      return cause.exitCode || 1;
  }
}

/** `tug` with its global options; commands are registered by the entry point. */
export function rootProgram(): Command {
  const program = new Command('tug')
    .description('A container engine that speaks the Docker Engine API')
    .usage('[OPTIONS] COMMAND [ARG...]')
    .addOption(new Option('-H, --host <host>', 'Daemon socket to connect to (default: $TUG_HOST, $DOCKER_HOST, unix:///run/tug/tug.sock)'))
    .option('-D, --debug', 'Enable debug mode')
    .addOption(new Option('-l, --log-level <level>', 'Set the logging level').choices(['debug', 'info', 'warn', 'error', 'fatal']))
    .version(`tug version ${TUG_VERSION}`, '-v, --version', 'Print version information and quit')
    .enablePositionalOptions()
    .showSuggestionAfterError(false);
  program.hook('preAction', (root) => setGlobals(root.opts()));
  return program;
}

/** Parses and runs argv; usage errors are reported as the docker CLI words them, with its exit codes. */
export function runProgram(program: Command, argv: string[]): void {
  void (async () => {
    applyDockerErrors(program);
    program.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => undefined, outputError: () => undefined });
    try {
      if (argv.length <= 2) {
        program.outputHelp();
        return;
      }
      await program.parseAsync(argv);
    } catch (err) {
      if (err instanceof UsageError) {
        process.exitCode = reportUsage(err, argv);
        return;
      }
      throw err;
    }
  })().catch((err: unknown) => {
    process.stderr.write(`tug: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
