// The mount table, following moby's withMounts: the default mounts minus those the user
// replaces, /dev/shm sized (or dropped with --ipc none), the user's binds, volumes and tmpfs
// mounts, and the network files (/etc/hosts, /etc/hostname, /etc/resolv.conf) unless the user
// mounted those paths; sorted parents-first.

import { InvalidParameterError } from '../../errors.js';
import { DEFAULT_SHM_SIZE, INIT_PATH } from './defaults.js';
import type { SpecInput, SpecMount } from './input.js';
import { mergeTmpfsOptions, parseTmpfsOptions, TMPFS_DEFAULT_OPTIONS } from './options.js';
import type { Mount, Spec } from './types.js';

/** Mounts kept writable when the rootfs is read-only. */
const WRITABLE_WITH_RO_ROOTFS = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

const depth = (m: Mount): number => (cleanPath(m.destination) === '/' ? 1 : cleanPath(m.destination).split('/').length);

/** Parents before children, so a bind at /a/b is not hidden by a later mount at /a. Stable. */
export function sortMounts(mounts: readonly Mount[]): Mount[] {
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i).map((x) => x.m);
}

function tmpfsMount(destination: string, options: string[]): Mount {
  return { destination, type: 'tmpfs', source: 'tmpfs', options };
}

function bindMount(m: SpecMount, rro: boolean): Mount {
  const extra = m.options ?? [];
  const opts = [extra.includes('bind') ? 'bind' : 'rbind'];
  if (m.readOnly) opts.push(rro ? 'rro' : 'ro');
  const propagation = m.propagation ?? (m.type === 'bind' ? 'rprivate' : undefined);
  if (propagation !== undefined) {
    if (!PROPAGATIONS.has(propagation)) throw new InvalidParameterError(`invalid propagation mode: ${propagation}`);
    opts.push(propagation);
  }
  opts.push(...extra.filter((o) => o !== 'bind' && o !== 'rbind' && !opts.includes(o)));
  return { destination: m.destination, type: 'bind', source: m.source, options: opts };
}

/** The user's own mounts (binds, volumes, --tmpfs, --mount type=tmpfs, /dev/shm for --ipc host), unsorted. */
export function userMounts(input: SpecInput): Mount[] {
  const out: Mount[] = [];
  for (const [dest, data] of Object.entries(input.tmpfs)) out.push(tmpfsMount(dest, parseTmpfsOptions(data)));
  for (const m of input.mounts) {
    if (m.type === 'tmpfs') {
      const opts = [...TMPFS_DEFAULT_OPTIONS, ...(m.options ?? []), ...(m.readOnly ? ['ro'] : [])];
      out.push(tmpfsMount(m.destination, mergeTmpfsOptions(opts)));
    } else {
      out.push(bindMount(m, input.rroSupported === true));
    }
  }
  const has = (dest: string) => out.some((m) => m.destination === dest);
  if (input.ipcMode === 'host' && !has('/dev/shm')) {
    out.push({ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
  }
  if ((input.ipcMode === 'ns' || input.ipcMode === 'private') && input.shmSource && !has('/dev/shm')) {
    out.push({ destination: '/dev/shm', type: 'bind', source: input.shmSource, options: ['rbind', 'rprivate'] });
  }
  const files: [string | undefined, string][] = [
    [input.resolvConfFile, '/etc/resolv.conf'],
    [input.hostnameFile, '/etc/hostname'],
    [input.hostsFile, '/etc/hosts'],
  ];
  for (const [source, destination] of files) {
    if (!source || has(destination)) continue;
    const options = input.readOnlyRootfs ? ['rbind', 'ro', 'rprivate'] : ['rbind', 'rprivate'];
    out.push({ destination, type: 'bind', source, options });
  }
  return out;
}

/** Root propagation a shared or slave bind needs (rshared/rslave on the rootfs), as moby sets it. */
function rootfsPropagationFor(mounts: readonly Mount[], current: string | undefined): string | undefined {
  let result = current;
  for (const m of mounts) {
    const p = m.options?.find((o) => PROPAGATIONS.has(o));
    if (p === 'shared' || p === 'rshared') {
      if (result !== 'shared' && result !== 'rshared') result = 'shared';
    } else if (p === 'slave' || p === 'rslave') {
      if (!['shared', 'rshared', 'slave', 'rslave'].includes(result ?? '')) result = 'rslave';
    }
  }
  return result;
}

export function withMounts(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const user = userMounts(input);
  const dests = new Set(user.map((m) => m.destination));
  const devMounted = dests.has('/dev');
  const defaults: Mount[] = [];
  for (const m of s.mounts ?? []) {
    if (dests.has(m.destination)) continue;
    if (devMounted && m.destination.startsWith('/dev/')) continue;
    if (m.destination === '/dev/shm') {
      if (input.ipcMode === 'none') continue;
      defaults.push({ ...m, options: [...(m.options ?? []), `size=${input.shmSize ?? DEFAULT_SHM_SIZE}`] });
      continue;
    }
    defaults.push(m);
  }
  s.mounts = [...defaults, ...sortMounts(user)];
  const propagation = rootfsPropagationFor(user, s.linux?.rootfsPropagation);
  if (propagation !== undefined) s.linux = { ...s.linux, rootfsPropagation: propagation };
  return s;
}

/** The rootfs read-only, and with it every default mount but /proc, /dev and its children. */
export function withReadonlyRootfs(spec: Spec, input: SpecInput): Spec {
  if (!input.readOnlyRootfs) return spec;
  const s = { ...spec };
  s.root = { path: s.root?.path ?? input.rootfs, readonly: true };
  const user = new Set(userMounts(input).map((m) => m.destination));
  if (s.mounts) {
    s.mounts = s.mounts.map((m) => {
      if (WRITABLE_WITH_RO_ROOTFS.has(m.destination) || user.has(m.destination) || m.options?.includes('ro')) return m;
      return { ...m, options: [...(m.options ?? []), 'ro'] };
    });
  }
  return s;
}

/** --init: the init binary bound read-only at /sbin/docker-init and run first, only in a private PID namespace. */
export function withInit(spec: Spec, input: SpecInput): Spec {
  if (!input.init || input.pidMode !== 'private') return spec;
  const s = { ...spec };
  s.process = { ...(s.process ?? { user: { uid: 0, gid: 0 }, cwd: '/' }), args: [INIT_PATH, '--', ...(s.process?.args ?? input.args)] };
  s.mounts = [...(s.mounts ?? []), { destination: INIT_PATH, type: 'bind', source: input.init, options: ['bind', 'ro'] }];
  return s;
}
