// `docker exec`: sessions created against a running container and started under their own
// conmon (`runc exec`), with a log to stream from and an exit code. In memory, as in dockerd.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, errorMessage } from '../errors.js';
import { dropAttachLink, execProcess, type ExecHandle } from '../runtime/conmon.js';
import { buildSpec, containerEnv, resolveUser, serializeSpec } from '../runtime/spec/index.js';
import type { HostFacts } from './runspec.js';
import { cgroupPath } from './cgroup.js';
import { specInput } from './runspec.js';
import type { ContainerStore } from './store.js';
import type { ContainerService } from './service.js';
import { startFailureCode } from './states.js';

export interface ExecConfig {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  AttachStdin?: boolean;
  AttachStderr?: boolean;
  AttachStdout?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd?: string[] | null;
}

export interface ExecSession {
  id: string;
  containerID: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  dir: string;
  handle?: ExecHandle;
}

export class ExecService {
  private readonly sessions = new Map<string, ExecSession>();

  constructor(
    private readonly containers: ContainerService,
    private readonly store: ContainerStore,
    private readonly execRoot: string,
    private readonly host: HostFacts,
  ) {}

  private running(ref: string) {
    const rec = this.store.get(ref);
    if (!rec.State.Running || rec.State.Restarting) throw new ConflictError(`container ${rec.ID} is not running`);
    if (rec.State.Paused) throw new ConflictError(`Container ${rec.ID} is paused, unpause the container before exec`);
    return rec;
  }

  create(ref: string, config: ExecConfig): { Id: string } {
    const rec = this.running(ref);
    if (!config.Cmd || config.Cmd.length === 0) throw new ConflictError('No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, { id, containerID: rec.ID, config, running: false, exitCode: null, pid: 0, dir: join(this.execRoot, 'exec', id) });
    return { Id: id };
  }

  get(id: string): ExecSession {
    const s = this.sessions.get(id);
    if (!s) throw new NotFoundError(`No such exec instance: ${id}`);
    return s;
  }

  inspect(id: string): Record<string, unknown> {
    const s = this.get(id);
    const [entrypoint = '', ...args] = s.config.Cmd ?? [];
    return {
      ID: s.id,
      Running: s.running,
      ExitCode: s.exitCode,
      ProcessConfig: { tty: s.config.Tty ?? false, entrypoint, arguments: args, privileged: s.config.Privileged ?? false, ...(s.config.User ? { user: s.config.User } : {}) },
      OpenStdin: s.config.AttachStdin ?? false,
      OpenStderr: s.config.AttachStderr ?? false,
      OpenStdout: s.config.AttachStdout ?? false,
      CanRemove: false,
      ContainerID: s.containerID,
      DetachKeys: s.config.DetachKeys ?? '',
      Pid: s.pid,
    };
  }

  /** Starts the process; resolves once it runs (its output is then in `handle.logPath`). */
  async start(id: string): Promise<ExecSession> {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw new ConflictError(`Error: Exec command ${id} has already run`);
    const rec = this.running(s.containerID);
    s.running = true;
    try {
      const rootfs = this.containers.rootfs(rec.ID);
      const paths = this.containers.monitorPaths(rec.ID);
      const files = this.containers.networkFiles(rec.ID);
      // The container's own process settings (caps, rlimits, seccomp …) are the exec's defaults.
      // Only the process part is used: the namespaces named are the container's own.
      const ns = (kind: string) => `/proc/${rec.State.Pid}/ns/${kind}`;
      const base = buildSpec(await specInput({ rec, rootfs, host: this.host, files, cgroupsPath: cgroupPath(rec), netnsPath: ns('net'), pidNsPath: ns('pid'), ipc: { nsPath: ns('ipc'), shm: '' } }));
      const proc = base.process!;
      const c = s.config;
      if (c.User) {
        const [passwd, group] = await Promise.all([readFile(join(rootfs, 'etc/passwd'), 'utf8').catch(() => undefined), readFile(join(rootfs, 'etc/group'), 'utf8').catch(() => undefined)]);
        const u = resolveUser(c.User, passwd, group, []);
        proc.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids.length ? u.additionalGids : undefined };
      }
      proc.args = [...(c.Cmd ?? [])];
      proc.env = containerEnv(rec.Config.Hostname ?? '', c.Tty ?? false, proc.env ?? [], c.Env ?? []);
      if (c.WorkingDir) proc.cwd = c.WorkingDir;
      proc.terminal = c.Tty ?? false;
      if (c.Tty && c.ConsoleSize && c.ConsoleSize[0] > 0) proc.consoleSize = { height: c.ConsoleSize[0], width: c.ConsoleSize[1] };
      else delete proc.consoleSize;
      if (c.Privileged) {
        const all = this.host.availableCaps;
        proc.capabilities = { bounding: [...all], effective: [...all], permitted: [...all] };
      }
      await mkdir(s.dir, { recursive: true, mode: 0o700 });
      await writeFile(join(s.dir, 'process.json'), serializeSpec(proc));
      // The exec's own bundle dir: conmon makes its ctl, winsz and attach socket there, and in the
      // container's bundle they would replace the container monitor's (log reopen, resize, stdin).
      const handle = await execProcess({
        containerID: rec.ID, execID: id, bundle: s.dir, dir: s.dir, socketDir: paths.socketDir, runtime: this.containers.runtime(rec), tty: c.Tty ?? false, stdin: c.AttachStdin ?? false,
      });
      s.handle = handle;
      s.pid = handle.pid;
      void handle.exited.then((code) => {
        s.running = false;
        s.exitCode = code;
        // Keep the session for inspect; its files go after a while.
        setTimeout(() => {
          this.sessions.delete(id);
          void rm(s.dir, { recursive: true, force: true });
          dropAttachLink(paths.socketDir, id);
        }, 5 * 60_000).unref();
      });
      return s;
    } catch (err) {
      s.running = false;
      s.exitCode = startFailureCode(errorMessage(err));
      throw err;
    }
  }
}
