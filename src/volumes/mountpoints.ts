// A container's mount points, resolved at create as dockerd's registerMountPoints does:
// --volumes-from first, then -v binds, then --mount specs, then the anonymous volumes of the
// image's VOLUME and `-v /path` for every destination still free. Named volumes are created
// on demand; anonymous ones made here are removed again if the create fails.
import { stat } from 'node:fs/promises';
import { InvalidParameterError, isErrno } from '../errors.js';
import type { HostConfig, Mount } from '../types/container.js';
import { cleanPath, parseBind, validateMount } from './mountspec.js';
import type { VolumeService } from './service.js';
import type { MountPointRecord } from './types.js';

export interface MountSources {
  volumes: VolumeService;
  /** The mount points of another container (`--volumes-from NAME`); throws if there is none. */
  containerMounts(ref: string): MountPointRecord[];
}

const RW_MODES = new Set(['rw', 'ro']);
const PROPAGATION = /^r?(private|shared|slave)$/;

/** moby's ParseVolumesFrom: "NAME[:ro|rw]", with no propagation allowed. */
export function parseVolumesFrom(spec: string): { name: string; mode: string } {
  if (spec === '') throw new InvalidParameterError('volume-from specification cannot be an empty string');
  const parts = spec.split(':');
  if (parts.length > 2) throw new InvalidParameterError(`invalid volume specification: '${spec}'`);
  const [name = '', mode = ''] = parts;
  if (mode !== '') {
    const opts = mode.split(',');
    if (opts.some((o) => !RW_MODES.has(o) && !PROPAGATION.test(o) && o !== 'z' && o !== 'Z' && o !== 'nocopy')) throw new InvalidParameterError(`invalid mode: ${mode}`);
    if (opts.some((o) => PROPAGATION.test(o))) throw new InvalidParameterError(`invalid argument "${mode}": propagation mode not allowed`);
  }
  return { name, mode };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

const duplicate = (dest: string) => new InvalidParameterError(`Duplicate mount point: ${dest}`);

export async function resolveMountPoints(hc: HostConfig, imageVolumes: readonly string[], src: MountSources): Promise<Record<string, MountPointRecord>> {
  const out = new Map<string, MountPointRecord>();
  const created: string[] = [];
  try {
    for (const spec of hc.VolumesFrom ?? []) {
      const { name, mode } = parseVolumesFrom(spec);
      for (const m of src.containerMounts(name)) {
        const ro = mode.split(',').includes('ro');
        // As dockerd copies them: no mode text, and never a copy-up into the shared volume.
        out.set(m.Destination, { ...m, RW: m.RW && !ro, Mode: '', CopyData: false });
      }
    }
    const fromFlags = new Set<string>();
    for (const raw of hc.Binds ?? []) {
      const m = parseBind(raw, hc.VolumeDriver ?? '');
      const dest = cleanPath(m.Target!);
      if (fromFlags.has(dest)) throw duplicate(dest);
      fromFlags.add(dest);
      const mode = raw.split(':')[2] ?? '';
      const propagation = m.BindOptions?.Propagation ?? '';
      if (m.Type === 'bind') {
        out.set(dest, { Type: 'bind', Source: cleanPath(m.Source!), Destination: dest, Mode: mode, RW: !m.ReadOnly, Propagation: propagation || 'rprivate' });
        continue;
      }
      const v = await src.volumes.ensure(m.Source!, { Driver: hc.VolumeDriver });
      out.set(dest, { Type: 'volume', Name: v.Name, Source: src.volumes.dataPath(v.Name), Destination: dest, Driver: v.Driver, Mode: mode || 'z', RW: !m.ReadOnly, Propagation: propagation, CopyData: !m.VolumeOptions?.NoCopy });
    }
    for (const m of hc.Mounts ?? []) {
      validateMount(m);
      const dest = cleanPath(m.Target!);
      if (fromFlags.has(dest)) throw duplicate(dest);
      fromFlags.add(dest);
      out.set(dest, await fromMountSpec(m, dest, src, created));
    }
    for (const raw of imageVolumes) {
      // dockerd resolves an image's relative VOLUME inside the rootfs (GetResourcePath), as from /.
      const dest = cleanPath(raw.startsWith('/') ? raw : `/${raw}`);
      if (out.has(dest) || Object.hasOwn(hc.Tmpfs ?? {}, dest)) continue;
      if (dest === '/') throw new InvalidParameterError("invalid mount config for type \"volume\": invalid specification: destination can't be '/'");
      const v = await src.volumes.createAnonymous({ Driver: hc.VolumeDriver });
      created.push(v.Name);
      out.set(dest, { Type: 'volume', Name: v.Name, Source: src.volumes.dataPath(v.Name), Destination: dest, Driver: v.Driver, Mode: '', RW: true, Propagation: '', CopyData: true });
    }
  } catch (err) {
    await src.volumes.removeAnonymous(created, '').catch(() => undefined);
    throw err;
  }
  return Object.fromEntries([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function fromMountSpec(m: Mount, dest: string, src: MountSources, created: string[]): Promise<MountPointRecord> {
  const rw = !m.ReadOnly;
  switch (m.Type) {
    case 'bind': {
      const source = cleanPath(m.Source!);
      const create = m.BindOptions?.CreateMountpoint === true;
      if (!create && !(await exists(source))) throw new InvalidParameterError(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
      return { Type: 'bind', Source: source, Destination: dest, Mode: '', RW: rw, Propagation: m.BindOptions?.Propagation || 'rprivate', RequireSource: !create, Spec: m };
    }
    case 'volume': {
      const o = m.VolumeOptions;
      const body = { Driver: o?.DriverConfig?.Name, DriverOpts: o?.DriverConfig?.Options, Labels: o?.Labels };
      const v = m.Source ? await src.volumes.ensure(m.Source, body) : await src.volumes.createAnonymous(body);
      if (!m.Source) created.push(v.Name);
      return { Type: 'volume', Name: v.Name, Source: src.volumes.dataPath(v.Name), Destination: dest, Driver: v.Driver, Mode: 'z', RW: rw, Propagation: '', CopyData: !o?.NoCopy, Spec: m };
    }
    case 'tmpfs':
      return { Type: 'tmpfs', Source: '', Destination: dest, Mode: '', RW: rw, Propagation: '', Spec: m };
    default:
      throw new InvalidParameterError(`invalid mount config for type "${m.Type}": mount type ${m.Type} is not supported by tug`);
  }
}

/** The names of the volumes a container's mount points use. */
export function volumeNames(mounts: Record<string, MountPointRecord> | undefined): string[] {
  return Object.values(mounts ?? {}).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!);
}
