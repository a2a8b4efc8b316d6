// Container logs as conmon writes them (CRI "k8s-file": `<RFC3339Nano> <stdout|stderr> <F|P> <text>`
// per line, P = the line continues in the next record): read, tailed from the end without
// reading the whole file, and followed as it grows or is rotated, until the process exits.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { encodeFrames, StdStream } from '../../streams/stdcopy.js';
import { rfc3339Nano } from '../../units/time.js';

export interface LogMessage {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** The line with its newline (a last partial line has none). */
  line: Buffer;
}

export interface ReadLogsOptions {
  stdout: boolean;
  stderr: boolean;
  /** The last N lines only; -1 (default) for all, 0 for none of what is there now. */
  tail?: number;
  sinceNs?: bigint;
  untilNs?: bigint;
  follow?: boolean;
  /** When it settles (the process exited), the rest of the file is read and following ends. */
  stopWhen?: Promise<void>;
  signal?: AbortSignal;
  /** Filled with the bytes read, so tests can see that a tail does not read the whole file. */
  stats?: { bytesRead: number };
}

export interface Record_ {
  timeNs: bigint;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** Parses "2026-11-22T10:38:35.169831663+00:00" (any offset) into ns since the epoch. */
export function parseTimestamp(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** One record line (without its newline); malformed lines give undefined. */
export function parseRecord(line: Buffer): Record_ | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const flag = line[s2 + 1];
  if (flag !== 0x46 && flag !== 0x50) return undefined; // F or P
  const timeNs = parseTimestamp(line.subarray(0, s1).toString());
  if (timeNs === undefined) return undefined;
  return { timeNs, stream, partial: flag === 0x50, content: line.subarray(Math.min(s2 + 3, line.length)) };
}

/** Joins partial records into Docker log lines, per stream. */
class LineJoiner {
  private readonly pending = new Map<string, Buffer[]>();
  private readonly lastTime = new Map<string, bigint>();

  push(r: Record_): LogMessage | undefined {
    const parts = this.pending.get(r.stream) ?? [];
    parts.push(r.content);
    this.lastTime.set(r.stream, r.timeNs);
    if (r.partial) {
      this.pending.set(r.stream, parts);
      return undefined;
    }
    this.pending.delete(r.stream);
    this.lastTime.delete(r.stream);
    return { stream: r.stream, timeNs: r.timeNs, line: Buffer.concat([...parts, Buffer.from('\n')]) };
  }

  /** At the end of the output: a last line without its newline (`printf x`) still counts. */
  flush(): LogMessage[] {
    const out = [...this.pending].map(([stream, parts]) => ({ stream: stream as 'stdout' | 'stderr', timeNs: this.lastTime.get(stream) ?? 0n, line: Buffer.concat(parts) }));
    this.pending.clear();
    return out;
  }
}

const BLOCK = 64 * 1024;

/** The offset where the last `n` full records of the selected streams begin, read backwards. */
async function tailOffset(fh: FileHandle, size: number, n: number, keep: (stream: string) => boolean, stats?: { bytesRead: number }): Promise<number> {
  if (n <= 0) return size;
  let end = size;
  let carry = Buffer.alloc(0);
  let found = 0;
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    if (stats) stats.bytesRead += buf.length;
    const data = Buffer.concat([buf, carry]);
    // Walk complete lines from the back; the first (possibly cut) line waits for the next block.
    let lineEnd = data.length;
    if (data[lineEnd - 1] === 0x0a) lineEnd--;
    for (let i = lineEnd - 1; i >= 0; i--) {
      if (data[i] !== 0x0a) continue;
      const rec = parseRecord(data.subarray(i + 1, lineEnd));
      if (rec && !rec.partial && keep(rec.stream) && ++found > n) return start + i + 1 + (lineEnd - (i + 1)) + 1;
      lineEnd = i;
    }
    if (start === 0) {
      const rec = parseRecord(data.subarray(0, lineEnd));
      if (rec && !rec.partial && keep(rec.stream) && ++found > n) return lineEnd + 1;
      return 0;
    }
    carry = data.subarray(0, lineEnd);
    end = start;
  }
  return 0;
}

function waitForChange(path: string, signal: AbortSignal | undefined, stop: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    try {
      watcher = watch(path, done);
      watcher.on('error', done);
    } catch {
      // The file may be mid-rotation: the timer below looks again.
    }
    // inotify can miss a rename-and-create; poll as a fallback.
    const timer = setTimeout(done, 250);
    signal?.addEventListener('abort', done);
    void stop.then(done);
  });
}

export async function* readLogs(path: string, opts: ReadLogsOptions): AsyncGenerator<LogMessage> {
  const keep = (s: string) => (s === 'stdout' ? opts.stdout : opts.stderr);
  let stopped = false;
  const stop = (opts.stopWhen ?? new Promise<void>(() => undefined)).then(() => { stopped = true; });
  let fh: FileHandle | undefined;
  let ino = -1;
  let pos = 0;
  const joiner = new LineJoiner();
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      if (!fh) {
        try {
          fh = await open(path, 'r');
          const st = await fh.stat();
          ino = st.ino;
          pos = opts.tail !== undefined && opts.tail >= 0 ? await tailOffset(fh, st.size, opts.tail, keep, opts.stats) : 0;
          opts = { ...opts, tail: undefined };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          fh = undefined;
          if (!opts.follow || stopped) return;
          opts = { ...opts, tail: undefined };
          await waitForChange(path.replace(/[^/]*$/, ''), opts.signal, stop);
          continue;
        }
      }
      const buf = Buffer.alloc(BLOCK);
      const { bytesRead } = await fh.read(buf, 0, BLOCK, pos);
      if (opts.stats) opts.stats.bytesRead += bytesRead;
      if (bytesRead > 0) {
        pos += bytesRead;
        const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
        let start = 0;
        for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
          const rec = parseRecord(data.subarray(start, nl));
          start = nl + 1;
          if (!rec || !keep(rec.stream)) continue;
          const msg = joiner.push(rec);
          if (!msg) continue;
          if (opts.sinceNs !== undefined && msg.timeNs < opts.sinceNs) continue;
          if (opts.untilNs !== undefined && msg.timeNs > opts.untilNs) return;
          yield msg;
        }
        carry = Buffer.from(data.subarray(start));
        continue;
      }
      // At the end of the file: rotated away (a new file under the name) means switch to it.
      const current = await stat(path).catch(() => undefined);
      if (current && current.ino !== ino) {
        await fh.close();
        fh = undefined;
        carry = Buffer.alloc(0);
        continue;
      }
      if (!opts.follow) {
        yield* joiner.flush();
        return;
      }
      if (stopped) {
        // One last look: the exit may have been recorded just before the final writes landed.
        const { bytesRead: more } = await fh.read(Buffer.alloc(1), 0, 1, pos);
        if (more === 0) {
          yield* joiner.flush();
          return;
        }
        continue;
      }
      await waitForChange(path, opts.signal, stop);
    }
  } finally {
    await fh?.close();
  }
}

/** A log message as the API sends it: stdcopy frames without a TTY, raw bytes with one. */
export function encodeLogMessage(msg: LogMessage, o: { tty: boolean; timestamps: boolean }): Buffer {
  const payload = o.timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(msg.timeNs)} `), msg.line]) : msg.line;
  if (o.tty) return payload;
  return encodeFrames(msg.stream === 'stdout' ? StdStream.Stdout : StdStream.Stderr, payload);
}
