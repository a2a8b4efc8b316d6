// The OCI runtime's command line (runc, or crun where the host allows): start, kill, pause,
// update and delete a container the monitor created. State lives in one `--root` per daemon.
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readSync, rmdirSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TugError, isErrno } from '../errors.js';
import { living, procStat } from '../sys/proc.js';

export interface RuntimeState {
  id: string;
  pid: number;
  /** creating, created, running, paused, stopped */
  status: string;
  bundle: string;
}

export class RuntimeError extends TugError {
  constructor(message: string) {
    super('Internal', message, 'TUG_RUNTIME');
  }
}

/** runc reports its own errors as `time=… level=error msg="…"` or plain text: keep the message. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const last = lines.at(-1) ?? '';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  if (m) return m[1]!.replace(/\\(.)/g, '$1');
  return last.replace(/^(runc|crun): /, '');
}

/** The part of runc's `state.json` that its delete of a stopped container uses. */
interface RuncStateFile {
  init_process_pid?: number;
  /** The init's start time, in clock ticks since boot (field 22 of /proc/PID/stat). */
  init_process_start?: number;
  cgroup_paths?: Record<string, string>;
  intel_rdt_path?: string;
}

/** Whether the state's init still runs: its PID alive, not a zombie, with the same start time. */
function initRunning(state: RuncStateFile): boolean {
  if (!state.init_process_pid) return false;
  const p = procStat(state.init_process_pid);
  return living(p) && p.startTime === state.init_process_start;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

export class Runtime {
  constructor(readonly path: string, readonly root: string) {}

  get name(): string {
    return this.path.split('/').at(-1) ?? this.path;
  }

  /** The args conmon passes through to the runtime (it runs `create` itself). */
  conmonArgs(): string[] {
    return ['--runtime-arg', '--root', '--runtime-arg', this.root];
  }

  private run(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(this.path, ['--root', this.root, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new RuntimeError(`${this.name} ${args[0]}: ${runtimeMessage(stderr) || err.message}`));
        else resolve(stdout);
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /**
   * Lets the created container run. For runc this is what `runc start` does, without its
   * process (~6 ms): read the byte the container's init writes into `exec.fifo`, then remove
   * the FIFO (its absence is how runc tells "running" from "created"). `pid` is the init's,
   * watched so that a container that died before opening the FIFO fails the start. In place:
   * the FIFO is opened and read non-blocking, so nothing here waits in a system call.
   */
  async start(id: string, pid?: number): Promise<void> {
    const fifo = this.execFifo(id);
    if (this.name !== 'runc' || pid === undefined) return void (await this.run(['start', id]));
    let fd: number;
    try {
      // Non-blocking: a blocking open would wait forever if init never opens its end.
      fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      // No FIFO: not created, or started already; runc words the error.
      if (isErrno(err, 'ENOENT')) return void (await this.run(['start', id]));
      throw err;
    }
    try {
      const byte = Buffer.alloc(1);
      // EOF (no writer yet) and EAGAIN (writer, no byte yet) both mean "not yet".
      const readByte = () => {
        try {
          return readSync(fd, byte, 0, 1, null) > 0;
        } catch (err) {
          if (isErrno(err, 'EAGAIN')) return false;
          throw err;
        }
      };
      for (let waited = 0; ; waited++) {
        if (readByte()) break;
        // Dead now, it may still have written its byte and run to its end since the read.
        if (!alive(pid)) {
          if (readByte()) break;
          throw new RuntimeError(`${this.name} start: container process is already dead`);
        }
        if (waited > 10_000) throw new RuntimeError(`${this.name} start: the container's init did not open its exec FIFO`);
        // The init writes its byte microseconds after our open wakes it: look again at once a few
        // times before waiting a millisecond between looks.
        await new Promise((resolve) => (waited < 20 ? setImmediate(resolve) : setTimeout(resolve, 1)));
      }
    } finally {
      closeSync(fd);
    }
    rmSync(fifo, { force: true });
  }

  /** A start that a crash cut short (runc's exec FIFO still there): finished now. */
  async finishStart(id: string, pid: number): Promise<void> {
    if (this.name !== 'runc') return;
    if (await stat(this.execFifo(id)).then(() => true, () => false)) await this.start(id, pid);
  }

  /** runc's FIFO that holds a created container's init until the start. */
  private execFifo(id: string): string {
    return join(this.root, id, 'exec.fifo');
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)]);
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  /** Removes the runtime's state (and the cgroup); `force` kills a container still running. */
  async delete(id: string, force = false): Promise<void> {
    try {
      await this.run(['delete', ...(force ? ['--force'] : []), id]);
    } catch (err) {
      if (err instanceof RuntimeError && /does not exist|not found/.test(err.message)) return;
      throw err;
    }
  }

  /**
   * Removes the state of a container whose init has exited, as `runc delete` does for a stopped
   * container but without its process (~8 ms on every exit): the container's cgroups, then its
   * state directory. Anything else (crun, init still there, a cgroup that is busy or has children,
   * Intel RDT) goes to `delete --force`.
   */
  async deleteExited(id: string): Promise<void> {
    if (this.name !== 'runc') return this.delete(id, true);
    // runc's state (under the exec root, a tmpfs normally), procfs and cgroupfs: small enough to
    // do in place, without a thread-pool round trip each.
    let state: RuncStateFile;
    try {
      state = JSON.parse(readFileSync(join(this.root, id, 'state.json'), 'utf8')) as RuncStateFile;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return this.delete(id, true);
      throw err;
    }
    if (state.intel_rdt_path || initRunning(state)) return this.delete(id, true);
    for (const dir of Object.values(state.cgroup_paths ?? {})) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) return this.delete(id, true);
      }
    }
    rmSync(join(this.root, id), { recursive: true, force: true });
  }

  /** The IDs the runtime keeps state for (one directory each under its root). */
  async ids(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** The runtime's view of a container, or undefined when it knows none by that ID. */
  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuntimeState;
    } catch (err) {
      if (err instanceof RuntimeError && /does not exist|not found/.test(err.message)) return undefined;
      throw err;
    }
  }

  /** PIDs of every process in the container (host PID namespace). */
  async ps(id: string): Promise<number[]> {
    return JSON.parse(await this.run(['ps', '--format', 'json', id])) as number[];
  }

  /** Changes cgroup limits of a live container (`docker update`); `resources` is a LinuxResources JSON. */
  async update(id: string, resources: object): Promise<void> {
    await this.run(['update', '--resources', '-', id], JSON.stringify(resources));
  }
}
