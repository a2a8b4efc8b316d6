// The health monitors of the running containers: started with the container, resumed after a
// tugd restart, stopped when it exits; each new health is saved and each status change announced.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runc.js';
import { HealthMonitor, probeSettings, runtimeProbe, type ProbeSettings } from './health.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';

export interface ProbeProcess {
  /** "uid:gid" */
  user: string;
  env: string[];
  cwd: string;
}

export class HealthChecks {
  private readonly monitors = new Map<string, HealthMonitor>();

  constructor(
    private readonly runtimeOf: (rec: ContainerRecord) => Runtime,
    private readonly store: ContainerStore,
    private readonly announce: (rec: ContainerRecord, action: string) => void,
  ) {}

  /** Probes run as the container's process does: its user, environment and working directory. */
  start(rec: ContainerRecord, probe: ProbeSettings, proc: ProbeProcess): void {
    const runtime = this.runtimeOf(rec);
    const runner = runtimeProbe(runtime.path, runtime.root, rec.ID, proc.env, proc.user, proc.cwd);
    const monitor = new HealthMonitor(rec.State.Health!, probe, runner, (h, changed) => {
      const cur = this.store.find(rec.ID);
      if (!cur || !cur.State.Running) return;
      cur.State = { ...cur.State, Health: h };
      // The next result writes it again; a failed write must not take the daemon down.
      this.store.save(cur).catch(() => undefined);
      if (changed) this.announce(cur, `health_status: ${h.Status}`);
    });
    this.stop(rec.ID);
    this.monitors.set(rec.ID, monitor);
    monitor.start();
  }

  /** After a tugd restart: probe again with the process settings in the bundle's config.json. */
  async resume(rec: ContainerRecord, bundle: string): Promise<void> {
    const probe = probeSettings(rec.Config.Healthcheck, rec.Config.Shell);
    if (!probe) return;
    const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process?: { user?: { uid: number; gid: number }; env?: string[]; cwd?: string } };
    const p = spec.process ?? {};
    rec.State.Health ??= { Status: 'starting', FailingStreak: 0, Log: [] };
    this.start(rec, probe, { user: `${p.user?.uid ?? 0}:${p.user?.gid ?? 0}`, env: p.env ?? [], cwd: p.cwd ?? '/' });
  }

  stop(id: string): void {
    this.monitors.get(id)?.stop();
    this.monitors.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.monitors.keys()]) this.stop(id);
  }
}
