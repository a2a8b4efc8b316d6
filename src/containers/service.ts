// The container service: create, start, stop, kill, remove and wait, with each state change
// written to the record before it is announced. conmon + runc do the running; exits come back
// through the exit directory, also for containers that exited while tugd was down.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InvalidParameterError, NotModifiedError, TugError, errorMessage } from '../errors.js';
import type { ImageService } from '../images/service.js';
import { createContainer, ctlPath, dropAttachLink, livingMonitor, monitorGone, sweepAttachLinks, type MonitorPaths } from '../runtime/conmon.js';
import { ExitWatcher, type ExitStatus } from '../runtime/exits.js';
import type { Sandbox } from '../networks/links.js';
import type { Runtime } from '../runtime/runc.js';
import { buildSpec, serializeSpec } from '../runtime/spec/index.js';
import type { LayerStore } from '../storage/layers.js';
import type { SnapshotStore } from '../storage/snapshots.js';
import type { ContainerCreateBody } from '../types/container.js';
import { nowNano, nowRFC3339Nano } from '../units/time.js';
import { exitedState, runningState, startFailedState } from './states.js';
import { cgroupPath } from './cgroup.js';
import { joinedNetns, joinedPidIpc, pinJoinedContainers } from './joins.js';
import { mountShm, shmPath, unmountShm } from './shm.js';
import { fromCreateBody, validateName } from './create.js';
import { verifyCapabilities, verifyResources } from './resources.js';
import { generateName } from './names.js';
import { ContainerQueries } from './queries.js';
import { dirSize } from '../storage/dirsize.js';
import { probeSettings } from './health.js';
import { HealthChecks } from './healthchecks.js';
import { oomKilled } from './stats.js';
import type { TopResult } from './top.js';
import { containerTop, renameContainer, resizeContainer, updateContainer } from './manage.js';
import { prunable, type UpdateBody } from './update.js';
import { specInput, writeNetworkFiles, type HostFacts, type NetworkFiles } from './runspec.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';
import { restartDelay } from './restart.js';
import { CONMON_LOG_SIZE_MAX, LogRotation, LogShipping, dropJournal, entryAttrs, isJSONLog, normalizeLogConfig, rotationOf, type ShipperPaths } from './logs/index.js';
import { signalNumber } from './signals.js';
import { Waiters, type WaitCondition, type WaitResult } from './waiters.js';
import { releaseMounts, resolveMountPoints, setupMounts, volumeNames, type MountPointRecord, type VolumeService } from '../volumes/index.js';
import type { ContainerNetworking } from './networking.js';

export interface EventSink {
  publish(type: 'container', action: string, actor: { ID: string; Attributes: Record<string, string> }): void;
}

export interface ContainerServiceDeps {
  store: ContainerStore;
  snapshots: SnapshotStore;
  layers: LayerStore;
  images: ImageService;
  volumes: VolumeService;
  /** The OCI runtimes by name (`runc`, `crun`); HostConfig.Runtime picks one, `runc` by default. */
  runtimes: Record<string, Runtime>;
  execRoot: string;
  host: HostFacts;
  events?: EventSink;
  networks?: ContainerNetworking;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export class ContainerService {
  readonly waiters = new Waiters();
  readonly queries: ContainerQueries;
  private readonly exits: ExitWatcher;
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  private readonly health: HealthChecks;
  private readonly logRotation = new LogRotation((id, msg) => this.d.log('warn', `log rotation ${id.slice(0, 12)}: ${msg}`));
  private readonly logShipping = new LogShipping((id, msg) => this.d.log('warn', `json-file log ${id.slice(0, 12)}: ${msg}`));
  /** Containers whose runtime state this process already deleted (at exit): remove need not run the runtime again. */
  private readonly runtimeDeleted = new Set<string>();
  /** --rm containers whose rootfs this process removed and whose monitor it saw go, at exit. */
  private readonly rootfsRemoved = new Set<string>();

  constructor(private readonly d: ContainerServiceDeps) {
    this.health = new HealthChecks((rec) => this.runtime(rec), d.store, (rec, action) => this.emit(rec, action));
    this.queries = new ContainerQueries(d.store, d.images, d.snapshots, d.layers);
    this.exits = new ExitWatcher(join(d.execRoot, 'exits'), (id, status) => void this.handleExit(id, status));
  }

  /** The container's OCI runtime; names were checked at create. */
  runtime(rec: ContainerRecord): Runtime {
    const rt = this.d.runtimes[rec.HostConfig.Runtime || 'runc'];
    if (!rt) throw new InvalidParameterError(`unknown or invalid runtime name: ${rec.HostConfig.Runtime}`);
    return rt;
  }

  get store(): ContainerStore {
    return this.d.store;
  }

  monitorPaths(id: string): MonitorPaths {
    return {
      bundle: join(this.d.execRoot, 'containers', id),
      // conmon's journal; the json-file log (LogPath) is made from it.
      logPath: join(this.d.store.dir(id), 'container.log'),
      exitDir: join(this.d.execRoot, 'exits'),
      socketDir: join(this.d.execRoot, 's'),
    };
  }

  /** Serialises the state changes of one container (start vs. exit vs. remove). */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.busy.set(id, tail);
    void tail.then(() => { if (this.busy.get(id) === tail) this.busy.delete(id); });
    return next;
  }

  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    const attrs: Record<string, string> = { ...(rec.Config.Labels ?? {}), image: rec.Config.Image ?? rec.Image, name: rec.Name.slice(1), ...extra };
    this.d.events?.publish('container', action, { ID: rec.ID, Attributes: attrs });
  }

  /** Recovery after a restart: exits that happened while down, monitors that vanished, restart policies. */
  async init(): Promise<void> {
    // Half-removed containers (a crash during a removal): their rootfs, bundle and runtime state go.
    for (const id of await this.d.store.init()) {
      await this.d.snapshots.remove(id).catch(() => undefined);
      await rm(join(this.d.execRoot, 'containers', id), { recursive: true, force: true });
      await rm(this.d.store.dir(id), { recursive: true, force: true });
    }
    for (const rt of Object.values(this.d.runtimes)) {
      for (const id of await rt.ids()) if (!this.d.store.find(id)) await rt.delete(id, true).catch(() => undefined);
    }
    await mkdir(join(this.d.execRoot, 'containers'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.d.execRoot, 's'), { recursive: true, mode: 0o700 });
    sweepAttachLinks(join(this.d.execRoot, 's'));
    // Before any exit is handled or restart begins (a start makes its netns file): the netns of
    // containers not recorded as running go; those of containers that exited meanwhile go with their exit.
    this.d.networks?.sweepSandboxes(new Set(this.d.store.all().filter((r) => r.State.Running).map((r) => r.ID)));
    await this.exits.start();
    for (const rec of this.d.store.all()) {
      if (!rec.State.Running) {
        if (await livingMonitor(this.monitorPaths(rec.ID))) await this.undoStart(rec);
        continue;
      }
      const exited = await this.exits.check(rec.ID);
      if (exited) continue;
      if (await livingMonitor(this.monitorPaths(rec.ID))) {
        // The record is written as running while the runtime starts it: a crash may fall between.
        await this.runtime(rec).finishStart(rec.ID, rec.State.Pid).catch((err) => this.d.log('warn', `finishing the start of ${rec.ID.slice(0, 12)}: ${errorMessage(err)}`));
        this.watchLog(rec);
        await this.d.networks?.restore(rec);
        await this.health.resume(rec, this.monitorPaths(rec.ID).bundle);
        continue;
      }
      // Neither an exit file nor a monitor: the host rebooted or someone killed conmon.
      await this.handleExit(rec.ID, { code: 255, atNs: nowNano() });
    }
    for (const rec of this.d.store.all()) {
      const policy = rec.HostConfig.RestartPolicy?.Name;
      if (!rec.State.Running && (policy === 'always' || (policy === 'unless-stopped' && !rec.ManuallyStopped))) {
        this.start(rec.ID).catch((err) => this.d.log('warn', `restarting ${rec.ID.slice(0, 12)}: ${errorMessage(err)}`));
      }
    }
  }

  /**
   * A monitor for a container whose record does not say running: a crash cut a start short
   * before the record was written. The client never heard it succeed, so it is undone.
   */
  private async undoStart(rec: ContainerRecord): Promise<void> {
    this.d.log('warn', `undoing the interrupted start of ${rec.ID.slice(0, 12)}`);
    await this.runtime(rec).delete(rec.ID, true).catch((err) => this.d.log('warn', `runtime delete ${rec.ID.slice(0, 12)}: ${errorMessage(err)}`));
    await monitorGone(this.monitorPaths(rec.ID));
    this.d.snapshots.unmount(rec.ID);
    await releaseMounts(rec.MountPoints, rec.ID, this.d.volumes).catch(() => undefined);
    this.exits.clear(rec.ID);
  }

  close(): void {
    this.exits.stop();
    this.health.stopAll();
    this.logRotation.close();
    this.logShipping.close();
    for (const t of this.restartTimers.values()) clearTimeout(t);
  }

  async create(body: ContainerCreateBody, requestedName: string | undefined): Promise<{ Id: string; Warnings: string[] }> {
    if (!body.Image) throw new InvalidParameterError('config cannot be empty in order to create a container');
    const image = this.d.images.get(body.Image);
    const imageConfig = await this.d.images.config(image);
    const id = randomBytes(32).toString('hex');
    const name = requestedName ? validateName(requestedName) : `/${generateName((n) => this.d.store.hasName(n))}`;
    this.d.store.reserveName(name, id);
    let anonymous: string[] = [];
    try {
      const rec = fromCreateBody(body, {
        id,
        name,
        now: nowRFC3339Nano(),
        imageID: image.id,
        imageConfig: imageConfig.config,
        layers: image.layers.map((l) => l.chainID),
        logPath: this.monitorPaths(id).logPath,
      });
      rec.HostConfig.LogConfig = normalizeLogConfig(rec.HostConfig.LogConfig);
      entryAttrs(rec);
      const warnings = verifyResources(rec.HostConfig, this.d.host);
      verifyCapabilities(rec.HostConfig, this.d.host.availableCaps);
      pinJoinedContainers(this.d.store, rec.HostConfig);
      // `none` keeps only conmon's small journal, for attach.
      if (rec.HostConfig.LogConfig.Type !== 'none') rec.LogPath = join(this.d.store.dir(id), `${id}-json.log`);
      this.runtime(rec);
      rec.MountPoints = await this.mountPoints(rec);
      anonymous = volumeNames(rec.MountPoints);
      if (this.d.networks) rec.Endpoints = this.d.networks.atCreate(rec.HostConfig, body.NetworkingConfig, name, body.MacAddress || undefined);
      await this.d.snapshots.prepare(id, rec.Layers);
      await this.d.store.save(rec);
      this.emit(rec, 'create');
      return { Id: id, Warnings: warnings };
    } catch (err) {
      this.d.store.releaseName(name, id);
      await this.d.snapshots.remove(id).catch(() => undefined);
      await this.d.volumes.removeAnonymous(anonymous, id).catch(() => undefined);
      throw err;
    }
  }

  /** Binds, volumes (made on demand), --mount specs and --volumes-from, as dockerd resolves them at create. */
  private mountPoints(rec: ContainerRecord): Promise<Record<string, MountPointRecord>> {
    return resolveMountPoints(rec.HostConfig, Object.keys(rec.Config.Volumes ?? {}), {
      volumes: this.d.volumes,
      containerMounts: (ref) => Object.values(this.d.store.get(ref).MountPoints ?? {}),
    });
  }

  async start(ref: string): Promise<void> {
    const id = this.d.store.get(ref).ID;
    await this.serial(id, () => this.startLocked(id));
  }

  private async startLocked(id: string): Promise<void> {
    const rec = this.d.store.get(id);
    if (rec.State.Paused) throw new ConflictError('cannot start a paused container, try unpause instead');
    if (rec.State.Running) throw new NotModifiedError('container already started');
    if (rec.State.Status === 'removing' || rec.State.Dead) throw new ConflictError(`container is marked for removal and cannot be started`);
    const paths = this.monitorPaths(id);
    this.runtimeDeleted.delete(id);
    this.rootfsRemoved.delete(id);
    const prior = rec.State;
    let sandbox: Sandbox | undefined;
    try {
      // Addresses first: /etc/hosts names the container's own.
      await this.d.networks?.prepare(rec);
      // The netns is made now and plumbed while runc creates the container, which joins it.
      sandbox = this.d.networks?.sandbox(rec);
      const rootfs = await this.d.snapshots.mount(id, { volatile: !!rec.HostConfig.AutoRemove });
      const files = this.networkFiles(id);
      // Small files, in place: each takes less than a round trip to the thread pool would.
      writeNetworkFiles(rec, files);
      mkdirSync(paths.bundle, { recursive: true, mode: 0o700 });
      this.exits.clear(id);
      if (isJSONLog(rec.LogPath)) dropJournal(paths.logPath);
      // A record written before mount points were kept gets them now, once.
      const mountsReady = (async () => {
        rec.MountPoints ??= await this.mountPoints(rec);
        return setupMounts(rec.MountPoints, { containerID: id, rootfs, volumes: this.d.volumes });
      })();
      // Both settle before a failure is handled.
      const prepared = await Promise.allSettled([mountsReady, sandbox?.made]);
      for (const r of prepared) if (r.status === 'rejected') throw r.reason;
      const mounts = await mountsReady;
      const netnsPath = sandbox?.path ?? joinedNetns(this.d.store, rec);
      const joined = joinedPidIpc(this.d.store, rec);
      const ownShm = rec.HostConfig.IpcMode === 'shareable' ? shmPath(this.d.store.dir(id)) : undefined;
      if (ownShm) mountShm(ownShm, rec.HostConfig.ShmSize);
      const input = await specInput({ rec, rootfs, host: this.d.host, files, cgroupsPath: cgroupPath(rec), mounts, netnsPath, ...joined, ownShm });
      const spec = buildSpec(input);
      const probe = probeSettings(rec.Config.Healthcheck, rec.Config.Shell);
      writeFileSync(join(paths.bundle, 'config.json'), serializeSpec(spec));
      const pid = await this.createWithRetry(rec, paths);
      await sandbox?.plumbed;
      // The record as it is once started, written while the runtime starts: a crash after it finds
      // a running record and the monitor, and finishes the start (or the missing process says it failed).
      rec.State = runningState(prior, pid, nowRFC3339Nano(), probe !== undefined);
      rec.ManuallyStopped = false;
      const settled = await Promise.allSettled([this.runtime(rec).start(id, pid), this.d.store.save(rec)]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      this.waiters.started(id);
      this.watchLog(rec);
      this.emit(rec, 'start');
      if (probe) this.health.start(rec, probe, { user: `${input.user.uid}:${input.user.gid}`, env: input.env, cwd: input.cwd });
    } catch (err) {
      // The plumbing's shell ends before its netns goes (with the network's release below).
      await sandbox?.plumbed.catch(() => undefined);
      await this.runtime(rec).delete(id, true).catch(() => undefined);
      this.d.snapshots.unmount(id);
      this.releaseShm(rec);
      await releaseMounts(rec.MountPoints, id, this.d.volumes).catch(() => undefined);
      await this.d.networks?.release(rec).catch(() => undefined);
      const message = errorMessage(err);
      rec.State = startFailedState(prior, message);
      await this.d.store.save(rec);
      if (rec.HostConfig.AutoRemove) await this.removeLocked(rec, true, true);
      if (err instanceof TugError && err.kind !== 'Internal') throw err;
      throw new TugError(rec.State.ExitCode === 128 ? 'Internal' : 'InvalidParameter', `failed to create task for container: ${message}`);
    }
  }

  /** A runtime state left by a crash between create and delete blocks a new create: clear it once. */
  private async createWithRetry(rec: ContainerRecord, paths: MonitorPaths): Promise<number> {
    const opts = {
      id: rec.ID,
      name: rec.Name.slice(1),
      paths,
      runtime: this.runtime(rec),
      tty: rec.Config.Tty ?? false,
      stdin: rec.Config.OpenStdin ?? false,
      leaveStdinOpen: !rec.Config.StdinOnce,
      // tugd rotates; conmon's own limit would not reset on a reopen (see logs/rotate.ts).
      logSizeMax: CONMON_LOG_SIZE_MAX,
    };
    try {
      return await createContainer(opts);
    } catch (err) {
      if (!/already exists/.test(errorMessage(err))) throw err;
      await this.runtime(rec).delete(rec.ID, true);
      return await createContainer(opts);
    }
  }

  /** A shareable container's /dev/shm goes when it stops (a crash may have left it for a removal). */
  private releaseShm(rec: ContainerRecord): void {
    if (rec.HostConfig.IpcMode !== 'shareable') return;
    try {
      unmountShm(shmPath(this.d.store.dir(rec.ID)));
    } catch (err) {
      this.d.log('warn', `unmounting /dev/shm of ${rec.ID.slice(0, 12)}: ${errorMessage(err)}`);
    }
  }

  rootfs(id: string): string {
    return this.d.snapshots.mergedDir(id);
  }

  /** Runs `fn` on the mounted rootfs: the live mount if running, else one for the call, serialised with start. */
  async withRootfs<T>(id: string, fn: (rootfs: string) => Promise<T>): Promise<T> {
    if (this.d.store.get(id).State.Running) return fn(this.rootfs(id));
    return this.serial(id, async () => {
      if (this.d.store.get(id).State.Running) return fn(this.rootfs(id));
      const root = await this.d.snapshots.mount(id);
      try {
        return await fn(root);
      } finally {
        if (!this.d.store.find(id)?.State.Running) this.d.snapshots.unmount(id);
      }
    });
  }

  private shipperPaths(rec: ContainerRecord): ShipperPaths {
    const paths = this.monitorPaths(rec.ID);
    return { journal: paths.logPath, json: rec.LogPath, ctl: ctlPath(paths) };
  }

  /** Checked at create; a record made before that check logs without attributes rather than not at all. */
  private entryAttrs(rec: ContainerRecord): string | undefined {
    try {
      return entryAttrs(rec);
    } catch (err) {
      this.d.log('warn', `log attributes ${rec.ID.slice(0, 12)}: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private watchLog(rec: ContainerRecord): void {
    if (isJSONLog(rec.LogPath)) return this.logShipping.watch(rec.ID, this.shipperPaths(rec), rotationOf(rec.HostConfig.LogConfig), this.entryAttrs(rec));
    // A container of an older tug (LogPath is the journal) or `none`: the journal itself is rotated.
    this.logRotation.watch(rec.ID, rec.LogPath, ctlPath(this.monitorPaths(rec.ID)), rotationOf(rec.HostConfig.LogConfig));
  }

  networkFiles(id: string): NetworkFiles {
    const dir = this.d.store.dir(id);
    return { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
  }

  private async handleExit(id: string, status: ExitStatus): Promise<void> {
    await this.serial(id, async () => {
      const rec = this.d.store.find(id);
      if (!rec) {
        this.exits.clear(id);
        return;
      }
      if (!rec.State.Running) return;
      this.health.stop(id);
      this.logRotation.unwatch(id);
      // The network's release, the log's last lines and (for --rm) the rootfs and monitor go
      // together with the runtime's state; its processes are gone already.
      const autoRemove = rec.HostConfig.AutoRemove === true;
      // Before the runtime's delete removes the cgroup that says it.
      const oom = oomKilled(cgroupPath(rec));
      await Promise.all([
        this.d.networks?.release(rec).catch((err) => this.d.log('warn', `network release ${id.slice(0, 12)}: ${errorMessage(err)}`)),
        // Everything the container wrote is in its json-file log before the exit is reported.
        isJSONLog(rec.LogPath) ? this.logShipping.finish(id, this.shipperPaths(rec), rotationOf(rec.HostConfig.LogConfig), this.entryAttrs(rec)) : undefined,
        autoRemove ? Promise.all([this.d.snapshots.remove(id), monitorGone(this.monitorPaths(id))]).then(() => this.rootfsRemoved.add(id)) : undefined,
        // Last: runc's state is deleted in place (exec root, cgroupfs), once the others are under way.
        this.runtime(rec).deleteExited(id).then(
          () => this.runtimeDeleted.add(id),
          (err) => this.d.log('warn', `runtime delete ${id.slice(0, 12)}: ${errorMessage(err)}`),
        ).then(() => {
          if (!autoRemove) this.d.snapshots.unmount(id);
        }),
      ]);
      await releaseMounts(rec.MountPoints, id, this.d.volumes).catch((err) => this.d.log('warn', `releasing volumes of ${id.slice(0, 12)}: ${errorMessage(err)}`));
      this.releaseShm(rec);
      rec.State = exitedState(rec.State, status.code, status.atNs, oom);
      // An --rm container's record is deleted just below: writing it first would only cost an fsync.
      // (A crash in between finds it running with no monitor and removes it at the next start.)
      // The exit file goes only once the record holds the code: a crash in between keeps it.
      if (!rec.HostConfig.AutoRemove) {
        await this.d.store.save(rec);
        this.exits.clear(id);
      }
      if (oom) this.emit(rec, 'oom');
      this.emit(rec, 'die', { exitCode: String(status.code) });
      this.waiters.exited(id, { StatusCode: status.code });
      if (rec.HostConfig.AutoRemove) {
        await this.removeLocked(rec, false, true);
        return;
      }
      this.maybeRestart(rec);
    });
  }

  private maybeRestart(rec: ContainerRecord): void {
    const delay = restartDelay(rec);
    if (delay === undefined) return;
    rec.State = { ...rec.State, Restarting: true, Status: 'restarting' };
    const timer = setTimeout(() => {
      this.restartTimers.delete(rec.ID);
      void this.serial(rec.ID, async () => {
        const cur = this.d.store.find(rec.ID);
        if (!cur || !cur.State.Restarting || cur.ManuallyStopped) return;
        cur.RestartCount++;
        cur.State = { ...cur.State, Restarting: false, Status: 'exited' };
        await this.startLocked(cur.ID).catch((err) => this.d.log('warn', `restart ${cur.ID.slice(0, 12)}: ${errorMessage(err)}`));
      });
    }, delay);
    this.restartTimers.set(rec.ID, timer);
  }

  /** Sends a signal; SIGKILL to a paused container thaws it so it can die. */
  async kill(ref: string, signal = 'KILL', byUser = true): Promise<void> {
    const rec = this.d.store.get(ref);
    if (!rec.State.Running) throw new ConflictError(`cannot kill container: ${ref}: container ${rec.ID} is not running`);
    if (byUser && /^(SIG)?KILL$|^9$/.test(signal.toUpperCase())) {
      rec.ManuallyStopped = true;
      await this.cancelRestart(rec);
    }
    if (rec.State.Restarting) return;
    this.emit(rec, 'kill', { signal: signalNumber(signal) });
    await this.runtime(rec).kill(rec.ID, signal.replace(/^SIG/i, ''), true);
    if (rec.State.Paused) await this.runtime(rec).resume(rec.ID).catch(() => undefined);
  }

  /** Drops a pending restart; the record says exited again once this resolves. */
  private async cancelRestart(rec: ContainerRecord): Promise<void> {
    const t = this.restartTimers.get(rec.ID);
    if (t) clearTimeout(t);
    this.restartTimers.delete(rec.ID);
    if (rec.State.Restarting) {
      rec.State = { ...rec.State, Restarting: false, Running: false, Status: 'exited' };
      // Awaited: a removal right after would take the directory from under the write.
      await this.d.store.save(rec);
    }
  }

  /** SIGTERM (or the stop signal), then SIGKILL after the timeout; -1 waits forever. */
  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.d.store.get(ref);
    rec.ManuallyStopped = true;
    await this.cancelRestart(rec);
    if (!rec.State.Running) {
      await this.d.store.save(rec);
      throw new NotModifiedError('container already stopped');
    }
    await this.d.store.save(rec);
    const timeout = opts.timeout ?? rec.Config.StopTimeout ?? 10;
    const exited = this.waiters.wait(rec.ID, 'not-running', () => rec);
    const signal = opts.signal || rec.Config.StopSignal || 'SIGTERM';
    await this.kill(rec.ID, signal, false).catch((err) => this.d.log('debug', `stop signal: ${errorMessage(err)}`));
    if (timeout >= 0) {
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeout * 1000).unref())]);
      if (timedOut) await this.kill(rec.ID, 'KILL', false).catch((err) => this.d.log('debug', `stop kill: ${errorMessage(err)}`));
    }
    await exited;
    this.emit(rec, 'stop');
  }

  async restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.stop(ref, opts).catch((err) => {
      if (!(err instanceof NotModifiedError)) throw err;
    });
    await this.start(ref);
    this.emit(this.d.store.get(ref), 'restart');
  }

  async pause(ref: string): Promise<void> {
    const rec = this.d.store.get(ref);
    if (!rec.State.Running) throw new ConflictError(`container ${rec.ID} is not running`);
    if (rec.State.Paused) throw new ConflictError(`container ${rec.ID} is already paused`);
    await this.runtime(rec).pause(rec.ID);
    rec.State = { ...rec.State, Paused: true, Status: 'paused' };
    await this.d.store.save(rec);
    this.emit(rec, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.d.store.get(ref);
    if (!rec.State.Paused) throw new ConflictError(`container ${rec.ID} is not paused`);
    await this.runtime(rec).resume(rec.ID);
    rec.State = { ...rec.State, Paused: false, Status: 'running' };
    await this.d.store.save(rec);
    this.emit(rec, 'unpause');
  }

  /** `volumes` also removes the container's anonymous volumes (`rm -v`), as `--rm` does. */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.d.store.get(ref);
    if (rec.State.Running && !rec.State.Restarting) {
      if (!opts.force) {
        // dockerd names the container as the client did (moby's containerRm wraps with `name`).
        const why = rec.State.Paused ? 'container is paused and must be unpaused first' : 'container is running: stop the container before removing or force remove';
        throw new ConflictError(`cannot remove container "${ref}": ${why}`);
      }
      const exited = this.waiters.wait(rec.ID, 'not-running', () => rec);
      rec.ManuallyStopped = true;
      await this.kill(rec.ID, 'KILL', false).catch(() => undefined);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    await this.cancelRestart(rec);
    await this.serial(rec.ID, () => this.removeLocked(rec, true, opts.volumes === true));
  }

  private async removeLocked(rec: ContainerRecord, force: boolean, removeVolumes = false): Promise<void> {
    if (!this.d.store.find(rec.ID)) return;
    if (rec.State.Running && !force) return;
    rec.State = { ...rec.State, Status: 'removing' };
    this.logRotation.unwatch(rec.ID);
    this.logShipping.unwatch(rec.ID);
    if (!this.runtimeDeleted.delete(rec.ID)) {
      const rt = this.runtime(rec);
      await (rec.State.Running ? rt.delete(rec.ID, true) : rt.deleteExited(rec.ID)).catch(() => undefined);
    }
    if (!this.rootfsRemoved.delete(rec.ID)) await Promise.all([monitorGone(this.monitorPaths(rec.ID)), this.d.snapshots.remove(rec.ID)]);
    this.releaseShm(rec);
    // Together: a crash among them leaves either a directory without its record (an orphan, removed
    // at the next start) or a record without bundle or exit file (found dead, so removed again).
    // The bundle is a handful of small files on the exec root: removed in place.
    rmSync(join(this.d.execRoot, 'containers', rec.ID), { recursive: true, force: true });
    dropAttachLink(this.monitorPaths(rec.ID).socketDir, rec.ID);
    this.exits.clear(rec.ID);
    await this.d.store.delete(rec);
    if (removeVolumes) await this.d.volumes.removeAnonymous(volumeNames(rec.MountPoints), rec.ID);
    this.emit(rec, 'destroy');
    this.waiters.removed(rec.ID, { StatusCode: rec.State.ExitCode });
  }

  rename(ref: string, newName: string): Promise<void> {
    return renameContainer(this, ref, newName);
  }

  top(ref: string, psArgs: string): Promise<TopResult> {
    return containerTop(this, ref, psArgs);
  }

  update(ref: string, body: UpdateBody): Promise<{ Warnings: string[] }> {
    return updateContainer(this, ref, body, this.d.host);
  }

  async prune(filters: Record<string, string[]>): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of this.d.store.all().filter((r) => prunable(r, filters))) {
      const size = await dirSize(this.d.snapshots.upperDir(rec.ID));
      await this.remove(rec.ID);
      deleted.push(rec.ID);
      reclaimed += size;
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  resize(ref: string, height: number, width: number): Promise<void> {
    return resizeContainer(this, ref, height, width);
  }

  /** Registers at once (so a `start` right after cannot slip past), resolves on the condition. */
  wait(ref: string, condition: WaitCondition): Promise<WaitResult> {
    const rec = this.d.store.get(ref);
    return this.waiters.wait(rec.ID, condition, () => this.d.store.find(rec.ID));
  }
}
