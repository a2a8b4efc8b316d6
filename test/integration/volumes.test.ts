// Volumes with real containers: named volumes outlive their containers, binds honour :ro,
// volumes in use stay, the image's content is copied into a new volume, anonymous volumes
// go with rm -v, and bad names get dockerd's texts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { tarOf } from '../helpers/tar.js';

let d: TestDaemon;
let host: string;

interface MountPoint { Type: string; Name?: string; Source: string; Destination: string; Driver?: string; Mode: string; RW: boolean; Propagation: string }

async function tug(args: string[], expectCode = 0): Promise<string> {
  const r = await d.tug(args);
  assert.equal(r.code, expectCode, `tug ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function mounts(name: string): Promise<MountPoint[]> {
  return JSON.parse(await tug(['inspect', '-f', '{{json .Mounts}}', name])) as MountPoint[];
}

before(async () => {
  d = await TestDaemon.start();
  await tug(['bootstrap', 'busybox']);
  host = mkdtempSync('/tmp/tug-vol-host-');
  // An image whose VOLUME /data has content, to see it copied into the anonymous volume.
  const bb = readFileSync('/bin/busybox');
  const image = await tarOf([
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', mode: 0o755, body: bb },
    ...['sh', 'cat', 'ls', 'touch', 'stat'].map((a) => ({ name: `bin/${a}`, type: 'symlink' as const, linkname: 'busybox' })),
    { name: 'data/', type: 'directory', mode: 0o750, uid: 1234, gid: 1234 },
    { name: 'data/hello.txt', mode: 0o644, uid: 1234, gid: 1234, body: 'from the image\n' },
  ]);
  const r = await d.tug(['import', '-c', 'VOLUME /data', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin', '-', 'volimg'], { input: image });
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d.cleanup();
  rmSync(host, { recursive: true, force: true });
});

describe('named volumes', () => {
  it('keep their data across rm and a new container', async () => {
    await tug(['run', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']);
    await tug(['rm', '-v', 'writer']);
    assert.equal(await tug(['run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f']), 'persisted\n');
    const v = JSON.parse(await tug(['volume', 'inspect', 'keep'])) as Record<string, unknown>[];
    assert.equal(v[0]!.Mountpoint, join(d.dataRoot, 'volumes/keep/_data'));
    assert.equal(readFileSync(join(d.dataRoot, 'volumes/keep/_data/f'), 'utf8'), 'persisted\n');
    await tug(['volume', 'rm', 'keep']);
  });

  it('are refused removal while a container uses them, running or not', async () => {
    const id = (await tug(['run', '-d', '--name', 'user', '-v', 'busy:/data', 'busybox', 'sleep', '60'])).trim();
    const r = await d.tug(['volume', 'rm', 'busy']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error response from daemon: remove busy: volume is in use - [${id}]\n`);
    const forced = await d.api('DELETE', '/volumes/busy?force=1');
    assert.equal(forced.status, 409);
    await tug(['stop', '-t', '0', 'user']);
    assert.equal((await d.tug(['volume', 'rm', 'busy'])).code, 1);
    assert.equal(await tug(['volume', 'ls', '-q', '--filter', 'dangling=true']), '');
    await tug(['rm', 'user']);
    assert.equal(await tug(['volume', 'ls', '-q', '--filter', 'dangling=true']), 'busy\n');
    assert.equal(await tug(['volume', 'rm', 'busy']), 'busy\n');
  });

  it('are filled from the image on first use, owners and modes kept, and not again', async () => {
    assert.equal(await tug(['run', '--rm', '-v', 'tmpvol:/tmp', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'stat -c %a /tmp; cat /etc/passwd | head -1']), '1777\nroot:x:0:0:root:/root:/bin/sh\n');
    assert.equal(statSync(join(d.dataRoot, 'volumes/tmpvol/_data')).mode & 0o7777, 0o1777);
    await tug(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'echo changed > /etc/motd-test']);
    assert.equal(await tug(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'cat', '/etc/motd-test']), 'changed\n');
    // volume-nocopy leaves a new volume empty.
    assert.equal(await tug(['run', '--rm', '--mount', 'type=volume,src=bare,dst=/etc,volume-nocopy', 'busybox', 'sh', '-c', 'test -e /etc/passwd || echo empty']), 'empty\n');
    await tug(['volume', 'rm', 'tmpvol', 'etcvol', 'bare']);
  });

  it('made with the local driver’s tmpfs options are mounted while used', async () => {
    await tug(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'ram']);
    const df = await tug(['run', '--rm', '-v', 'ram:/r', 'busybox', 'sh', '-c', 'df -k /r | tail -1']);
    assert.match(df, /^tmpfs\s+2048\s/);
    const mountpoint = join(d.dataRoot, 'volumes/ram/_data');
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mountpoint} `), 'unmounted after the container went');
    await tug(['volume', 'rm', 'ram']);
  });
});

describe('binds', () => {
  it('honour :ro, and -v creates a missing host directory', async () => {
    writeFileSync(join(host, 'file'), 'host\n');
    const r = await d.tug(['run', '--rm', '-v', `${host}:/h:ro`, 'busybox', 'sh', '-c', 'cat /h/file; touch /h/new']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'host\n');
    assert.match(r.stderr, /Read-only file system/);
    assert.ok(!existsSync(join(host, 'new')));
    await tug(['run', '--rm', '-v', `${host}:/h`, 'busybox', 'touch', '/h/new']);
    assert.ok(existsSync(join(host, 'new')));
    await tug(['run', '--rm', '-v', `${host}/made/here:/m`, 'busybox', 'true']);
    assert.ok(statSync(join(host, 'made/here')).isDirectory());
  });

  it('from --mount must exist', async () => {
    const r = await d.tug(['run', '--rm', '--mount', `type=bind,src=${host}/absent,dst=/x`, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr.split('\n')[0], `tug: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${host}/absent`);
    assert.ok(!existsSync(join(host, 'absent')));
  });

  it('show in inspect with Docker’s shape', async () => {
    await tug(['create', '--name', 'shape', '-v', `${host}:/h:ro`, '-v', 'shapevol:/v', '--mount', 'type=tmpfs,dst=/t', 'busybox']);
    assert.deepEqual(await mounts('shape'), [
      { Type: 'bind', Source: host, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
      { Type: 'volume', Name: 'shapevol', Source: join(d.dataRoot, 'volumes/shapevol/_data'), Destination: '/v', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ]);
    await tug(['rm', 'shape']);
    await tug(['volume', 'rm', 'shapevol']);
  });
});

describe('anonymous volumes', () => {
  it('come from the image’s VOLUME with its content, and go with rm -v', async () => {
    assert.equal(await tug(['run', '--name', 'anon', 'volimg', 'sh', '-c', 'cat /data/hello.txt; stat -c "%u %a" /data']), 'from the image\n1234 750\n');
    const [m] = await mounts('anon');
    assert.equal(m!.Type, 'volume');
    assert.match(m!.Name!, /^[0-9a-f]{64}$/);
    assert.equal(m!.Destination, '/data');
    const v = JSON.parse(await tug(['volume', 'inspect', m!.Name!])) as { Labels: Record<string, string> }[];
    assert.deepEqual(v[0]!.Labels, { 'com.docker.volume.anonymous': '' });
    await tug(['rm', '-v', 'anon']);
    assert.ok(!existsSync(join(d.dataRoot, 'volumes', m!.Name!)));
  });

  it('stay after a plain rm, and prune takes them but not named ones', async () => {
    await tug(['run', '--name', 'anon2', '-v', '/scratch', '-v', 'named1:/n', 'busybox', 'true']);
    const anon = (await mounts('anon2')).find((x) => x.Destination === '/scratch')!.Name!;
    await tug(['rm', 'anon2']);
    assert.deepEqual((await tug(['volume', 'ls', '-q'])).split('\n').filter(Boolean).sort(), [anon, 'named1'].sort());
    const pruned = await tug(['volume', 'prune', '-f']);
    assert.equal(pruned, `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
    assert.equal(await tug(['volume', 'prune', '-a', '-f']), 'Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B\n');
  });

  it('and named ones too for a prune through API versions before 1.42', async () => {
    await tug(['volume', 'create', 'oldapi']);
    const r = await d.api('POST', '/v1.41/volumes/prune');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { VolumesDeleted: ['oldapi'], SpaceReclaimed: 0 });
  });

  it('go with --rm and with DELETE /containers/{id}?v=1', async () => {
    await tug(['run', '--rm', '-v', '/gone', 'busybox', 'true']);
    const id = (await tug(['create', '-v', '/gone2', 'busybox'])).trim();
    assert.equal((await tug(['volume', 'ls', '-q'])).split('\n').filter(Boolean).length, 1);
    const r = await d.api('DELETE', `/containers/${id}?v=1`);
    assert.equal(r.status, 204);
    assert.equal(await tug(['volume', 'ls', '-q']), '');
  });
});

describe('--volumes-from', () => {
  it('shares another container’s volumes, read-only with :ro', async () => {
    await tug(['create', '--name', 'donor', '-v', 'sharedvol:/shared', 'busybox']);
    await tug(['run', '--rm', '--volumes-from', 'donor', 'busybox', 'sh', '-c', 'echo shared > /shared/f']);
    const r = await d.tug(['run', '--rm', '--volumes-from', 'donor:ro', 'busybox', 'sh', '-c', 'cat /shared/f; touch /shared/g']);
    assert.equal(r.stdout, 'shared\n');
    assert.notEqual(r.code, 0);
    const missing = await d.tug(['run', '--rm', '--volumes-from', 'nobody', 'busybox', 'true']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /No such container: nobody/);
    await tug(['rm', 'donor']);
    await tug(['volume', 'rm', 'sharedvol']);
  });
});

describe('bad input', () => {
  const invalid = (n: string) => `"${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
  it('names with dockerd’s texts, in volume create and in run -v', async () => {
    const r = await d.tug(['volume', 'create', 'no good']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error response from daemon: create no good: ${invalid('no good')}\n`);
    const api = await d.api('POST', '/volumes/create', { Name: '_x' });
    assert.equal(api.status, 400);
    assert.deepEqual(api.body, { message: `create _x: ${invalid('_x')}` });
    const run = await d.tug(['run', '--rm', '-v', 'b@d:/x', 'busybox', 'true']);
    assert.equal(run.code, 125);
    assert.match(run.stderr, new RegExp(`create b@d: "b@d" includes invalid characters`));
  });

  it('unknown volumes, drivers, options and filters', async () => {
    const r = await d.api('GET', '/volumes/nosuch');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'get nosuch: no such volume' });
    assert.equal((await d.api('POST', '/volumes/create', { Name: 'vv', Driver: 'nfs' })).status, 404);
    const opt = await d.tug(['volume', 'create', '-o', 'colour=blue', 'vv']);
    assert.equal(opt.stderr, 'Error response from daemon: create vv: invalid option key: "colour"\n');
    const f = await d.tug(['volume', 'ls', '--filter', 'colour=blue']);
    assert.equal(f.code, 1);
    assert.equal(f.stderr, "Error response from daemon: invalid filter 'colour'\n");
    assert.equal(readdirSync(join(d.dataRoot, 'volumes')).length, 0);
  });
});

describe('events', () => {
  it('announce create, mount, unmount and destroy as dockerd', async () => {
    const since = String(Date.now() / 1000);
    const id = (await tug(['run', '-d', '-v', 'evvol:/e', 'busybox', 'true'])).trim();
    await tug(['wait', id]);
    await tug(['rm', id]);
    await tug(['volume', 'rm', 'evvol']);
    await tug(['volume', 'prune', '-f']);
    const until = String(Date.now() / 1000 + 1);
    const lines = (await tug(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "container"}}'])).trim().split('\n');
    assert.deepEqual(lines, ['create evvol <no value>', `mount evvol ${id}`, `unmount evvol ${id}`, 'destroy evvol <no value>', 'prune  <no value>']);
  });
});

describe('crash safety', () => {
  it('volumes and their users survive a kill -9 of tugd', async () => {
    await tug(['create', '--name', 'holder', '-v', 'durable:/d', 'busybox']);
    await d.kill9();
    await d.startProcess();
    assert.equal(await tug(['volume', 'ls', '-q']), 'durable\n');
    assert.equal((await d.api('DELETE', '/volumes/durable')).status, 409);
    await tug(['rm', 'holder']);
    await tug(['volume', 'rm', 'durable']);
  });

  it('a container recorded before mount points were kept gets them at its next start', async () => {
    writeFileSync(join(host, 'legacy'), 'old record\n');
    const id = (await tug(['create', '-v', `${host}:/h:ro`, 'busybox', 'cat', '/h/legacy'])).trim();
    await d.stop();
    const file = join(d.dataRoot, 'containers', id, 'config.v2.json');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    delete rec.MountPoints;
    writeFileSync(file, JSON.stringify(rec));
    await d.startProcess();
    assert.equal(await tug(['start', '-a', id]), 'old record\n');
    assert.equal((await mounts(id))[0]!.Source, host);
    await tug(['rm', id]);
  });
});
