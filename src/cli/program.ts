// What every tug entry point shares: the root command with its global flags, Docker-style usage
// errors, and the run of a parse. main.ts registers every command on it, hot.ts only run/create/start.
import { Command, CommanderError, Option } from 'commander';
import { TUG_VERSION } from '../version.js';
import { setGlobals } from './context.js';
import { acceptPflagSyntax } from './pflag.js';

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

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usageLine(cmd: Command): string {
  return `Usage:  ${commandPath(cmd)} ${cmd.usage()}`.trimEnd();
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

function reportUsage(err: UsageError): number {
  const { command, cause } = err;
  const path = commandPath(command);
  switch (cause.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
    case 'commander.help':
      return 0;
    case 'commander.unknownOption': {
      const flag = /'([^']+)'/.exec(cause.message)?.[1] ?? cause.message;
      process.stderr.write(`unknown ${flag.startsWith('--') ? 'flag' : 'shorthand flag'}: ${flag.startsWith('--') ? flag : `'${flag.replace(/^-/, '')}' in ${flag}`}\nSee '${path} --help'.\n`);
      return 125;
    }
    case 'commander.unknownCommand': {
      const name = /'([^']+)'/.exec(cause.message)?.[1] ?? '';
      process.stderr.write(`${path}: '${name}' is not a tug command.\nSee '${path} --help'\n`);
      return 1;
    }
    case 'commander.missingArgument':
    case 'commander.excessArguments': {
      const required = command.registeredArguments.filter((a) => a.required).length;
      const variadic = command.registeredArguments.some((a) => a.variadic);
      const optional = command.registeredArguments.length - required;
      const what = variadic ? `at least ${required} argument${required === 1 ? '' : 's'}`
        : optional ? `at least ${required} and at most ${required + optional} arguments`
          : `exactly ${required} argument${required === 1 ? '' : 's'}`;
      process.stderr.write(`"${path}" requires ${what}.\nSee '${path} --help'.\n\n${usageLine(command)}\n\n${command.description()}\n`);
      return 1;
    }
    case 'commander.invalidArgument':
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue':
      process.stderr.write(`${cause.message.replace(/^error: /, '')}\nSee '${path} --help'.\n`);
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
    .usage('[OPTIONS] COMMAND')
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
        process.exitCode = reportUsage(err);
        return;
      }
      throw err;
    }
  })().catch((err: unknown) => {
    process.stderr.write(`tug: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
