// --since/--until conversion (docker's timetypes.GetTimestamp) and the time `docker events`
// prints. Expected values were taken from the docker 28.2 CLI itself (its query to a stub daemon).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTugError } from '../../src/errors.js';
import { formatEventTime, getTimestamp } from '../../src/cli/format/timestamp.js';
import { mulberry32 } from '../helpers/random.js';
import { parseRFC3339Nano, rfc3339Nano } from '../../src/units/time.js';

/** 2026-11-22T17:16:15.123456789Z */
const REF = 1795367775123456789n;

// [value, zone offset of the reference (s east), API timestamp or error text]
const table: [string, number, string | { error: string }][] = [
  // Dates without a zone are read in the reference's zone; with one, as given.
  ['2023-01-02', 0, '1672617600.000000000'],
  ['2023-01-02', 3600, '1672614000.000000000'],
  ['2023-07-02', 3600, '1688252400.000000000'], // the reference's offset, not the date's (FixedZone)
  ['2023-01-02Z', 3600, '1672617600.000000000'],
  ['2023-01-02+01:00', 0, '1672614000.000000000'],
  ['2023-01-02T10', 0, '1672653600.000000000'],
  ['2023-01-02T10', 3600, '1672650000.000000000'],
  ['2023-01-02T1:11', 0, '1672621860.000000000'],
  ['2023-01-02T10:11', 0, '1672654260.000000000'],
  ['2023-01-02T10:11:12', 3600, '1672650672.000000000'],
  ['2023-01-02T10:11:12Z', 3600, '1672654272.000000000'],
  ['2023-01-02T10:11:12.5', 0, '1672654272.500000000'],
  ['2023-01-02T10:11:12,5', 0, '1672654272.500000000'],
  ['2023-01-02T10:11:12.123456789123Z', 0, '1672654272.123456789'],
  ['2023-01-02T10:11:12+05:30', 0, '1672634472.000000000'],
  ['2023-01-02T10:11:12.5+01:00', 3600, '1672650672.500000000'],
  ['2023-01-02T10:11-02:00', 0, '1672661460.000000000'],
  ['2023-01-02T10+02:00', 0, '1672646400.000000000'],
  ['0001-01-01', 0, '-62135596800.000000000'],
  ['1969-12-31T23:59:59.5Z', 0, '-1.500000000'],
  ['2024-02-29', 0, '1709164800.000000000'],
  // UNIX timestamps pass through unchanged (anything strconv.ParseInt takes on both sides of the dot).
  ['1700000000', 0, '1700000000'],
  ['1700000000.5', 0, '1700000000.5'],
  ['+17', 0, '+17'],
  ['1.+5', 0, '1.+5'],
  ['0', 0, '0'],
  // Durations count back from the reference, in whole seconds.
  ['0s', 0, '1795367775'],
  ['10m', 0, '1795367175'],
  ['1h30m', 3600, '1795362375'],
  ['-1h', 0, '1795371375'],
  ['1.5s', 0, '1795367773'],
  // Errors, with Go's texts.
  ['2023-02-30', 0, { error: 'parsing time "2023-02-30": day out of range' }],
  ['2023-02-29', 0, { error: 'parsing time "2023-02-29": day out of range' }],
  ['2023-13-01', 0, { error: 'parsing time "2023-13-01": month out of range' }],
  ['2023-1-02', 0, { error: 'parsing time "2023-1-02" as "2006-01-02": cannot parse "1-02" as "01"' }],
  ['2023-01-02T25', 0, { error: 'parsing time "2023-01-02T25": hour out of range' }],
  ['2023-01-02T10:61', 0, { error: 'parsing time "2023-01-02T10:61": minute out of range' }],
  ['2023-01-02T10:11:60', 0, { error: 'parsing time "2023-01-02T10:11:60": second out of range' }],
  ['2023-01-02t10', 0, { error: 'parsing time "2023-01-02t10": extra text: "t10"' }],
  ['2023-01-02T10:11:12z', 0, { error: 'parsing time "2023-01-02T10:11:12z" as "2006-01-02T15:04:05Z07:00": cannot parse "z" as "Z07:00"' }],
  ['2023-01-02 10:11', 0, { error: 'parsing time "2023-01-02 10:11": extra text: " 10:11"' }],
  ['2023-01-02T10:11:12+25:00', 0, { error: 'parsing time "2023-01-02T10:11:12+25:00": time zone offset hour out of range' }],
  ['2023-01-02T10:11:12+0100', 0, { error: 'parsing time "2023-01-02T10:11:12+0100" as "2006-01-02T15:04Z07:00": cannot parse ":12+0100" as "Z07:00"' }],
  ['2023-01-02T10:11:12.Z', 0, { error: 'parsing time "2023-01-02T10:11:12.Z" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse ".Z" as "Z07:00"' }],
  ['2023-01-02T10:11:12Zjunk', 0, { error: 'parsing time "2023-01-02T10:11:12Zjunk": extra text: "junk"' }],
  ['-5', 0, { error: 'parsing time "-5" as "2006-01-02": cannot parse "-5" as "2006"' }],
  ['2023-é1-02', 0, { error: 'parsing time "2023-\\xc3\\xa91-02" as "2006-01-02": cannot parse "\\xc3\\xa91-02" as "01"' }],
  ['foo', 0, { error: 'failed to parse value as time or duration: "foo"' }],
  ['10x', 0, { error: 'failed to parse value as time or duration: "10x"' }],
  ['1e5', 0, { error: 'failed to parse value as time or duration: "1e5"' }],
  [' 5', 0, { error: 'failed to parse value as time or duration: " 5"' }],
  ['1. ', 0, { error: 'failed to parse value as time or duration: "1. "' }],
  ['99999999999999999999', 0, { error: 'failed to parse value as time or duration: "99999999999999999999"' }],
  ['1.99999999999999999999', 0, { error: 'failed to parse value as time or duration: "1.99999999999999999999"' }],
  ['12:30', 0, { error: 'failed to parse value as time or duration: "12:30"' }],
  ['é', 0, { error: 'failed to parse value as time or duration: "é"' }],
];

describe('getTimestamp', () => {
  for (const [value, offset, want] of table) {
    it(`${JSON.stringify(value)} at UTC${offset ? `+${offset / 3600}` : ''}`, () => {
      if (typeof want === 'string') {
        assert.equal(getTimestamp(value, REF, offset), want);
        return;
      }
      assert.throws(() => getTimestamp(value, REF, offset), (err: unknown) => {
        assert.ok(isTugError(err, 'InvalidParameter'));
        assert.equal(err.message, want.error);
        return true;
      });
    });
  }

  it('fuzz: anything either converts to an API timestamp, passes through, or fails with InvalidParameter', () => {
    const rnd = mulberry32(20261122);
    const alphabet = '0123456789-:TZz+.,é hmsu';
    const seeds = ['2023-01-02T10:11:12.123456789+01:00', '2023-01-02', '1700000000.5', '1h30m', '2023-01-02T10:11Z'];
    for (let i = 0; i < 3000; i++) {
      const chars = [...seeds[Math.floor(rnd() * seeds.length)]!];
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const at = Math.floor(rnd() * (chars.length + 1));
        const c = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const op = rnd();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.7) chars.splice(at, 0, c);
        else chars[at] = c;
      }
      const value = chars.join('');
      try {
        const out = getTimestamp(value, REF, 3600);
        assert.ok(out === value || /^-?\d+(\.\d{9})?$/.test(out), `${JSON.stringify(value)} → ${out}`);
      } catch (err) {
        assert.ok(isTugError(err, 'InvalidParameter'), `${JSON.stringify(value)}: ${String(err)}`);
      }
    }
  });
});

describe('formatEventTime', () => {
  const table: [bigint, number, string][] = [
    [REF, 0, '2026-11-22T17:16:15.123456789Z'],
    [REF, 3600, '2026-11-22T18:16:15.123456789+01:00'],
    [REF, -5 * 3600, '2026-11-22T12:16:15.123456789-05:00'],
    [REF, 19800, '2026-11-22T22:46:15.123456789+05:30'],
    [1795367775000000000n, 0, '2026-11-22T17:16:15.000000000Z'],
    [5n, 0, '1970-01-01T00:00:00.000000005Z'],
  ];
  for (const [ns, offset, want] of table) {
    it(`${ns} at ${offset}s → ${want}`, () => assert.equal(formatEventTime(ns, offset), want));
  }
});

describe('RFC 3339 with nanoseconds', () => {
  it('parses what rfc3339Nano writes, back to the nanosecond', () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      const ns = BigInt(Math.floor(rnd() * 2e9)) * 1_000_000_000n + BigInt(Math.floor(rnd() * 1e9));
      assert.equal(parseRFC3339Nano(rfc3339Nano(ns)), ns);
    }
    assert.equal(parseRFC3339Nano('2026-11-22T17:16:15.123456789+01:00'), REF - 3_600_000_000_000n);
    assert.equal(parseRFC3339Nano('0001-01-01T00:00:00Z'), BigInt(Date.parse('0001-01-01T00:00:00Z')) * 1_000_000n);
    assert.equal(parseRFC3339Nano('yesterday'), undefined);
  });
});
