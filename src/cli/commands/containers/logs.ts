// tug logs: inspect, then GET /containers/{id}/logs; a multiplexed answer is split back into
// stdout and stderr (stdcopy.StdCopy), a TTY container's raw bytes go to stdout as they are.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { FrameDecoder, StdStream } from '../../../streams/stdcopy.js';
import { getTimestamp } from '../../format/timestamp.js';
import { ExitError, client, run } from '../../context.js';

export interface LogsFlags {
  follow?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  details?: boolean;
  tail?: string;
}

async function write(dst: Writable, data: Buffer): Promise<void> {
  if (!dst.write(data)) await once(dst, 'drain');
}

/** stdcopy.StdCopy: frames to their stream; a daemon error frame ends the copy with its text. */
export async function demux(src: AsyncIterable<unknown>, stdout: Writable, stderr: Writable): Promise<void> {
  const decoder = new FrameDecoder();
  for await (const chunk of src) {
    let frames;
    try {
      frames = decoder.push(chunk as Buffer);
    } catch (err) {
      throw new ExitError(1, `Unrecognized input header: ${/\d+/.exec((err as Error).message)?.[0] ?? '?'}`);
    }
    for (const f of frames) {
      if (f.stream === StdStream.Systemerr) throw new ExitError(1, `error from daemon in stream: ${f.payload.toString()}`);
      await write(f.stream === StdStream.Stderr ? stderr : stdout, f.payload);
    }
  }
  // A cut-off last frame is dropped, as StdCopy does at EOF.
}

/** Raw bytes (a TTY container) straight to stdout. */
export async function copyRaw(src: AsyncIterable<unknown>, stdout: Writable): Promise<void> {
  for await (const chunk of src) await write(stdout, chunk as Buffer);
}

/** --since/--until as the API wants them, with the client's error text. */
export function logTimestamp(flag: 'since' | 'until', value: string | undefined, nowNs: bigint): string | undefined {
  if (!value) return undefined;
  try {
    return getTimestamp(value, nowNs);
  } catch (err) {
    throw new ExitError(1, `invalid value for "${flag}": ${(err as Error).message}`);
  }
}

async function logs(name: string, flags: LogsFlags): Promise<void> {
  const api = client().containers;
  const info = await api.inspect(name);
  const now = BigInt(Date.now()) * 1_000_000n;
  const res = await api.logs(info.Id, {
    stdout: true,
    stderr: true,
    since: logTimestamp('since', flags.since, now),
    until: logTimestamp('until', flags.until, now),
    timestamps: flags.timestamps,
    follow: flags.follow,
    tail: flags.tail ?? 'all',
    details: flags.details,
  });
  const stream: Readable = res.stream;
  // The content type decides; a daemon that names neither is read by the container's TTY setting.
  const multiplexed = res.contentType ? res.multiplexed : !info.Config.Tty;
  // A reader that went away (`tug logs -f | head`) ends the copy quietly, as docker dies of SIGPIPE.
  let closed = false;
  const onClosed = () => {
    closed = true;
    stream.destroy();
  };
  process.stdout.on('error', onClosed);
  process.stderr.on('error', onClosed);
  try {
    if (multiplexed) await demux(stream, process.stdout, process.stderr);
    else await copyRaw(stream, process.stdout);
  } catch (err) {
    if (!closed) throw err;
  } finally {
    process.stdout.off('error', onClosed);
    process.stderr.off('error', onClosed);
  }
}

export function registerLogsCommand(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.command('logs').description('Fetch the logs of a container').usage('[OPTIONS] CONTAINER')
      .argument('<CONTAINER>')
      .option('--details', 'Show extra details provided to logs')
      .option('-f, --follow', 'Follow log output')
      .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .option('-n, --tail <string>', 'Number of lines to show from the end of the logs (default "all")')
      .option('-t, --timestamps', 'Show timestamps')
      .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .action((name: string, flags: LogsFlags) => run(() => logs(name, flags)));
  }
}
