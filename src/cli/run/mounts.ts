// --mount "type=bind,src=/a,dst=/b,readonly" as docker's MountOpt parses it, and the daemon's
// check of a Mount (volume/mounts' validateMountConfig, less the host-filesystem lookups).

import { InvalidParameterError } from '../../errors.js';
import { ramInBytes } from '../format/units.js';
import { readCSVRecord } from './csv.js';
import { parseBool, parseUint } from './strconv.js';
import type { Mount } from '../../types/container.js';
import { cleanPath } from '../../volumes/mountspec.js';

// The daemon's own checks, shared so that the CLI refuses what tugd would refuse.
export { cleanPath, validateMount } from '../../volumes/mountspec.js';

/** filepath.Abs against the given working directory. */
export function absPath(p: string, cwd: string): string {
  return cleanPath(p.startsWith('/') ? p : `${cwd}/${p}`);
}

/** Docker makes "./x" and "../x" sources absolute against the client's working directory. */
export function resolveRelativeSource(source: string, cwd: string): string {
  return !source.startsWith('/') && source.startsWith('.') ? absPath(source, cwd) : source;
}


/** One --mount value into an API Mount, with docker's error texts. */
export function parseMount(value: string, cwd: string): Mount {
  const fields = readCSVRecord(value);
  const m: Mount = { Type: 'volume' };
  const volumeOptions = () => {
    m.VolumeOptions ??= { Labels: {} };
    m.VolumeOptions.DriverConfig ??= {};
    return m.VolumeOptions;
  };
  const bindOptions = () => (m.BindOptions ??= {});
  const tmpfsOptions = () => (m.TmpfsOptions ??= {});
  const setOnMap = (target: Record<string, string>, kv: string) => {
    const eq = kv.indexOf('=');
    const k = eq < 0 ? kv : kv.slice(0, eq);
    if (k !== '') target[k] = eq < 0 ? '' : kv.slice(eq + 1);
  };
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    const bool = (name = key) => {
      try {
        return parseBool(val);
      } catch {
        throw new InvalidParameterError(`invalid value for ${name}: ${val}`);
      }
    };
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw new InvalidParameterError(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src': m.Source = resolveRelativeSource(val, cwd); break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = bool(); break;
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': bindOptions().Propagation = val.toLowerCase(); break;
      case 'bind-nonrecursive': bindOptions().NonRecursive = bool(); break;
      case 'bind-recursive':
        if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') {
          throw new InvalidParameterError(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        }
        break;
      case 'volume-subpath': volumeOptions().Subpath = val; break;
      case 'volume-nocopy': volumeOptions().NoCopy = bool('volume-nocopy'); break;
      case 'volume-label': setOnMap(volumeOptions().Labels!, val); break;
      case 'volume-driver': volumeOptions().DriverConfig!.Name = val; break;
      case 'volume-opt': setOnMap((volumeOptions().DriverConfig!.Options ??= {}), val); break;
      case 'image-subpath': (m.ImageOptions ??= {}).Subpath = val; break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = ramInBytes(val);
        } catch {
          throw new InvalidParameterError(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        try {
          tmpfsOptions().Mode = parseUint(val, 8, 32);
        } catch {
          throw new InvalidParameterError(`invalid value for ${key}: ${val}`);
        }
        break;
      default:
        throw new InvalidParameterError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === '') throw new InvalidParameterError('type is required');
  if (!m.Target) throw new InvalidParameterError('target is required');
  const mixes: Array<[keyof Mount, string]> = [['VolumeOptions', 'volume'], ['ImageOptions', 'image'], ['BindOptions', 'bind'], ['TmpfsOptions', 'tmpfs']];
  for (const [opts, type] of mixes) {
    if (m[opts] !== undefined && m.Type !== type) throw new InvalidParameterError(`cannot mix '${type}-*' options with mount type '${m.Type}'`);
  }
  const b = m.BindOptions;
  if (b?.ReadOnlyNonRecursive && !m.ReadOnly) {
    throw new InvalidParameterError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (b?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new InvalidParameterError("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (b.Propagation !== 'rprivate') {
      throw new InvalidParameterError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
    }
  }
  // Empty label maps are left out on the wire (omitempty), as docker sends them.
  if (m.VolumeOptions && Object.keys(m.VolumeOptions.Labels ?? {}).length === 0) delete m.VolumeOptions.Labels;
  return m;
}
