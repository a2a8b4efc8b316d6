// Log rotation under conmon: tugd renames a full log to `<log>.1` (shifting the older ones up) and
// tells conmon through its ctl FIFO to reopen, which makes a new file under the old name.
import { open, rename, rm, stat } from 'node:fs/promises';
import { fromHumanSize } from '../../cli/format/units.js';
import { parseBool } from '../../cli/run/strconv.js';
import { InvalidParameterError, errorMessage, isErrno } from '../../errors.js';
import { writeControl } from '../../runtime/conmon.js';
import { ATTR_OPTS } from './attrs.js';
import { rotatedFiles } from './logfiles.js';

export interface LogOpts {
  /** Rotate once the live file has this many bytes. */
  maxSize: number;
  /** Files kept, the live one included (1: a full log is dropped, not kept as `.1`). */
  maxFiles: number;
  /** Rotated files are kept gzip-compressed (`<log>.N.gz`), as `--log-opt compress=true`. */
  compress: boolean;
}

/** Rotation is on unless told otherwise, with the `local` driver's limits: 20 MiB, 5 files. */
export const DEFAULT_LOG_OPTS: Readonly<LogOpts> = { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: false };

/**
 * conmon's --log-size-max: none. A ceiling for while tugd is down would be welcome, but conmon
 * 2.1.6 counts the bytes written since it started (or last hit the limit), and a reopen through
 * ctl does not reset that count: with tugd rotating at max-size, a limit of 2 × max-size trips
 * one max-size after the first rotation and conmon throws the live file away (seen on this
 * machine), and any limit does so every time the count reaches it. Without tugd the log grows
 * until tugd is back and rotates it.
 */
export const CONMON_LOG_SIZE_MAX = -1;

/** conmon's control message 2 reopens the log; it reads "%d %d %d", so a bare "2" does nothing. */
export const REOPEN_LOG = '2 0 0\n';

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  const syntax = !/^[+-]?\d+$/.test(s);
  if (syntax || BigInt(s) > 2n ** 63n - 1n || BigInt(s) < -(2n ** 63n)) {
    throw new InvalidParameterError(`strconv.Atoi: parsing ${JSON.stringify(s)}: ${syntax ? 'invalid syntax' : 'value out of range'}`);
  }
  return Number(s);
}

/**
 * The json-file driver's options (`--log-opt`), checked with its messages (the attribute options,
 * `labels` and the like, are attrs.ts's): max-size in go-units' FromHumanSize ("10m" is 10,000,000
 * bytes), max-file an integer ≥ 1, compress a Go bool that needs a rotated file to compress.
 * Docker also takes max-file without max-size there; here max-size then has its default, and so
 * compress needs only max-file ≥ 2 (dockerd, with no max-size by default, also asks for max-size).
 */
export function parseLogOpts(opts: Record<string, string>): LogOpts {
  for (const key of Object.keys(opts)) {
    if (key !== 'max-size' && key !== 'max-file' && key !== 'compress' && !ATTR_OPTS.has(key)) throw new InvalidParameterError(`unknown log opt '${key}' for json-file log driver`);
  }
  const out = { ...DEFAULT_LOG_OPTS };
  if (Object.hasOwn(opts, 'max-size')) {
    out.maxSize = fromHumanSize(opts['max-size']!);
    if (out.maxSize <= 0) throw new InvalidParameterError('max-size must be a positive number');
  }
  if (Object.hasOwn(opts, 'max-file')) {
    out.maxFiles = atoi(opts['max-file']!);
    if (out.maxFiles < 1) throw new InvalidParameterError('max-file cannot be less than 1');
  }
  if (Object.hasOwn(opts, 'compress')) {
    out.compress = parseBool(opts.compress!);
    if (out.compress && out.maxFiles === 1) throw new InvalidParameterError('compress cannot be true when max-file is less than 2 or max-size is not set');
  }
  return out;
}

/** The `local` driver's options, with its messages (daemon/logger/local): it compresses unless told not to. */
export function parseLocalLogOpts(opts: Record<string, string>): LogOpts {
  for (const key of Object.keys(opts)) {
    if (key !== 'max-size' && key !== 'max-file' && key !== 'compress') throw new InvalidParameterError(`unknown log opt '${key}' for log driver local`);
  }
  const out = { ...DEFAULT_LOG_OPTS, compress: true };
  const value = <T>(key: string, parse: (s: string) => T, what: string): T => {
    try {
      return parse(opts[key]!);
    } catch (err) {
      throw new InvalidParameterError(`${what}: ${errorMessage(err)}`);
    }
  };
  if (Object.hasOwn(opts, 'max-size')) out.maxSize = value('max-size', fromHumanSize, `invalid value for max-size: ${opts['max-size']}`);
  if (Object.hasOwn(opts, 'max-file')) out.maxFiles = value('max-file', atoi, `invalid value for max-file: ${opts['max-file']}`);
  if (Object.hasOwn(opts, 'compress')) out.compress = value('compress', parseBool, 'error reading compress log option');
  if (out.maxSize < 0) throw new InvalidParameterError('max size should be a positive number');
  if (out.maxFiles < 0) throw new InvalidParameterError('max file count cannot be less than 0');
  if (out.compress && out.maxFiles <= 1) throw new InvalidParameterError('compression cannot be enabled when max file count is 1');
  // Keeping none is what a count of 1 does.
  out.maxFiles = Math.max(1, out.maxFiles);
  return out;
}

async function renameIfThere(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Renames `<log>.N-1` → `.N` … `<log>` → `.1`, dropping the oldest; a rotated file may be plain or
 * compressed (`.N.gz`), and both move together. A run cut short leaves a gap where it stopped; the
 * shift then starts at the first gap, so running it again finishes that rotation without dropping
 * another file. No live log (a rotation just done and conmon not yet reopened): nothing to do.
 * False when there was nothing to rotate.
 */
export async function rotateLog(logPath: string, maxFiles: number): Promise<boolean> {
  if (!(await exists(logPath))) return false;
  const keep = Math.max(0, maxFiles - 1);
  const rotated = await rotatedFiles(logPath);
  // Left over from a larger max-file.
  for (const f of rotated) if (f.index > keep) await rm(f.path, { force: true });
  if (keep === 0) {
    await rm(logPath, { force: true });
    return true;
  }
  const have = new Set(rotated.map((f) => f.index));
  let gap = 1;
  while (gap < keep && have.has(gap)) gap++;
  // The oldest goes in both forms, so that a plain one cannot outlive its compressed successor.
  if (have.has(gap)) for (const suffix of SUFFIXES) await rm(`${logPath}.${gap}${suffix}`, { force: true });
  for (let i = gap - 1; i >= 1; i--) for (const suffix of SUFFIXES) await renameIfThere(`${logPath}.${i}${suffix}`, `${logPath}.${i + 1}${suffix}`);
  await renameIfThere(logPath, `${logPath}.1`);
  return true;
}

const SUFFIXES = ['', '.gz'] as const;

/**
 * Rotates one running container's log when it reaches max-size; tugd calls check() now and then.
 * conmon keeps writing to the renamed file until it has read the reopen message, so nothing is lost.
 */
export class LogRotator {
  private reopenPending = false;
  private running: Promise<boolean> | undefined;

  constructor(private readonly logPath: string, private readonly ctlPath: string, private readonly opts: LogOpts) {}

  /** True when it rotated. Calls while one runs share it. */
  check(): Promise<boolean> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<boolean> {
    if (this.reopenPending) await this.reopen();
    let size: number;
    try {
      size = (await stat(this.logPath)).size;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    if (size < this.opts.maxSize) return false;
    await rotateLog(this.logPath, this.opts.maxFiles);
    this.reopenPending = true;
    await this.reopen();
    return true;
  }

  private async reopen(): Promise<void> {
    // A reopen replaces whatever file has the name: send one only while the name is free.
    if (await exists(this.logPath)) {
      this.reopenPending = false;
      return;
    }
    try {
      await writeControl(this.ctlPath, REOPEN_LOG);
      this.reopenPending = false;
    } catch (err) {
      // The FIFO is full: nothing was written, the next check() asks again.
      if (isErrno(err, 'EAGAIN')) return;
      if (!isErrno(err, 'ENXIO') && !isErrno(err, 'ENOENT')) throw err;
      // No conmon reads it, so none writes this log: an empty file keeps the name for readers.
      await (await open(this.logPath, 'a', 0o600)).close();
      this.reopenPending = false;
    }
  }
}
