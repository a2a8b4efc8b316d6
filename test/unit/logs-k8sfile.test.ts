// The k8s-file record parser, the timestamps on both sides (conmon's with an offset, Docker's fixed
// nine digits in UTC), and the encoding of a log line for GET /containers/{id}/logs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeLogMessage, formatTimestamp, parseRecord, parseTimestamp } from '../../src/containers/logs/index.js';
import { formatRecord, type LogRecord } from '../../src/containers/logs/k8sfile.js';
import { FrameDecoder, StdStream } from '../../src/streams/stdcopy.js';
import { mulberry32 } from '../helpers/random.js';

const ms = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
/** The end of year 9999, as far as four-digit years go. */
const MAX_NS = 253_402_300_800_000_000_000n;

describe('parseTimestamp', () => {
  const table: Array<[string, bigint | undefined]> = [
    ['2026-11-22T10:38:35.169831663+00:00', ms('2026-11-22T10:38:35Z') + 169_831_663n],
    // conmon writes its local time with the offset (TZ=Asia/Tokyo, TZ=America/St_Johns).
    ['2026-11-23T03:45:44.324259721+09:00', ms('2026-11-22T18:45:44Z') + 324_259_721n],
    ['2026-11-22T15:15:44.791126396-03:30', ms('2026-11-22T18:45:44Z') + 791_126_396n],
    ['2026-11-22T10:38:35Z', ms('2026-11-22T10:38:35Z')],
    ['2026-11-22T10:38:35.1Z', ms('2026-11-22T10:38:35Z') + 100_000_000n],
    ['1969-12-31T23:59:59.999999999Z', -1n],
    ['1970-01-01T00:00:00Z', 0n],
    ['2024-02-29T23:59:59Z', ms('2024-02-29T23:59:59Z')],
    ['2000-02-29T00:00:00Z', 951_782_400_000_000_000n],
    ['9999-12-31T23:59:59.999999999Z', MAX_NS - 1n],
    ['2023-02-29T00:00:00Z', undefined],
    ['1900-02-29T00:00:00Z', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-04-31T00:00:00Z', undefined],
    ['2026-11-22T24:00:00Z', undefined],
    ['2026-11-22T10:60:00Z', undefined],
    ['2026-11-22T10:38:60Z', undefined],
    ['2026-11-22T10:38:35+24:00', undefined],
    ['2026-11-22T10:38:35.1234567890Z', undefined],
    ['2026-11-22T10:38:35.Z', undefined],
    ['2026-11-22T10:38:35', undefined],
    ['2026-11-22T10:38:35+0000', undefined],
    ['2026-11-22 10:38:35Z', undefined],
    ['2026-11-22t10:38:35z', undefined],
    ['', undefined],
    ['stdout', undefined],
  ];
  for (const [ts, want] of table) {
    it(`${JSON.stringify(ts)} → ${want}`, () => assert.equal(parseTimestamp(ts), want));
  }
});

describe('formatTimestamp (RFC3339NanoFixed, UTC)', () => {
  const table: Array<[bigint, string]> = [
    [0n, '1970-01-01T00:00:00.000000000Z'],
    [1_795_367_775_123_456_789n, '2026-11-22T17:16:15.123456789Z'],
    // Unlike RFC3339Nano the zeros stay, as `docker logs -t` prints them.
    [1_795_367_775_120_000_000n, '2026-11-22T17:16:15.120000000Z'],
    [1_795_367_775_000_000_000n, '2026-11-22T17:16:15.000000000Z'],
    [-1n, '1969-12-31T23:59:59.999999999Z'],
    [951_782_400_000_000_000n, '2000-02-29T00:00:00.000000000Z'],
    [MAX_NS - 1n, '9999-12-31T23:59:59.999999999Z'],
  ];
  for (const [ns, want] of table) {
    it(`${ns} → ${want}`, () => assert.equal(formatTimestamp(ns), want));
  }

  it('agrees with Date on random instants and parses back (fuzz, seed 7)', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 5000; i++) {
      const ns = BigInt(Math.floor(rand() * 253_402_300_800)) * 1_000_000_000n + BigInt(Math.floor(rand() * 1e9));
      const s = formatTimestamp(ns);
      assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.equal(s.slice(0, 23), new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 23), String(ns));
      assert.equal(parseTimestamp(s), ns);
    }
  });
});

const rec = (line: string) => parseRecord(Buffer.from(line, 'latin1'));
const TS = '2026-11-22T10:38:35.169831663+00:00';
const T = ms('2026-11-22T10:38:35Z') + 169_831_663n;

describe('parseRecord', () => {
  const good: Array<[string, Omit<LogRecord, 'content' | 'timeNs'> & { content: string }]> = [
    [`${TS} stdout F hello`, { stream: 'stdout', partial: false, content: 'hello' }],
    [`${TS} stderr P abc`, { stream: 'stderr', partial: true, content: 'abc' }],
    // An empty line keeps the space after the tag.
    [`${TS} stdout F `, { stream: 'stdout', partial: false, content: '' }],
    [`${TS} stdout F  two  spaces `, { stream: 'stdout', partial: false, content: ' two  spaces ' }],
    [`${TS} stdout F a\tb\r`, { stream: 'stdout', partial: false, content: 'a\tb\r' }],
    [`${TS} stdout F stdout F x`, { stream: 'stdout', partial: false, content: 'stdout F x' }],
    [`${TS} stderr F \u00ff\u0000\u0001`, { stream: 'stderr', partial: false, content: '\u00ff\u0000\u0001' }],
  ];
  for (const [line, want] of good) {
    it(`reads ${JSON.stringify(line.slice(TS.length))}`, () => {
      const r = rec(line);
      assert.ok(r);
      assert.deepEqual({ stream: r.stream, partial: r.partial, content: r.content.toString('latin1'), timeNs: r.timeNs }, { ...want, timeNs: T });
    });
  }

  const bad = [
    `${TS} stdout F`, `${TS} stdout`, `${TS} stdin  F x`, `${TS} stdout X x`, `${TS} stdout FF x`, `${TS} stdout f x`,
    `${TS}  stdout F x`, `${TS} stdout:F x`, `${TS} stdout F:extra x`, `${TS}\tstdout F x`, `${TS} STDOUT F x`,
    `2026-11-22 stdout F x`, `nonsense stdout F x`, ` stdout F x`, '', 'x', `${TS}`, `${TS} `,
  ];
  for (const line of bad) {
    it(`skips ${JSON.stringify(line)}`, () => assert.equal(rec(line), undefined));
  }

  it('round-trips what formatRecord writes, and never throws on noise (fuzz, seed 42)', () => {
    const rand = mulberry32(42);
    const bytes = (n: number, noNewline: boolean) => Buffer.from(Array.from({ length: n }, () => {
      const b = Math.floor(rand() * 256);
      return noNewline && b === 0x0a ? 0x20 : b;
    }));
    for (let i = 0; i < 3000; i++) {
      const r: LogRecord = {
        timeNs: BigInt(Math.floor(rand() * 4e9)) * 1_000_000_000n + BigInt(Math.floor(rand() * 1e9)),
        stream: rand() < 0.5 ? 'stdout' : 'stderr',
        partial: rand() < 0.3,
        content: bytes(Math.floor(rand() * 40), true),
      };
      const line = formatRecord(r);
      assert.equal(line.at(-1), 0x0a);
      assert.deepEqual(parseRecord(line.subarray(0, -1)), r);
      // Any byte changed anywhere: a record or nothing, never an exception.
      const mutated = Buffer.from(line.subarray(0, -1));
      mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
      const m = parseRecord(mutated);
      if (m) assert.ok(m.stream === 'stdout' || m.stream === 'stderr');
      assert.doesNotThrow(() => parseRecord(bytes(Math.floor(rand() * 80), false)));
      assert.doesNotThrow(() => parseRecord(Buffer.from(`${formatTimestamp(r.timeNs)} ${bytes(12, false).toString('latin1')}`, 'latin1')));
    }
  });
});

describe('encodeLogMessage', () => {
  const msg = { stream: 'stderr' as const, timeNs: 1_795_367_775_120_000_000n, line: Buffer.from('oops\n') };

  it('frames a line on its stream without a TTY', () => {
    const out = encodeLogMessage(msg, { tty: false, timestamps: false });
    assert.deepEqual(out, Buffer.concat([Buffer.from([StdStream.Stderr, 0, 0, 0, 0, 0, 0, 5]), Buffer.from('oops\n')]));
    const frames = new FrameDecoder().push(encodeLogMessage({ ...msg, stream: 'stdout' }, { tty: false, timestamps: false }));
    assert.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [[StdStream.Stdout, 'oops\n']]);
  });

  it('puts the fixed-width UTC time and a space first with timestamps', () => {
    const [frame] = new FrameDecoder().push(encodeLogMessage(msg, { tty: false, timestamps: true }));
    assert.equal(frame!.payload.toString(), '2026-11-22T17:16:15.120000000Z oops\n');
  });

  it('sends raw bytes with a TTY', () => {
    assert.equal(encodeLogMessage(msg, { tty: true, timestamps: false }).toString(), 'oops\n');
    assert.equal(encodeLogMessage({ ...msg, line: Buffer.from('$ ') }, { tty: true, timestamps: true }).toString(), '2026-11-22T17:16:15.120000000Z $ ');
  });

  it('splits a line longer than a frame holds into several frames', () => {
    const big = { ...msg, line: Buffer.alloc(3 * 1024 * 1024 + 1, 0x61) };
    const frames = new FrameDecoder().push(encodeLogMessage(big, { tty: false, timestamps: false }));
    assert.ok(frames.length > 1);
    assert.equal(Buffer.concat(frames.map((f) => f.payload)).length, big.line.length);
  });
});
