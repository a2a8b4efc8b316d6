// Changes to a container that leave its lifecycle alone: a new name, the processes it runs, new
// resource limits, its pty's size. Each is written to the record before it is announced.
import { ConflictError, InvalidParameterError, errorMessage } from '../errors.js';
import { ctlPath, writeControl, type MonitorPaths } from '../runtime/conmon.js';
import type { Runtime } from '../runtime/runc.js';
import { validateName } from './create.js';
import { verifyResources, type ResourceHost } from './resources.js';
import type { ContainerStore } from './store.js';
import { top, type TopResult } from './top.js';
import type { ContainerRecord } from './types.js';
import { linuxResources, updatedHostConfig, type UpdateBody } from './update.js';

/** What these need of the container service. */
export interface ManagedContainers {
  readonly store: ContainerStore;
  runtime(rec: ContainerRecord): Runtime;
  monitorPaths(id: string): MonitorPaths;
  emit(rec: ContainerRecord, action: string, extra?: Record<string, string>): void;
}

export async function renameContainer(c: ManagedContainers, ref: string, newName: string): Promise<void> {
  const rec = c.store.get(ref);
  const name = validateName(newName);
  if (name === rec.Name) throw new InvalidParameterError(`Renaming a container with the same name as its current name`);
  const old = rec.Name;
  c.store.reserveName(name, rec.ID);
  rec.Name = name;
  // The embedded DNS answers to the new name only, as dockerd's does after a rename.
  for (const ep of Object.values(rec.Endpoints ?? {})) ep.DNSNames &&= ep.DNSNames.map((n) => (n === old.slice(1) ? name.slice(1) : n));
  await c.store.save(rec);
  c.store.releaseName(old, rec.ID);
  c.emit(rec, 'rename', { oldName: old });
}

export async function containerTop(c: ManagedContainers, ref: string, psArgs: string): Promise<TopResult> {
  const rec = c.store.get(ref);
  if (!rec.State.Running) throw new ConflictError(`Container ${rec.ID} is not running`);
  return top(await c.runtime(rec).ps(rec.ID), psArgs);
}

/** `docker update`: the runtime's limits of a live container first, then the record. */
export async function updateContainer(c: ManagedContainers, ref: string, body: UpdateBody, host: ResourceHost): Promise<{ Warnings: string[] }> {
  const rec = c.store.get(ref);
  // The update's own limits, as dockerd checks them; what the host cannot take is dropped from it.
  const given = { ...body };
  const warnings = verifyResources(given, host);
  const hc = updatedHostConfig(rec, given);
  if (rec.State.Running) {
    await c.runtime(rec).update(rec.ID, linuxResources(hc)).catch((err) => {
      throw new InvalidParameterError(`Cannot update container ${rec.ID}: ${errorMessage(err)}`);
    });
  }
  rec.HostConfig = hc;
  await c.store.save(rec);
  c.emit(rec, 'update');
  return { Warnings: warnings };
}

/** Resizes the container's pty through conmon's control FIFO ("1 <height> <width>"). */
export async function resizeContainer(c: ManagedContainers, ref: string, height: number, width: number): Promise<void> {
  const rec = c.store.get(ref);
  if (!rec.State.Running) throw new ConflictError(`Container ${rec.ID} is not running`);
  if (!rec.Config.Tty) return;
  await writeControl(ctlPath(c.monitorPaths(rec.ID)), `1 ${height} ${width}\n`);
}
