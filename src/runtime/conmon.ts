// conmon, the per-container monitor: it runs the runtime's `create`, holds the container's stdio
// (or pty), writes its log and, when it exits, its exit code. It outlives tugd.
import { constants, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, isErrno } from '../errors.js';
import { launch, type Launched } from '../sys/spawn.js';
import { living, procStat } from '../sys/proc.js';
import { RuntimeError, type Runtime } from './runc.js';

export const CONMON = process.env.TUG_CONMON ?? '/usr/bin/conmon';

/** Where one container's runtime files live: the bundle (config.json, ctl, attach) under exec-root. */
export interface MonitorPaths {
  bundle: string;
  /** The log conmon writes (k8s-file format). */
  logPath: string;
  /** conmon writes `<exitDir>/<id>` when the container exits. */
  exitDir: string;
  /** Short symlinks to bundles, so attach socket paths fit in sockaddr_un. */
  socketDir: string;
}

export interface MonitorOptions {
  id: string;
  name: string;
  paths: MonitorPaths;
  runtime: Runtime;
  tty: boolean;
  /** Keep a pipe to the container's stdin, written through the attach socket. */
  stdin: boolean;
  /** Keep stdin open when an attached client leaves (false: the first client's EOF closes it). */
  leaveStdinOpen: boolean;
  /** conmon's hard ceiling on the log file; tugd rotates well before it. */
  logSizeMax: number;
}

/** The name conmon links the bundle under in socketDir; short, since sun_path holds 108 bytes. */
export function attachKey(id: string): string {
  return id.slice(0, 16);
}

export function attachSocketPath(paths: MonitorPaths, id: string): string {
  return join(paths.socketDir, attachKey(id), 'attach');
}

/** conmon links `<socketDir>/<key>` to the bundle and leaves the link when it exits: it goes with the bundle. */
export function dropAttachLink(socketDir: string, id: string): void {
  rmSync(join(socketDir, attachKey(id)), { force: true });
}

/** The links whose bundle has gone (a crash between a removal's steps, or links from before they were dropped). */
export function sweepAttachLinks(socketDir: string): void {
  let names: string[];
  try {
    names = readdirSync(socketDir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const name of names) if (!existsSync(join(socketDir, name))) rmSync(join(socketDir, name), { force: true });
}

export function ctlPath(paths: MonitorPaths): string {
  return join(paths.bundle, 'ctl');
}

/**
 * Sends conmon a control message ("1 h w" resizes the pty, "2" reopens the log). Opened
 * non-blocking, so a monitor that is gone makes an error (ENXIO) instead of a hang.
 */
export async function writeControl(fifo: string, message: string): Promise<void> {
  const fh = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}

export function conmonPidPath(paths: MonitorPaths): string {
  return join(paths.bundle, 'conmon.pid');
}

export interface ExecMonitorOptions {
  containerID: string;
  execID: string;
  /** Where conmon keeps its ctl, winsz and attach socket: the exec's own dir, never the container's bundle. */
  bundle: string;
  dir: string;
  socketDir: string;
  runtime: Runtime;
  tty: boolean;
  stdin: boolean;
}

export interface ExecHandle {
  pid: number;
  /** The exec's exit code, reported by conmon on the sync pipe. */
  exited: Promise<number>;
  logPath: string;
}

/** Runs `runtime exec` under conmon; `process.json` must already be in `dir`. */
export function execProcess(opts: ExecMonitorOptions): Promise<ExecHandle> {
  const logPath = join(opts.dir, 'log');
  const args = [
    '--api-version', '1',
    '-c', opts.containerID,
    '-u', attachKey(opts.execID),
    '-n', opts.execID,
    '-r', opts.runtime.path,
    '-b', opts.bundle,
    '-p', join(opts.dir, 'pid'),
    '-0', opts.dir,
    '-l', `k8s-file:${logPath}`,
    '--exit-dir', opts.dir,
    '--socket-dir-path', opts.socketDir,
    '--no-sync-log',
    '--log-level', 'error',
    '-e', '--exec-process-spec', join(opts.dir, 'process.json'),
    ...opts.runtime.conmonArgs(),
  ];
  if (opts.tty) args.push('-t');
  if (opts.stdin) args.push('-i');
  return new Promise((resolve, reject) => {
    const child = startMonitor(args, opts.dir);
    let stderr = '';
    child.streams.get(2)!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const messages = syncMessages(child.streams.get(3)!);
    void (async () => {
      const first = await messages.next();
      if (first.done) return reject(new RuntimeError(`conmon exited before the exec started: ${stderr.trim() || 'no reason given'}`));
      const { data = -1, message } = first.value;
      if (data <= 0) return reject(new RuntimeError(cleanCreateError(message ?? `${opts.runtime.name} exec failed`)));
      const exited = messages.next().then((m) => (m.done ? 255 : m.value.data ?? 255));
      resolve({ pid: data, exited, logPath });
    })().catch(reject);
  });
}

/** conmon's sync pipe: one JSON object per line. */
async function* syncMessages(pipe: NodeJS.ReadableStream): AsyncGenerator<{ data?: number; message?: string }> {
  let buf = '';
  for await (const chunk of pipe) {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        yield JSON.parse(line) as { data?: number; message?: string };
      } catch {
        throw new RuntimeError(`conmon: unreadable reply ${JSON.stringify(line)}`);
      }
    }
  }
}

/**
 * Starts conmon, which creates the container (stopped before the user's process runs, until
 * `runtime.start`). Resolves with the container's init PID, or rejects with the runtime's error.
 */
export function createContainer(opts: MonitorOptions): Promise<number> {
  const { id, paths } = opts;
  const args = [
    '--api-version', '1',
    '-c', id,
    '-u', attachKey(id),
    '-n', opts.name,
    '-r', opts.runtime.path,
    '-b', paths.bundle,
    '-p', join(paths.bundle, 'pidfile'),
    '-P', conmonPidPath(paths),
    '-l', `k8s-file:${paths.logPath}`,
    '--log-size-max', String(opts.logSizeMax),
    '--exit-dir', paths.exitDir,
    '--socket-dir-path', paths.socketDir,
    // The log survives a tugd crash in the page cache; an fsync per exit costs every `run`.
    '--no-sync-log',
    '--log-level', 'error',
    ...opts.runtime.conmonArgs(),
  ];
  if (opts.tty) args.push('-t');
  if (opts.stdin) args.push('-i');
  if (opts.stdin && opts.leaveStdinOpen) args.push('--leave-stdin-open');
  return new Promise((resolve, reject) => {
    const child = startMonitor(args, paths.bundle);
    let stderr = '';
    child.streams.get(2)!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const pipe = child.streams.get(3)!;
    void (async () => {
      const first = await syncMessages(pipe).next();
      pipe.destroy();
      if (first.done) return reject(new RuntimeError(`conmon exited before creating the container: ${stderr.trim() || 'no reason given'}`));
      const { data = -1, message } = first.value;
      if (data > 0) resolve(data);
      else reject(new RuntimeError(cleanCreateError(message ?? `${opts.runtime.name} create failed`)));
    })().catch(reject);
  });
}

/** conmon in its own session (signals to tugd's process group never reach it), its stderr and sync pipe (fd 3) read by tugd. */
function startMonitor(args: string[], cwd: string): Launched {
  try {
    return launch(CONMON, args, { detached: true, pipes: [2, 3], env: { ...process.env, _OCI_SYNCPIPE: '3' }, cwd });
  } catch (err) {
    throw new RuntimeError(`cannot run conmon: ${errorMessage(err)}`);
  }
}

/** runc's create error, as dockerd words it: "failed to create task for container: …" is noise here. */
export function cleanCreateError(message: string): string {
  let m = message.trim();
  // conmon forwards runc's log line(s); keep the last message.
  const msgs = [...m.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)];
  if (msgs.length) m = msgs.at(-1)![1]!.replace(/\\(.)/g, '$1');
  return m.replace(/^runc create failed: /, '');
}

/** The monitor's PID from its pid file, if that process still runs conmon. */
export async function livingMonitor(paths: MonitorPaths): Promise<number | undefined> {
  // The exec root's pid file and procfs: read in place, as monitorGone polls this every 2 ms.
  let pid: number;
  try {
    pid = Number(readFileSync(conmonPidPath(paths), 'utf8').trim());
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // A zombie is a monitor that died and nobody has reaped yet.
  const p = procStat(pid);
  return living(p) && p.comm === 'conmon' ? pid : undefined;
}

/**
 * Resolves once the monitor is gone (or after `timeoutMs`): conmon leaves just after it reports
 * the exit, and a removal that returned before that would leave a monitor behind for a moment.
 */
export async function monitorGone(paths: MonitorPaths, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await livingMonitor(paths).catch(() => undefined)) !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
