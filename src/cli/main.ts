// tug: the command-line client. Speaks only the Engine API, like the docker CLI.
import { Command, CommanderError, Option } from 'commander';
import { TUG_VERSION } from '../version.js';
import { registerBuildCommands } from './commands/build.js';
import { registerEventCommands } from './commands/events.js';
import { registerContainerCommands } from './commands/containers/index.js';
import { registerDistributionCommands } from './commands/distribution.js';
import { registerExecCommands } from './commands/exec.js';
import { registerImageCommands } from './commands/images.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerRunCommands } from './commands/run.js';
import { registerSystemCommands } from './commands/system.js';
import { registerTransferCommands } from './commands/transfer.js';
import { registerVolumeCommands } from './commands/volume.js';
import { commandWord, HOT_COMMANDS } from './argv.js';
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

function buildProgram(hot: boolean): Command {
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
  if (hot) {
    registerRunCommands(program);
    return program;
  }
  const container = program.command('container').description('Manage containers').usage('COMMAND');
  const image = program.command('image').description('Manage images').usage('COMMAND');
  const system = program.command('system').description('Manage tug').usage('COMMAND');
  registerSystemCommands(program, system);
  registerEventCommands(program, system);
  registerImageCommands(program, image);
  registerTransferCommands(program, image);
  registerDistributionCommands(program, image);
  registerContainerCommands(program, container);
  registerRunCommands(program, container);
  registerExecCommands(program, container);
  registerVolumeCommands(program);
  registerNetworkCommands(program);
  registerRegistryCommands(program);
  registerBuildCommands(program, image);
  return program;
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

async function main(argv: string[]): Promise<void> {
  const word = commandWord(argv);
  const program = buildProgram(word !== undefined && HOT_COMMANDS.has(word));
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
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`tug: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
