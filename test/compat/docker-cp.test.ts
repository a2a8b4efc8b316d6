// The real docker CLI on a container's filesystem through tugd: docker cp both ways (files,
// directories, `-` tar streams), docker diff, docker export, docker commit -c and a run of
// the committed image.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function docker(args: string[], input?: Buffer): Promise<string> {
  const r = await d.docker(args, { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('docker cp, diff, export, commit against tugd', () => {
  let local: string;
  before(async () => {
    local = join(d.dir, 'local');
    mkdirSync(join(local, 'src/inner'), { recursive: true });
    writeFileSync(join(local, 'src/inner/file'), 'from the host\n');
    writeFileSync(join(local, 'single'), 'one file\n');
    await docker(['run', '-d', '--name', 'box', '--label', 'tug.test=docker-cp', 'busybox', 'sh', '-c', 'echo inside > /inside; rm /bin/vi; sleep 1000']);
    await docker(['exec', 'box', 'sh', '-c', 'while [ ! -e /inside ]; do sleep 0.05; done']);
  });
  after(async () => {
    await d.docker(['rm', '-f', 'box']);
  });

  it('copies files and directories into the container and back out', async () => {
    await docker(['cp', join(local, 'single'), 'box:/tmp/renamed']);
    await docker(['cp', join(local, 'src'), 'box:/opt']);
    assert.equal(await docker(['exec', 'box', 'cat', '/tmp/renamed', '/opt/inner/file']), 'one file\nfrom the host\n');
    await docker(['cp', 'box:/opt', join(local, 'out')]);
    assert.equal(readFileSync(join(local, 'out/inner/file'), 'utf8'), 'from the host\n');
    await docker(['cp', 'box:/inside', join(local, 'inside.txt')]);
    assert.equal(readFileSync(join(local, 'inside.txt'), 'utf8'), 'inside\n');
  });

  it('copies tar streams with -', async () => {
    const tarball = execFileSync('tar', ['-c', '-C', join(local, 'src'), 'inner']);
    await docker(['cp', '-', 'box:/root'], tarball);
    assert.equal(await docker(['exec', 'box', 'cat', '/root/inner/file']), 'from the host\n');
    const r = await d.docker(['cp', 'box:/root/inner', '-']);
    assert.equal(r.code, 0, r.stderr);
    const names = execFileSync('tar', ['-t'], { input: Buffer.from(r.stdout) }).toString().split('\n').filter(Boolean);
    assert.deepEqual(names, ['inner/', 'inner/file']);
  });

  it('says when the source is missing', async () => {
    const r = await d.docker(['cp', 'box:/no/such', local]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error response from daemon: Could not find the file /no/such in container box');
  });

  it('docker diff shows the changes', async () => {
    const lines = (await docker(['diff', 'box'])).split('\n');
    for (const want of ['C /bin', 'D /bin/vi', 'A /inside', 'A /opt', 'A /opt/inner/file', 'A /tmp/renamed']) assert.ok(lines.includes(want), `${want} in ${lines.join('|')}`);
    assert.ok(!lines.some((l) => /\/etc\/(hosts|hostname|resolv\.conf)$/.test(l)), 'runc mount points are not changes');
  });

  it('docker export writes the rootfs', async () => {
    const file = join(local, 'box.tar');
    await docker(['export', '-o', file, 'box']);
    const names = execFileSync('tar', ['-tf', file]).toString().split('\n');
    assert.ok(names.includes('inside') && names.includes('opt/inner/file') && names.includes('bin/busybox'));
  });

  it('docker commit -c makes an image that runs', async () => {
    const id = (await docker(['commit', '-c', 'CMD ["cat", "/inside", "/opt/inner/file"]', '-c', 'LABEL stage=committed', '-c', 'ENV STAGE=1', '-m', 'snapshot', 'box', 'boxed:1'])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await docker(['run', '--rm', 'boxed:1']), 'inside\nfrom the host\n');
    assert.equal((await docker(['inspect', '-f', '{{index .Config.Labels "stage"}} {{.Comment}}', 'boxed:1'])).trim(), 'committed snapshot');
    // The changes apply to the container's config, so a new variable comes after the image's PATH.
    assert.equal((await docker(['inspect', '-f', '{{json .Config.Env}}', 'boxed:1'])).trim(), '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","STAGE=1"]');
    const history = await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'boxed:1']);
    assert.match(history.split('\n')[0]!, /^sh -c echo inside > \/inside; rm \/bin\/vi; sleep 1000\|snapshot$/);
    assert.equal((await docker(['inspect', '-f', '{{.State.Status}}', 'box'])).trim(), 'running');
  });
});
