// tug rm, stop, restart, kill, pause, unpause, rename and wait, as docker/cli runs them: one API
// call per name, names echoed on success, the errors together at the end (status 1).
import type { Command } from 'commander';
import { DaemonError } from '../../../client/index.js';
import { ExitError, client, describeError, out, run } from '../../context.js';
import { eachContainer, intFlag } from './batch.js';

interface StopFlags {
  signal?: string;
  timeout?: string;
  time?: string;
}

/** -t/--timeout (and the deprecated --time): only sent when given, as docker leaves it nil. */
export function stopTimeout(flags: StopFlags, cmd: Command): number | undefined {
  // pflag announces a deprecated flag on stdout as it parses it, before any check.
  if (flags.time !== undefined) out('Flag --time has been deprecated, use --timeout instead\n');
  if (flags.time !== undefined && flags.timeout !== undefined) throw new ExitError(1, 'conflicting options: cannot specify both --timeout and --time');
  if (flags.timeout !== undefined) return intFlag(flags.timeout, '-t, --timeout', cmd);
  if (flags.time !== undefined) return intFlag(flags.time, '--time', cmd);
  return undefined;
}

const isNotFound = (err: unknown) => err instanceof DaemonError && err.status === 404;

async function remove(names: string[], flags: { force?: boolean; volumes?: boolean; link?: boolean }): Promise<void> {
  const api = client().containers;
  await eachContainer(names, async (name) => {
    const id = name.replace(/^\/+|\/+$/g, '');
    if (id === '') throw new ExitError(1, 'container name cannot be empty');
    await api.remove(id, { force: flags.force, volumes: flags.volumes, link: flags.link });
  }, { skip: (err) => !!flags.force && isNotFound(err) });
}

async function rename(oldName: string, newName: string): Promise<void> {
  const [from, to] = [oldName.trim(), newName.trim()];
  if (from === '' || to === '') throw new ExitError(1, 'Error: Neither old nor new names may be empty');
  try {
    await client().containers.rename(from, to);
  } catch (err) {
    throw new ExitError(1, `${describeError(err)}\nError: failed to rename container named ${from}`);
  }
}

async function wait(names: string[]): Promise<void> {
  const api = client().containers;
  const errors: string[] = [];
  for (const name of names) {
    try {
      out(`${(await api.wait(name)).StatusCode}\n`);
    } catch (err) {
      errors.push(describeError(err));
    }
  }
  if (errors.length) throw new ExitError(1, errors.join('\n'));
}

function addStopFlags(cmd: Command): Command {
  return cmd
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
    .option('--time <int>', 'Seconds to wait before killing the container (deprecated: use --timeout)');
}

/** Registers each verb under `tug` and under `tug container`. */
export function registerLifecycleCommands(program: Command, container: Command): void {
  for (const [parent, rmName, rmAliases] of [[program, 'rm', []], [container, 'rm', ['remove']]] as const) {
    parent.command(rmName).aliases([...rmAliases]).description('Remove one or more containers').usage('[OPTIONS] CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
      .option('-l, --link', 'Remove the specified link')
      .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
      .action((names: string[], flags: { force?: boolean; volumes?: boolean; link?: boolean }) => run(() => remove(names, flags)));
  }
  for (const parent of [program, container]) {
    addStopFlags(parent.command('stop').description('Stop one or more running containers').usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<CONTAINER...>'))
      .action((names: string[], flags: StopFlags, cmd: Command) => run(async () => {
        const timeout = stopTimeout(flags, cmd);
        const api = client().containers;
        await eachContainer(names, (n) => api.stop(n, { timeout, signal: flags.signal }));
      }));
    addStopFlags(parent.command('restart').description('Restart one or more containers').usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<CONTAINER...>'))
      .action((names: string[], flags: StopFlags, cmd: Command) => run(async () => {
        const timeout = stopTimeout(flags, cmd);
        const api = client().containers;
        await eachContainer(names, (n) => api.restart(n, { timeout, signal: flags.signal }), { parallel: false });
      }));
    parent.command('kill').description('Kill one or more running containers').usage('[OPTIONS] CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .option('-s, --signal <string>', 'Signal to send to the container')
      .action((names: string[], flags: { signal?: string }) => run(async () => {
        const api = client().containers;
        await eachContainer(names, (n) => api.kill(n, flags.signal));
      }));
    parent.command('pause').description('Pause all processes within one or more containers').usage('CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .action((names: string[]) => run(async () => {
        const api = client().containers;
        await eachContainer(names, (n) => api.pause(n));
      }));
    parent.command('unpause').description('Unpause all processes within one or more containers').usage('CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .action((names: string[]) => run(async () => {
        const api = client().containers;
        await eachContainer(names, (n) => api.unpause(n));
      }));
    parent.command('rename').description('Rename a container').usage('CONTAINER NEW_NAME')
      .argument('<CONTAINER>').argument('<NEW_NAME>')
      .action((from: string, to: string) => run(() => rename(from, to)));
    parent.command('wait').description('Block until one or more containers stop, then print their exit codes').usage('CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .action((names: string[]) => run(() => wait(names)));
  }
}
