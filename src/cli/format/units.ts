// github.com/docker/go-units: human-readable sizes and durations, and size parsing for
// flags such as --memory, with go-units' rules and error texts.
import { humanDuration } from '../../units/duration.js';

import { InvalidParameterError } from '../../errors.js';
import { formatFloat } from './gofloat.js';

const decimalAbbrs = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryAbbrs = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]];
}

/** go-units HumanSizeWithPrecision: "%.*g" of the size in powers of 1000. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [n, unit] = sizeAndUnit(size, 1000, decimalAbbrs);
  return formatFloat(n, 'g', precision) + unit;
}

/**
 * Decimal size with `precision` significant digits. The default 3 is what docker's SIZE
 * columns print ("4.26MB"); go-units' own HumanSize, used by docker for SHARED SIZE,
 * UNIQUE SIZE, `system df` and "Total reclaimed space", is precision 4 ("2.746MB").
 */
export function humanSize(size: number, precision = 3): string {
  return humanSizeWithPrecision(size, precision);
}

/** go-units BytesSize: powers of 1024, 4 significant digits ("44KiB", "17.5MiB"). */
export function bytesSize(size: number): string {
  const [n, unit] = sizeAndUnit(size, 1024, binaryAbbrs);
  return formatFloat(n, 'g', 4) + unit;
}

export { humanDuration };

/** "2 hours ago", as docker's CreatedSince and RunningFor columns print it. */
export function timeAgo(date: Date | number, now: number = Date.now()): string {
  return `${humanDuration(now - (typeof date === 'number' ? date : date.getTime()))} ago`;
}

// strconv's rule: an underscore only between digits, or after a base prefix.
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  const hex = /^0[xX]/.test(s);
  if (/^0[bBoOxX]/.test(s)) [i, saw] = [2, '0'];
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else if (saw === '_') return false;
    else saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseFloat(s, 64), throwing Go's *NumError text. */
export function goParseFloat(s: string): number {
  const fail = (why: string): never => {
    throw new InvalidParameterError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: ${why}`);
  };
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (s.includes('_') && !underscoreOK(s)) fail('invalid syntax');
  const t = s.replace(/_/g, '');
  let v: number;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(t);
  if (hex && (hex[2] || hex[3])) {
    v = parseInt(hex[2] + hex[3] || '0', 16) * 2 ** (Number(hex[4]) - 4 * hex[3].length) * (hex[1] === '-' ? -1 : 1);
  } else if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) {
    v = Number(t);
  } else {
    return fail('invalid syntax');
  }
  if (!Number.isFinite(v)) fail('value out of range');
  return v;
}

const decimalMap: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const binaryMap: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

function parseSizeWith(sizeStr: string, units: Record<string, number>): number {
  let num: string;
  let sfx: string;
  const space = sizeStr.indexOf(' ');
  if (space >= 0) [num, sfx] = [sizeStr.slice(0, space), sizeStr.slice(space + 1)];
  else {
    const sep = Math.max(...[...'0123456789.'].map((c) => sizeStr.lastIndexOf(c)));
    if (sep < 0) throw new InvalidParameterError(`invalid size: '${sizeStr}'`);
    [num, sfx] = [sizeStr.slice(0, sep + 1), sizeStr.slice(sep + 1)];
  }
  let size = goParseFloat(num);
  if (size < 0) throw new InvalidParameterError(`invalid size: '${sizeStr}'`);
  const badSuffix = () => new InvalidParameterError(`invalid suffix: '${sfx}'`);
  if (sfx.length > 0) {
    if (Buffer.byteLength(sfx) > 3) throw badSuffix();
    sfx = sfx.toLowerCase();
    if (sfx[0] === 'b') {
      if (sfx.length > 1) throw badSuffix();
    } else {
      if (!Object.hasOwn(units, sfx[0])) throw badSuffix();
      size *= units[sfx[0]];
      if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw badSuffix();
    }
  }
  // go-units turns NaN and sizes past int64 into garbage; refuse them instead.
  if (!(size < 2 ** 63)) throw new InvalidParameterError(`invalid size: '${sizeStr}'`);
  return Math.trunc(size);
}

/** go-units RAMInBytes: "32m", "1.5GiB", "512" with 1024-based units (for --memory). */
export function ramInBytes(s: string): number {
  return parseSizeWith(s, binaryMap);
}

/** go-units FromHumanSize: "44kB", "17MB" with 1000-based units. */
export function fromHumanSize(s: string): number {
  return parseSizeWith(s, decimalMap);
}

/** Parses a memory size the way docker's --memory and --shm-size flags do. */
export const parseSize = ramInBytes;
