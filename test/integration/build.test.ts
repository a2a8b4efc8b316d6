// tug build end to end: the seeds' helloworld example, the cache rules (same ID on rebuild,
// one changed file re-runs from its COPY, a changed build arg from its first use, restart,
// --no-cache, prune), failing RUN steps and bad Dockerfiles.
import assert from 'node:assert/strict';
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

const HELLO = {
  helloworld: '#!/bin/sh\necho "hello, world!"\n',
  Dockerfile: 'FROM busybox\n\nCOPY helloworld /usr/local/bin\nRUN chmod +x /usr/local/bin/helloworld\n\nCMD ["helloworld"]\n',
};

describe('tug build: the helloworld example', () => {
  it('builds, prints the classic steps, runs; a rebuild runs nothing and gives the same ID', async () => {
    const c = ctx(HELLO);
    const first = await d.tug(['build', '-t', 'helloworld:latest', c.dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Step 1\/4 : FROM busybox\n ---> [0-9a-f]{12}\nStep 2\/4 : COPY helloworld \/usr\/local\/bin\n ---> [0-9a-f]{12}\nStep 3\/4 : RUN chmod \+x \/usr\/local\/bin\/helloworld\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nStep 4\/4 : CMD \["helloworld"\]\n ---> [0-9a-f]{12}\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged helloworld:latest\n$/);
    const run = await d.tug(['run', '--rm', 'helloworld:latest']);
    assert.deepEqual([run.code, run.stdout], [0, 'hello, world!\n']);
    const again = await d.tug(['build', '-t', 'helloworld:latest', c.dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(cachedSteps(again.stdout), [2, 3, 4]);
    assert.doesNotMatch(again.stdout, /Running in/);
    assert.equal(builtID(again.stdout), builtID(first.stdout));
    // The intermediate container is gone.
    assert.deepEqual((await d.api('GET', '/containers/json?all=1')).body, []);
  });

  it('writes an image config like Docker: Cmd, PATH, history with empty_layer for metadata steps', async () => {
    const r = await d.api('GET', '/images/helloworld/json');
    const img = r.body as { Config: { Cmd: string[]; Env: string[] }; RootFS: { Layers: string[] } };
    assert.deepEqual(img.Config.Cmd, ['helloworld']);
    assert.ok(img.Config.Env.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
    assert.equal(img.RootFS.Layers.length, 3);
    const h = await d.tug(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'helloworld']);
    const lines = h.stdout.trim().split('\n');
    assert.match(lines[0]!, /^\/bin\/sh -c #\(nop\) {2}CMD \["helloworld"\]\|0B$/);
    assert.match(lines[1]!, /^\/bin\/sh -c chmod \+x \/usr\/local\/bin\/helloworld\|/);
    assert.match(lines[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/usr\/local\/bin /);
  });

  it('keeps runc mount points out of the RUN layer', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo hi > /made\n' });
    const r = await d.tug(['build', '-q', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    const ls = await d.tug(['run', '--rm', '--network', 'none', r.stdout.trim(), 'ls', '/etc']);
    assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['group', 'hostname', 'hosts', 'passwd', 'resolv.conf', 'shadow']);
    const hist = await d.api('GET', `/images/${r.stdout.trim()}/history`);
    // One header and one block for /made, then the end of the archive: no etc/ copy-up.
    assert.equal((hist.body as { Size: number }[])[0]!.Size, 2048);
  });
});

describe('tug build: the cache', () => {
  it('one changed file re-runs from the COPY that includes it, and says why with --progress=plain', async () => {
    const c = ctx({
      'a.txt': 'a\n',
      'src/app.js': 'console.log(1)\n',
      'src/lib.js': 'x\n',
      Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nCOPY src/ /app\nRUN ls /app > /list\nCMD ["cat", "/list"]\n',
    });
    const first = await d.tug(['build', c.dir]);
    assert.equal(first.code, 0, first.stderr);
    c.write({ 'src/app.js': 'console.log(2)\n' });
    const second = await d.tug(['build', '--progress=plain', c.dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(cachedSteps(second.stdout), [2]);
    assert.match(second.stdout, / ---> Cache miss: COPY src\/ \/app: src\/app\.js changed\n/);
    assert.match(second.stdout, /Cache miss: RUN ls \/app > \/list: the step before it was rebuilt/);
    assert.notEqual(builtID(second.stdout), builtID(first.stdout));
  });

  it('mtime alone is no change: the hash is of mode, owner and content', async () => {
    const c = ctx({ 'f.txt': 'same\n', Dockerfile: 'FROM busybox\nCOPY f.txt /f\n' });
    const first = await d.tug(['build', c.dir]);
    c.write({ 'f.txt': 'same\n' });
    const second = await d.tug(['build', c.dir]);
    assert.deepEqual(cachedSteps(second.stdout), [2]);
    c.chmod('f.txt', 0o755);
    const third = await d.tug(['build', '--progress=plain', c.dir]);
    assert.match(third.stdout, /Cache miss: COPY f\.txt \/f: f\.txt changed/);
    assert.equal(builtID(second.stdout), builtID(first.stdout));
  });

  it('a changed build arg re-runs from its first use', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo base > /base\nARG V=1\nRUN echo "v=$V" > /v\nCMD ["cat", "/v"]\n' });
    const one = await d.tug(['build', '-t', 'argtest', c.dir]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal((await d.tug(['run', '--rm', 'argtest'])).stdout, 'v=1\n');
    const two = await d.tug(['build', '--progress=plain', '--build-arg', 'V=2', '-t', 'argtest', c.dir]);
    assert.deepEqual(cachedSteps(two.stdout), [2, 3]);
    assert.match(two.stdout, /Cache miss: RUN echo "v=\$V" > \/v: build arg V changed/);
    assert.equal((await d.tug(['run', '--rm', 'argtest'])).stdout, 'v=2\n');
    // The arg is not in the image's Env.
    const env = await d.tug(['run', '--rm', 'argtest', 'sh', '-c', 'echo "[$V]"']);
    assert.equal(env.stdout, '[]\n');
  });

  it('survives a tugd restart; --no-cache runs every step', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo one > /one\nENV X=1\n' });
    const first = await d.tug(['build', c.dir]);
    await d.stop();
    await d.startProcess();
    const again = await d.tug(['build', c.dir]);
    assert.deepEqual(cachedSteps(again.stdout), [2, 3]);
    assert.equal(builtID(again.stdout), builtID(first.stdout));
    const fresh = await d.tug(['build', '--no-cache', c.dir]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(cachedSteps(fresh.stdout), []);
    assert.match(fresh.stdout, /Running in/);
  });

  it('--cache-from limits hits to the given images', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo cf > /cf\n' });
    assert.equal((await d.tug(['build', '-t', 'cf:1', c.dir])).code, 0);
    const hit = await d.tug(['build', '--cache-from', 'cf:1', c.dir]);
    assert.deepEqual(cachedSteps(hit.stdout), [2]);
    const miss = await d.tug(['build', '--cache-from', 'busybox', c.dir]);
    assert.deepEqual(cachedSteps(miss.stdout), []);
  });

  it('tug builder prune forgets the cache and frees what only it kept', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN head -c 100000 /dev/zero > /big\n' });
    assert.equal((await d.tug(['build', c.dir])).code, 0);
    const p = await d.tug(['builder', 'prune', '-f']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /Deleted build cache objects:\n/);
    // At least the 100 kB layer of this build (earlier tests' cache goes too).
    const freed = /Total reclaimed space: (\d+(?:\.\d+)?)(kB|MB|GB)\n/.exec(p.stdout);
    assert.ok(freed && Number(freed[1]) * { kB: 1, MB: 1e3, GB: 1e6 }[freed[2] as 'kB'] >= 100, p.stdout);
    const again = await d.tug(['build', c.dir]);
    assert.deepEqual(cachedSteps(again.stdout), []);
    // Tagged images stay.
    assert.equal((await d.tug(['run', '--rm', 'helloworld'])).stdout, 'hello, world!\n');
  });
});

describe('tug build: failures', () => {
  it('a failing RUN prints the command and its code, and the build exits 1', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN echo before; exit 3\nRUN echo never\n' });
    const r = await d.tug(['build', c.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /before\n/);
    assert.doesNotMatch(r.stdout, /Step 3\/3/);
    assert.equal(r.stderr, "The command '/bin/sh -c echo before; exit 3' returned a non-zero code: 3\n");
    assert.deepEqual((await d.api('GET', '/containers/json?all=1')).body, []);
  });

  it('a bad Dockerfile fails before anything runs, naming the line', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nRUN touch /x\nCOPPY a b\n' });
    const r = await d.tug(['build', c.dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Dockerfile:3: unknown instruction: COPPY\n');
  });

  it('missing sources, base images, targets and platforms are clear errors', async () => {
    const cases: [string, string[], RegExp][] = [
      ['FROM busybox\nCOPY nope /x\n', [], /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/],
      ['FROM 127.0.0.1:1/nosuchbase:1\n', [], /127\.0\.0\.1:1\/v2\/.*ECONNREFUSED/],
      ['FROM busybox AS a\n', ['--target', 'b'], /failed to reach build target b in Dockerfile/],
      ['FROM busybox\n', ['--platform', 'linux/s390x'], /image with platform linux\/s390x is not supported on this host/],
      ['FROM busybox\nCOPY a b /notdir\n', [], /When using COPY with more than one source file, the destination must be a directory and end with a \//],
      ['FROM --platform=linux/s390x busybox\n', [], /image with platform linux\/s390x is not supported on this host/],
      ['FROM busybox\nCOPY --parents a /x/\n', [], /COPY --parents is not supported by tug's builder yet/],
      ['FROM busybox\nRUN --mount=type=secret,id=x true\n', [], /RUN --mount=type=secret is not supported \(only type=cache\)/],
      ['FROM scratch\nRUN true\n', [], /RUN needs a base image with a shell \(this stage is FROM scratch\)/],
    ];
    for (const [text, flags, re] of cases) {
      const c = ctx({ Dockerfile: text, a: 'a', b: 'b' });
      const r = await d.tug(['build', ...flags, c.dir]);
      assert.equal(r.code, 1, text);
      assert.match(r.stderr, re);
    }
  });
});
