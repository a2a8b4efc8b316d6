// tugd itself: the socket, API versioning, errors, the data-root lock, signals.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { findCgroup2, type Cgroup2Mount } from '../../src/daemon/cgroups.js';
import { MS_REMOUNT, mount } from '../../src/sys/libc.js';
import { parseMountOptions } from '../../src/volumes/local.js';
import { after, before, describe, it } from 'node:test';
import { TUG, TUGD, TestDaemon, runProcess } from '../helpers/daemon.js';

function hostCgroup2(): (Cgroup2Mount & { vfs: number }) | undefined {
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  const found = findCgroup2(info);
  if (!found) return undefined;
  const line = info.split('\n').find((l) => l.split(' ')[4] === found.path)!;
  // The mount's own options (rw, nosuid, relatime, …) as mount(2) flags, as `o=` of a local volume is read.
  return { ...found, vfs: parseMountOptions(line.split(' ')[5]!).flags };
}

/** Drops favordynmods from the superblock (mount(8) would merge it back in), keeping all else. */
function clearFavordynmods(m: Cgroup2Mount & { vfs: number }): void {
  const data = m.options.filter((o) => o !== 'rw' && o !== 'ro' && o !== 'favordynmods').join(',');
  mount('cgroup2', m.path, 'cgroup2', MS_REMOUNT | m.vfs, data);
}

describe('tugd', () => {
  let d: TestDaemon;
  before(async () => { d = await TestDaemon.start(); });
  after(async () => { await d.cleanup(); });

  it('serves /_ping with the version headers, GET and HEAD', async () => {
    const get = await d.api('GET', '/_ping');
    assert.equal(get.status, 200);
    assert.equal(get.body, 'OK');
    assert.equal(get.headers['api-version'], '1.50');
    assert.equal(get.headers['ostype'], 'linux');
    const head = await d.api('HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.raw.length, 0);
  });

  it('creates its socket with mode 0660', () => {
    assert.equal(statSync(d.socket).mode & 0o777, 0o660);
  });

  it('answers versioned and unversioned paths and negotiates like dockerd', async () => {
    for (const path of ['/version', '/v1.41/version', '/v1.50/version', '/v1.24/version']) {
      const r = await d.api('GET', path);
      assert.equal(r.status, 200, path);
      assert.equal((r.body as { ApiVersion: string }).ApiVersion, '1.50');
    }
    const tooNew = await d.api('GET', '/v1.51/version');
    assert.equal(tooNew.status, 400);
    assert.deepEqual(tooNew.body, { message: 'client version 1.51 is too new. Maximum supported API version is 1.50' });
    const tooOld = await d.api('GET', '/v1.12/info');
    assert.equal(tooOld.status, 400);
    assert.match((tooOld.body as { message: string }).message, /^client version 1\.12 is too old\. Minimum supported API version is 1\.24/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const r = await d.api('GET', '/v1.45/nothing/here');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'page not found' });
  });

  it('serves /info with the fields the docker CLI reads', async () => {
    const r = await d.api('GET', '/info');
    const info = r.body as Record<string, unknown>;
    assert.equal(r.status, 200);
    assert.equal(info.DockerRootDir, d.dataRoot);
    assert.equal(info.Driver, 'overlay2');
    assert.equal(typeof info.NCPU, 'number');
    assert.equal((info.Swarm as { LocalNodeState: string }).LocalNodeState, 'inactive');
  });

  it('refuses a second tugd on the same data-root with a clear error', async () => {
    const r = await runProcess(TUGD, ['--data-root', d.dataRoot, '--exec-root', `${d.execRoot}2`, '-H', `unix://${d.dir}/other.sock`], { timeoutMs: 10_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tugd: another tugd is already using data-root /m);
    assert.equal(await d.ping(), true);
  });

  it('says clearly when no daemon is listening', async () => {
    const r = await runProcess(TUG, ['images'], { env: { ...process.env, TUG_HOST: `unix://${d.dir}/none.sock` } });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Cannot connect to the tug daemon at unix://${d.dir}/none.sock. Is tugd running?\n`);
  });

  it('prefers -H over TUG_HOST over DOCKER_HOST', async () => {
    const bad = `unix://${d.dir}/none.sock`;
    const viaFlag = await runProcess(TUG, ['-H', d.host, 'version', '--format', '{{.Server.ApiVersion}}'], { env: { ...process.env, TUG_HOST: bad, DOCKER_HOST: bad } });
    assert.equal(viaFlag.stdout.trim(), '1.50');
    const viaTug = await runProcess(TUG, ['version', '--format', '{{.Server.ApiVersion}}'], { env: { ...process.env, TUG_HOST: d.host, DOCKER_HOST: bad } });
    assert.equal(viaTug.stdout.trim(), '1.50');
    const viaDocker = await runProcess(TUG, ['version', '--format', '{{.Server.ApiVersion}}'], { env: { ...process.env, TUG_HOST: '', DOCKER_HOST: d.host } });
    assert.equal(viaDocker.stdout.trim(), '1.50');
  });

  it('reports unknown flags and missing arguments as docker does', async () => {
    const flag = await d.tug(['images', '--bogus']);
    assert.equal(flag.code, 125);
    assert.equal(flag.stderr, "unknown flag: --bogus\n\nUsage:  tug images [OPTIONS] [REPOSITORY[:TAG]]\n\nRun 'tug images --help' for more information\n");
    const args = await d.tug(['tag', 'busybox']);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /^tug: 'tug tag' requires 2 arguments\n\nUsage: {2}tug tag SOURCE_IMAGE\[:TAG\] TARGET_IMAGE\[:TAG\]\n\nRun 'tug tag --help' for more information\n$/);
  });

  it('adds favordynmods to the host cgroup2 mount and keeps its other options, unless told not to', async (t) => {
    const before = hostCgroup2();
    if (!before) return t.skip('no cgroup2 mount on this host');
    assert.equal(await d.stop(), 0);
    try {
      try {
        clearFavordynmods(before);
      } catch (err) {
        // No right to remount here: tugd cannot set the option either (it only warns).
        if ((err as NodeJS.ErrnoException).code === 'EPERM' || (err as NodeJS.ErrnoException).code === 'EACCES') return t.skip('no right to remount the cgroup2 mount');
        throw err;
      }
      const cleared = hostCgroup2()!;
      assert.ok(!cleared.options.includes('favordynmods'), cleared.options.join(','));
      await d.startProcess(['--no-cgroup-favordynmods']);
      assert.deepEqual(hostCgroup2(), cleared);
      assert.equal(await d.stop(), 0);
      d.logs = '';
      await d.startProcess();
      const after = hostCgroup2()!;
      assert.deepEqual(after.options, [...cleared.options, 'favordynmods']);
      assert.equal(after.vfs, cleared.vfs);
      assert.match(d.logs, /cgroups: set favordynmods on \//);
    } finally {
      if (!d.proc || d.proc.exitCode !== null) await d.startProcess();
    }
  });

  it('stops cleanly on SIGTERM and restarts on the same data-root', async () => {
    assert.equal(await d.stop(), 0);
    await d.startProcess();
    assert.equal(await d.ping(), true);
  });
});
