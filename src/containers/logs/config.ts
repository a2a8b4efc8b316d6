// HostConfig.LogConfig as dockerd shows and checks it. conmon always writes its k8s-file journal;
// with `json-file` (the default) and `local` tugd ships it into Docker's json-file log, rotated
// at max-size/max-file and compressed with compress (see shipper.ts, compress.ts); `none` keeps nothing for `logs`, only the small journal
// that attach reads while it follows the container's output.
import { InvalidParameterError, TugError } from '../../errors.js';
import type { LogConfig } from '../../types/container.js';
import type { ContainerRecord } from '../types.js';
import { ATTR_OPTS, logAttributes, logTagInfo } from './attrs.js';
import { attrsJSON } from './jsonfile.js';
import { DEFAULT_LOG_OPTS, parseLocalLogOpts, parseLogOpts, type LogOpts } from './rotate.js';

export type LogDriver = 'json-file' | 'local' | 'none';

/** With `none` attach still reads conmon's file: it is kept this small. */
const NONE_LOG_OPTS: Readonly<LogOpts> = { maxSize: 1024 * 1024, maxFiles: 1, compress: false };

/** dockerd's default driver fills in an empty Type; unknown drivers and options are refused. */
export function normalizeLogConfig(lc: LogConfig | undefined): Required<LogConfig> {
  const type = lc?.Type || 'json-file';
  // Sorted as Go marshals a map, so inspect shows what dockerd shows.
  const config = Object.fromEntries(Object.entries(lc?.Config ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  logOptions({ Type: type, Config: config });
  return { Type: type, Config: config };
}

/** The driver and rotation limits of a (normalised) LogConfig. */
export function logOptions(lc: LogConfig | undefined): { driver: LogDriver; opts: LogOpts } {
  const type = lc?.Type || 'json-file';
  const config = lc?.Config ?? {};
  switch (type) {
    case 'json-file':
      return { driver: type, opts: parseLogOpts(config) };
    case 'local':
      return { driver: type, opts: parseLocalLogOpts(config) };
    case 'none':
      if (Object.keys(config).length) throw new InvalidParameterError(`unknown log opt '${Object.keys(config)[0]}' for none log driver`);
      return { driver: type, opts: { ...NONE_LOG_OPTS } };
    default:
      throw new InvalidParameterError(`logger: no log driver named '${type}' is registered`);
  }
}

/** Rotation limits, falling back to the defaults for a record written before LogConfig was checked. */
export function rotationOf(lc: LogConfig | undefined): LogOpts {
  try {
    return logOptions(lc).opts;
  } catch {
    return { ...DEFAULT_LOG_OPTS };
  }
}

/**
 * The `"attrs"` every json-file entry of the container carries (log options `labels`, `env`, `tag`…),
 * as JSON; undefined when there are none or the driver keeps none. A bad regexp or tag template
 * is an InvalidParameterError (checked at create; dockerd finds it only when the logger starts).
 */
export function entryAttrs(rec: Pick<ContainerRecord, 'ID' | 'Name' | 'Path' | 'Args' | 'Image' | 'Config' | 'HostConfig'>): string | undefined {
  const lc = rec.HostConfig.LogConfig;
  const config = lc?.Config ?? {};
  if ((lc?.Type || 'json-file') !== 'json-file' || !Object.keys(config).some((k) => ATTR_OPTS.has(k))) return undefined;
  const attrs = logAttributes(config, { labels: rec.Config.Labels ?? {}, env: rec.Config.Env ?? [], tag: logTagInfo(rec) });
  return attrs && attrsJSON(attrs);
}

/** dockerd's answer to `logs` on a container whose driver keeps nothing (501 there). */
export function assertReadable(lc: LogConfig | undefined): void {
  if ((lc?.Type || 'json-file') === 'none') throw new TugError('InvalidParameter', 'configured logging driver does not support reading');
}
