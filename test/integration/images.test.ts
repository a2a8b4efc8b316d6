// Image commands end to end through the tug CLI and the API, against a real tugd.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

describe('image commands', () => {
  let d: TestDaemon;
  let busyboxID: string;

  before(async () => {
    d = await TestDaemon.start();
    const r = await d.tug(['bootstrap', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    busyboxID = r.stdout.trim();
    assert.match(busyboxID, /^sha256:[a-f0-9]{64}$/);
  });
  after(async () => { await d.cleanup(); });

  it('lists the bootstrapped busybox in docker columns', async () => {
    const r = await d.tug(['images']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(r.stdout, new RegExp(`^busybox\\s+latest\\s+${busyboxID.slice(7, 19)}\\s+.+ago\\s+[0-9.]+MB$`, 'm'));
  });

  it('makes busybox a usable base: applets, passwd, /tmp 1777, PATH and CMD', async () => {
    const inspect = JSON.parse((await d.tug(['image', 'inspect', 'busybox'])).stdout) as Record<string, any>[];
    assert.equal(inspect.length, 1);
    const img = inspect[0]!;
    assert.equal(img.Id, busyboxID);
    assert.deepEqual(img.RepoTags, ['busybox:latest']);
    assert.deepEqual(img.Config.Cmd, ['sh']);
    assert.ok(img.Config.Env.some((e: string) => e.startsWith('PATH=') && e.includes('/bin')));
    assert.equal(img.Os, 'linux');
    assert.equal(img.RootFS.Layers.length, 1);
    const upper = img.GraphDriver.Data.UpperDir as string;
    execFileSync('test', ['-x', join(upper, 'bin/sh')]);
    execFileSync('test', ['-x', join(upper, 'usr/bin/wget')]);
    assert.match(readFileSync(join(upper, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
    assert.match(readFileSync(join(upper, 'etc/group'), 'utf8'), /^root:x:0:/);
    const mode = execFileSync('stat', ['-c', '%a', join(upper, 'tmp')]).toString().trim();
    assert.equal(mode, '1777');
  });

  it('formats with Go templates, json, -q and --no-trunc', async () => {
    assert.equal((await d.tug(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, 'busybox:latest\n');
    const q = await d.tug(['images', '-q']);
    assert.equal(q.stdout, `${busyboxID.slice(7, 19)}\n`);
    const full = await d.tug(['images', '-q', '--no-trunc']);
    assert.equal(full.stdout, `${busyboxID}\n`);
    const json = JSON.parse((await d.tug(['images', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json.Repository, 'busybox');
    assert.equal(json.Tag, 'latest');
  });

  it('tags, filters by reference, and untags before deleting', async () => {
    assert.equal((await d.tug(['tag', 'busybox', 'example/echo:latest'])).code, 0);
    assert.equal((await d.tug(['image', 'tag', 'example/echo:latest', 'localhost:5000/a/b:t'])).code, 0);
    const refs = await d.tug(['images', '--filter', 'reference=example/*', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(refs.stdout, 'example/echo:latest\n');
    const conflict = await d.tug(['rmi', busyboxID.slice(7, 19)]);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stderr, `Error response from daemon: conflict: unable to delete ${busyboxID.slice(7, 19)} (must be forced) - image is referenced in multiple repositories\n`);
    const untag = await d.tug(['rmi', 'example/echo', 'localhost:5000/a/b:t']);
    assert.equal(untag.code, 0, untag.stderr);
    assert.equal(untag.stdout, 'Untagged: example/echo:latest\nUntagged: localhost:5000/a/b:t\n');
    assert.equal((await d.tug(['images', '-q'])).stdout, `${busyboxID.slice(7, 19)}\n`);
  });

  it('refuses invalid references with docker\'s text', async () => {
    const upper = await d.tug(['tag', 'busybox', 'Example/Echo']);
    assert.equal(upper.code, 1);
    assert.match(upper.stderr, /invalid reference format: repository name \(library\/Example\/Echo\)|repository name .*must be lowercase/);
    const missing = await d.tug(['rmi', 'nosuchimage']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error response from daemon: No such image: nosuchimage:latest\n');
    const inspect = await d.tug(['image', 'inspect', 'nosuchimage']);
    assert.deepEqual([inspect.code, inspect.stdout, inspect.stderr], [1, '[]\n', 'Error response from daemon: No such image: nosuchimage:latest\n']);
    const generic = await d.tug(['inspect', 'nosuchimage']);
    assert.deepEqual([generic.code, generic.stderr], [1, 'Error: No such object: nosuchimage\n']);
  });

  it('imports a tarball with -c changes, and prunes it once untagged', async () => {
    const src = join(d.dir, 'rootfs');
    mkdirSync(join(src, 'app'), { recursive: true });
    writeFileSync(join(src, 'app', 'hello.txt'), 'hello\n');
    const tarball = join(d.dir, 'rootfs.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', src, '.']);
    const r = await d.tug(['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=1 B="two words"', '-c', 'WORKDIR /app', '-c', 'EXPOSE 8080/tcp', '-c', 'LABEL team=tug', '-c', 'USER nobody', '-c', 'ENTRYPOINT ["/entry"]', '-m', 'first import', tarball, 'imported:v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const img = (JSON.parse((await d.tug(['image', 'inspect', 'imported:v1'])).stdout) as Record<string, any>[])[0]!;
    assert.deepEqual(img.Config.Cmd, ['/bin/sh']);
    assert.deepEqual(img.Config.Env, ['A=1', 'B=two words']);
    assert.equal(img.Config.WorkingDir, '/app');
    assert.deepEqual(img.Config.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(img.Config.Labels, { team: 'tug' });
    assert.equal(img.Config.User, 'nobody');
    assert.deepEqual(img.Config.Entrypoint, ['/entry']);
    assert.equal(img.Comment, 'first import');
    assert.equal(readFileSync(join(img.GraphDriver.Data.UpperDir, 'app/hello.txt'), 'utf8'), 'hello\n');
    const hist = await d.tug(['history', '--format', '{{.Comment}}', 'imported:v1']);
    assert.equal(hist.stdout, 'first import\n');

    const bad = await d.tug(['import', '-c', 'RUN echo hi', tarball]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error response from daemon: RUN is not a valid change command\n');

    assert.equal((await d.tug(['rmi', 'imported:v1'])).stdout.split('\n')[0], 'Untagged: imported:v1');
    const again = await d.tug(['import', tarball]);
    const danglingID = again.stdout.trim();
    const list = await d.tug(['images', '--filter', 'dangling=true', '--format', '{{.Repository}} {{.Tag}} {{.ID}}']);
    assert.equal(list.stdout, `<none> <none> ${danglingID.slice(7, 19)}\n`);
    const prune = await d.tug(['image', 'prune', '-f']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, new RegExp(`^Deleted Images:\ndeleted: ${danglingID}\n\nTotal reclaimed space: `));
    assert.equal((await d.tug(['images', '-q'])).stdout, `${busyboxID.slice(7, 19)}\n`);
  });

  it('imports from stdin', async () => {
    const src = join(d.dir, 'stdin-root');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'f'), 'x');
    const tarball = execFileSync('tar', ['-cf', '-', '-C', src, '.']);
    const r = await d.tug(['import', '-', 'fromstdin'], { input: tarball });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.tug(['rmi', 'fromstdin'])).code, 0);
  });

  it('saves, loads and saves again with identical bytes', async () => {
    const first = join(d.dir, 'first.tar');
    const second = join(d.dir, 'second.tar');
    assert.equal((await d.tug(['save', '-o', first, 'busybox'])).code, 0);
    const members = execFileSync('tar', ['-tf', first]).toString().split('\n');
    for (const m of ['manifest.json', 'repositories', 'index.json', 'oci-layout']) assert.ok(members.includes(m), m);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', first, 'manifest.json']).toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    assert.deepEqual(manifest[0]!.RepoTags, ['busybox:latest']);
    assert.equal(manifest[0]!.Config, `blobs/sha256/${busyboxID.slice(7)}`);

    const rm = await d.tug(['rmi', 'busybox']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, new RegExp(`Deleted: ${busyboxID}`));
    const load = await d.tug(['load', '-i', first]);
    assert.equal(load.code, 0, load.stderr);
    assert.equal(load.stdout, 'Loaded image: busybox:latest\n');
    assert.equal((await d.tug(['save', '-o', second, 'busybox'])).code, 0);
    assert.equal(sha256(readFileSync(second)), sha256(readFileSync(first)));
    const viaStdout = await d.tug(['save', 'busybox']);
    assert.equal(viaStdout.code, 0);
  });
});
