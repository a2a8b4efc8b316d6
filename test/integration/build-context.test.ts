// Build contexts: .dockerignore, -f inside and outside the context, -f -, a context on stdin
// (tar or a lone Dockerfile) and a tarball; and the real docker CLI's classic builder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { builtID, cachedSteps, contextFactory } from '../helpers/buildctx.js';

let d: TestDaemon;
const ctx = contextFactory();

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function listing(id: string, dir = '/ctx'): Promise<string[]> {
  const r = await d.tug(['run', '--rm', id, 'find', dir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').sort();
}

describe('.dockerignore', () => {
  it('excludes with **, keeps ! exceptions, always sends the Dockerfile and .dockerignore', async () => {
    const c = ctx({
      '.dockerignore': '# comment\n*.log\n**/*.tmp\nsecret\n!secret/keep\nDockerfile\n.dockerignore\nnode_modules/\n',
      Dockerfile: 'FROM busybox\nCOPY . /ctx\n',
      'app.js': 'x',
      'debug.log': 'x',
      'deep/a/b.tmp': 'x',
      'deep/a/c.txt': 'x',
      'secret/key': 'x',
      'secret/keep': 'x',
      'node_modules/m/index.js': 'x',
    });
    const r = await d.tug(['build', '-q', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await listing(r.stdout.trim()), [
      '/ctx', '/ctx/.dockerignore', '/ctx/Dockerfile', '/ctx/app.js', '/ctx/deep', '/ctx/deep/a', '/ctx/deep/a/c.txt', '/ctx/secret', '/ctx/secret/keep',
    ]);
  });

  it('an ignored file changing does not miss the cache', async () => {
    const c = ctx({ '.dockerignore': '*.log\n', Dockerfile: 'FROM busybox\nCOPY . /ctx\n', 'a': 'a', 'x.log': '1' });
    const first = await d.tug(['build', c.dir]);
    c.write({ 'x.log': '2' });
    const second = await d.tug(['build', c.dir]);
    assert.deepEqual(cachedSteps(second.stdout), [2]);
    assert.equal(builtID(second.stdout), builtID(first.stdout));
  });
});

describe('Dockerfile and context sources', () => {
  it('-f inside the context, -f outside it, -f -', async () => {
    const c = ctx({ 'sub/build.Dockerfile': 'FROM busybox\nCOPY a /a\n', 'a': 'inside\n' });
    const inside = await d.tug(['build', '-q', '-f', join(c.dir, 'sub/build.Dockerfile'), c.dir]);
    assert.equal(inside.code, 0, inside.stderr);
    const outsideDir = ctx({ 'Other.Dockerfile': 'FROM busybox\nCOPY a /b\nCOPY . /ctx\n' });
    const outside = await d.tug(['build', '-q', '-f', join(outsideDir.dir, 'Other.Dockerfile'), c.dir]);
    assert.equal(outside.code, 0, outside.stderr);
    assert.equal((await d.tug(['run', '--rm', outside.stdout.trim(), 'cat', '/b'])).stdout, 'inside\n');
    // The Dockerfile from outside is not part of the context the build copies.
    assert.deepEqual(await listing(outside.stdout.trim()), ['/ctx', '/ctx/a', '/ctx/sub', '/ctx/sub/build.Dockerfile']);
    const stdin = await d.tug(['build', '-q', '-f', '-', c.dir], { input: 'FROM busybox\nCOPY a /c\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal((await d.tug(['run', '--rm', stdin.stdout.trim(), 'cat', '/c'])).stdout, 'inside\n');
    const bad = await d.tug(['build', '-f', 'Nope', c.dir]);
    assert.equal(bad.code, 1);
    const errorIn = ctx({ 'x.Dockerfile': 'FROM busybox\nBOGUS\n' });
    const named = await d.tug(['build', '-f', join(errorIn.dir, 'x.Dockerfile'), errorIn.dir]);
    assert.equal(named.stderr, 'x.Dockerfile:2: unknown instruction: BOGUS\n');
  });

  it('a context on stdin: a tar, or a lone Dockerfile; a tarball file', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nCOPY f /f\n', f: 'from tar\n' });
    const tarFile = join(c.dir, '..', `${c.dir.split('/').pop()}.tar`);
    assert.equal(spawnSync('tar', ['-cf', tarFile, '-C', c.dir, '.']).status, 0);
    try {
      const fromStdin = await d.tug(['build', '-q', '-'], { input: readFileSync(tarFile) });
      assert.equal(fromStdin.code, 0, fromStdin.stderr);
      assert.equal((await d.tug(['run', '--rm', fromStdin.stdout.trim(), 'cat', '/f'])).stdout, 'from tar\n');
      const fromFile = await d.tug(['build', '-q', tarFile]);
      assert.equal(fromFile.stdout, fromStdin.stdout);
    } finally {
      spawnSync('rm', ['-f', tarFile]);
    }
    const lone = await d.tug(['build', '-q', '-'], { input: 'FROM busybox\nRUN echo lone > /lone\n' });
    assert.equal(lone.code, 0, lone.stderr);
    assert.equal((await d.tug(['run', '--rm', lone.stdout.trim(), 'cat', '/lone'])).stdout, 'lone\n');
  });
});

describe('the docker CLI (classic builder) against tugd', () => {
  it('docker build -t, docker run, and a cached rebuild', async () => {
    const c = ctx({
      helloworld: '#!/bin/sh\necho "hello, world!"\n',
      Dockerfile: 'FROM busybox\nCOPY helloworld /usr/local/bin\nRUN chmod +x /usr/local/bin/helloworld\nCMD ["helloworld"]\n',
      '.dockerignore': 'ignored\n',
      ignored: 'x',
    });
    const r = await d.docker(['build', '-t', 'helloworld:latest', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Step 3\/4 : RUN chmod \+x \/usr\/local\/bin\/helloworld\n/);
    assert.match(r.stdout, /Successfully tagged helloworld:latest\n/);
    assert.equal((await d.docker(['run', '--rm', 'helloworld:latest'])).stdout, 'hello, world!\n');
    const again = await d.docker(['build', '-t', 'helloworld:latest', c.dir]);
    assert.deepEqual(cachedSteps(again.stdout), [2, 3, 4]);
    assert.equal(builtID(again.stdout), builtID(r.stdout));
  });

  it('docker build -q, --build-arg, --target and a failing RUN', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox AS one\nARG MSG\nRUN echo "$MSG" > /msg\nFROM one\nRUN exit 7\n' });
    const q = await d.docker(['build', '-q', '--build-arg', 'MSG=hey', '--target', 'one', c.dir]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal((await d.docker(['run', '--rm', q.stdout.trim(), 'cat', '/msg'])).stdout, 'hey\n');
    const fail = await d.docker(['build', c.dir]);
    assert.notEqual(fail.code, 0);
    assert.match(fail.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);
  });

  it('docker build with a Dockerfile on stdin and -f', async () => {
    const c = ctx({ 'x/My.Dockerfile': 'FROM busybox\nLABEL via=f\n' });
    const f = await d.docker(['build', '-q', '-f', join(c.dir, 'x/My.Dockerfile'), c.dir]);
    assert.equal(f.code, 0, f.stderr);
    const lone = await d.docker(['build', '-q', '-'], { input: 'FROM busybox\nLABEL via=stdin\n' });
    assert.equal(lone.code, 0, lone.stderr);
    const inspect = await d.api('GET', `/images/${lone.stdout.trim()}/json`);
    assert.deepEqual((inspect.body as { Config: { Labels: unknown } }).Config.Labels, { via: 'stdin' });
  });
});
