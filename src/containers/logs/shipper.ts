// A container's json-file log, made by tugd from conmon's k8s-file journal: records are read from
// where the last pass stopped and appended as Docker entries to `<id>-json.log`, which tugd alone
// writes and rotates (rename-based, as dockerd's json-file). The journal is kept small: once read
// past JOURNAL_MAX it is renamed to `<journal>.1`, conmon is told to reopen, and the old file is
// deleted when read to its end. After a restart (or a kill -9) the journal is read from its start
// and every record not later than the json log's last entry is skipped: records of one pipe read
// share a time, so the entries at that last time are counted and as many records skipped.
// With compress, each rotated file is gzipped in the background (compress.ts); the next rotation
// waits for it, and a plain `.1` found at the first pass (a crash in between) is compressed then.
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isErrno } from '../../errors.js';
import { writeControl } from '../../runtime/conmon.js';
import { errorMessage } from '../../errors.js';
import { writeFileAtomic } from '../../storage/atomic.js';
import { compressRotated } from './compress.js';
import { parseRecord, type LogRecord } from './k8sfile.js';
import { formatEntry, parseEntry } from './jsonfile.js';
import { identify, sameFile } from './logfiles.js';
import { REOPEN_LOG, rotateLog, type LogOpts } from './rotate.js';
import { linesBackward } from './tail.js';

export interface ShipperPaths {
  /** conmon's k8s-file log. */
  journal: string;
  /** The json-file log (`<id>-json.log`). */
  json: string;
  /** conmon's ctl FIFO. */
  ctl: string;
}

/** A journal this much read is rotated away: small, yet not a reopen per burst of output. */
export const JOURNAL_MAX = 1024 * 1024;
/** Reads of the journal: larger than a reader's blocks, a backlog goes in fewer round trips. */
const SHIP_BLOCK = 256 * 1024;
/** A reopen conmon has not acted on after this long is asked for again. */
const REOPEN_RETRY_MS = 5000;

/** The last entry's time, and how many entries in a row (the last included) have it. */
interface Mark {
  timeNs: bigint;
  count: number;
}

interface Journal {
  fh: FileHandle;
  dev: number;
  ino: number;
  offset: number;
  /** Opened as (or renamed to) `<journal>.1`. */
  rotated: boolean;
  /** A record longer than a block (never written by conmon) is dropped up to its newline. */
  dropping: boolean;
}

/** Where the entries at the last time are counted across a json-file rotation (the new file starts empty). */
const markPath = (json: string) => join(dirname(json), 'json-log.mark');

export class LogShipper {
  private journal: Journal | undefined;
  private out: { fh: FileHandle; size: number } | undefined;
  /** Journal records up to here are in the json log already (set at the first pass). */
  private skip: Mark | undefined;
  private last: Mark | undefined;
  /** Streams whose last entry was a partial one (conmon splits lines at its reads): their line goes on in the next entries. */
  private readonly midLine = new Set<string>();
  private started = false;
  private reopenAt = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private closed = false;
  /** The compression of the file rotated last, if one runs (it never rejects). */
  private compressing: Promise<void> | undefined;

  /**
   * `attrs`: the JSON object every entry carries (log options such as `labels`), if any. `warn`
   * hears of what goes wrong off the passes (a rotated file that could not be compressed).
   */
  constructor(private readonly p: ShipperPaths, private readonly opts: LogOpts, private readonly attrs?: string, private readonly warn: (message: string) => void = () => undefined) {}

  /** Converts what the journal has; a pass starts after this call, several calls meanwhile share it. */
  pump(): Promise<void> {
    if (this.closed) return this.chain;
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.closed ? undefined : this.pass(false);
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The container's monitor is gone: converts the journal to its end and closes. */
  finish(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    const run = this.chain.then(() => this.pass(true)).finally(() => this.close());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stops without converting more (the container is being removed). */
  abandon(): void {
    this.closed = true;
    this.chain = this.chain.then(() => this.close());
  }

  private async close(): Promise<void> {
    await this.compressing;
    await this.journal?.fh.close().catch(() => undefined);
    await this.out?.fh.close().catch(() => undefined);
    this.journal = undefined;
    this.out = undefined;
  }

  private async pass(finishing: boolean): Promise<void> {
    if (!this.started) {
      this.out = await this.openOutput();
      this.skip = await this.resumeMark();
      this.last = this.skip && { ...this.skip };
      this.started = true;
      if (this.opts.compress) await this.compressLeftover();
    }
    for (;;) {
      this.journal ??= await this.openJournal();
      const j = this.journal;
      if (!j) return;
      await this.convert(j);
      if (j.rotated) {
        const live = await identify(this.p.journal);
        if (live && !sameFile(live, j)) {
          // conmon reopened: it wrote to the old file up to then, never after.
          await this.convert(j);
          await this.dropRotated(j);
          continue;
        }
        // No monitor writes it any more: what it had is converted.
        if (finishing) await this.dropRotated(j);
        else if (!live) await this.askReopen();
        return;
      }
      if (!finishing && j.offset >= JOURNAL_MAX) await this.rotateJournal(j);
      return;
    }
  }

  /** `<journal>.1` first (a rotation not finished), else the live journal. */
  private async openJournal(): Promise<Journal | undefined> {
    for (const [path, rotated] of [[`${this.p.journal}.1`, true], [this.p.journal, false]] as const) {
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      const st = await fh.stat();
      return { fh, dev: st.dev, ino: st.ino, offset: 0, rotated, dropping: false };
    }
    return undefined;
  }

  private async dropRotated(j: Journal): Promise<void> {
    const named = await identify(`${this.p.journal}.1`);
    if (named && sameFile(named, j)) await rm(`${this.p.journal}.1`, { force: true });
    await j.fh.close();
    this.journal = undefined;
  }

  private async rotateJournal(j: Journal): Promise<void> {
    if (await identify(`${this.p.journal}.1`)) return;
    await rename(this.p.journal, `${this.p.journal}.1`);
    j.rotated = true;
    if (!(await this.askReopen())) {
      // No conmon reads its FIFO, so none writes the journal: it keeps its name.
      await rename(`${this.p.journal}.1`, this.p.journal);
      j.rotated = false;
    }
  }

  /** False when no monitor listens. A reopen replaces the live file: it is only sent while the name is free. */
  private async askReopen(): Promise<boolean> {
    if (Date.now() - this.reopenAt < REOPEN_RETRY_MS) return true;
    try {
      await writeControl(this.p.ctl, REOPEN_LOG);
      this.reopenAt = Date.now();
      return true;
    } catch (err) {
      // The FIFO is full: nothing was written, a later pass asks again.
      if (isErrno(err, 'EAGAIN')) return true;
      if (isErrno(err, 'ENXIO') || isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** Reads the journal from its offset to the last whole record and appends the new ones. */
  private async convert(j: Journal): Promise<void> {
    // A quiet container's pump (4 a second each) is one fstat: no block allocated, nothing read.
    if ((await j.fh.stat()).size <= j.offset) return;
    const buf = Buffer.allocUnsafe(SHIP_BLOCK);
    for (;;) {
      const { bytesRead } = await j.fh.read(buf, 0, SHIP_BLOCK, j.offset);
      if (bytesRead === 0) return;
      const chunk = buf.subarray(0, bytesRead);
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) {
        if (bytesRead < SHIP_BLOCK) return;
        j.offset += bytesRead;
        j.dropping = true;
        continue;
      }
      const entries: Array<{ rec: LogRecord; text: string }> = [];
      let from = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0 && nl <= end; nl = chunk.indexOf(0x0a, from)) {
        const rec = j.dropping ? undefined : parseRecord(chunk.subarray(from, nl));
        j.dropping = false;
        from = nl + 1;
        if (rec && !this.seen(rec)) entries.push({ rec, text: formatEntry(rec, this.attrs) });
      }
      j.offset += end + 1;
      await this.append(entries);
    }
  }

  /** Whether a record is one a previous pass (before a restart, say) already converted. */
  private seen(rec: LogRecord): boolean {
    const s = this.skip;
    if (!s) return false;
    if (rec.timeNs < s.timeNs) return true;
    if (rec.timeNs === s.timeNs && s.count > 0) {
      s.count--;
      return true;
    }
    this.skip = undefined;
    return false;
  }

  /**
   * Appends entries, rotating first whenever the file has reached max-size and no line is half
   * written: the parts of one line stay in one file, so dropping the oldest file never leaves the
   * next starting with the end of a line. A file passes max-size by one line at most.
   */
  private async append(entries: Array<{ rec: LogRecord; text: string }>): Promise<void> {
    let pending: string[] = [];
    let pendingSize = 0;
    const flush = async () => {
      if (!pending.length) return;
      const data = Buffer.from(pending.join(''));
      await this.out!.fh.write(data);
      this.out!.size += data.length;
      pending = [];
      pendingSize = 0;
    };
    for (const { rec, text } of entries) {
      if (this.out!.size + pendingSize >= this.opts.maxSize && this.midLine.size === 0) {
        await flush();
        await this.rotateOutput();
      }
      if (rec.partial) this.midLine.add(rec.stream);
      else this.midLine.delete(rec.stream);
      pending.push(text);
      pendingSize += Buffer.byteLength(text);
      this.last = this.last && this.last.timeNs === rec.timeNs ? { timeNs: rec.timeNs, count: this.last.count + 1 } : { timeNs: rec.timeNs, count: 1 };
    }
    await flush();
  }

  private async rotateOutput(): Promise<void> {
    // The new file starts empty: the mark keeps what it cannot tell after a restart.
    if (this.last) await writeFileAtomic(markPath(this.p.json), `${this.last.timeNs} ${this.last.count}\n`);
    await this.out!.fh.close();
    this.out = undefined;
    // `.1` moves on only once it is compressed.
    await this.compressing;
    await rotateLog(this.p.json, this.opts.maxFiles);
    this.out = await this.openOutput();
    if (this.opts.compress && this.opts.maxFiles > 1) this.compress(this.last?.timeNs);
  }

  /** Compresses `<json>.1` in the background; a failure leaves it plain, which readers read as well. */
  private compress(lastTimeNs: bigint | undefined): void {
    const plain = `${this.p.json}.1`;
    this.compressing = compressRotated(plain, lastTimeNs).catch((err) => this.warn(`compressing ${plain}: ${errorMessage(err)}`));
  }

  /** A `<json>.1` a crash left uncompressed. */
  private async compressLeftover(): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(`${this.p.json}.1`, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    let last: bigint | undefined;
    try {
      for await (const { line } of linesBackward(fh, (await fh.stat()).size)) {
        last = parseEntry(line)?.timeNs;
        if (last !== undefined) break;
      }
    } finally {
      await fh.close();
    }
    this.compress(last);
  }

  /** Opens the json log for appending; an entry torn by a crash is cut off first. */
  private async openOutput(): Promise<{ fh: FileHandle; size: number }> {
    const fh = await open(this.p.json, 'a+', 0o640);
    let size = (await fh.stat()).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        let whole = 0;
        for await (const { offset, line } of linesBackward(fh, size)) {
          whole = offset + line.length + 1;
          break;
        }
        await fh.truncate(whole);
        size = whole;
      }
    }
    return { fh, size };
  }

  /** What the json log has already: its last entry's time and how many entries end it with that time. */
  private async resumeMark(): Promise<Mark | undefined> {
    const saved = await readMark(markPath(this.p.json));
    let tail: Mark | undefined;
    let whole = true;
    for await (const { line } of linesBackward(this.out!.fh, this.out!.size)) {
      const rec = parseEntry(line);
      if (!rec) continue;
      if (tail && rec.timeNs !== tail.timeNs) {
        whole = false;
        break;
      }
      tail = { timeNs: rec.timeNs, count: (tail?.count ?? 0) + 1 };
    }
    if (!tail) return saved;
    // Every entry of this file has that time: the ones before its rotation count too.
    if (whole && saved && saved.timeNs === tail.timeNs) return { timeNs: tail.timeNs, count: saved.count + tail.count };
    if (saved && saved.timeNs > tail.timeNs) return saved;
    return tail;
  }
}

/** Before a container starts again: its last run's journal was converted at its exit. In place: two unlinks, at every start. */
export function dropJournal(journal: string): void {
  rmSync(journal, { force: true });
  rmSync(`${journal}.1`, { force: true });
}

async function readMark(path: string): Promise<Mark | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m ? { timeNs: BigInt(m[1]!), count: Number(m[2]) } : undefined;
}
