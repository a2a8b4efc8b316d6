// The extra attributes a json-file log keeps with every entry (`"attrs":{…}`), as dockerd's
// logger.Info.ExtraAttributes and loggerutils.ParseLogTag make them from the log options `labels`,
// `labels-regex`, `env`, `env-regex` and `tag`; and the `key=value,…` text `logs --details`
// puts before each line.
import { hostname } from 'node:os';
import { compileTemplate } from '../../cli/format/template.js';
import { urlQueryEscape } from '../../cli/format/template-funcs.js';
import { InvalidParameterError, errorMessage } from '../../errors.js';
import type { ContainerRecord } from '../types.js';

/** The log options that add attributes; every driver that keeps them accepts these keys. */
export const ATTR_OPTS: ReadonlySet<string> = new Set(['env', 'env-regex', 'labels', 'labels-regex', 'tag']);

/** What a log tag template sees: logger.Info's methods, by the names templates call them. */
export interface LogTagInfo {
  ID: string;
  FullID: string;
  Name: string;
  Command: string;
  ImageID: string;
  ImageFullID: string;
  ImageName: string;
  Hostname: string;
  DaemonName: string;
}

/** The container's facts a tag can name (moby's Container.StartLogger). */
export function logTagInfo(rec: Pick<ContainerRecord, 'ID' | 'Name' | 'Path' | 'Args' | 'Image' | 'Config'>): LogTagInfo {
  const shortImage = rec.Image.replace(/^sha256:/, '').slice(0, 12);
  return {
    ID: rec.ID.slice(0, 12),
    FullID: rec.ID,
    Name: rec.Name.replace(/^\//, ''),
    Command: [rec.Path, ...rec.Args].join(' '),
    ImageID: shortImage,
    ImageFullID: rec.Image,
    ImageName: rec.Config.Image ?? '',
    Hostname: hostname(),
    DaemonName: 'docker',
  };
}

function compile(key: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new InvalidParameterError(`invalid log opt '${key}': error parsing regexp: ${errorMessage(err)}`);
  }
}

/**
 * The attributes for a container's log options, keys sorted (as Go marshals a map); undefined when
 * there are none. Labels first, then the environment: an env name wins over a label of that name.
 */
export function logAttributes(
  config: Readonly<Record<string, string>>,
  c: { labels: Readonly<Record<string, string>>; env: readonly string[]; tag: LogTagInfo },
): Record<string, string> | undefined {
  const out = new Map<string, string>();
  const pick = (source: ReadonlyMap<string, string>, listKey: string, regexKey: string) => {
    for (const name of (config[listKey] ?? '').split(',')) {
      const v = name === '' ? undefined : source.get(name);
      if (v !== undefined) out.set(name, v);
    }
    if (config[regexKey]) {
      const re = compile(regexKey, config[regexKey]);
      for (const [k, v] of source) if (re.test(k)) out.set(k, v);
    }
  };
  pick(new Map(Object.entries(c.labels)), 'labels', 'labels-regex');
  const env = new Map<string, string>();
  for (const e of c.env) {
    const at = e.indexOf('=');
    if (at >= 0) env.set(e.slice(0, at), e.slice(at + 1));
  }
  if (env.size > 0) pick(env, 'env', 'env-regex');
  if (config.tag) {
    let tag: string;
    try {
      tag = compileTemplate(config.tag)(c.tag);
    } catch (err) {
      throw new InvalidParameterError(`invalid log opt 'tag': ${errorMessage(err)}`);
    }
    if (tag !== '') out.set('tag', tag);
  }
  if (out.size === 0) return undefined;
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What `logs --details` puts before a line (the space that follows it included): `a=1,b=x+y `. */
export function detailsPrefix(attrs: Readonly<Record<string, string>> | undefined): string {
  if (!attrs) return ' ';
  const keys = Object.keys(attrs).sort();
  return `${keys.map((k) => `${urlQueryEscape(k)}=${urlQueryEscape(attrs[k]!)}`).join(',')} `;
}
