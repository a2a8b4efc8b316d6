// The container filesystem through a real tugd and real containers: the archive API (HEAD,
// GET, PUT) on running and stopped containers, hostile tars refused, changes, export, commit
// with changes and a run of the committed image; and the same verbs through `tug`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { tarOf } from '../helpers/tar.js';

let d: TestDaemon;
const LABELS = { 'tug.test': 'containers-fs' };

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function container(name: string, cmd: string[], opts: { start?: boolean; readOnly?: boolean } = {}): Promise<string> {
  const created = await d.api('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: cmd, Labels: LABELS, HostConfig: { ReadonlyRootfs: !!opts.readOnly } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body as { Id: string }).Id;
  if (opts.start !== false) assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
  return id;
}

async function exec(name: string, cmd: string[]): Promise<string> {
  const r = await d.tug(['exec', name, ...cmd]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function decodeStat(header: unknown): { name: string; size: number; mode: number; linkTarget: string } {
  return JSON.parse(Buffer.from(String(header), 'base64').toString()) as { name: string; size: number; mode: number; linkTarget: string };
}

/** Entry names of a tar, read with GNU tar. */
function tarNames(bytes: Buffer): string[] {
  return execFileSync('tar', ['-t'], { input: bytes }).toString().split('\n').filter(Boolean);
}

describe('archive API', () => {
  before(async () => {
    await container('live', ['sh', '-c', 'echo from-live > /tmp/f; ln -s /tmp /t; sleep 1000']);
    await container('stopped', ['sh', '-c', 'mkdir -p /data/sub && echo x > /data/sub/y']);
    await d.api('POST', '/containers/stopped/wait');
    await container('ro', ['sleep', '1000'], { readOnly: true });
    // exec runs once the shell has written its files
    await exec('live', ['sh', '-c', 'while [ ! -e /t ]; do sleep 0.05; done']);
  });
  after(async () => {
    for (const n of ['live', 'stopped', 'ro']) await d.api('DELETE', `/containers/${n}?force=1`);
  });

  it('HEAD stats a path with Go file modes and resolves a symlink inside the rootfs', async () => {
    const file = await d.api('HEAD', '/containers/live/archive?path=/tmp/f');
    assert.equal(file.status, 200);
    assert.deepEqual({ ...decodeStat(file.headers['x-docker-container-path-stat']), mtime: undefined }, { name: 'f', size: 10, mode: 0o644, linkTarget: '', mtime: undefined });
    const link = decodeStat((await d.api('HEAD', '/containers/live/archive?path=/t')).headers['x-docker-container-path-stat']);
    assert.equal(link.linkTarget, '/tmp');
    assert.equal(link.mode, 2 ** 27 + 0o777);
    const missing = await d.api('HEAD', '/containers/live/archive?path=/nope');
    assert.equal(missing.status, 404);
    assert.equal((await d.api('HEAD', '/containers/live/archive')).status, 400);
    assert.equal((await d.api('HEAD', '/containers/nosuch/archive?path=/')).status, 404);
  });

  it('GET tars a running container\'s path, named after the last element', async () => {
    const r = await d.api('GET', '/containers/live/archive?path=/tmp/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-tar');
    assert.deepEqual(tarNames(r.raw), ['tmp/', 'tmp/f']);
    assert.equal(decodeStat(r.headers['x-docker-container-path-stat']).name, 'tmp');
    // The trailing slash follows the symlink, and the entries keep the name asked for.
    assert.deepEqual(tarNames((await d.api('GET', '/containers/live/archive?path=/t/')).raw), ['t/', 't/f']);
    const missing = await d.api('GET', '/containers/live/archive?path=/nope');
    assert.equal(missing.status, 404);
    assert.match((missing.body as { message: string }).message, /^Could not find the file \/nope in container live$/);
  });

  it('GET and PUT work on a stopped container, and leave it unmounted', async () => {
    const r = await d.api('GET', '/containers/stopped/archive?path=/data');
    assert.deepEqual(tarNames(r.raw), ['data/', 'data/sub/', 'data/sub/y']);
    const put = await d.api('PUT', '/containers/stopped/archive?path=/data/sub', await tarOf([{ name: 'new', body: 'put-in' }]));
    assert.equal(put.status, 200, String(put.raw));
    const back = await d.api('GET', '/containers/stopped/archive?path=/data/sub/new');
    assert.match(back.raw.toString(), /put-in/);
    const id = ((await d.api('GET', '/containers/stopped/json')).body as { Id: string }).Id;
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(`${id}/merged`), false);
  });

  it('PUT into a running container is seen inside it', async () => {
    const put = await d.api('PUT', '/containers/live/archive?path=/tmp&copyUIDGID=1', await tarOf([{ name: 'dir/', type: 'directory' }, { name: 'dir/file', body: 'hello', uid: 7, gid: 7 }]));
    assert.equal(put.status, 200, String(put.raw));
    assert.equal(await exec('live', ['cat', '/tmp/dir/file']), 'hello');
    // No Config.User: the tar's owners stay, with copyUIDGID as without it (dockerd's applyTarCopyUserOptions).
    assert.equal((await exec('live', ['stat', '-c', '%u:%g', '/tmp/dir/file'])).trim(), '7:7');
  });

  it("PUT with copyUIDGID gives what it puts to the container's user; without it the tar's owners stay", async () => {
    const created = await d.api('POST', '/containers/create?name=owned', { Image: 'busybox', Cmd: ['sleep', '1000'], User: 'nobody', Labels: LABELS });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const tar = () => tarOf([{ name: 'a', body: 'x', uid: 7, gid: 8 }]);
    assert.equal((await d.api('PUT', '/containers/owned/archive?path=/tmp&copyUIDGID=1', await tar())).status, 200);
    assert.equal((await d.api('PUT', '/containers/owned/archive?path=/', await tar())).status, 200);
    assert.equal((await d.api('POST', '/containers/owned/start')).status, 204);
    assert.equal((await exec('owned', ['stat', '-c', '%u:%g', '/tmp/a', '/a'])).trim(), '65534:65534\n7:8');
    await d.api('DELETE', '/containers/owned?force=1');
  });

  it('freezes a running container while it walks its rootfs, and thaws it after, also for calls at once', async () => {
    const id = ((await d.api('GET', '/containers/live/json')).body as { Id: string }).Id;
    const calls = await Promise.all(Array.from({ length: 8 }, (_, i) => d.api(i % 2 ? 'HEAD' : 'GET', '/containers/live/archive?path=/bin')));
    assert.deepEqual(calls.map((c) => c.status), Array(8).fill(200));
    const freezer = `/sys/fs/cgroup/freezer/tug/${id}/freezer.state`;
    if (existsSync(freezer)) assert.equal(readFileSync(freezer, 'utf8').trim(), 'THAWED');
    assert.equal(await exec('live', ['echo', 'thawed']), 'thawed\n');
    assert.equal(((await d.api('GET', '/containers/live/json')).body as { State: { Status: string } }).State.Status, 'running');
  });

  it('PUT refuses hostile tars with one clear line and leaves the host alone', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['..', await tarOf([{ name: '../../../../tmp/tug-escaped', body: 'x' }]), /invalid tar entry ".*tug-escaped": path escapes the destination/],
      ['absolute', await tarOf([{ name: '/tmp/tug-escaped', body: 'x' }]), /invalid tar entry "\/tmp\/tug-escaped": absolute path/],
      ['symlink out', await tarOf([{ name: 'l', type: 'symlink', linkname: '../../../../../../tmp' }]), /symlink target ".*" points outside the destination/],
      ['through a symlink', await tarOf([{ name: 'l2', type: 'symlink', linkname: '/' }, { name: 'l2/tug-escaped', body: 'x' }]), /"l2" is a symlink that points outside the destination/],
    ];
    for (const [what, body, message] of cases) {
      const r = await d.api('PUT', '/containers/live/archive?path=/tmp/dir', body);
      assert.equal(r.status, 400, what);
      assert.match((r.body as { message: string }).message, message, what);
    }
    assert.equal(existsSync('/tmp/tug-escaped'), false);
  });

  it('PUT says why it cannot extract', async () => {
    const body = await tarOf([{ name: 'x', body: 'x' }]);
    const notDir = await d.api('PUT', '/containers/live/archive?path=/tmp/f', body);
    assert.equal(notDir.status, 400);
    assert.equal((notDir.body as { message: string }).message, 'extraction point is not a directory');
    const ro = await d.api('PUT', '/containers/ro/archive?path=/tmp', body);
    assert.equal(ro.status, 400);
    assert.equal((ro.body as { message: string }).message, 'container rootfs is marked read-only');
    const over = await d.api('PUT', '/containers/live/archive?path=/&noOverwriteDirNonDir=1', await tarOf([{ name: 'tmp', body: 'x' }]));
    assert.equal(over.status, 400);
    assert.match((over.body as { message: string }).message, /cannot overwrite directory "\/tmp" with non-directory/);
  });
});

describe('archive API with bind mounts', () => {
  it('reads and writes through a bind mount, and refuses a read-only one', async () => {
    const rw = join(d.dir, 'bind-rw');
    const ro = join(d.dir, 'bind-ro');
    mkdirSync(rw);
    mkdirSync(ro);
    writeFileSync(join(rw, 'host-file'), 'from host');
    const created = await d.api('POST', '/containers/create?name=binds', { Image: 'busybox', Cmd: ['sleep', '1000'], Labels: LABELS, HostConfig: { Binds: [`${rw}:/data`, `${ro}:/ro:ro`], ReadonlyRootfs: true } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const running of [false, true]) {
      if (running) assert.equal((await d.api('POST', '/containers/binds/start')).status, 204);
      const got = await d.api('GET', '/containers/binds/archive?path=/data/host-file');
      assert.equal(got.status, 200);
      assert.match(got.raw.toString(), /from host/);
      const put = await d.api('PUT', '/containers/binds/archive?path=/data', await tarOf([{ name: `put-${running}`, body: 'into the bind' }]));
      assert.equal(put.status, 200, String(put.raw));
      assert.equal(readFileSync(join(rw, `put-${running}`), 'utf8'), 'into the bind');
      const refused = await d.api('PUT', '/containers/binds/archive?path=/ro', await tarOf([{ name: 'x', body: 'x' }]));
      assert.equal(refused.status, 400);
      assert.equal((refused.body as { message: string }).message, 'mounted volume is marked read-only');
    }
    assert.equal(await exec('binds', ['cat', '/data/put-false']), 'into the bind');
    await d.api('DELETE', '/containers/binds?force=1');
  });
});

describe('archive API with volumes', () => {
  it('reads and writes a named volume and an anonymous one, running or stopped, as the container sees them', async () => {
    const created = await d.api('POST', '/containers/create?name=vols', { Image: 'busybox', Cmd: ['sleep', '1000'], Labels: LABELS, HostConfig: { Binds: ['cpvol:/named'] }, Volumes: { '/anon': {} } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const running of [false, true]) {
      if (running) assert.equal((await d.api('POST', '/containers/vols/start')).status, 204);
      for (const dir of ['/named', '/anon']) {
        const put = await d.api('PUT', `/containers/vols/archive?path=${dir}`, await tarOf([{ name: `in-${running}`, body: `into ${dir}` }]));
        assert.equal(put.status, 200, String(put.raw));
        const got = await d.api('GET', `/containers/vols/archive?path=${dir}/in-${running}`);
        assert.equal(got.status, 200);
        assert.match(got.raw.toString(), new RegExp(`into ${dir}`));
      }
    }
    // Inside, the files are in the volumes, not hidden under them in the rootfs.
    assert.equal(await exec('vols', ['cat', '/named/in-false', '/named/in-true', '/anon/in-false', '/anon/in-true']), 'into /namedinto /namedinto /anoninto /anon');
    const upper = await d.api('GET', '/containers/vols/changes');
    assert.ok(!JSON.stringify(upper.body).includes('in-'), `nothing landed in the rootfs: ${JSON.stringify(upper.body)}`);
    await d.api('DELETE', '/containers/vols?force=1&v=1');
    await d.tug(['volume', 'rm', 'cpvol']);
  });
});

describe('changes, export and commit', () => {
  before(async () => {
    await container('work', ['sh', '-c', 'echo made > /made; rm /bin/ls; mkdir /newdir']);
    await d.api('POST', '/containers/work/wait');
  });
  after(async () => {
    await d.api('DELETE', '/containers/work?force=1');
  });

  it('GET /changes lists the upper dir as docker diff does', async () => {
    const r = await d.api('GET', '/containers/work/changes');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, [{ Path: '/bin', Kind: 0 }, { Path: '/bin/ls', Kind: 2 }, { Path: '/made', Kind: 1 }, { Path: '/newdir', Kind: 1 }]);
    assert.equal((await d.tug(['diff', 'work'])).stdout, 'C /bin\nD /bin/ls\nA /made\nA /newdir\n');
  });

  it('GET /export streams the whole rootfs', async () => {
    const r = await d.api('GET', '/containers/work/export');
    assert.equal(r.status, 200);
    const names = tarNames(r.raw);
    assert.ok(names.includes('made') && names.includes('bin/sh') && !names.includes('bin/ls'), names.slice(0, 10).join(' '));
  });

  it('POST /commit makes an image with the layer, changes, history and parent', async () => {
    const r = await d.api('POST', '/commit?container=work&repo=committed&tag=v1&comment=hi&author=me&changes=CMD%20%5B%22cat%22%2C%22%2Fmade%22%5D&changes=ENV%20X%3D1');
    assert.equal(r.status, 201, String(r.raw));
    const id = (r.body as { Id: string }).Id;
    const img = (await d.api('GET', '/images/committed:v1/json')).body as { Id: string; Parent: string; Comment: string; Author: string; Config: { Cmd: string[]; Env: string[] }; RootFS: { Layers: string[] } };
    assert.equal(img.Id, id);
    assert.deepEqual(img.Config.Cmd, ['cat', '/made']);
    assert.ok(img.Config.Env.includes('X=1') && img.Config.Env.some((e) => e.startsWith('PATH=')), img.Config.Env.join(' '));
    assert.equal(img.Comment, 'hi');
    assert.equal(img.Author, 'me');
    assert.equal(img.RootFS.Layers.length, 2);
    assert.ok(img.Parent.startsWith('sha256:'));
    const run = await d.tug(['run', '--rm', 'committed:v1']);
    assert.equal(run.stdout, 'made\n', run.stderr);
    const ls = await d.tug(['run', '--rm', 'committed:v1', 'ls', '/bin/ls']);
    assert.notEqual(ls.code, 0, 'the whiteout made it into the layer');
    const bad = await d.api('POST', '/commit?container=work&changes=FROM%20x');
    assert.equal(bad.status, 400);
    assert.equal((await d.api('POST', '/commit?container=nosuch')).status, 404);
  });

  it('commits a running container, paused for the while', async () => {
    await container('busy', ['sh', '-c', 'echo state > /state; sleep 1000']);
    await exec('busy', ['sh', '-c', 'while [ ! -e /state ]; do sleep 0.05; done']);
    const r = await d.tug(['commit', '-m', 'running', 'busy', 'busy-snap']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(((await d.api('GET', '/containers/busy/json')).body as { State: { Status: string } }).State.Status, 'running');
    assert.equal((await d.tug(['run', '--rm', 'busy-snap', 'cat', '/state'])).stdout, 'state\n');
    await d.api('DELETE', '/containers/busy?force=1');
  });
});

describe('tug cp, export', () => {
  it('copies both ways, also as tar streams', async () => {
    await container('cpx', ['sleep', '1000']);
    const local = join(d.dir, 'cp');
    mkdirSync(join(local, 'tree/sub'), { recursive: true });
    writeFileSync(join(local, 'tree/sub/a'), 'A');
    assert.equal((await d.tug(['cp', join(local, 'tree'), 'cpx:/tmp/'])).code, 0);
    assert.equal(await exec('cpx', ['cat', '/tmp/tree/sub/a']), 'A');
    assert.equal((await d.tug(['cp', 'cpx:/tmp/tree', join(local, 'back')])).code, 0);
    assert.equal(readFileSync(join(local, 'back/sub/a'), 'utf8'), 'A');
    const stream = execFileSync('tar', ['-c', '-C', join(local, 'tree'), 'sub']);
    assert.equal((await d.tug(['cp', '-', 'cpx:/root'], { input: stream })).code, 0);
    assert.equal(await exec('cpx', ['cat', '/root/sub/a']), 'A');
    const out = await d.tug(['cp', 'cpx:/root/sub', '-']);
    assert.equal(out.code, 0);
    assert.deepEqual(tarNames(Buffer.from(out.stdout)), ['sub/', 'sub/a']);
    const exported = join(local, 'x.tar');
    assert.equal((await d.tug(['export', '-o', exported, 'cpx'])).code, 0);
    assert.ok(tarNames(readFileSync(exported)).includes('tmp/tree/sub/a'));
    await d.api('DELETE', '/containers/cpx?force=1');
  });
});
