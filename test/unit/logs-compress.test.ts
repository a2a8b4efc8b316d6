// Compressed rotated logs (`--log-opt compress=true`): the .gz is a gzip member as Go's gzip.Writer
// writes it with dockerd's {"lastTime":…} in its extra field (checked with the gzip tool and a
// header parse), LogShipper compresses each rotated file and finishes one a crash left plain, and
// readLogs reads a set of plain and compressed files whole, by tail and by since (skipping a
// compressed file older than since without decompressing it) and leaves no temporary file behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { LogShipper, formatEntry, readLogs, type ReadLogsOptions } from '../../src/containers/logs/index.js';
import { compressRotated, gzipExtra, gzipHeader, lastTimeOf } from '../../src/containers/logs/compress.js';
import { formatRecord, type LogRecord } from '../../src/containers/logs/k8sfile.js';

const T0 = 1_795_367_775_000_000_000n;
const MS = 1_000_000n;
const rec = (at: number, text: string): LogRecord => ({ timeNs: T0 + BigInt(at) * MS, stream: 'stdout', partial: false, content: Buffer.from(text) });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-logs-gz-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => formatEntry(rec(from + i, `line-${from + i}`))).join('');

async function lines(path: string, opts: Partial<ReadLogsOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readLogs(path, { stdout: true, stderr: true, ...opts })) out.push(m.line.toString().trimEnd());
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line-${from + i}`);

describe('compressRotated', () => {
  it('writes a gzip member with the last entry time in its extra field, then removes the plain file', () => withDir(async (dir) => {
    const plain = join(dir, 'c-json.log.1');
    const text = entries(0, 500);
    await writeFile(plain, text);
    await compressRotated(plain, T0 + 499n * MS + 7n);
    assert.deepEqual(await readdir(dir), ['c-json.log.1.gz']);
    const gz = await readFile(`${plain}.gz`);
    // The gzip tool checks the CRC and length of the trailer.
    execFileSync('gzip', ['-t', `${plain}.gz`]);
    assert.equal(gunzipSync(gz).toString(), text);
    // Go's gzip.Writer header: deflate, FEXTRA only, no mtime, XFL 0, OS 255.
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255]);
    assert.equal(gzipExtra(gz)!.toString(), '{"lastTime":"2026-11-22T17:16:15.499000007Z"}');
    const fh = await open(`${plain}.gz`, 'r');
    try {
      assert.equal(await lastTimeOf(fh), T0 + 499n * MS + 7n);
    } finally {
      await fh.close();
    }
  }));

  it('gives no time for an empty extra, a zero Go time or no extra field', () => withDir(async (dir) => {
    const cases: Array<[Buffer, bigint | undefined]> = [
      [gzipHeader(Buffer.from('{}')), undefined],
      [gzipHeader(Buffer.from('{"lastTime":"0001-01-01T00:00:00Z"}')), undefined],
      [gzipHeader(Buffer.from('not json')), undefined],
      [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]), undefined],
      [gzipHeader(Buffer.from('{"lastTime":"2026-11-22T17:16:15Z"}')), T0],
    ];
    for (const [head, want] of cases) {
      const path = join(dir, 'h.gz');
      await writeFile(path, head);
      const fh = await open(path, 'r');
      try {
        assert.equal(await lastTimeOf(fh), want, head.toString('latin1'));
      } finally {
        await fh.close();
      }
    }
  }));
});

describe('LogShipper with compress', () => {
  const opts = { maxSize: 2000, maxFiles: 4, compress: true };
  const paths = (dir: string) => ({ journal: join(dir, 'container.log'), json: join(dir, 'c-json.log'), ctl: join(dir, 'ctl') });

  it('keeps every rotated file compressed, max-file files in all, and logs reads them in order', () => withDir(async (dir) => {
    const p = paths(dir);
    const records = Array.from({ length: 300 }, (_, i) => rec(i, `line-${i}`));
    await writeFile(p.journal, Buffer.concat(records.map(formatRecord)));
    await new LogShipper(p, opts).finish();
    const names = (await readdir(dir)).filter((n) => n.startsWith('c-json.log')).sort();
    assert.deepEqual(names, ['c-json.log', 'c-json.log.1.gz', 'c-json.log.2.gz', 'c-json.log.3.gz']);
    const all = await lines(p.json);
    assert.equal(all.at(-1), 'line-299');
    const first = Number(all[0]!.slice(5));
    assert.deepEqual(all, range(first, 300));
    // Each .gz says when its last entry was written.
    const fh = await open(`${p.json}.1.gz`, 'r');
    try {
      const last = gunzipSync(await readFile(`${p.json}.1.gz`)).toString().trimEnd().split('\n').at(-1)!;
      assert.equal(await lastTimeOf(fh), T0 + BigInt(Number(/line-(\d+)/.exec(last)![1])) * MS);
    } finally {
      await fh.close();
    }
  }));

  it('compresses a plain .1 that a crash left, once the shipper starts again', () => withDir(async (dir) => {
    const p = paths(dir);
    await writeFile(`${p.json}.1`, entries(0, 10));
    // A compression cut short: its temporary file is replaced.
    await writeFile(`${p.json}.1.gz.tmp`, 'partial');
    await writeFile(p.json, entries(10, 12));
    await writeFile(p.journal, '');
    await new LogShipper(p, opts).finish();
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('c-json.log')).sort(), ['c-json.log', 'c-json.log.1.gz']);
    assert.deepEqual(await lines(p.json), range(0, 12));
  }));
});

describe('readLogs over compressed files', () => {
  async function set(dir: string): Promise<string> {
    const log = join(dir, 'c-json.log');
    // Oldest compressed, then one plain (its compression not yet done), then the live file.
    await writeFile(`${log}.3`, entries(0, 100));
    await compressRotated(`${log}.3`, T0 + 99n * MS);
    await writeFile(`${log}.2`, entries(100, 200));
    await compressRotated(`${log}.2`, T0 + 199n * MS);
    await writeFile(`${log}.1`, entries(200, 300));
    await writeFile(log, entries(300, 310));
    return log;
  }

  it('reads all, tails across them, and takes a plain file before its compressed twin', () => withDir(async (dir) => {
    const log = await set(dir);
    assert.deepEqual(await lines(log), range(0, 310));
    assert.deepEqual(await lines(log, { tail: 5 }), range(305, 310));
    assert.deepEqual(await lines(log, { tail: 150 }), range(160, 310));
    assert.deepEqual(await lines(log, { tail: 1000 }), range(0, 310));
    // Mid-compression both forms of .1 exist: the plain one is read, once.
    await writeFile(`${log}.1.gz`, (await readFile(`${log}.2.gz`)));
    assert.deepEqual(await lines(log, { tail: 120 }), range(190, 310));
    // Reading leaves no decompressed copy behind.
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
  }));

  it('with since, does not decompress a file whose last entry is older', () => withDir(async (dir) => {
    const log = await set(dir);
    // Not a gzip stream past its header: decompressing it would fail.
    const head = await readFile(`${log}.3.gz`);
    const extra = gzipExtra(head)!;
    await writeFile(`${log}.3.gz`, Buffer.concat([head.subarray(0, 12 + extra.length), Buffer.from('garbage')]));
    assert.deepEqual(await lines(log, { sinceNs: T0 + 150n * MS }), range(150, 310));
    await assert.rejects(lines(log, { sinceNs: T0 + 50n * MS }));
  }));
});
