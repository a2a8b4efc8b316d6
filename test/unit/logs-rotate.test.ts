// Log options (json-file driver's messages), the rename shift of rotated files and its recovery
// after a crash part way, and LogRotator talking to conmon's ctl FIFO (here a FIFO the test reads).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LOG_OPTS, LogRotator, parseLogOpts, rotateLog, type LogOpts } from '../../src/containers/logs/index.js';
import { parseLocalLogOpts } from '../../src/containers/logs/rotate.js';
import { isTugError } from '../../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-logs-rot-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The directory as {name: contents}. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) if (!name.startsWith('ctl')) out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

async function files(dir: string, contents: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(contents)) await writeFile(join(dir, name), text);
}

describe('parseLogOpts', () => {
  const ok: Array<[Record<string, string>, LogOpts]> = [
    [{}, { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: false }],
    [{ 'max-size': '10m' }, { maxSize: 10_000_000, maxFiles: 5, compress: false }],
    [{ 'max-size': '500k' }, { maxSize: 500_000, maxFiles: 5, compress: false }],
    [{ 'max-size': '1g', 'max-file': '3' }, { maxSize: 1_000_000_000, maxFiles: 3, compress: false }],
    [{ 'max-size': '1.5M' }, { maxSize: 1_500_000, maxFiles: 5, compress: false }],
    [{ 'max-size': '4096' }, { maxSize: 4096, maxFiles: 5, compress: false }],
    [{ 'max-file': '1' }, { maxSize: 20 * 1024 * 1024, maxFiles: 1, compress: false }],
    [{ 'max-file': '+7' }, { maxSize: 20 * 1024 * 1024, maxFiles: 7, compress: false }],
    [{ compress: 'true' }, { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true }],
    [{ compress: 'T', 'max-size': '1k', 'max-file': '2' }, { maxSize: 1000, maxFiles: 2, compress: true }],
    [{ compress: 'false', 'max-file': '1' }, { maxSize: 20 * 1024 * 1024, maxFiles: 1, compress: false }],
    [{ compress: '0' }, { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: false }],
  ];
  for (const [opts, want] of ok) {
    it(`${JSON.stringify(opts)} → ${JSON.stringify(want)}`, () => assert.deepEqual(parseLogOpts(opts), want));
  }

  // daemon/logger/local: compressed by default, its own words.
  const local: Array<[Record<string, string>, LogOpts | string]> = [
    [{}, { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true }],
    [{ 'max-size': '10k', 'max-file': '2' }, { maxSize: 10_000, maxFiles: 2, compress: true }],
    [{ 'max-file': '1', compress: 'false' }, { maxSize: 20 * 1024 * 1024, maxFiles: 1, compress: false }],
    [{ 'max-file': '0', compress: 'false' }, { maxSize: 20 * 1024 * 1024, maxFiles: 1, compress: false }],
    [{ 'max-file': '1' }, 'compression cannot be enabled when max file count is 1'],
    [{ compress: 'yes' }, 'error reading compress log option: strconv.ParseBool: parsing "yes": invalid syntax'],
    [{ 'max-size': 'big' }, "invalid value for max-size: big: invalid size: 'big'"],
    [{ 'max-file': 'x' }, 'invalid value for max-file: x: strconv.Atoi: parsing "x": invalid syntax'],
    [{ 'max-file': '-1' }, 'max file count cannot be less than 0'],
    [{ labels: 'a' }, "unknown log opt 'labels' for log driver local"],
  ];
  for (const [opts, want] of local) {
    it(`local ${JSON.stringify(opts)} → ${JSON.stringify(want)}`, () => {
      if (typeof want !== 'string') return assert.deepEqual(parseLocalLogOpts(opts), want);
      assert.throws(() => parseLocalLogOpts(opts), (err) => isTugError(err, 'InvalidParameter') && err.message === want);
    });
  }

  it('keeps its defaults unchanged', () => {
    parseLogOpts({ 'max-size': '1k' });
    assert.deepEqual(DEFAULT_LOG_OPTS, { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: false });
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ compress: 'maybe' }, 'strconv.ParseBool: parsing "maybe": invalid syntax'],
    [{ compress: 'true', 'max-file': '1' }, 'compress cannot be true when max-file is less than 2 or max-size is not set'],
    [{ 'max-size': '1m', keep: 'a' }, "unknown log opt 'keep' for json-file log driver"],
    [{ 'max-size': '1m', label: 'a' }, "unknown log opt 'label' for json-file log driver"],
    [{ 'max-size': 'abc' }, "invalid size: 'abc'"],
    [{ 'max-size': '' }, "invalid size: ''"],
    [{ 'max-size': '10x' }, "invalid suffix: 'x'"],
    [{ 'max-size': '-1' }, "invalid size: '-1'"],
    [{ 'max-size': '0' }, 'max-size must be a positive number'],
    [{ 'max-file': '0' }, 'max-file cannot be less than 1'],
    [{ 'max-file': '-2' }, 'max-file cannot be less than 1'],
    [{ 'max-file': 'three' }, 'strconv.Atoi: parsing "three": invalid syntax'],
    [{ 'max-file': '2.5' }, 'strconv.Atoi: parsing "2.5": invalid syntax'],
    [{ 'max-file': '' }, 'strconv.Atoi: parsing "": invalid syntax'],
    [{ 'max-file': '99999999999999999999' }, 'strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ];
  for (const [opts, message] of bad) {
    it(`${JSON.stringify(opts)} → ${message}`, () => {
      assert.throws(() => parseLogOpts(opts), (err) => isTugError(err, 'InvalidParameter') && err.message === message);
    });
  }
});

describe('rotateLog', () => {
  it('shifts the files up by one and drops the oldest', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await files(dir, { 'c.log': 'L', 'c.log.1': 'A', 'c.log.2': 'B' });
    assert.equal(await rotateLog(log, 4), true);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'L', 'c.log.2': 'A', 'c.log.3': 'B' });
    await files(dir, { 'c.log': 'M' });
    assert.equal(await rotateLog(log, 4), true);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'M', 'c.log.2': 'L', 'c.log.3': 'A' });
  }));

  it('does nothing while there is no live log (run twice in a row)', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await files(dir, { 'c.log': 'L', 'c.log.1': 'A' });
    assert.equal(await rotateLog(log, 3), true);
    assert.equal(await rotateLog(log, 3), false);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'L', 'c.log.2': 'A' });
  }));

  it('with max-file 1 drops the log; a smaller max-file drops the files beyond it', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await files(dir, { 'c.log': 'L', 'c.log.1': 'A' });
    assert.equal(await rotateLog(log, 1), true);
    assert.deepEqual(await snapshot(dir), {});
    await files(dir, { 'c.log': 'L', 'c.log.1': 'A', 'c.log.2': 'B', 'c.log.3': 'C', 'c.log.4': 'D' });
    await rotateLog(log, 2);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'L' });
  }));

  it('finishes a rotation cut short at any step, dropping nothing more', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    const start = { 'c.log': 'L', 'c.log.1': 'A', 'c.log.2': 'B', 'c.log.3': 'C', 'c.log.4': 'D' };
    const done = { 'c.log.1': 'L', 'c.log.2': 'A', 'c.log.3': 'B', 'c.log.4': 'C' };
    // The renames of one rotation with max-file 5, in order; a crash can come after any of them.
    const steps: Array<[string, string]> = [['c.log.3', 'c.log.4'], ['c.log.2', 'c.log.3'], ['c.log.1', 'c.log.2'], ['c.log', 'c.log.1']];
    for (let k = 0; k <= steps.length; k++) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await files(dir, start);
      for (const [from, to] of steps.slice(0, k)) await rename(join(dir, from), join(dir, to));
      await rotateLog(log, 5);
      assert.deepEqual(await snapshot(dir), done, `crash after ${k} renames`);
    }
  }));

  it('moves compressed files (.N.gz) with their index, a plain one beside them too, and drops the oldest in both forms', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    await files(dir, { 'c.log': 'L', 'c.log.1.gz': 'A', 'c.log.2.gz': 'B' });
    await rotateLog(log, 4);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'L', 'c.log.2.gz': 'A', 'c.log.3.gz': 'B' });
    // `.1` not compressed (a failed compression): it moves on plain.
    await files(dir, { 'c.log': 'M' });
    await rotateLog(log, 4);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'M', 'c.log.2': 'L', 'c.log.3.gz': 'A' });
    // The oldest index full in one form and left over in the other: both go.
    await files(dir, { 'c.log': 'N', 'c.log.3': 'stale' });
    await rotateLog(log, 4);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'N', 'c.log.2': 'M', 'c.log.3': 'L' });
    // A compression's temporary file is no rotated file.
    await files(dir, { 'c.log': 'O', 'c.log.1.gz.tmp': 'partial' });
    await rotateLog(log, 2);
    assert.deepEqual(await snapshot(dir), { 'c.log.1': 'O', 'c.log.1.gz.tmp': 'partial' });
  }));
});

describe('LogRotator', () => {
  const limits = { maxSize: 100, maxFiles: 3, compress: false };

  it('rotates at max-size and asks conmon to reopen with "2 0 0" on the ctl FIFO', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    const ctl = join(dir, 'ctl');
    execFileSync('mkfifo', [ctl]);
    // Stands in for conmon: the reading end of the FIFO.
    const reader = await open(ctl, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const rot = new LogRotator(log, ctl, limits);
      await writeFile(log, 'x'.repeat(99));
      assert.equal(await rot.check(), false);
      await writeFile(log, 'x'.repeat(100));
      const [a, b] = await Promise.all([rot.check(), rot.check()]);
      assert.deepEqual([a, b], [true, true]);
      const buf = Buffer.alloc(64);
      const { bytesRead } = await reader.read(buf, 0, 64, null);
      assert.equal(buf.subarray(0, bytesRead).toString(), '2 0 0\n');
      assert.deepEqual(await snapshot(dir), { 'c.log.1': 'x'.repeat(100) });
      // Until conmon reopens there is no live log: nothing to do, and no second reopen.
      assert.equal(await rot.check(), false);
      await writeFile(log, 'new');
      assert.equal(await rot.check(), false);
      assert.equal((await reader.read(buf, 0, 64, null)).bytesRead, 0);
    } finally {
      await reader.close();
    }
  }));

  it('without a conmon on the FIFO (or no FIFO), rotates and leaves an empty live log', () => withDir(async (dir) => {
    const log = join(dir, 'c.log');
    const ctl = join(dir, 'ctl');
    execFileSync('mkfifo', [ctl]);
    await writeFile(log, 'y'.repeat(150));
    assert.equal(await new LogRotator(log, ctl, limits).check(), true);
    assert.deepEqual(await snapshot(dir), { 'c.log': '', 'c.log.1': 'y'.repeat(150) });
    assert.equal((await stat(log)).mode & 0o777, 0o600);
    await writeFile(log, 'z'.repeat(100));
    assert.equal(await new LogRotator(log, join(dir, 'gone'), limits).check(), true);
    assert.deepEqual(await snapshot(dir), { 'c.log': '', 'c.log.1': 'z'.repeat(100), 'c.log.2': 'y'.repeat(150) });
  }));
});
