// conmon, the per-container monitor: it runs the runtime's `create`, holds the container's stdio
// (or pty), writes its log and, when it exits, its exit code. It outlives tugd.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
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

export function ctlPath(paths: MonitorPaths): string {
  return join(paths.bundle, 'ctl');
}

export function winszPath(paths: MonitorPaths): string {
  return join(paths.bundle, 'winsz');
}

export function conmonPidPath(paths: MonitorPaths): string {
  return join(paths.bundle, 'conmon.pid');
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
    const child = spawn(CONMON, args, {
      // Its own session: signals to tugd's process group never reach the monitor.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3' },
      cwd: paths.bundle,
    });
    let stderr = '';
    let sync = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.on('data', (d: Buffer) => {
      sync += d.toString();
      const nl = sync.indexOf('\n');
      if (nl < 0) return;
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(sync.slice(0, nl)) as typeof msg;
      } catch {
        settle(() => reject(new RuntimeError(`conmon: unreadable reply ${JSON.stringify(sync.slice(0, nl))}`)));
        return;
      }
      const pid = msg.data ?? -1;
      if (pid > 0) settle(() => resolve(pid));
      else settle(() => reject(new RuntimeError(cleanCreateError(msg.message ?? `${opts.runtime.name} create failed`))));
      (pipe as unknown as { destroy(): void }).destroy();
    });
    pipe.on('end', () => settle(() => reject(new RuntimeError(`conmon exited before creating the container: ${stderr.trim() || 'no reason given'}`))));
    child.on('error', (err) => settle(() => reject(new RuntimeError(`cannot run conmon: ${err.message}`))));
    child.unref();
  });
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
  let pid: number;
  try {
    pid = Number((await readFile(conmonPidPath(paths), 'utf8')).trim());
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return comm === 'conmon' ? pid : undefined;
  } catch {
    return undefined;
  }
}
