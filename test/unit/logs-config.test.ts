// LogConfig as dockerd shows and checks it, and tugd's rotation pass over watched logs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTugError } from '../../src/errors.js';
import { assertReadable, logOptions, normalizeLogConfig, rotationOf } from '../../src/containers/logs/config.js';
import { DEFAULT_LOG_OPTS } from '../../src/containers/logs/rotate.js';
import { LogRotation } from '../../src/containers/logs/watch.js';

const dir = mkdtempSync('/tmp/tug-logs-config-');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('LogConfig', () => {
  it('fills in json-file and sorts the options as Go marshals them', () => {
    assert.deepEqual(normalizeLogConfig(undefined), { Type: 'json-file', Config: {} });
    assert.deepEqual(normalizeLogConfig({ Type: '', Config: { 'max-size': '1m', 'max-file': '2' } }), { Type: 'json-file', Config: { 'max-file': '2', 'max-size': '1m' } });
    assert.deepEqual(normalizeLogConfig({ Type: 'local' }), { Type: 'local', Config: {} });
  });

  it('rotates by default, with the options given, and keeps little for none', () => {
    assert.deepEqual(logOptions({ Type: 'json-file' }), { driver: 'json-file', opts: DEFAULT_LOG_OPTS });
    assert.deepEqual(logOptions({ Type: 'local', Config: { 'max-size': '10k', 'max-file': '2' } }), { driver: 'local', opts: { maxSize: 10_000, maxFiles: 2, compress: true } });
    assert.deepEqual(logOptions({ Type: 'none' }).opts, { maxSize: 1024 * 1024, maxFiles: 1, compress: false });
    assert.deepEqual(rotationOf({ Type: 'bogus' }), DEFAULT_LOG_OPTS);
  });

  it('refuses what dockerd refuses, with its words', () => {
    const table: [Parameters<typeof logOptions>[0], string][] = [
      [{ Type: 'syslog' }, "logger: no log driver named 'syslog' is registered"],
      [{ Type: 'json-file', Config: { tags: 'x' } }, "unknown log opt 'tags' for json-file log driver"],
      [{ Type: 'local', Config: { mode: 'non-blocking' } }, "unknown log opt 'mode' for log driver local"],
      [{ Type: 'json-file', Config: { compress: 'on' } }, 'strconv.ParseBool: parsing "on": invalid syntax'],
      [{ Type: 'none', Config: { 'max-size': '1m' } }, "unknown log opt 'max-size' for none log driver"],
      [{ Type: 'json-file', Config: { 'max-size': '-1' } }, "invalid size: '-1'"],
    ];
    for (const [lc, message] of table) {
      assert.throws(() => normalizeLogConfig(lc), (err: unknown) => isTugError(err, 'InvalidParameter') && (err as Error).message === message, message);
    }
    assert.throws(() => assertReadable({ Type: 'none' }), /^TugError: configured logging driver does not support reading$/);
    assertReadable({ Type: 'local' });
  });
});

describe('LogRotation', () => {
  it('rotates a watched log once it reaches max-size, and stops when unwatched', async () => {
    const log = join(dir, 'container.log');
    const errors: string[] = [];
    const rotation = new LogRotation((_id, m) => errors.push(m), 60_000);
    writeFileSync(log, 'x'.repeat(2000));
    // No conmon reads this ctl: the rotator makes the new live file itself.
    rotation.watch('c1', log, join(dir, 'no-ctl'), { maxSize: 1000, maxFiles: 2, compress: false });
    await rotation.checkAll();
    assert.equal(readFileSync(`${log}.1`, 'utf8').length, 2000);
    assert.equal(statSync(log).size, 0);
    writeFileSync(log, 'y'.repeat(500));
    await rotation.checkAll();
    assert.equal(statSync(log).size, 500, 'rotated below max-size');
    rotation.unwatch('c1');
    writeFileSync(log, 'z'.repeat(5000));
    await rotation.checkAll();
    assert.equal(statSync(log).size, 5000);
    assert.equal(existsSync(`${log}.2`), false);
    assert.deepEqual(errors, []);
    rotation.close();
  });
});
