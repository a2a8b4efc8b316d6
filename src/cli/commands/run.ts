// tug run, create and start: flags → RunOptions (src/cli/run), then the docker CLI's sequence:
// create (saying when the image is missing), attach, wait registered, start, exit with the code.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DaemonError, type EngineClient } from '../../client/index.js';
import { hijack } from '../../client/hijack.js';
import { parseDetachKeys, attachStreams } from '../attach/index.js';
import { addRunFlags, fromFlags, FlagValueError, type RunFlags, type RunOptions } from '../run/index.js';
import { familiarString, parseDockerRef } from '../../reference/index.js';
import { ExitError, client, describeError, run } from '../context.js';
import { pullImage } from '../registry/pull.js';
import { flagValueError } from '../usage.js';

/** docker's reportError: "tug: <message>" plus the help hint, exit 125. */
function runError(verb: string, err: unknown, status = 125): ExitError {
  const text = describeError(err).replace(/^Error: /, '');
  return new ExitError(status, `tug: ${text}\n\nRun 'tug ${verb} --help' for more information`);
}

/** docker's runStartContainerErr: 127 for a missing command, 126 when it cannot run, else 125. */
export function startErrorStatus(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

function familiar(image: string): string {
  try {
    return familiarString(parseDockerRef(image));
  } catch {
    return image;
  }
}

async function createContainer(api: EngineClient, opts: RunOptions): Promise<string> {
  if (opts.cidfile && existsSync(opts.cidfile)) {
    throw new Error(`container ID file found, make sure the other container isn't running or delete ${opts.cidfile}`);
  }
  let created;
  const pull = () => pullImage(api, opts.image, { quiet: opts.quiet, platform: opts.platform }, process.stderr, false);
  if (opts.pull === 'always') await pull();
  try {
    created = await api.lifecycle.create(opts.body, { name: opts.name, platform: opts.platform });
  } catch (err) {
    if (err instanceof DaemonError && err.status === 404 && /^No such image/.test(err.message) && opts.pull === 'missing') {
      process.stderr.write(`Unable to find image '${familiar(opts.image)}' locally\n`);
      await pull();
      created = await api.lifecycle.create(opts.body, { name: opts.name, platform: opts.platform });
    } else throw err;
  }
  for (const w of [...opts.warnings, ...(created.Warnings ?? [])]) process.stderr.write(`WARNING: ${w}\n`);
  if (opts.cidfile) writeFileSync(opts.cidfile, created.Id);
  return created.Id;
}

function optionsFrom(flags: RunFlags, image: string, args: string[], cmd: Command): RunOptions {
  try {
    return fromFlags(flags, image, args, { readFile: (p) => readFileSync(p, 'utf8'), cwd: process.cwd(), hostEnv: process.env });
  } catch (err) {
    if (err instanceof FlagValueError) throw flagValueError(cmd, err.message);
    throw runError(cmd.name(), err);
  }
}

/** Attaches the streams the body asks for; resolves when output ends (the container exited) or on detach. */
async function attach(api: EngineClient, id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; detachKeys?: string }): Promise<{ done: Promise<{ detached: boolean }>; close: () => void }> {
  const { conn, multiplexed } = await hijack(api.transport, 'POST', `/containers/${id}/attach`, {
    query: { stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, detachKeys: opts.detachKeys },
  });
  const detachKeys = opts.detachKeys ? parseDetachKeys(opts.detachKeys) : undefined;
  const done = attachStreams({
    conn,
    multiplexed,
    tty: opts.tty,
    stdin: opts.stdin ? process.stdin : undefined,
    stdout: process.stdout,
    stderr: process.stderr,
    detachKeys,
    onResize: opts.tty && process.stdout.isTTY ? (h: number, w: number) => void api.containers.resize(id, h, w).catch(() => undefined) : undefined,
  });
  done.catch(() => undefined);
  return { done, close: () => conn.destroy() };
}

async function runContainer(flags: RunFlags, image: string, args: string[], cmd: Command): Promise<void> {
  const opts = optionsFrom(flags, image, args, cmd);
  const api = client();
  let id: string;
  try {
    id = await createContainer(api, opts);
  } catch (err) {
    throw runError('run', err);
  }
  const body = opts.body;
  const attaching = !opts.detach ? attach(api, id, {
    stdin: body.AttachStdin ?? false,
    stdout: body.AttachStdout ?? false,
    stderr: body.AttachStderr ?? false,
    tty: body.Tty ?? false,
    detachKeys: opts.detachKeys,
  }).catch((err: unknown) => { throw runError('run', err); }) : undefined;
  // Detached runs never wait: the open request would keep the CLI alive. Attach and wait go out
  // together (one round trip less); both are in place before the start.
  const waiting = attaching ? api.lifecycle.wait(id, body.HostConfig?.AutoRemove ? 'removed' : 'next-exit') : undefined;
  waiting?.catch(() => undefined);
  const attached = await attaching;
  const waited = await waiting;
  if (opts.detach) process.stdout.write(`${id}\n`);
  try {
    await api.lifecycle.start(id);
  } catch (err) {
    // As the docker CLI does: a failed start ends the run; the open attach and wait would keep it alive.
    attached?.close();
    waited?.cancel();
    throw runError('run', err, startErrorStatus(err instanceof Error ? err.message : String(err)));
  }
  if (!attached) return;
  const { detached } = await attached.done;
  if (detached || !waited) return;
  const status = await waited.exit;
  if (status.StatusCode !== 0) process.exitCode = status.StatusCode;
}

/**
 * Registers run, create and start on the root and (when given) under `container`; `only` one of
 * them for the hot bundle, which knows the command asked for (each of run and create is a hundred flags).
 */
export function registerRunCommands(program: Command, container?: Command, only?: string): void {
  const wanted = (name: string) => only === undefined || only === name;
  for (const parent of container ? [program, container] : [program]) {
    // Flags end at the image: what follows is the container's command line.
    parent.enablePositionalOptions();
    if (wanted('run')) addRunFlags(
      parent.command('run').description('Create and run a new container from an image').usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
        .argument('<image>').argument('[command...]'),
      'run',
    ).passThroughOptions().action((image: string, args: string[], flags: RunFlags, cmd: Command) => run(async () => {
      await runContainer(flags, image, args, cmd);
    }));

    if (wanted('create')) addRunFlags(
      parent.command('create').description('Create a new container').usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
        .argument('<image>').argument('[command...]'),
      'create',
    ).passThroughOptions().action((image: string, args: string[], flags: RunFlags, cmd: Command) => run(async () => {
      const opts = optionsFrom(flags, image, args, cmd);
      try {
        process.stdout.write(`${await createContainer(client(), opts)}\n`);
      } catch (err) {
        throw new ExitError(1, describeError(err));
      }
    }));

    if (wanted('start')) parent.command('start').description('Start one or more stopped containers').usage('[OPTIONS] CONTAINER [CONTAINER...]')
      .helpOption('--help', 'Print usage')
      .argument('<containers...>')
      .option('-a, --attach', "Attach STDOUT/STDERR and forward signals")
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .option('-i, --interactive', "Attach container's STDIN")
      .action((names: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }) => run(async () => {
        await startContainers(names, o);
      }));
  }
}

async function startContainers(names: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }): Promise<void> {
  const api = client();
  if (o.attach || o.interactive) {
    if (names.length > 1) throw new ExitError(1, 'Error: you cannot attach to multiple containers at once');
    const info = (await api.containers.inspect(names[0]!)) as { Id: string; Config: { Tty?: boolean; OpenStdin?: boolean } };
    const attached = await attach(api, info.Id, { stdin: !!o.interactive && !!info.Config.OpenStdin, stdout: true, stderr: true, tty: !!info.Config.Tty, detachKeys: o.detachKeys });
    const { exit, cancel } = await api.lifecycle.wait(info.Id, 'next-exit');
    try {
      await api.lifecycle.start(info.Id);
    } catch (err) {
      attached.close();
      cancel();
      throw err;
    }
    const { detached } = await attached.done;
    if (detached) return;
    const status = await exit;
    if (status.StatusCode !== 0) process.exitCode = status.StatusCode;
    return;
  }
  const failed: string[] = [];
  for (const name of names) {
    try {
      await api.lifecycle.start(name);
      process.stdout.write(`${name}\n`);
    } catch (err) {
      process.stderr.write(`${describeError(err)}\n`);
      failed.push(name);
    }
  }
  if (failed.length) throw new ExitError(1, `Error: failed to start containers: ${failed.join(', ')}`);
}
