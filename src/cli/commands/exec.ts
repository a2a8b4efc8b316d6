// tug exec and tug attach: a process in a running container (exit code its own), and the
// terminal joined to a running container's streams.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hijack } from '../../client/hijack.js';
import { attachStreams, parseDetachKeys } from '../attach/index.js';
import { mergeEnv, parseKVFile, validateEnv } from '../run/kvfile.js';
import { ExitError, client, collect, run } from '../context.js';

interface ExecFlags {
  detach?: boolean;
  detachKeys?: string;
  env?: string[];
  envFile?: string[];
  interactive?: boolean;
  privileged?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
}

/** -e and --env-file as `docker run` reads them: a bare NAME takes the client's value. */
function execEnv(flags: ExecFlags): string[] {
  const lookup = (k: string) => process.env[k];
  const fromFiles = (flags.envFile ?? []).flatMap((f) => parseKVFile(readFileSync(f, 'utf8'), f, lookup));
  return mergeEnv(fromFiles, (flags.env ?? []).map((e) => validateEnv(e, lookup)));
}

async function execCommand(container: string, cmd: string[], flags: ExecFlags): Promise<void> {
  const api = client();
  const tty = !!flags.tty;
  if (tty && flags.interactive && !process.stdin.isTTY) throw new ExitError(1, 'the input device is not a TTY');
  const size: [number, number] | null = tty && process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : null;
  const { Id } = await api.lifecycle.execCreate(container, {
    AttachStdin: !!flags.interactive && !flags.detach,
    AttachStdout: !flags.detach,
    AttachStderr: !flags.detach,
    DetachKeys: flags.detachKeys,
    Tty: tty,
    ConsoleSize: size,
    Env: execEnv(flags),
    Privileged: !!flags.privileged,
    User: flags.user,
    WorkingDir: flags.workdir,
    Cmd: cmd,
  });
  if (flags.detach) {
    const res = await api.transport.call('POST', `/exec/${Id}/start`, { json: { Detach: true, Tty: tty, ConsoleSize: size } });
    res.body.resume();
    return;
  }
  const { conn, multiplexed } = await hijack(api.transport, 'POST', `/exec/${Id}/start`, { json: { Detach: false, Tty: tty, ConsoleSize: size } });
  const { detached } = await attachStreams({
    conn,
    multiplexed,
    tty,
    stdin: flags.interactive ? process.stdin : undefined,
    stdout: process.stdout,
    stderr: process.stderr,
    detachKeys: flags.detachKeys ? parseDetachKeys(flags.detachKeys) : undefined,
    onResize: tty && process.stdout.isTTY ? (h: number, w: number) => void api.lifecycle.execResize(Id, h, w).catch(() => undefined) : undefined,
  });
  if (detached) return;
  const info = await api.lifecycle.execInspect(Id);
  if (info.ExitCode) process.exitCode = info.ExitCode;
}

export function registerExecCommands(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.enablePositionalOptions();
    parent.command('exec').description('Execute a command in a running container').usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
      .helpOption('--help', 'Print usage')
      .argument('<container>').argument('<command...>')
      .option('-d, --detach', 'Detached mode: run command in the background')
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .option('-e, --env <list>', 'Set environment variables', collect)
      .option('--env-file <list>', 'Read in a file of environment variables', collect)
      .option('-i, --interactive', 'Keep STDIN open even if not attached')
      .option('--privileged', 'Give extended privileges to the command')
      .option('-t, --tty', 'Allocate a pseudo-TTY')
      .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
      .option('-w, --workdir <string>', 'Working directory inside the container')
      .passThroughOptions()
      // A command that cannot run is a line on the stream and the exec's 126/127 (execCommand reads
      // it back); a daemon error, as with -d, is exit 1, as docker exec's.
      .action((container: string, cmd: string[], flags: ExecFlags) => run(() => execCommand(container, cmd, flags)));

    parent.command('attach').description('Attach local standard input, output, and error streams to a running container').usage('[OPTIONS] CONTAINER')
      .helpOption('--help', 'Print usage')
      .argument('<container>')
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .option('--no-stdin', 'Do not attach STDIN')
      .option('--sig-proxy', 'Proxy all received signals to the process', true)
      .action((name: string, o: { stdin: boolean; detachKeys?: string }) => run(async () => {
        const api = client();
        const info = (await api.containers.inspect(name)) as { Id: string; State: { Running: boolean; Paused: boolean }; Config: { Tty?: boolean; OpenStdin?: boolean } };
        if (!info.State.Running) throw new ExitError(1, 'You cannot attach to a stopped container, start it first');
        if (info.State.Paused) throw new ExitError(1, 'You cannot attach to a paused container, unpause it first');
        const tty = !!info.Config.Tty;
        const stdin = o.stdin && !!info.Config.OpenStdin;
        const { conn, multiplexed } = await hijack(api.transport, 'POST', `/containers/${info.Id}/attach`, {
          query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys },
        });
        const { exit } = await api.lifecycle.wait(info.Id, 'not-running');
        const { detached } = await attachStreams({
          conn, multiplexed, tty,
          stdin: stdin ? process.stdin : undefined,
          stdout: process.stdout,
          stderr: process.stderr,
          detachKeys: o.detachKeys ? parseDetachKeys(o.detachKeys) : undefined,
          onResize: tty && process.stdout.isTTY ? (h: number, w: number) => void api.containers.resize(info.Id, h, w).catch(() => undefined) : undefined,
        });
        if (detached) return;
        const status = await exit;
        if (status.StatusCode) process.exitCode = status.StatusCode;
      }));
  }
}
