// The local driver's options (`-o type=tmpfs -o device=tmpfs -o o=size=64m`): checked at
// create, mounted on the volume's _data when a container first uses it, as dockerd's driver.
import { isMountPoint } from '../sys/mounts.js';
import { InvalidParameterError } from '../errors.js';
import { mount, umount, MNT_DETACH } from '../sys/libc.js';

const VALID_OPTIONS = new Set(['type', 'device', 'o', 'size']);
/** An option and the others it needs. */
const MANDATORY: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/** Mount flags that `o=` may carry; the rest of `o` is passed to the filesystem as data. */
const FLAGS: Record<string, [set: boolean, bit: number]> = {
  ro: [true, 1], rw: [false, 1], nosuid: [true, 2], suid: [false, 2], nodev: [true, 4], dev: [false, 4],
  noexec: [true, 8], exec: [false, 8], sync: [true, 16], async: [false, 16], dirsync: [true, 128],
  noatime: [true, 1024], atime: [false, 1024], nodiratime: [true, 2048], diratime: [false, 2048],
  bind: [true, 4096], rbind: [true, 4096 | 16384], relatime: [true, 1 << 21], norelatime: [false, 1 << 21],
  strictatime: [true, 1 << 24], defaults: [false, 0],
};

export function validateOptions(opts: Record<string, string>): void {
  for (const key of Object.keys(opts)) {
    if (!VALID_OPTIONS.has(key)) throw new InvalidParameterError(`invalid option key: "${key}"`);
  }
  if (opts.size !== undefined) throw new InvalidParameterError('quota size requested but no quota support');
  for (const [opt, required] of Object.entries(MANDATORY)) {
    if (opts[opt] === undefined) continue;
    for (const r of required) if (opts[r] === undefined) throw new InvalidParameterError(`missing required option: "${r}"`);
  }
}

/** Whether the volume needs a mount of its own (otherwise _data is a plain directory). */
export function needsMount(opts: Record<string, string> | null): opts is Record<string, string> {
  return !!opts && !!opts.device;
}

/** `o=` split into mount(2) flags and filesystem data, as mount(8) and moby's mount package do. */
export function parseMountOptions(o: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const opt of o.split(',').filter(Boolean)) {
    const f = FLAGS[opt];
    if (!f) data.push(opt);
    else if (f[0]) flags |= f[1];
    else flags &= ~f[1];
  }
  return { flags, data: data.join(',') };
}

export async function mountVolume(opts: Record<string, string>, target: string): Promise<void> {
  if (isMountPoint(target)) return;
  const { flags, data } = parseMountOptions(opts.o ?? '');
  try {
    mount(opts.device!, target, opts.type || null, flags, data || null);
  } catch (err) {
    throw new InvalidParameterError(`error while mounting volume '${target}': failed to mount local volume: mount ${opts.device}:${target}, flags: 0x${flags.toString(16)}, data: ${data}: ${(err as Error).message}`);
  }
}

export async function unmountVolume(target: string): Promise<void> {
  while (isMountPoint(target)) umount(target, MNT_DETACH);
}
