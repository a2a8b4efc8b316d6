// The real docker CLI (28.x) pointed at tugd: image commands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, TestDaemon } from '../helpers/daemon.js';

describe('docker CLI against tugd', { skip: !existsSync(DOCKER) && 'no docker CLI' }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await TestDaemon.start();
    assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
  });
  after(async () => { await d.cleanup(); });

  it('docker version and info', async () => {
    const v = await d.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), '1.50 linux');
    const i = await d.docker(['info', '--format', '{{.Driver}} {{.Images}}']);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.stdout.trim(), 'overlay2 1');
    const plain = await d.docker(['info']);
    assert.equal(plain.code, 0, plain.stderr);
  });

  it('docker images, tag, image inspect, history, rmi', async () => {
    assert.equal((await d.docker(['tag', 'busybox', 'example/echo:0.1.0'])).code, 0);
    const ls = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['busybox:latest', 'example/echo:0.1.0']);
    const table = await d.docker(['images']);
    assert.match(table.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
    const insp = await d.docker(['image', 'inspect', '--format', '{{.Os}} {{index .Config.Cmd 0}}', 'example/echo:0.1.0']);
    assert.equal(insp.stdout.trim(), 'linux sh');
    const hist = await d.docker(['history', 'busybox']);
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stdout, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    const rmi = await d.docker(['rmi', 'example/echo:0.1.0']);
    assert.equal(rmi.stdout, 'Untagged: example/echo:0.1.0\n', rmi.stderr);
    const missing = await d.docker(['rmi', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: nosuch:latest/);
  });

  it('docker save and load round-trip through tugd', async () => {
    const archive = join(d.dir, 'docker-save.tar');
    const save = await d.docker(['save', '-o', archive, 'busybox']);
    assert.equal(save.code, 0, save.stderr);
    assert.equal((await d.docker(['rmi', 'busybox'])).code, 0);
    const load = await d.docker(['load', '-i', archive]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: busybox:latest/);
  });

  it('docker import with changes', async () => {
    const src = join(d.dir, 'imp');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'x'), 'y');
    const tarball = join(d.dir, 'imp.tar');
    execFileSync('tar', ['-cf', tarball, '-C', src, '.']);
    const r = await d.docker(['import', '-c', 'CMD ["/x"]', tarball, 'dimp:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}$/m);
    const cmd = await d.docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'dimp:1']);
    assert.equal(cmd.stdout.trim(), '["/x"]');
  });
});
