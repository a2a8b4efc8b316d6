// The daemon's reading of mount specs (moby's volume/mounts linux parser): `-v` binds
// (ParseMountRaw) and --mount specs (validateMountConfig), pure so that the CLI can refuse
// early what tugd refuses, with the same texts.

import { InvalidParameterError } from '../errors.js';
import type { Mount } from '../types/container.js';

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p[0] === '/';
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

// filepath.IsLocal on Unix: relative, and never climbing out of its root.
function isLocal(p: string): boolean {
  if (p === '' || p.startsWith('/')) return false;
  const c = cleanPath(p);
  return c !== '..' && !c.startsWith('../');
}

/**
 * The daemon's validateMountConfig for a Linux host, without the checks that need the host's
 * filesystem (bind sources existing). Errors read `invalid mount config for type "bind": …`.
 */
export function validateMount(m: Mount): void {
  const fail = (why: string) => new InvalidParameterError(`invalid mount config for type ${JSON.stringify(m.Type ?? '')}: ${why}`);
  const absolute = (p: string) => {
    const q = p.replace(/\\/g, '/');
    if (!q.startsWith('/')) throw fail(`invalid mount path: '${q}' mount path must be absolute`);
  };
  if (!m.Target) throw fail('field Target must not be empty');
  if (cleanPath(m.Target.replace(/\\/g, '/')) === '/') throw fail("invalid specification: destination can't be '/'");
  absolute(m.Target);
  const extra = (name: 'BindOptions' | 'VolumeOptions' | 'ImageOptions' | 'Source') => {
    if (name === 'Source' ? m.Source : m[name] !== undefined) throw fail(`field ${name} must not be specified`);
  };
  const subpath = (p: string | undefined) => {
    if (p && !isLocal(p)) throw fail('subpath must be a relative path within the volume');
  };
  switch (m.Type) {
    case 'bind': {
      if (!m.Source) throw fail('field Source must not be empty');
      const prop = m.BindOptions?.Propagation;
      if (prop && !PROPAGATIONS.includes(prop)) throw fail(`invalid propagation mode: ${prop}`);
      extra('VolumeOptions');
      extra('ImageOptions');
      absolute(m.Source);
      break;
    }
    case 'volume':
      extra('BindOptions');
      extra('ImageOptions');
      if (m.VolumeOptions?.Subpath) {
        if (!m.Source) throw fail('must not set Subpath when using anonymous volumes');
        subpath(m.VolumeOptions.Subpath);
      }
      if (m.ReadOnly && !m.Source) throw fail('must not set ReadOnly mode when using anonymous volumes');
      break;
    case 'tmpfs':
      extra('BindOptions');
      extra('ImageOptions');
      extra('Source');
      for (const opt of m.TmpfsOptions?.Options ?? []) {
        if (opt.length < 1 || opt.length > 2) throw fail('invalid option array length');
        if (opt[0] !== 'exec' && opt[0] !== 'noexec') throw fail(`invalid option: ${opt[0]}`);
      }
      break;
    case 'image':
      extra('BindOptions');
      extra('VolumeOptions');
      if (!m.Source) throw fail('field Source must not be empty');
      subpath(m.ImageOptions?.Subpath);
      break;
    default:
      throw fail('mount type unknown');
  }
}

const RW_MODES = ['rw', 'ro'];
const LABEL_MODES = ['z', 'Z'];
const PROPAGATION_MODES = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'];
const COPY_MODES = ['nocopy'];
const CONSISTENCY_MODES = ['consistent', 'cached', 'delegated'];

function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const kind = [RW_MODES, LABEL_MODES, PROPAGATION_MODES, COPY_MODES, CONSISTENCY_MODES].findIndex((set) => set.includes(o));
    if (kind < 0) return false;
    counts[kind]++;
  }
  return counts.every((n) => n <= 1);
}

/**
 * The daemon's ParseMountRaw for one bind ("src:dst[:mode]"), as a Mount. Errors read
 * `invalid volume specification: '…'`, with the reason after a colon when there is one.
 */
export function parseBind(raw: string, volumeDriver = ''): Mount {
  const invalid = () => new InvalidParameterError(`invalid volume specification: '${raw}'`);
  const arr = raw.split(':');
  if (arr.length > 4) arr.splice(3, arr.length - 3, arr.slice(3).join(':'));
  if (arr[0] === '') throw invalid();
  const m: Mount = {};
  let mode = '';
  if (arr.length === 1) {
    m.Target = arr[0];
  } else if (arr.length === 2) {
    // "/foo:rw" names no volume: a destination with a mode is not a bind.
    if (validMountMode(arr[1])) throw invalid();
    [m.Source, m.Target] = arr;
  } else if (arr.length === 3) {
    [m.Source, m.Target, mode] = arr;
  } else {
    throw invalid();
  }
  if (!validMountMode(mode)) throw new InvalidParameterError(`invalid mode: ${mode}`);
  const opts = mode.split(',');
  m.Type = m.Source?.startsWith('/') ? 'bind' : 'volume';
  m.ReadOnly = opts.includes('ro');
  if (volumeDriver !== '' && m.Type === 'volume') m.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (opts.includes('nocopy')) (m.VolumeOptions ??= {}).NoCopy = true;
  const propagation = opts.find((o) => PROPAGATION_MODES.includes(o));
  if (propagation) m.BindOptions = { Propagation: propagation };
  try {
    validateMount(m);
  } catch (err) {
    throw new InvalidParameterError(`${invalid().message}: ${(err as Error).message}`);
  }
  return m;
}
