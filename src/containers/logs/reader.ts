// `docker logs` and attach output: a json-file log (`<id>-json.log`, which tugd writes) or the k8s-file
// journal conmon writes, read as Docker log lines, from the oldest rotated file on (a compressed one
// through a decompressed copy, see logfiles.ts) or from a tail, then
// followed as it grows and rotates until the container exits. A json-file entry is read as the record it
// came from (a "log" without its newline is a P record), so both go through the same code.
//
// conmon 2.1.6 + runc 1.1.5, checked on this machine (2026-11-22):
// - One record per line: `2026-11-22T18:44:39.500825815+00:00 stdout F hello`. The time is conmon's
//   local time with its offset (TZ=Asia/Tokyo gives "+09:00"). Every line of one read() from the
//   container's pipe gets the same timestamp.
// - A write without a newline (`printf abc`) is `stdout P abc`; the stream's next record continues
//   it (`stdout F x` for "x\n"), with the other stream's records possibly in between. An empty line
//   is `stdout F ` (the space stays). A line longer than a pipe read comes as P records of at most
//   8192 bytes, and its newline as a last `F ` with no content.
// - Fast interleaved stdout/stderr: every line is there, in order within its stream.
// - With a terminal (-t, terminal: true) everything is `stdout`, lines end "\r" + the newline (the
//   pty's onlcr), stderr is mixed into the same line stream.
// - `2 0 0\n` written to the bundle's `ctl` FIFO reopens the log: conmon creates `<log>.tmp` and
//   renames it over the log path, so renaming the log away first rotates it. conmon parses
//   "%d %d %d": a bare `2\n` is ignored (warned about) and does not reopen.
// - --log-size-max N: when the bytes conmon wrote would pass N, it reopens the same way: the file's
//   contents are gone and only a reader holding it open still sees them. The count is of bytes
//   since conmon started or last hit N, not the file size: a reopen through `ctl` does not reset it.
// - The log is created mode 0600 and opened O_APPEND: a restarted container's output is added.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { nowNano } from '../../units/time.js';
import type { LogRecord, LogStream } from './k8sfile.js';
import { parserFor, type RecordParser } from './jsonfile.js';
import { closeAll, contents, identify, openLogSet, openSuccessors, sameFile, type LogFile, type LogMark } from './logfiles.js';
import { BLOCK, MAX_LINE, comparePos, planTail, type Pos, type ReadStats } from './tail.js';

export interface LogMessage {
  stream: LogStream;
  /** Nanoseconds since the epoch: when the line's first record was written. */
  timeNs: bigint;
  /** The line with its newline; a line the container has not finished (yet) has none. */
  line: Buffer;
  /** The json-file entry's attributes (of the line's first entry), for `details`. */
  attrs?: Record<string, string>;
}

export interface ReadLogsOptions {
  stdout: boolean;
  stderr: boolean;
  /** The last N lines (of both streams, as Docker counts), then what follows; -1 or absent: all. */
  tail?: number;
  /** Lines written at or after this time (ns), as Docker's `since`. */
  sinceNs?: bigint;
  /** Ends at the first line written after this time (ns), as Docker's `until`. */
  untilNs?: bigint;
  follow?: boolean;
  /** When following: once it settles (the container exited), read to the end and finish. */
  stopWhen?: Promise<unknown>;
  /** Ends the reading quietly. */
  signal?: AbortSignal;
  /** Counts the bytes read, so a test can see that a tail does not read the whole log. */
  stats?: ReadStats;
}

const NEWLINE = Buffer.from('\n');
/** A longer unfinished line goes out in pieces, as Docker's own 16 KiB partial messages do. */
const MAX_MESSAGE = 1024 * 1024;
/** inotify wakes a follower at once; the timer only covers a watch that could not be set up. */
const POLL_WATCHED_MS = 1000;
const POLL_UNWATCHED_MS = 200;

interface Joined extends LogMessage {
  /** The line's last record: lines are in the order they ended. */
  end: Pos;
}

/** A joined line as the reader gives it out (without its position). */
function message(m: Joined): LogMessage {
  const out: LogMessage = { stream: m.stream, timeNs: m.timeNs, line: m.line };
  if (m.attrs) out.attrs = m.attrs;
  return out;
}

function withAttrs(m: Joined, attrs: Record<string, string> | undefined): Joined {
  if (attrs) m.attrs = attrs;
  return m;
}

/** Records into Docker log lines: a stream's P records wait for the F that ends their line. */
class LineJoiner {
  private readonly pending = new Map<LogStream, { timeNs: bigint; parts: Buffer[]; size: number; end: Pos; attrs: Record<string, string> | undefined }>();

  push(rec: LogRecord, pos: Pos): Joined | undefined {
    const p = this.pending.get(rec.stream);
    if (!rec.partial) {
      this.pending.delete(rec.stream);
      return withAttrs({ stream: rec.stream, timeNs: p?.timeNs ?? rec.timeNs, line: Buffer.concat([...(p?.parts ?? []), rec.content, NEWLINE]), end: pos }, p ? p.attrs : rec.attrs);
    }
    const q = p ?? { timeNs: rec.timeNs, parts: [], size: 0, end: pos, attrs: rec.attrs };
    this.pending.set(rec.stream, q);
    q.parts.push(Buffer.from(rec.content));
    q.size += rec.content.length;
    q.end = pos;
    return q.size >= MAX_MESSAGE ? this.take(rec.stream) : undefined;
  }

  private take(stream: LogStream): Joined | undefined {
    const p = this.pending.get(stream);
    if (!p) return undefined;
    this.pending.delete(stream);
    return withAttrs({ stream, timeNs: p.timeNs, line: Buffer.concat(p.parts), end: p.end }, p.attrs);
  }

  /** The unfinished lines, as they are, in the order they were last written to. */
  flush(): Joined[] {
    return ['stdout' as const, 'stderr' as const].map((s) => this.take(s)).filter((m) => m !== undefined).sort((a, b) => comparePos(a.end, b.end));
  }
}

/** Reads one file forward into records, keeping a record cut by the end of what is written. */
class Cursor {
  private carry: Buffer[] = [];
  private carryLength = 0;
  private lineStart: number;
  private oversize = false;

  constructor(readonly file: LogFile, readonly index: number, private offset: number, private readonly parse: RecordParser) {
    this.lineStart = offset;
  }

  /** The whole records in the next block; undefined at the end of the file for now. */
  async next(stats?: ReadStats): Promise<Array<{ rec: LogRecord; pos: Pos }> | undefined> {
    const fh = await contents(this.file);
    if (!fh) return undefined;
    const buf = Buffer.allocUnsafe(BLOCK);
    const { bytesRead } = await fh.read(buf, 0, BLOCK, this.offset);
    if (stats) stats.bytesRead += bytesRead;
    if (bytesRead === 0) return undefined;
    const chunk = buf.subarray(0, bytesRead);
    const chunkStart = this.offset;
    this.offset += bytesRead;
    const out: Array<{ rec: LogRecord; pos: Pos }> = [];
    let from = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      const start = this.lineStart;
      const line = this.carryLength ? Buffer.concat([...this.carry, chunk.subarray(from, nl)]) : chunk.subarray(from, nl);
      const skip = this.oversize || line.length > MAX_LINE;
      this.carry = [];
      this.carryLength = 0;
      this.oversize = false;
      from = nl + 1;
      this.lineStart = chunkStart + from;
      const rec = skip ? undefined : this.parse(line);
      if (rec) out.push({ rec, pos: { file: this.index, offset: start } });
    }
    if (from < chunk.length && !this.oversize) {
      if (this.carryLength + chunk.length - from > MAX_LINE) {
        this.oversize = true;
        this.carry = [];
        this.carryLength = 0;
      } else {
        this.carry.push(chunk.subarray(from));
        this.carryLength += chunk.length - from;
      }
    }
    return out;
  }
}

/** The log's files in order, read to wherever they end now, picking up files rotated in since. */
class LogSource {
  private cursor: Cursor | undefined;
  private readonly joiner = new LineJoiner();

  readonly parse: RecordParser;

  constructor(private readonly logPath: string, readonly files: LogFile[], private readonly stats?: ReadStats) {
    this.parse = parserFor(logPath);
  }

  seek(at: Pos): void {
    if (this.files.length) this.cursor = new Cursor(this.files[at.file]!, at.file, at.offset, this.parse);
  }

  async *available(): AsyncGenerator<Joined> {
    for (;;) {
      if (this.cursor) {
        for (let batch; (batch = await this.cursor.next(this.stats)); ) {
          for (const { rec, pos } of batch) {
            const msg = this.joiner.push(rec, pos);
            if (msg) yield msg;
          }
        }
        // A record torn at the end of a finished file is dropped with the cursor.
        const i = this.cursor.index + 1;
        if (i < this.files.length) {
          this.cursor = new Cursor(this.files[i]!, i, 0, this.parse);
          continue;
        }
      }
      if (!(await this.advance())) return;
    }
  }

  flush(): Joined[] {
    return this.joiner.flush();
  }

  /**
   * At the end of the newest file: if the log's name now points to another file, the newer files
   * are added. The cursor then reads its file to the end once more before moving on, since conmon
   * may have written to it between that end and the rename, but never after.
   */
  private async advance(): Promise<boolean> {
    const now = await identify(this.logPath);
    const last = this.files.at(-1);
    if (!now || (last && sameFile(now, last))) return false;
    const newer = last ? await openSuccessors(this.logPath, last) : await openLogSet(this.logPath);
    if (!newer.length) return false;
    this.files.push(...newer);
    this.cursor ??= new Cursor(this.files[0]!, 0, 0, this.parse);
    return true;
  }

  close(): Promise<void> {
    return closeAll(this.files);
  }
}

/** Wakes a follower when the log's directory changes, when poked, or after a while in any case. */
class ChangeWaiter {
  private changed = false;
  private wake: (() => void) | undefined;
  private watcher: FSWatcher | undefined;

  constructor(logPath: string) {
    const name = basename(logPath);
    try {
      this.watcher = watch(dirname(logPath), (_event, file) => {
        if (typeof file !== 'string' || file.startsWith(name)) this.poke();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // Out of inotify watches, say: polling still works.
    }
  }

  poke = (): void => {
    this.changed = true;
    this.wake?.();
  };

  async wait(maxMs = Infinity): Promise<void> {
    if (!this.changed) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, Math.max(0, Math.min(maxMs, this.watcher ? POLL_WATCHED_MS : POLL_UNWATCHED_MS)));
      });
      clearTimeout(timer);
      this.wake = undefined;
    }
    this.changed = false;
  }

  close(): void {
    this.watcher?.close();
    this.wake?.();
  }
}

/**
 * The container's log as Docker log lines. Without `follow` it ends at the end of what is written;
 * with it, it goes on with what is written next (a line the container has not finished is sent
 * as it is once the reader has caught up, so that a prompt shows), until `stopWhen`, `untilNs` or
 * `signal` ends it. With tail 0 (attach without logs), "what comes next" counts from this call,
 * not from the first next(), so a container started in between loses no output.
 */
export function readLogs(logPath: string, opts: ReadLogsOptions): AsyncGenerator<LogMessage> {
  const mark = opts.tail === 0 ? identify(logPath) : undefined;
  mark?.catch(() => undefined);
  return messages(logPath, opts, mark);
}

async function* messages(logPath: string, opts: ReadLogsOptions, mark: Promise<LogMark | undefined> | undefined): AsyncGenerator<LogMessage> {
  const { signal, sinceNs, untilNs } = opts;
  if (signal?.aborted) return;
  const source = new LogSource(logPath, await openLogSet(logPath, sinceNs), opts.stats);
  const waiter = opts.follow ? new ChangeWaiter(logPath) : undefined;
  let stopped = false;
  const onStop = () => {
    stopped = true;
    waiter?.poke();
  };
  void opts.stopWhen?.then(onStop, onStop);
  const onAbort = () => waiter?.poke();
  signal?.addEventListener('abort', onAbort);
  try {
    const plan = await planTail(source.files, opts.tail ?? -1, source.parse, opts.stats, await mark);
    source.seek(plan.start);
    const verdict = (m: Joined): 'send' | 'skip' | 'end' => {
      if (comparePos(m.end, plan.cut) < 0) return 'skip';
      if (untilNs !== undefined && m.timeNs > untilNs) return 'end';
      if (sinceNs !== undefined && m.timeNs < sinceNs) return 'skip';
      return (m.stream === 'stdout' ? opts.stdout : opts.stderr) ? 'send' : 'skip';
    };
    for (;;) {
      // The exit is noted before reading: everything written before it is then read in this pass.
      const last = stopped || !opts.follow;
      for await (const m of source.available()) {
        if (signal?.aborted) return;
        const v = verdict(m);
        if (v === 'end') return;
        if (v === 'send') yield message(m);
      }
      for (const m of source.flush()) {
        const v = verdict(m);
        if (v === 'end') return;
        if (v === 'send') yield message(m);
      }
      if (last || signal?.aborted) return;
      let waitMs = Infinity;
      if (untilNs !== undefined) {
        // Nothing written from now on can be before `until`.
        const left = untilNs - nowNano();
        if (left < 0n) return;
        waitMs = Number(left / 1_000_000n) + 1;
      }
      await waiter!.wait(waitMs);
      if (signal?.aborted) return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    waiter?.close();
    await source.close();
  }
}
