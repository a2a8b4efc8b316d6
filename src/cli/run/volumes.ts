// -v/--volume: docker's client-side split into HostConfig.Binds (named volumes and host paths)
// and Config.Volumes (anonymous volumes), then the daemon's check of each bind (ParseMountRaw).

import { InvalidParameterError } from '../../errors.js';
import { resolveRelativeSource } from './mounts.js';

export { parseBind } from '../../volumes/mountspec.js';

const isLetter = (c: string | undefined) => c !== undefined && /^\p{L}$/u.test(c);

// A one-letter buffer before ':' reads as a Windows drive ("c:"), even on Linux: docker's
// parser is platform-blind, so "x:/y" is one anonymous volume named "x:/y".
const isWindowsDrive = (buffer: string[], ch: string) => ch === ':' && buffer.length === 1 && isLetter(buffer[0]);

function isFilePath(source: string): boolean {
  if ('./~'.includes(source[0])) return true;
  const runes = [...source];
  if (runes.length === 1) return false;
  if (source.startsWith('\\\\')) return true;
  return isWindowsDrive([runes[0]], source[runes[0].length]);
}

export interface VolumeSpec {
  type: 'bind' | 'volume';
  source: string;
  target: string;
}

/** The compose loader's ParseVolume, which `docker run -v` uses to tell binds from volumes. */
export function parseVolumeSpec(spec: string): VolumeSpec {
  if (spec.length === 0) throw new InvalidParameterError('invalid empty volume spec');
  const runes = [...spec];
  if (Buffer.byteLength(spec) <= 2) return { type: 'volume', source: '', target: spec };
  let source = '';
  let target = '';
  let buffer: string[] = [];
  const END = '';
  for (const ch of [...runes, END]) {
    if (isWindowsDrive(buffer, ch)) {
      buffer.push(ch);
    } else if (ch === ':' || ch === END) {
      const text = buffer.join('');
      if (buffer.length === 0) throw new InvalidParameterError(`invalid spec: ${spec}: empty section between colons`);
      if (source === '' && ch === END) target = text;
      else if (source === '') source = text;
      else if (target === '') target = text;
      else if (ch === ':') throw new InvalidParameterError(`invalid spec: ${spec}: too many colons`);
      // The third section holds options (ro, rw, nocopy, propagation); the CLI ignores the rest.
      buffer = [];
    } else {
      buffer.push(ch);
    }
  }
  return { type: source !== '' && isFilePath(source) ? 'bind' : 'volume', source, target };
}

export interface VolumeFlags {
  binds: string[];
  volumes: string[];
}

/** All -v values into Binds and anonymous Volumes, deduplicated in the order first given. */
export function splitVolumes(values: readonly string[], cwd: string): VolumeFlags {
  const binds: string[] = [];
  const volumes: string[] = [];
  for (const value of new Set(values)) {
    const parsed = parseVolumeSpec(value);
    if (parsed.source === '') {
      volumes.push(value);
      continue;
    }
    let bind = value;
    if (parsed.type === 'bind') {
      const colon = value.indexOf(':');
      if (colon >= 0) bind = resolveRelativeSource(value.slice(0, colon), cwd) + value.slice(colon);
    }
    binds.push(bind);
  }
  return { binds, volumes };
}

/** --tmpfs "/run:rw,size=64m" into HostConfig.Tmpfs; options go to the daemon unchecked. */
export function parseTmpfs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of values) {
    const colon = t.indexOf(':');
    out[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  return out;
}
