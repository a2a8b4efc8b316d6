// Each Dockerfile instruction and build flag, built for real and checked in the image config
// or by running the image.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { cachedSteps, contextFactory } from '../helpers/buildctx.js';

let d: TestDaemon;
const ctx = contextFactory();

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function build(files: Record<string, string>, flags: string[] = []): Promise<string> {
  const c = ctx(files);
  const r = await d.tug(['build', '-q', ...flags, c.dir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function config(id: string): Promise<Record<string, unknown>> {
  const r = await d.api('GET', `/images/${id}/json`);
  assert.equal(r.status, 200);
  return (r.body as { Config: Record<string, unknown> }).Config;
}

async function sh(id: string, script: string): Promise<string> {
  const r = await d.tug(['run', '--rm', '--entrypoint', '', id, 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('metadata instructions', () => {
  it('ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, ENTRYPOINT, CMD, HEALTHCHECK, ONBUILD, SHELL', async () => {
    const id = await build({
      Dockerfile: [
        'FROM busybox',
        'ENV APP=/srv GREETING="hello there"',
        'ENV LEGACY value with spaces',
        'LABEL org.example.name="demo app" version=$APP',
        'EXPOSE 80 53/udp 8000-8001',
        'VOLUME /data ["/logs"]',
        'VOLUME ["/cache"]',
        'WORKDIR $APP',
        'WORKDIR sub',
        'USER nobody',
        'STOPSIGNAL SIGINT',
        'ENTRYPOINT ["/bin/echo"]',
        'CMD ["default"]',
        'HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q localhost || exit 1',
        'ONBUILD RUN echo triggered',
        'SHELL ["/bin/sh", "-ec"]',
      ].join('\n'),
    });
    const c = await config(id);
    assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=/srv', 'GREETING=hello there', 'LEGACY=value with spaces']);
    assert.deepEqual(c.Labels, { 'org.example.name': 'demo app', version: '/srv' });
    assert.deepEqual(Object.keys(c.ExposedPorts as object).sort(), ['53/udp', '80/tcp', '8000/tcp', '8001/tcp']);
    assert.deepEqual(Object.keys(c.Volumes as object).sort(), ['/cache', '/data', '[/logs]'].sort());
    assert.equal(c.WorkingDir, '/srv/sub');
    assert.equal(c.User, 'nobody');
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.Entrypoint, ['/bin/echo']);
    assert.deepEqual(c.Cmd, ['default']);
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 5e9, Timeout: 2e9, Retries: 4 });
    assert.deepEqual(c.OnBuild, ['RUN echo triggered']);
    assert.deepEqual(c.Shell, ['/bin/sh', '-ec']);
    const run = await d.tug(['run', '--rm', id]);
    assert.equal(run.stdout, 'default\n');
  });

  it('WORKDIR makes a missing directory (a layer), and is layerless when it exists', async () => {
    const id = await build({ Dockerfile: 'FROM busybox\nWORKDIR /made/here\nWORKDIR /tmp\n' });
    const h = await d.api('GET', `/images/${id}/history`);
    const [tmp, made] = h.body as { CreatedBy: string; Size: number }[];
    assert.deepEqual([tmp!.CreatedBy, tmp!.Size], ['/bin/sh -c #(nop) WORKDIR /tmp', 0]);
    assert.equal(made!.CreatedBy, '/bin/sh -c #(nop) WORKDIR /made/here');
    assert.ok(made!.Size > 0);
    const upper = (await d.api('GET', `/images/${id}/json`)).body as { GraphDriver: { Data: { UpperDir: string } } };
    assert.ok(statSync(join(upper.GraphDriver.Data.UpperDir, 'made/here')).isDirectory());
  });

  it('an ENTRYPOINT drops the CMD of the base image; a CMD of this build stays', async () => {
    const dropped = await config(await build({ Dockerfile: 'FROM busybox\nENTRYPOINT ["/bin/ls"]\n' }));
    assert.equal(dropped.Cmd, null);
    const kept = await config(await build({ Dockerfile: 'FROM busybox\nCMD ["-l"]\nENTRYPOINT ["/bin/ls"]\n' }));
    assert.deepEqual(kept.Cmd, ['-l']);
    const shell = await config(await build({ Dockerfile: 'FROM busybox\nCMD echo $HOME\n' }));
    assert.deepEqual(shell.Cmd, ['/bin/sh', '-c', 'echo $HOME']);
  });

  it('ONBUILD triggers run in the child build and are not inherited', async () => {
    await build({ Dockerfile: 'FROM busybox\nONBUILD RUN echo from-trigger > /trig\n' }, ['-t', 'onbuild-base']);
    const c = ctx({ Dockerfile: 'FROM onbuild-base\nRUN cat /trig\n' });
    const r = await d.tug(['build', '-t', 'onbuild-child', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# Executing 1 build trigger\n/);
    assert.match(r.stdout, /from-trigger\n/);
    assert.equal((await config('onbuild-child')).OnBuild, null);
  });

  it('HEALTHCHECK NONE, MAINTAINER, ARG defaults and ${V:-x} forms', async () => {
    const id = await build({ Dockerfile: 'FROM busybox\nMAINTAINER someone@example.com\nARG A=1\nARG B\nENV X=${A:+set} Y=${B:-unset} Z=${A}-$A\nHEALTHCHECK NONE\n' });
    const r = await d.api('GET', `/images/${id}/json`);
    const img = r.body as { Author: string; Config: { Env: string[]; Healthcheck: unknown } };
    assert.equal(img.Author, 'someone@example.com');
    assert.deepEqual(img.Config.Env.slice(1), ['X=set', 'Y=unset', 'Z=1-1']);
    assert.deepEqual(img.Config.Healthcheck, { Test: ['NONE'] });
  });
});

describe('RUN', () => {
  it('runs with the stage env, user, workdir and shell; JSON form skips the shell', async () => {
    const id = await build({
      Dockerfile: 'FROM busybox\nENV MSG=hi\nWORKDIR /w\nRUN echo "$MSG from $(pwd)" > out\nUSER nobody\nRUN id -u > /tmp/uid\nSHELL ["/bin/sh", "-c", "echo shell:; eval \\"$1\\"", "x"]\nRUN true\nRUN ["/bin/sh", "-c", "echo json > /tmp/json"]\n',
    });
    assert.equal(await sh(id, 'cat /w/out /tmp/uid /tmp/json'), 'hi from /w\n65534\njson\n');
  });

  it('heredocs: RUN <<EOF runs the document, other heredocs go to the shell', async () => {
    const id = await build({ Dockerfile: 'FROM busybox\nRUN <<EOF\necho one > /one\necho two >> /one\nEOF\nRUN cat > /two <<END\nliteral\nEND\n' });
    assert.equal(await sh(id, 'cat /one /two'), 'one\ntwo\nliteral\n');
  });

  it('--network=none has no network; deletions become whiteouts', async () => {
    const id = await build({ Dockerfile: 'FROM busybox\nRUN --network=none ip link | grep -c "^[0-9]" > /links\nRUN rm /etc/shadow && rm -r /var/spool\n' });
    assert.equal(await sh(id, 'cat /links; ls /etc/shadow /var/spool 2>&1 | wc -l'), '1\n2\n');
  });

  it('RUN --mount=type=cache keeps its directory between builds and out of the layer', async () => {
    const df = 'FROM busybox\nARG N\nRUN --mount=type=cache,target=/cache echo "$N" >> /cache/log && cat /cache/log > /seen\n';
    await build({ Dockerfile: df }, ['--build-arg', 'N=1']);
    const id = await build({ Dockerfile: df }, ['--build-arg', 'N=2']);
    assert.equal(await sh(id, 'cat /seen; ls /cache 2>&1 | wc -l'), '1\n2\n1\n');
  });
});

describe('COPY and ADD', () => {
  it("Docker's file, directory and trailing-slash rules, wildcards, --chown and --chmod", async () => {
    const id = await build({
      'one.txt': '1',
      'two.txt': '2',
      'dir/a': 'a',
      'dir/sub/b': 'b',
      Dockerfile: [
        'FROM busybox',
        'COPY one.txt /file-named',
        'COPY one.txt /into/',
        'COPY dir /dircontents',
        'COPY *.txt /wild/',
        'WORKDIR /rel',
        'COPY one.txt here',
        'WORKDIR /dotdest',
        'COPY two.txt .',
        'COPY --chown=nobody:nogroup --chmod=0600 two.txt /owned',
        'COPY --chown=1234 two.txt /numeric',
        'COPY <<EOF /heredoc.txt',
        'made by $HOSTNAME-less heredoc',
        'EOF',
      ].join('\n'),
    });
    const out = await sh(id, 'cat /file-named /into/one.txt; echo; ls /dircontents /dircontents/sub /wild; cat /rel/here /dotdest/two.txt; echo; stat -c "%u:%g %a" /owned /numeric; cat /heredoc.txt');
    assert.equal(out, '11\n/dircontents:\na\nsub\n\n/dircontents/sub:\nb\n\n/wild:\none.txt\ntwo.txt\n12\n65534:65534 600\n1234:1234 644\nmade by -less heredoc\n');
  });

  it('COPY --exclude leaves out what its patterns match', async () => {
    const id = await build({ 'src/a.js': 'a', 'src/a.test.js': 't', 'src/deep/b.test.js': 't', 'src/deep/c.js': 'c', 'top.md': 'm', Dockerfile: 'FROM busybox\nCOPY --exclude=**/*.test.js --exclude=*.md . /app\n' });
    assert.equal(await sh(id, 'cd /app && find . -type f | sort'), './Dockerfile\n./src/a.js\n./src/deep/c.js\n');
  });

  it('COPY keeps the parent directories of the image as they were (mode of /tmp)', async () => {
    const id = await build({ 'f': 'x', Dockerfile: 'FROM busybox\nCOPY f /tmp/f\n' });
    assert.equal(await sh(id, 'stat -c %a /tmp'), '1777\n');
  });

  it('ADD unpacks a local tar and fetches a URL; an unreachable URL is a clear error', async () => {
    const tarDir = ctx({ 'inner/file.txt': 'from tar\n' });
    const c = ctx({ Dockerfile: 'FROM busybox\nADD bundle.tar.gz /opt/\nADD plain.txt /plain.txt\n', 'plain.txt': 'not a tar\n' });
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('tar', ['-czf', join(c.dir, 'bundle.tar.gz'), '-C', tarDir.dir, 'inner']).status, 0);
    const r = await d.tug(['build', '-q', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sh(r.stdout.trim(), 'cat /opt/inner/file.txt /plain.txt'), 'from tar\nnot a tar\n');

    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('served\n'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    try {
      const id = await build({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/path/remote.txt /dl/\n` });
      assert.equal(await sh(id, 'cat /dl/remote.txt; stat -c %a /dl/remote.txt'), 'served\n600\n');
      const sum = 'sha256:' + createHash('sha256').update('served\n').digest('hex');
      await build({ Dockerfile: `FROM busybox\nADD --checksum=${sum} http://127.0.0.1:${port}/f /f\n` });
      const wrong = ctx({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/f /f\n` });
      const mismatch = await d.tug(['build', wrong.dir]);
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, new RegExp(`ADD failed: digest mismatch for http://127\\.0\\.0\\.1:${port}/f: expected sha256:0{64}, got ${sum}`));
    } finally {
      server.close();
    }
    const bad = ctx({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/gone /x\n` });
    const failed = await d.tug(['build', bad.dir]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, new RegExp(`ADD failed: Get "http://127\\.0\\.0\\.1:${port}/gone": .*ECONNREFUSED`));
  });
});

describe('multi-stage builds', () => {
  const files = {
    Dockerfile: [
      'ARG BASE=busybox OTHER=2',
      'FROM $BASE AS build',
      'RUN echo built > /artifact',
      'FROM busybox AS unused',
      'RUN exit 1',
      'FROM busybox AS other',
      'RUN echo other > /other',
      'FROM busybox',
      'COPY --from=build /artifact /got/',
      'COPY --from=${OTHER} /other /got/',
      'CMD ["cat", "/got/artifact", "/got/other"]',
    ].join('\n'),
  };

  it('builds the stages the target needs, skips the rest, COPY --from by name and index', async () => {
    const c = ctx(files);
    const r = await d.tug(['build', '-t', 'multi', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /exit 1/);
    assert.match(r.stdout, /Step 1\/8 : FROM \$BASE AS build\n/);
    assert.equal((await d.tug(['run', '--rm', 'multi'])).stdout, 'built\nother\n');
  });

  it('--target stops at a stage; COPY --from an image', async () => {
    const c = ctx(files);
    const r = await d.tug(['build', '--target', 'build', '-t', 'multi-build', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Step 2\/2 : RUN echo built/);
    const id = await build({ Dockerfile: 'FROM busybox\nCOPY --from=multi-build /artifact /a\n' });
    assert.equal(await sh(id, 'cat /a'), 'built\n');
  });
});

describe('build flags', () => {
  it('-t many, --label, -q, --iidfile', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nLABEL from=file\n' });
    const iid = join(c.dir, 'iid');
    const r = await d.tug(['build', '-q', '-t', 'flags:1', '-t', 'flags:2', '--label', 'extra=yes', '--iidfile', iid, c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(readFileSync(iid, 'utf8'), r.stdout.trim());
    const c1 = await config('flags:1');
    assert.deepEqual(c1.Labels, { from: 'file', extra: 'yes' });
    assert.equal((await d.api('GET', '/images/flags:2/json')).status, 200);
  });

  it('--progress=tty shows the stages live, then the log in stage order', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox AS a\nRUN echo from-a\nFROM busybox AS b\nRUN echo from-b\nFROM busybox\nCOPY --from=a /etc/passwd /a\nCOPY --from=b /etc/passwd /b\n' });
    const r = await d.tug(['build', '--progress=tty', c.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[stage 0\] Step \d\/7 : /);
    assert.match(r.stdout, /\[stage 1\] Step \d\/7 : /);
    const log = r.stdout.slice(r.stdout.lastIndexOf('\x1b[J') + 3);
    assert.match(log, /^Step 1\/7 : FROM busybox AS a\n[\s\S]*from-a\n[\s\S]*Step 3\/7 : FROM busybox AS b\n[\s\S]*from-b\n[\s\S]*Step 5\/7 : FROM busybox\n[\s\S]*Successfully built [0-9a-f]{12}\n$/);
  });

  it('warns about build args nothing uses', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox\nARG USED\n' });
    const r = await d.tug(['build', '--build-arg', 'USED=1', '--build-arg', 'NOPE=2', c.dir]);
    assert.match(r.stdout, /\[Warning\] One or more build-args \[NOPE\] were not consumed\n/);
  });

  it('a second build of the same stages hits the cache in every stage', async () => {
    const c = ctx({ Dockerfile: 'FROM busybox AS a\nRUN echo a > /a\nFROM busybox\nCOPY --from=a /a /a\n' });
    await d.tug(['build', c.dir]);
    const r = await d.tug(['build', c.dir]);
    assert.deepEqual(cachedSteps(r.stdout), [2, 4]);
  });
});
