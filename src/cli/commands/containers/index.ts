// The container commands: `tug container …` and docker's top-level shortcuts (ps, rm, stop, …).
import type { Command } from 'commander';
import { registerCpCommand } from './cp.js';
import { registerFilesystemCommands } from './filesystem.js';
import { registerInspectCommands } from './inspect.js';
import { registerLifecycleCommands } from './lifecycle.js';
import { addPsCommand } from './list.js';
import { registerLogsCommand } from './logs.js';
import { registerStatsCommand } from './stats.js';
import { registerUpdateCommands } from './update.js';
import { acceptBoolValues } from './batch.js';

export { inspectObjects } from './inspect.js';

export function registerContainerCommands(program: Command, container: Command): void {
  const others = new Set([...program.commands, ...container.commands]);
  addPsCommand(program, 'ps', []);
  addPsCommand(container, 'ls', ['ps', 'list']);
  registerLifecycleCommands(program, container);
  registerLogsCommand(program, container);
  registerStatsCommand(program, container);
  registerFilesystemCommands(program, container);
  registerCpCommand(program, container);
  registerUpdateCommands(program, container);
  registerInspectCommands(program, container);
  // pflag's `--flag=false` on the commands registered here.
  for (const cmd of [...program.commands, ...container.commands]) if (!others.has(cmd)) acceptBoolValues(cmd);
}
