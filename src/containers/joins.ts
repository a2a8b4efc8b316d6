// A container that joins another's namespaces (`--network|--pid|--ipc container:NAME`): the donor
// is found, must be running, and is named by its ID from create on, as dockerd does.
import { ConflictError, InvalidParameterError, NotFoundError } from '../errors.js';
import type { HostConfig } from '../types/container.js';
import type { SpecContext } from './runspec.js';
import { isMountPoint } from '../sys/mounts.js';
import { shmPath } from './shm.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';

/** dockerd's adaptContainerSettings: `container:NAME` modes name the container by its ID once it is found, so a rename changes nothing. */
export function pinJoinedContainers(store: ContainerStore, hc: HostConfig): void {
  for (const key of ['PidMode', 'IpcMode', 'NetworkMode'] as const) {
    const mode = hc[key];
    if (!mode?.startsWith('container:')) continue;
    const other = store.find(mode.slice('container:'.length));
    if (other) hc[key] = `container:${other.ID}`;
  }
}

/** `--network container:NAME`: the namespace of that container, which must be running. */
export function joinedNetns(store: ContainerStore, rec: ContainerRecord): string | undefined {
  const mode = rec.HostConfig.NetworkMode ?? '';
  if (!mode.startsWith('container:')) return undefined;
  const other = store.find(mode.slice('container:'.length));
  if (!other) throw new NotFoundError(`No such container: ${mode.slice('container:'.length)}`);
  if (!other.State.Running || !other.State.Pid) throw new ConflictError(`cannot join network namespace of a non running container: container ${other.ID} is not running`);
  return `/proc/${other.State.Pid}/ns/net`;
}

/**
 * `--pid container:NAME` and `--ipc container:NAME`: the namespaces of that container, which must
 * be running; for IPC it must share its own (`--ipc shareable`, or host), and its /dev/shm is
 * bound at the joiner's, as dockerd binds the donor's shm mount.
 */
export function joinedPidIpc(store: ContainerStore, rec: ContainerRecord): Pick<SpecContext, 'pidNsPath' | 'ipc'> {
  const out: Pick<SpecContext, 'pidNsPath' | 'ipc'> = {};
  const donor = (mode: string | undefined, kind: string): ContainerRecord | undefined => {
    if (!mode?.startsWith('container:')) return undefined;
    const ref = mode.slice('container:'.length);
    const other = store.find(ref);
    if (!other) throw new InvalidParameterError(`failed to join ${kind} namespace: No such container: ${ref}`);
    if (other.State.Restarting) throw new ConflictError(`failed to join ${kind} namespace: Container ${ref} is restarting, wait until the container is running`);
    if (!other.State.Running || !other.State.Pid) throw new ConflictError(`failed to join ${kind} namespace: container ${ref} is not running`);
    return other;
  };
  const pid = donor(rec.HostConfig.PidMode, 'PID');
  if (pid) out.pidNsPath = `/proc/${pid.State.Pid}/ns/pid`;
  const ipc = donor(rec.HostConfig.IpcMode, 'IPC');
  if (ipc) {
    const shm = ipc.HostConfig.IpcMode === 'host' ? '/dev/shm' : shmPath(store.dir(ipc.ID));
    // A donor's shm is there to join once it is mounted (one started before tug kept them is not).
    if (ipc.HostConfig.IpcMode !== 'host' && (ipc.HostConfig.IpcMode !== 'shareable' || !isMountPoint(shm))) {
      throw new InvalidParameterError(`failed to join IPC namespace: container ${rec.HostConfig.IpcMode!.slice('container:'.length)}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    }
    out.ipc = { nsPath: `/proc/${ipc.State.Pid}/ns/ipc`, shm };
  }
  return out;
}
