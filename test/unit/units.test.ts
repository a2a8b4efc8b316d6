import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTugError } from '../../src/errors.js';
import { bytesSize, fromHumanSize, humanDuration, humanSize, humanSizeWithPrecision, parseSize, ramInBytes, timeAgo } from '../../src/cli/format/units.js';

// Expected values checked against github.com/docker/go-units.
test('humanSize and humanSizeWithPrecision', () => {
  const table: Array<[number, number, string]> = [
    [0, 3, '0B'], [1, 3, '1B'], [999, 3, '999B'], [1000, 3, '1kB'], [1200, 3, '1.2kB'], [4259840, 3, '4.26MB'],
    [77_900_000, 3, '77.9MB'], [1_234_567_890, 3, '1.23GB'], [999_950, 3, '1e+03kB'], [1250, 2, '1.2kB'], [1e27, 3, '1e+03YB'],
    [-5, 3, '-5B'], [1234567, 4, '1.235MB'], [2746000, 4, '2.746MB'],
  ];
  for (const [size, prec, want] of table) assert.equal(humanSizeWithPrecision(size, prec), want, `${size}/${prec}`);
  assert.equal(humanSize(4259840), '4.26MB');
  assert.equal(humanSize(1234567, 4), '1.235MB');
});

test('bytesSize uses powers of 1024', () => {
  const table: Array<[number, string]> = [[0, '0B'], [1023, '1023B'], [1024, '1KiB'], [1536, '1.5KiB'], [1048576, '1MiB'], [44 * 1024, '44KiB'], [2 ** 40, '1TiB']];
  for (const [size, want] of table) assert.equal(bytesSize(size), want, String(size));
});

test('humanDuration', () => {
  const s = 1000;
  const h = 3600 * s;
  const d = 24 * h;
  const table: Array<[number, string]> = [
    [-5 * s, 'Less than a second'], [0, 'Less than a second'], [999, 'Less than a second'], [s, '1 second'], [1999, '1 second'],
    [2 * s, '2 seconds'], [59 * s, '59 seconds'], [60 * s, 'About a minute'], [119 * s, 'About a minute'], [2 * 60 * s, '2 minutes'],
    [59 * 60 * s, '59 minutes'], [60 * 60 * s, 'About an hour'], [89 * 60 * s, 'About an hour'], [90 * 60 * s, '2 hours'],
    [47 * h, '47 hours'], [48 * h, '2 days'], [13 * d, '13 days'], [14 * d, '2 weeks'], [59 * d, '8 weeks'], [60 * d, '2 months'],
    [400 * d, '13 months'], [730 * d, '2 years'], [2000 * d, '5 years'],
  ];
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, String(ms));
});

test('timeAgo', () => {
  const now = Date.UTC(2024, 0, 1);
  assert.equal(timeAgo(new Date(now - 3 * 3600_000), now), '3 hours ago');
  assert.equal(timeAgo(now - 500, now), 'Less than a second ago');
});

test('ramInBytes / parseSize and fromHumanSize', () => {
  const ram: Array<[string, number]> = [
    ['32', 32], ['32b', 32], ['32B', 32], ['32k', 32 * 1024], ['32K', 32 * 1024], ['32kb', 32 * 1024], ['32Kib', 32 * 1024],
    ['32m', 32 * 2 ** 20], ['32MiB', 32 * 2 ** 20], ['1.5g', 1.5 * 2 ** 30], ['32 m', 32 * 2 ** 20], ['0.5k', 512], ['1e3', 1000],
    ['2t', 2 * 2 ** 40], ['1p', 2 ** 50], ['1.', 1],
  ];
  for (const [s, want] of ram) assert.equal(ramInBytes(s), want, s);
  assert.equal(parseSize('32m'), 32 * 2 ** 20);
  const dec: Array<[string, number]> = [['32', 32], ['32kb', 32_000], ['32KB', 32_000], ['1.5MB', 1_500_000], ['2G', 2e9]];
  for (const [s, want] of dec) assert.equal(fromHumanSize(s), want, s);
});

test('size parsing errors carry go-units\' text', () => {
  const table: Array<[string, string]> = [
    ['', "invalid size: ''"],
    ['m', "invalid size: 'm'"],
    ['-32m', "invalid size: '-32m'"],
    ['32x', "invalid suffix: 'x'"],
    ['32mm', "invalid suffix: 'mm'"],
    ['32kbb', "invalid suffix: 'kbb'"],
    ['32bk', "invalid suffix: 'bk'"],
    ['32 kibi', "invalid suffix: 'kibi'"],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['1e400', 'strconv.ParseFloat: parsing "1e400": value out of range'],
    ['99999999p', "invalid size: '99999999p'"],
  ];
  for (const [s, message] of table) {
    assert.throws(() => ramInBytes(s), (err: unknown) => {
      assert.ok(isTugError(err, 'InvalidParameter'), s);
      assert.equal(err.message, message);
      return true;
    });
  }
});
