// --tail on a log of more than a gigabyte reads a few blocks from the end, not the file: the
// reader counts the bytes it reads, and that count is what is checked (never the time taken).
import assert from 'node:assert/strict';
import { open, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readLogs, type ReadLogsOptions } from '../../src/containers/logs/index.js';
import { formatRecord } from '../../src/containers/logs/k8sfile.js';

const GiB = 1024 * 1024 * 1024;
const T0 = 1_795_367_775_000_000_000n;
const line = (i: number, text: string, partial = false) => formatRecord({ timeNs: T0 + BigInt(i), stream: i % 3 ? 'stdout' : 'stderr', partial, content: Buffer.from(text) });

/** Writes `size` bytes of filler records (one buffer, written again and again), then `tail`. */
async function writeLog(path: string, size: number, tail: Buffer): Promise<number> {
  const unit = Buffer.concat(Array.from({ length: 4096 }, (_, i) => line(i, `filler line ${i} ${'.'.repeat(i % 50)}`)));
  const chunk = Buffer.concat(Array.from({ length: Math.ceil((16 * 1024 * 1024) / unit.length) }, () => unit));
  const fh = await open(path, 'w');
  let written = 0;
  try {
    while (written < size) {
      await fh.write(chunk);
      written += chunk.length;
    }
    await fh.write(tail);
    return written + tail.length;
  } finally {
    await fh.close();
  }
}

async function read(path: string, opts: Partial<ReadLogsOptions>): Promise<{ lines: string[]; bytesRead: number }> {
  const stats = { bytesRead: 0 };
  const lines: string[] = [];
  for await (const m of readLogs(path, { stdout: true, stderr: true, stats, ...opts })) lines.push(m.line.toString());
  return { lines, bytesRead: stats.bytesRead };
}

describe('tail of a 1 GiB log', () => {
  it('reads only blocks near the end, in the live file and across a rotated one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tug-logs-1g-'));
    try {
      const log = join(dir, 'c.log');
      const last = Array.from({ length: 10 }, (_, i) => `last ${i}`);
      const size = await writeLog(log, GiB, Buffer.concat([line(1, 'last 0 (partial, ', true), line(2, 'joined)'), ...last.slice(1).map((t, i) => line(i + 3, t))]));
      assert.ok(size > GiB);
      const want = ['last 0 (partial, joined)\n', ...last.slice(1).map((t) => `${t}\n`)];

      const t10 = await read(log, { tail: 10 });
      assert.deepEqual(t10.lines, want);
      assert.ok(t10.bytesRead < 512 * 1024, `read ${t10.bytesRead} bytes`);
      const t0 = await read(log, { tail: 0 });
      assert.deepEqual(t0.lines, []);
      assert.ok(t0.bytesRead < 512 * 1024, `read ${t0.bytesRead} bytes`);
      const t1000 = await read(log, { tail: 1000 });
      assert.equal(t1000.lines.length, 1000);
      assert.ok(t1000.bytesRead < 1024 * 1024, `read ${t1000.bytesRead} bytes`);

      // The big file rotated away: the live one has three lines, the other seven come from `.1`.
      await rename(log, `${log}.1`);
      await writeFile(log, Buffer.concat(['x', 'y', 'z'].map((t, i) => line(100 + i, t))));
      const across = await read(log, { tail: 10 });
      assert.deepEqual(across.lines, [...want.slice(3), 'x\n', 'y\n', 'z\n']);
      assert.ok(across.bytesRead < 512 * 1024, `read ${across.bytesRead} bytes`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
