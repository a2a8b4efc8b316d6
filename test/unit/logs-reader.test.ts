// readLogs on real files: partial lines joined, streams, since/until, tails across rotated files
// (checked against reading everything, fuzzed), and following through appends, rotations and exits.
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readLogs, type LogMessage, type ReadLogsOptions } from '../../src/containers/logs/index.js';
import { formatRecord, type LogStream } from '../../src/containers/logs/k8sfile.js';
import { mulberry32 } from '../helpers/random.js';

const T0 = 1_795_367_775_000_000_000n;
const MS = 1_000_000n;

/** A record written `at` milliseconds after T0. */
function r(at: number, stream: LogStream, tag: 'F' | 'P', text: string): Buffer {
  return formatRecord({ timeNs: T0 + BigInt(at) * MS, stream, partial: tag === 'P', content: Buffer.from(text) });
}
const o = (at: number, text: string, tag: 'F' | 'P' = 'F') => r(at, 'stdout', tag, text);
const e = (at: number, text: string, tag: 'F' | 'P' = 'F') => r(at, 'stderr', tag, text);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-logs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const both = { stdout: true, stderr: true };
const show = (m: LogMessage) => `${m.stream === 'stdout' ? 'o' : 'e'}:${m.line.toString()}`;

async function read(path: string, opts: Partial<ReadLogsOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readLogs(path, { ...both, ...opts })) out.push(show(m));
  return out;
}

/** The next `n` messages of a follower. */
async function take(it: AsyncIterator<LogMessage>, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const next = await it.next();
    assert.ok(!next.done, `ended after ${out.join('|')}`);
    out.push(show(next.value));
  }
  return out;
}

describe('readLogs', () => {
  it('joins each stream\'s partial records up to their F; a last partial line has no newline', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'ab', 'P'), e(2, 'e1'), o(3, 'cd', 'P'), o(4, 'ef'), o(5, ''), o(6, 'tail', 'P')]));
    const msgs: LogMessage[] = [];
    for await (const m of readLogs(log, both)) msgs.push(m);
    assert.deepEqual(msgs.map(show), ['e:e1\n', 'o:abcdef\n', 'o:\n', 'o:tail']);
    // A joined line carries the time of its first record.
    assert.deepEqual(msgs.map((m) => Number((m.timeNs - T0) / MS)), [2, 1, 5, 6]);
  }));

  it('keeps only the selected streams', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'o1'), e(2, 'e1'), o(3, 'o2')]));
    assert.deepEqual(await read(log, { stderr: false }), ['o:o1\n', 'o:o2\n']);
    assert.deepEqual(await read(log, { stdout: false }), ['e:e1\n']);
    assert.deepEqual(await read(log, { stdout: false, stderr: false }), []);
  }));

  it('skips malformed lines and a torn last record', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([Buffer.from('garbage\n\n'), o(1, 'one'), Buffer.from('2026-11-22T10:38:35Z stdin F x\n'), o(2, 'two'), o(3, 'torn').subarray(0, 40)]));
    assert.deepEqual(await read(log), ['o:one\n', 'o:two\n']);
  }));

  it('reads nothing from a log that is not there', () => withDir(async (dir) => {
    assert.deepEqual(await read(join(dir, 'none.log')), []);
    assert.deepEqual(await read(join(dir, 'none.log'), { tail: 3 }), []);
  }));

  it('since keeps lines at or after it; until ends at the first line after it (as moby)', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'a'), o(2, 'b'), e(3, 'c'), o(5, 'd'), o(4, 'late clock'), o(6, 'e')]));
    const at = (n: number) => T0 + BigInt(n) * MS;
    assert.deepEqual(await read(log, { sinceNs: at(2) }), ['o:b\n', 'e:c\n', 'o:d\n', 'o:late clock\n', 'o:e\n']);
    assert.deepEqual(await read(log, { untilNs: at(3) }), ['o:a\n', 'o:b\n', 'e:c\n']);
    assert.deepEqual(await read(log, { sinceNs: at(2), untilNs: at(4), stdout: false }), ['e:c\n']);
    assert.deepEqual(await read(log, { tail: 2, sinceNs: at(5) }), ['o:e\n']);
  }));

  it('tails the last lines of both streams, then drops the unselected one (as Docker)', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'o1'), e(2, 'e1'), o(3, 'o2'), e(4, 'e2')]));
    assert.deepEqual(await read(log, { tail: 0 }), []);
    assert.deepEqual(await read(log, { tail: 1 }), ['e:e2\n']);
    assert.deepEqual(await read(log, { tail: 2 }), ['o:o2\n', 'e:e2\n']);
    assert.deepEqual(await read(log, { tail: 2, stderr: false }), ['o:o2\n']);
    assert.deepEqual(await read(log, { tail: 9 }), ['o:o1\n', 'e:e1\n', 'o:o2\n', 'e:e2\n']);
    assert.deepEqual(await read(log, { tail: -1 }), await read(log));
  }));

  it('tails whole lines when another stream\'s records come between their parts', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'x'), o(2, 'a', 'P'), e(3, 'e1'), o(4, 'b', 'P'), e(5, 'e2'), o(6, 'c'), e(7, 'last', 'P')]));
    assert.deepEqual(await read(log, { tail: 1 }), ['e:last']);
    assert.deepEqual(await read(log, { tail: 2 }), ['o:abc\n', 'e:last']);
    assert.deepEqual(await read(log, { tail: 3 }), ['e:e2\n', 'o:abc\n', 'e:last']);
    assert.deepEqual(await read(log, { tail: 5 }), ['o:x\n', 'e:e1\n', 'e:e2\n', 'o:abc\n', 'e:last']);
  }));

  it('reads rotated files oldest first, with gaps, and tails across them', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(`${log}.3`, Buffer.concat([o(1, 'one'), o(2, 'two')]));
    await writeFile(`${log}.1`, Buffer.concat([o(3, 'three'), o(4, 'fo', 'P')]));
    // A line begun in the rotated file ends in the live one.
    await writeFile(log, Buffer.concat([o(5, 'ur'), o(6, 'five')]));
    await writeFile(`${log}.tmp`, o(9, 'conmon scratch file'));
    await writeFile(`${log}.x`, o(9, 'not a rotation'));
    const all = ['o:one\n', 'o:two\n', 'o:three\n', 'o:four\n', 'o:five\n'];
    assert.deepEqual(await read(log), all);
    for (let n = 0; n <= 6; n++) assert.deepEqual(await read(log, { tail: n }), all.slice(Math.max(0, all.length - n)), `tail ${n}`);
  }));

  it('reads what a model of the format says, and tails the lines that ended last (fuzz, seed 1234)', () => withDir(async (dir) => {
    const rand = mulberry32(1234);
    for (let round = 0; round < 40; round++) {
      await mkdir(join(dir, `${round}`));
      const log = join(dir, `${round}`, 'c.log');
      const records: Buffer[] = [];
      const model: Array<{ stream: LogStream; partial: boolean; text: string } | undefined> = [];
      const count = Math.floor(rand() * 60);
      for (let i = 0; i < count; i++) {
        if (rand() < 0.05) {
          records.push(Buffer.from('not a record\n'));
          model.push(undefined);
          continue;
        }
        const m = { stream: (rand() < 0.6 ? 'stdout' : 'stderr') as LogStream, partial: rand() < 0.35, text: `${i}`.repeat(1 + Math.floor(rand() * 3)) };
        records.push(r(i, m.stream, m.partial ? 'P' : 'F', m.text));
        model.push(m);
      }
      // Cut into up to four files at record boundaries: .3 .2 .1 and the live one.
      const cuts = [0, ...[0, 1, 2].map(() => Math.floor(rand() * (count + 1))).sort((a, b) => a - b), count];
      const names = [`${log}.3`, `${log}.2`, `${log}.1`, log];
      for (let f = 0; f < 4; f++) if (rand() < 0.9 || f === 3) await writeFile(names[f]!, Buffer.concat(records.slice(cuts[f], cuts[f + 1])));
      const want = expected(model, names, cuts, await existing(names));
      assert.deepEqual(await read(log), want.map((m) => m.show), `round ${round}`);
      for (const n of [0, 1, 2, 3, 5, 8, 13, 100]) {
        const last = new Set([...want].sort((a, b) => a.end - b.end).slice(Math.max(0, want.length - n)));
        const tail = want.filter((m) => last.has(m));
        assert.deepEqual(await read(log, { tail: n }), tail.map((m) => m.show), `round ${round} tail ${n}`);
        assert.deepEqual(await read(log, { tail: n, stderr: false }), tail.filter((m) => m.show.startsWith('o:')).map((m) => m.show), `round ${round} tail ${n} stdout`);
      }
    }
  }));

  it('follows appends, and ends after what was written before stopWhen settled', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, o(1, 'a1'));
    let exited!: () => void;
    const it = readLogs(log, { ...both, follow: true, stopWhen: new Promise<void>((res) => { exited = res; }) })[Symbol.asyncIterator]();
    assert.deepEqual(await take(it, 1), ['o:a1\n']);
    await appendFile(log, Buffer.concat([o(2, 'a2'), e(3, 'e1')]));
    assert.deepEqual(await take(it, 2), ['o:a2\n', 'e:e1\n']);
    await appendFile(log, o(4, 'last words'));
    exited();
    assert.deepEqual(await take(it, 1), ['o:last words\n']);
    assert.equal((await it.next()).done, true);
  }));

  it('follows through a rotation (rename to .1, writes to the old file, a new file) without loss or repeats', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'a1'), o(2, 'a2'), o(3, 'a3', 'P')]));
    const ac = new AbortController();
    const it = readLogs(log, { ...both, follow: true, signal: ac.signal })[Symbol.asyncIterator]();
    assert.deepEqual(await take(it, 3), ['o:a1\n', 'o:a2\n', 'o:a3']);
    // As tugd and conmon do it: rename, conmon writes on until it reopens, then a new file.
    await rename(log, `${log}.1`);
    await appendFile(`${log}.1`, o(4, 'continued'));
    await appendFile(`${log}.1`, o(5, 'a4'));
    await writeFile(log, o(6, 'b1'));
    await appendFile(log, o(7, 'b2'));
    assert.deepEqual(await take(it, 4), ['o:continued\n', 'o:a4\n', 'o:b1\n', 'o:b2\n']);
    // conmon's own --log-size-max: a new file renamed over the name, nothing kept as .1.
    await appendFile(log, o(8, 'b3'));
    await writeFile(`${log}.tmp`, o(9, 'c1'));
    await rename(`${log}.tmp`, log);
    await appendFile(log, o(10, 'c2'));
    assert.deepEqual(await take(it, 3), ['o:b3\n', 'o:c1\n', 'o:c2\n']);
    ac.abort();
    assert.equal((await it.next()).done, true);
  }));

  it('follows a log that appears later, and one that is mid-rotation when reading starts', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    const ac = new AbortController();
    // No tail: whether the reader opens before or after the write, it reads the line once.
    const it = readLogs(log, { ...both, follow: true, signal: ac.signal })[Symbol.asyncIterator]();
    const first = it.next();
    await writeFile(log, o(1, 'hello'));
    assert.equal(show((await first).value as LogMessage), 'o:hello\n');
    ac.abort();
    assert.equal((await it.next()).done, true);

    await rename(log, `${log}.1`);
    const stop = Promise.resolve();
    assert.deepEqual(await read(log, { follow: true, stopWhen: stop }), ['o:hello\n']);
    const ac2 = new AbortController();
    const it2 = readLogs(log, { ...both, follow: true, signal: ac2.signal })[Symbol.asyncIterator]();
    const next = it2.next();
    await appendFile(`${log}.1`, o(2, 'still the old file'));
    await writeFile(log, o(3, 'reopened'));
    assert.deepEqual([show((await next).value as LogMessage), ...(await take(it2, 2))], ['o:hello\n', 'o:still the old file\n', 'o:reopened\n']);
    ac2.abort();
    assert.equal((await it2.next()).done, true);
  }));

  it('with tail 0 counts "what comes next" from the call, not from the first next() (attach, then start)', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'before'), o(2, 'torn').subarray(0, 30)]));
    const ac = new AbortController();
    const messages = readLogs(log, { ...both, follow: true, tail: 0, signal: ac.signal });
    await appendFile(log, Buffer.concat([o(2, 'torn').subarray(30), o(3, 'first output')]));
    await rename(log, `${log}.1`);
    await writeFile(log, o(4, 'after a rotation'));
    const it = messages[Symbol.asyncIterator]();
    assert.deepEqual(await take(it, 3), ['o:torn\n', 'o:first output\n', 'o:after a rotation\n']);
    ac.abort();
    assert.equal((await it.next()).done, true);
  }));

  it('sends an unfinished line once caught up (a prompt), and completes a record torn mid-write', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    const line = o(2, 'rest of it');
    await writeFile(log, Buffer.concat([o(1, '/ # ', 'P'), line.subarray(0, 20)]));
    const ac = new AbortController();
    const it = readLogs(log, { ...both, follow: true, signal: ac.signal })[Symbol.asyncIterator]();
    assert.deepEqual(await take(it, 1), ['o:/ # ']);
    await appendFile(log, line.subarray(20));
    assert.deepEqual(await take(it, 1), ['o:rest of it\n']);
    ac.abort();
    assert.equal((await it.next()).done, true);
  }));

  it('ends when aborted while waiting, at once when aborted before, and after `until` has passed', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, o(1, 'x'));
    const ac = new AbortController();
    const it = readLogs(log, { ...both, follow: true, signal: ac.signal })[Symbol.asyncIterator]();
    assert.deepEqual(await take(it, 1), ['o:x\n']);
    const pending = it.next();
    ac.abort();
    assert.equal((await pending).done, true);
    assert.deepEqual(await read(log, { follow: true, signal: AbortSignal.abort() }), []);
    // `until` in the past: nothing written later can qualify, so following ends.
    assert.deepEqual(await read(log, { follow: true, untilNs: T0 + 5n * MS }), ['o:x\n']);
  }));

  it('with stopWhen already settled, reads to the end and finishes', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await writeFile(log, Buffer.concat([o(1, 'a'), o(2, 'b', 'P')]));
    assert.deepEqual(await read(log, { follow: true, stopWhen: Promise.resolve() }), ['o:a\n', 'o:b']);
    assert.deepEqual(await read(log, { follow: true, tail: 0, stopWhen: Promise.resolve() }), []);
  }));
});

async function existing(names: string[]): Promise<boolean[]> {
  return Promise.all(names.map((n) => stat(n).then(() => true, () => false)));
}

/**
 * The lines a reader should give for records cut into files (some of which were not written):
 * a stream's P records joined up to its F, lines in the order they end, unfinished ones last.
 */
function expected(model: Array<{ stream: LogStream; partial: boolean; text: string } | undefined>, names: string[], cuts: number[], written: boolean[]) {
  const out: Array<{ show: string; end: number }> = [];
  const pending = new Map<LogStream, { text: string; end: number }>();
  model.forEach((m, i) => {
    const file = cuts.findIndex((c, f) => f < names.length && i >= c && i < cuts[f + 1]!);
    if (!m || !written[file]) return;
    const p = pending.get(m.stream);
    if (m.partial) {
      pending.set(m.stream, { text: (p?.text ?? '') + m.text, end: i });
      return;
    }
    pending.delete(m.stream);
    out.push({ show: `${m.stream === 'stdout' ? 'o' : 'e'}:${p?.text ?? ''}${m.text}\n`, end: i });
  });
  const unfinished = [...pending].map(([stream, p]) => ({ show: `${stream === 'stdout' ? 'o' : 'e'}:${p.text}`, end: p.end }));
  return [...out, ...unfinished.sort((a, b) => a.end - b.end)];
}
