// At container start: each mount point made ready on the host (a missing -v bind source
// created, a volume's own mount made, an empty volume filled from the image) and turned into
// the mounts of the OCI spec.
import { lstat, mkdir } from 'node:fs/promises';
import { InvalidParameterError, isErrno } from '../errors.js';
import type { SpecMount } from '../runtime/spec/index.js';
import { copyImageContent, resolveInRoot } from './copyup.js';
import { cleanPath } from './mountspec.js';
import type { VolumeService } from './service.js';
import type { MountPointRecord } from './types.js';

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

function tmpfsOptions(m: MountPointRecord): string[] {
  const t = m.Spec?.TmpfsOptions;
  const opts: string[] = [];
  if (t?.SizeBytes) opts.push(`size=${t.SizeBytes}`);
  if (t?.Mode) opts.push(`mode=${t.Mode.toString(8)}`);
  for (const o of t?.Options ?? []) opts.push(o.join('='));
  return opts;
}

function propagationOf(m: MountPointRecord): SpecMount['propagation'] {
  return (m.Propagation || undefined) as SpecMount['propagation'];
}

export interface MountSetup {
  containerID: string;
  rootfs: string;
  volumes: VolumeService;
}

/** The spec mounts of a container's mount points, in destination order. */
export async function setupMounts(mounts: Record<string, MountPointRecord> | undefined, s: MountSetup): Promise<SpecMount[]> {
  const out: SpecMount[] = [];
  for (const m of Object.values(mounts ?? {})) {
    const nonRecursive = m.Spec?.BindOptions?.NonRecursive ? ['bind'] : undefined;
    if (m.Type === 'tmpfs') {
      out.push({ type: 'tmpfs', source: '', destination: m.Destination, readOnly: !m.RW, options: tmpfsOptions(m) });
      continue;
    }
    if (m.Type === 'bind') {
      if (!(await exists(m.Source))) {
        if (m.RequireSource) throw new InvalidParameterError(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
        // `-v /host:/ctr` makes a missing host directory, as dockerd does.
        await mkdir(m.Source, { recursive: true, mode: 0o755 });
      }
      // bind-recursive=writable: only the top mount read-only (plain "ro"), not every submount.
      const roTopOnly = !m.RW && m.Spec?.BindOptions?.ReadOnlyNonRecursive === true;
      const options = [...(nonRecursive ?? []), ...(roTopOnly ? ['ro'] : [])];
      out.push({ type: 'bind', source: m.Source, destination: m.Destination, readOnly: !m.RW && !roTopOnly, propagation: propagationOf(m), options: options.length > 0 ? options : undefined });
      continue;
    }
    const path = await s.volumes.acquire(m.Name!, s.containerID, m.Destination, m.RW);
    if (m.CopyData) await copyImageContent(s.rootfs, m.Destination, path);
    let source = path;
    const sub = m.Spec?.VolumeOptions?.Subpath;
    if (sub) {
      source = await resolveInRoot(path, cleanPath(`/${sub}`));
      if (!(await exists(source))) throw new InvalidParameterError(`cannot access path ${source}: no such file or directory`);
    }
    out.push({ type: 'volume', source, destination: m.Destination, readOnly: !m.RW, propagation: propagationOf(m), options: nonRecursive });
  }
  return out;
}

/** The volumes to release after the container stopped. */
export async function releaseMounts(mounts: Record<string, MountPointRecord> | undefined, containerID: string, volumes: VolumeService): Promise<void> {
  for (const m of Object.values(mounts ?? {})) if (m.Type === 'volume' && m.Name) await volumes.release(m.Name, containerID);
}

