// The CLI's start-up path: the command word found before commander parses (hot commands build
// only their own command), the code cache file's stamp, and bin/tug with a missing, stale or
// corrupt cache (it must run the same and leave a fresh cache behind).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commandWord } from '../../src/cli/argv.js';
import { STAMP_BYTES, bundleStamp, readCache, writeCache } from '../../src/cli/codecache.js';
import { REPO } from '../helpers/daemon.js';

describe('commandWord', () => {
  const cases: Array<[string[], string | undefined]> = [
    [['run', '--rm', 'busybox'], 'run'],
    [['-H', 'unix:///x.sock', 'run', 'busybox'], 'run'],
    [['--host', 'unix:///x.sock', '-D', 'create', 'busybox'], 'create'],
    [['--host=unix:///x.sock', '--log-level=debug', 'start', 'c1'], 'start'],
    [['-Hunix:///x.sock', '-ldebug', '--debug', 'ps'], 'ps'],
    [['-l', 'debug', 'container', 'run'], 'container'],
    [['-H', 'run', 'ps'], 'ps'],
    [['--version'], undefined],
    [['--help', 'run'], undefined],
    [['--config', 'run', 'ps'], undefined],
    [['-H'], undefined],
    [[], undefined],
  ];
  for (const [args, want] of cases) {
    it(`tug ${args.join(' ')} → ${want}`, () => {
      assert.equal(commandWord(['node', 'tug', ...args]), want);
    });
  }
});

describe('code cache file', () => {
  it('reads back what it wrote, only for the same bundle stamp', () => {
    const dir = mkdtempSync('/tmp/tug-cc-');
    try {
      const file = join(dir, 'x.cache');
      const stamp = bundleStamp(1234, 1700000000000.5);
      assert.equal(stamp.length, STAMP_BYTES);
      assert.equal(readCache(file, stamp), undefined);
      writeCache(file, stamp, Buffer.from('v8 data'));
      assert.equal(readCache(file, stamp)?.toString(), 'v8 data');
      assert.equal(readCache(file, bundleStamp(1234, 1700000000001)), undefined);
      assert.equal(readCache(file, bundleStamp(1235, 1700000000000.5)), undefined);
      writeFileSync(file, stamp);
      assert.equal(readCache(file, stamp), undefined, 'a stamp without data is no cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a cache that cannot be written is skipped without an error', () => {
    writeCache('/nonexistent-dir/x.cache', bundleStamp(1, 1), Buffer.from('x'));
    assert.equal(existsSync('/nonexistent-dir/x.cache'), false);
  });
});

describe('bin/tug launcher', () => {
  // A copy of the built CLI, so the test can damage its cache freely.
  function copyCLI(): string {
    const dir = mkdtempSync('/tmp/tug-cli-');
    for (const f of ['tug.cjs', 'tug-bundle.cjs', 'tug-hot.cjs']) cpSync(join(REPO, 'bin', f), join(dir, f));
    symlinkSync('tug.cjs', join(dir, 'tug'));
    return dir;
  }

  function tug(dir: string, args: string[]) {
    return spawnSync(join(dir, 'tug'), args, { encoding: 'utf8', env: { ...process.env, TUG_HOST: 'unix:///nonexistent/tug.sock' } });
  }

  it('runs without a cache, writes one, and runs the same from it', () => {
    const dir = copyCLI();
    try {
      const cache = join(dir, 'tug-bundle.cjs.cache');
      const first = tug(dir, ['version', '--format', '{{.Client.Version}}']);
      assert.equal(existsSync(cache), true);
      const second = tug(dir, ['version', '--format', '{{.Client.Version}}']);
      assert.deepEqual([second.status, second.stdout, second.stderr], [first.status, first.stdout, first.stderr]);
      assert.match(first.stdout, /^\d+\.\d+\.\d+\n$/);
      assert.match(first.stderr, /Cannot connect to the tug daemon at unix:\/\/\/nonexistent\/tug\.sock/);
      // run, create and start load their own bundle, and make its cache.
      assert.equal(existsSync(join(dir, 'tug-hot.cjs.cache')), false);
      assert.equal(tug(dir, ['create', '--bogus', 'busybox']).status, 125);
      assert.equal(existsSync(join(dir, 'tug-hot.cjs.cache')), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces a corrupt cache and one made for another bundle', () => {
    const dir = copyCLI();
    try {
      // run goes to the hot bundle, so its cache is the one at stake.
      const bundle = join(dir, 'tug-hot.cjs');
      const cache = join(dir, 'tug-hot.cjs.cache');
      const st = statSync(bundle);
      writeFileSync(cache, Buffer.concat([bundleStamp(st.size, st.mtimeMs), Buffer.from('garbage that is no V8 code cache')]));
      const r = tug(dir, ['run', '--bogus', 'busybox']);
      assert.deepEqual([r.status, r.stderr], [125, "unknown flag: --bogus\n\nUsage:  tug run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'tug run --help' for more information\n"]);
      assert.ok(statSync(cache).size > 10_000, 'a rejected cache is written anew');
      // Same length, other content: the stamp (mtime) tells them apart, V8's own check would not.
      utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
      const before = readFileSync(cache);
      const again = tug(dir, ['run', '--bogus', 'busybox']);
      assert.equal(again.status, 125);
      assert.notDeepEqual(readFileSync(cache).subarray(0, STAMP_BYTES), before.subarray(0, STAMP_BYTES));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
