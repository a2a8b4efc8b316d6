// `logs --tail N` without reading the whole log: records are read backwards in blocks from the end,
// across rotated files, until the last N lines and the starts of the lines they interleave with are found.
import type { FileHandle } from 'node:fs/promises';
import type { LogStream } from './k8sfile.js';
import type { RecordParser } from './jsonfile.js';
import { contents, sameFile, type LogFile, type LogMark } from './logfiles.js';

/** A place in the log: a file of the opened set (oldest first) and a byte offset in it. */
export interface Pos {
  file: number;
  offset: number;
}

export const ZERO: Pos = { file: 0, offset: 0 };

export function comparePos(a: Pos, b: Pos): number {
  return a.file - b.file || a.offset - b.offset;
}

export interface ReadStats {
  bytesRead: number;
}

export const BLOCK = 64 * 1024;
/** conmon's records are at most ~8 KiB; a longer line is not one of them and is skipped. */
export const MAX_LINE = 1024 * 1024;

/**
 * The newline-terminated lines of [0, end), last first, with the offset where each starts. Bytes
 * after the last newline are a record still being written (or a torn one) and are not a line.
 */
export async function* linesBackward(fh: FileHandle, end: number, stats?: ReadStats): AsyncGenerator<{ offset: number; line: Buffer }> {
  let terminator: number | undefined; // offset of the newline ending the line being gathered
  let later: Buffer[] = []; // its bytes already read, from blocks after the current one
  let laterLength = 0;
  let oversize = false;
  for (let blockEnd = end; blockEnd > 0; ) {
    const start = Math.max(0, blockEnd - BLOCK);
    const buf = Buffer.allocUnsafe(blockEnd - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    if (stats) stats.bytesRead += bytesRead;
    const block = buf.subarray(0, bytesRead);
    let i = block.length;
    for (let j = block.lastIndexOf(0x0a, i - 1); ; j = i > 0 ? block.lastIndexOf(0x0a, i - 1) : -1) {
      // At the start of the file, the bytes before the first newline are a line too.
      const atStart = j < 0 && start === 0;
      if (j < 0 && !atStart) break;
      if (terminator !== undefined) {
        const from = j + 1;
        const skip = oversize || laterLength + (i - from) > MAX_LINE;
        if (!skip) yield { offset: start + from, line: laterLength ? Buffer.concat([block.subarray(from, i), ...later]) : block.subarray(from, i) };
        later = [];
        laterLength = 0;
        oversize = false;
      }
      if (atStart) return;
      terminator = start + j;
      i = j;
    }
    if (terminator !== undefined && !oversize) {
      if (laterLength + i > MAX_LINE) {
        oversize = true;
        later = [];
        laterLength = 0;
      } else if (i > 0) {
        later.unshift(block.subarray(0, i));
        laterLength += i;
      }
    }
    blockEnd = start;
  }
}

export interface TailPlan {
  /** Where reading starts: the first record of the earliest line wanted. */
  start: Pos;
  /** Lines ending before this record are dropped (they interleave with the wanted ones). */
  cut: Pos;
}

/**
 * Where to read from for the last `n` lines (n < 0: all). A line is a stream's P records up to its
 * F, or a last run of P records (the reader sends those at the end). Docker's --tail counts the
 * lines of both streams (daemon/logs.go drops the unselected stream after the driver's tail).
 */
export async function planTail(files: LogFile[], n: number, parse: RecordParser, stats?: ReadStats, mark?: LogMark): Promise<TailPlan> {
  if (n < 0 || files.length === 0) return { start: ZERO, cut: ZERO };
  const last = files.length - 1;
  if (n === 0) {
    // Only what comes next: after the last whole record then (at the mark) or now.
    const at = mark ? files.findIndex((f) => sameFile(f, mark)) : -1;
    const file = at >= 0 ? at : last;
    const fh = await contents(files[file]!);
    const size = !fh ? 0 : at >= 0 ? mark!.size : (await fh.stat()).size;
    for await (const { offset, line } of fh ? linesBackward(fh, size, stats) : []) {
      const end = { file, offset: offset + line.length + 1 };
      return { start: end, cut: end };
    }
    return { start: { file, offset: 0 }, cut: { file, offset: 0 } };
  }
  let counted = 0;
  let cut: Pos | undefined;
  // Streams whose current (latest-seen) line is still open backwards: its start is not found yet.
  const open = new Set<LogStream>();
  for (let fi = last; fi >= 0; fi--) {
    const fh = await contents(files[fi]!);
    if (!fh) continue;
    for await (const { offset, line } of linesBackward(fh, (await fh.stat()).size, stats)) {
      const rec = parse(line);
      if (!rec) continue;
      if (cut === undefined) {
        // An F ends a line; so does a P with nothing after it in its stream (a last partial line).
        if (!rec.partial || !open.has(rec.stream)) {
          open.add(rec.stream);
          if (++counted === n) cut = { file: fi, offset };
        }
      } else if (!rec.partial && open.has(rec.stream)) {
        // The end of the line before: the open line of this stream starts right after it.
        open.delete(rec.stream);
        if (open.size === 0) return { start: { file: fi, offset: offset + line.length + 1 }, cut };
      }
    }
  }
  return { start: ZERO, cut: cut ?? ZERO };
}
