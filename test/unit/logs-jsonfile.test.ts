// Docker's json-file entries (encoding as dockerd's jsonlog, parsing, refusals, a round-trip fuzz),
// readLogs giving the same lines from a json-file log as from the k8s-file journal it came from,
// and LogShipper on real files: conversion, resumption without duplicates after a "crash" (also
// inside a group of records sharing one time), torn entries, json rotation and leftover journals.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogShipper, encodeLogMessage, formatEntry, parseEntry, readLogs, type LogMessage } from '../../src/containers/logs/index.js';
import { attrsJSON } from '../../src/containers/logs/jsonfile.js';
import { formatRecord, type LogRecord, type LogStream } from '../../src/containers/logs/k8sfile.js';
import { mulberry32 } from '../helpers/random.js';

const T0 = 1_795_367_775_000_000_000n;
const rec = (at: bigint, stream: LogStream, text: string, partial = false): LogRecord => ({ timeNs: T0 + at, stream, partial, content: Buffer.from(text) });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tug-jsonlog-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('json-file entries', () => {
  const cases: Array<[LogRecord, string]> = [
    [rec(123_456_789n, 'stdout', 'hello'), '{"log":"hello\\n","stream":"stdout","time":"2026-11-22T17:16:15.123456789Z"}\n'],
    [rec(120_000_000n, 'stderr', 'oops'), '{"log":"oops\\n","stream":"stderr","time":"2026-11-22T17:16:15.12Z"}\n'],
    [rec(0n, 'stdout', 'abc', true), '{"log":"abc","stream":"stdout","time":"2026-11-22T17:16:15Z"}\n'],
    [rec(1n, 'stdout', '<a href="x">&</a>'), '{"log":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\n","stream":"stdout","time":"2026-11-22T17:16:15.000000001Z"}\n'],
    [rec(1n, 'stdout', 'tab\there\r\u0001\\ \u2028'), '{"log":"tab\\there\\r\\u0001\\\\ \\u2028\\n","stream":"stdout","time":"2026-11-22T17:16:15.000000001Z"}\n'],
    [{ ...rec(1n, 'stdout', ''), content: Buffer.from([0x61, 0xff, 0x62]) }, '{"log":"a\uFFFDb\\n","stream":"stdout","time":"2026-11-22T17:16:15.000000001Z"}\n'],
  ];
  it('are written as dockerd writes them', () => {
    for (const [r, line] of cases) assert.equal(formatEntry(r), line);
  });

  it('are read back; anything else is not an entry', () => {
    for (const [r, line] of cases.slice(0, 5)) assert.deepEqual(parseEntry(Buffer.from(line.slice(0, -1))), r);
    for (const bad of ['', 'x', '[]', 'null', '{"log":1,"stream":"stdout","time":"2026-11-22T17:16:15Z"}', '{"log":"a","stream":"stdin","time":"2026-11-22T17:16:15Z"}',
      '{"log":"a","stream":"stdout","time":"yesterday"}', '{"log":"a","stream":"stdout"}', '{"log":"a","stream":"stdout","time":"2026-11-22T17:16:15Z"']) {
      assert.equal(parseEntry(Buffer.from(bad)), undefined, bad);
    }
  });

  it('carry attrs between stream and time, as dockerd writes them, and give them back', () => {
    const line = formatEntry(rec(0n, 'stdout', 'hi'), attrsJSON({ a: '<b>', tag: 'web' }));
    assert.equal(line, '{"log":"hi\\n","stream":"stdout","attrs":{"a":"\\u003cb\\u003e","tag":"web"},"time":"2026-11-22T17:16:15Z"}\n');
    assert.deepEqual(parseEntry(Buffer.from(line.slice(0, -1))), { ...rec(0n, 'stdout', 'hi'), attrs: { a: '<b>', tag: 'web' } });
    // Only string values are attributes; an empty or odd attrs is none.
    for (const attrs of ['{}', '[]', '"x"', '{"n":1}']) {
      assert.deepEqual(parseEntry(Buffer.from(`{"log":"hi\\n","stream":"stdout","attrs":${attrs},"time":"2026-11-22T17:16:15Z"}`)), rec(0n, 'stdout', 'hi'), attrs);
    }
  });

  it('round-trip any UTF-8 text (fuzz)', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      // A record never holds a newline: conmon ends the record there.
      const chars = Array.from({ length: Math.floor(rand() * 20) }, () => String.fromCodePoint(rand() < 0.1 ? '<>&"\\\u2028\u0001'.charCodeAt(Math.floor(rand() * 7)) : Math.floor(rand() * (rand() < 0.5 ? 0x80 : 0xd7ff)))).filter((c) => c !== '\n');
      const r = rec(BigInt(Math.floor(rand() * 1e9)), rand() < 0.5 ? 'stdout' : 'stderr', chars.join(''), rand() < 0.3);
      const line = formatEntry(r);
      assert.equal(line.indexOf('\n'), line.length - 1);
      // The same bytes as Go's HTML-safe encoder gives, whichever way formatEntry took.
      const go = JSON.stringify(r.content.toString() + (r.partial ? '' : '\n')).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      assert.equal(line.slice(7, line.indexOf(',"stream":')), go);
      assert.deepEqual(parseEntry(Buffer.from(line.slice(0, -1))), r);
    }
  });
});

async function readAll(path: string, tail = -1): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readLogs(path, { stdout: true, stderr: true, tail })) out.push(`${m.stream}:${m.timeNs}:${m.line.toString()}`);
  return out;
}

describe('readLogs on a json-file log', () => {
  it('gives what the journal gives, for every tail (fuzz)', async () => {
    await withDir(async (dir) => {
      const rand = mulberry32(11);
      for (let round = 0; round < 20; round++) {
        const records = Array.from({ length: 1 + Math.floor(rand() * 40) }, (_, i) => rec(BigInt(i) * 1000n, rand() < 0.6 ? 'stdout' : 'stderr', `r${round}-${i}`, rand() < 0.3));
        const journal = join(dir, `j${round}.log`);
        const json = join(dir, `c${round}-json.log`);
        await writeFile(journal, Buffer.concat(records.map(formatRecord)));
        await writeFile(json, records.map((r) => formatEntry(r)).join(''));
        for (const tail of [-1, 0, 1, 3, 10, 100]) assert.deepEqual(await readAll(json, tail), await readAll(journal, tail), `round ${round} tail ${tail}`);
      }
    });
  });
});

const NOW = { maxSize: 1 << 30, maxFiles: 5, compress: false };

function paths(dir: string) {
  return { journal: join(dir, 'container.log'), json: join(dir, 'c-json.log'), ctl: join(dir, 'ctl') };
}

async function logs(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'c-json.log'), 'utf8')).split('\n').filter(Boolean).map((l) => parseEntry(Buffer.from(l))!.content.toString());
}

describe('readLogs with attrs', () => {
  it('gives a line the attrs of its first entry, and logs --details puts them first', async () => {
    await withDir(async (dir) => {
      const json = join(dir, 'c-json.log');
      const attrs = attrsJSON({ app: 'web 1', 'x=y': 'a,b' });
      await writeFile(json, [rec(0n, 'stdout', 'par', true), rec(1n, 'stdout', 't'), rec(2n, 'stderr', 'plain')].map((r, i) => formatEntry(r, i < 2 ? attrs : undefined)).join(''));
      const got: LogMessage[] = [];
      for await (const m of readLogs(json, { stdout: true, stderr: true })) got.push(m);
      assert.deepEqual(got.map((m) => [m.line.toString(), m.attrs]), [['part\n', { app: 'web 1', 'x=y': 'a,b' }], ['plain\n', undefined]]);
      const tty = (m: LogMessage, timestamps: boolean) => encodeLogMessage(m, { tty: true, timestamps, details: true }).toString();
      // dockerd: url.QueryEscape of keys and values, joined with commas, then a space; no attrs, just the space.
      assert.equal(tty(got[0]!, false), 'app=web+1,x%3Dy=a%2Cb part\n');
      assert.equal(tty(got[1]!, false), ' plain\n');
      assert.equal(tty(got[1]!, true), '2026-11-22T17:16:15.000000002Z  plain\n');
    });
  });
});

describe('LogShipper', () => {
  it('appends what the journal gained since the last pass, and waits for a torn record', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      await writeFile(p.journal, Buffer.concat([formatRecord(rec(1n, 'stdout', 'a')), formatRecord(rec(2n, 'stderr', 'b'))]));
      const s = new LogShipper(p, NOW);
      await s.pump();
      assert.deepEqual(await logs(dir), ['a', 'b']);
      const c = formatRecord(rec(3n, 'stdout', 'c'));
      await appendFile(p.journal, c.subarray(0, 10));
      await s.pump();
      assert.deepEqual(await logs(dir), ['a', 'b']);
      await appendFile(p.journal, c.subarray(10));
      await s.finish();
      assert.deepEqual(await logs(dir), ['a', 'b', 'c']);
      assert.equal((await stat(p.json)).mode & 0o777, 0o640);
    });
  });

  it('resumes after a crash without repeating or losing records, also inside a group sharing one time', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      const group = ['x1', 'x2', 'x3'].map((t) => rec(5n, 'stdout', t));
      await writeFile(p.journal, Buffer.concat([formatRecord(rec(1n, 'stdout', 'a')), ...group.map(formatRecord), formatRecord(rec(6n, 'stderr', 'z'))]));
      // What a crash after converting two records of the group, in the middle of the third entry, leaves.
      await writeFile(p.json, formatEntry(rec(1n, 'stdout', 'a')) + formatEntry(group[0]!) + formatEntry(group[1]!) + formatEntry(group[2]!).slice(0, 12));
      await new LogShipper(p, NOW).finish();
      assert.deepEqual(await logs(dir), ['a', 'x1', 'x2', 'x3', 'z']);
      // A second restart finds nothing new.
      await new LogShipper(p, NOW).finish();
      assert.deepEqual(await logs(dir), ['a', 'x1', 'x2', 'x3', 'z']);
    });
  });

  it('rotates the json log at max-size keeping max-file files; with one file, the mark keeps the resume point', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      const records = Array.from({ length: 100 }, (_, i) => rec(BigInt(i), 'stdout', `line-${i}`.padEnd(50, '.')));
      await writeFile(p.journal, Buffer.concat(records.map(formatRecord)));
      await new LogShipper(p, { maxSize: 1000, maxFiles: 3, compress: false }).finish();
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('c-json.log')).sort(), ['c-json.log', 'c-json.log.1', 'c-json.log.2']);
      for (const f of ['c-json.log.1', 'c-json.log.2']) {
        const size = (await stat(join(dir, f))).size;
        assert.ok(size >= 1000 && size < 1000 + 120, `${f}: ${size}`);
      }
      const kept = (await readAll(p.json)).map((l) => l.split(':')[2]!.trim());
      assert.deepEqual(kept, records.slice(100 - kept.length).map((r) => r.content.toString()));

      // max-file=1 drops the full file: a restart must not convert the dropped records again.
      await rm(p.json);
      await rm(join(dir, 'json-log.mark'), { force: true });
      await new LogShipper(p, { maxSize: 1000, maxFiles: 1, compress: false }).finish();
      const one = await logs(dir);
      assert.ok(one.length < 20 && one.at(-1) === records[99]!.content.toString(), one.join());
      await new LogShipper(p, { maxSize: 1000, maxFiles: 1, compress: false }).finish();
      assert.deepEqual(await logs(dir), one);
      // A crash right after a rotation leaves an empty file and the mark written before it.
      assert.equal(await readFile(join(dir, 'json-log.mark'), 'utf8'), `${records.at(-one.length - 1)!.timeNs} 1\n`);
      await writeFile(join(dir, 'json-log.mark'), `${records[99]!.timeNs} 1\n`);
      await writeFile(p.json, '');
      await new LogShipper(p, { maxSize: 1000, maxFiles: 1, compress: false }).finish();
      assert.deepEqual(await logs(dir), []);
    });
  });

  it('never rotates in the middle of a line conmon split into partial records, on either stream', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      // Lines of three parts each (P, P, F), the two streams interleaved: most entries end no line.
      const records = Array.from({ length: 150 }, (_, i) => rec(BigInt(i), i % 2 ? 'stderr' : 'stdout', `part-${i}`.padEnd(40, '.'), Math.floor(i / 2) % 3 !== 2));
      await writeFile(p.journal, Buffer.concat(records.map(formatRecord)));
      await new LogShipper(p, { maxSize: 500, maxFiles: 20, compress: false }).finish();
      const files = (await readdir(dir)).filter((n) => n.startsWith('c-json.log'));
      assert.ok(files.length > 5, files.join());
      for (const f of files) {
        const entries = (await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean).map((l) => parseEntry(Buffer.from(l))!);
        // Every line a file holds ends in it, on both streams.
        for (const stream of ['stdout', 'stderr']) assert.equal(entries.filter((e) => e.stream === stream).at(-1)?.partial ?? false, false, `${f} ${stream}`);
      }
    });
  });

  it('converts a rotated journal left by a crash first, then the live one, and deletes the rotated one', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      await writeFile(`${p.journal}.1`, formatRecord(rec(1n, 'stdout', 'old')));
      await writeFile(p.journal, formatRecord(rec(2n, 'stdout', 'new')));
      const s = new LogShipper(p, NOW);
      await s.pump();
      assert.deepEqual(await logs(dir), ['old', 'new']);
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('container.log')), ['container.log']);
      await s.finish();
    });
  });

  it('keeps the journal under its name when no monitor listens to a reopen', async () => {
    await withDir(async (dir) => {
      const p = paths(dir);
      const big = Array.from({ length: 300 }, (_, i) => formatRecord(rec(BigInt(i), 'stdout', 'y'.repeat(4000))));
      await writeFile(p.journal, Buffer.concat(big));
      const s = new LogShipper(p, NOW);
      await s.pump();
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('container.log')), ['container.log']);
      await appendFile(p.journal, formatRecord(rec(1000n, 'stdout', 'after')));
      await s.finish();
      const all = await logs(dir);
      assert.equal(all.length, 301);
      assert.equal(all.at(-1), 'after');
    });
  });
});
