// The real docker CLI's volume commands and mount flags against tugd, and the seeds'
// `docker run --name … -v $(pwd):/home/node/app …` pattern.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon, runProcess, DOCKER, TUG } from '../helpers/daemon.js';

let d: TestDaemon;
let app: string;

async function docker(args: string[], expectCode = 0): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, expectCode, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
  app = mkdtempSync('/tmp/tug-vol-app-');
});

after(async () => {
  await d.cleanup();
  rmSync(app, { recursive: true, force: true });
});

describe('docker volume against tugd', () => {
  it('create, ls with filters and formats, inspect, rm', async () => {
    assert.equal(await docker(['volume', 'create', '--label', 'team=web', 'webdata']), 'webdata\n');
    assert.equal(await docker(['volume', 'create', 'other']), 'other\n');
    assert.equal(await docker(['volume', 'ls']), 'DRIVER    VOLUME NAME\nlocal     other\nlocal     webdata\n');
    assert.equal(await docker(['volume', 'ls', '-q', '--filter', 'label=team=web']), 'webdata\n');
    assert.equal(await docker(['volume', 'ls', '--filter', 'name=oth', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), 'other local local\n');
    const [v] = JSON.parse(await docker(['volume', 'inspect', 'webdata'])) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(v!), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.deepEqual(v!.Labels, { team: 'web' });
    assert.equal(v!.Mountpoint, join(d.dataRoot, 'volumes/webdata/_data'));
    assert.equal(await docker(['volume', 'inspect', '-f', '{{.Driver}}/{{.Name}}', 'other']), 'local/other\n');
    assert.equal(await docker(['volume', 'rm', 'webdata', 'other']), 'webdata\nother\n');
    const missing = await d.docker(['volume', 'inspect', 'webdata']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /get webdata: no such volume/);
  });

  it('rm refuses a volume in use; prune -a takes the unused ones', async () => {
    await docker(['run', '--name', 'holder', '-v', 'held:/d', 'busybox', 'true']);
    await docker(['volume', 'create', 'loose']);
    const r = await d.docker(['volume', 'rm', 'held']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /remove held: volume is in use - \[[0-9a-f]{64}\]/);
    const pruned = await docker(['volume', 'prune', '-a', '-f']);
    assert.equal(pruned, 'Deleted Volumes:\nloose\n\nTotal reclaimed space: 0B\n');
    await docker(['rm', '-v', 'holder']);
    assert.equal(await docker(['volume', 'ls', '-q']), 'held\n');
    await docker(['volume', 'rm', 'held']);
  });

  it('run -v, --mount and rm -v as docker sends them', async () => {
    await docker(['run', '--rm', '--mount', 'type=volume,src=mvol,dst=/m', 'busybox', 'sh', '-c', 'echo kept > /m/f']);
    assert.equal(await docker(['run', '--rm', '-v', 'mvol:/m:ro', 'busybox', 'cat', '/m/f']), 'kept\n');
    const ro = await d.docker(['run', '--rm', '-v', 'mvol:/m:ro', 'busybox', 'touch', '/m/g']);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    await docker(['create', '--name', 'anon', '-v', '/scratch', 'busybox']);
    const mounts = JSON.parse(await docker(['inspect', '-f', '{{json .Mounts}}', 'anon'])) as { Name: string; Destination: string }[];
    assert.equal(mounts[0]!.Destination, '/scratch');
    await docker(['rm', '-v', 'anon']);
    assert.equal(await docker(['volume', 'ls', '-q']), 'mvol\n');
    const bad = await d.docker(['run', '--rm', '--mount', 'type=bind,src=/no/such/dir,dst=/x', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid mount config for type "bind": bind source path does not exist: \/no\/such\/dir/);
    await docker(['volume', 'rm', 'mvol']);
  });

  it('the seeds’ `-v $(pwd):/home/node/app` pattern reads and writes the host directory', async () => {
    writeFileSync(join(app, 'server.js'), 'console.log("hi")\n');
    // As a shell would run it from the project directory, `$(pwd)` being that directory.
    const r = await runProcess('sh', ['-c', `cd ${app} && ${DOCKER} run --name seedapp -v $(pwd):/home/node/app -w /home/node/app busybox sh -c 'cat server.js; echo built > out.txt'`], { env: d.env({ DOCKER_CONFIG: join(d.dir, 'docker-config') }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'console.log("hi")\n');
    assert.equal(readFileSync(join(app, 'out.txt'), 'utf8'), 'built\n');
    const [m] = JSON.parse(await docker(['inspect', '-f', '{{json .Mounts}}', 'seedapp'])) as Record<string, unknown>[];
    assert.deepEqual(m, { Type: 'bind', Source: app, Destination: '/home/node/app', Mode: '', RW: true, Propagation: 'rprivate' });
    await docker(['rm', 'seedapp']);
    // And the same with tug in docker's place.
    const t = await runProcess('sh', ['-c', `cd ${app} && ${TUG} run --rm --name seedtug -v $(pwd):/home/node/app -w /home/node/app busybox sh -c 'cat out.txt; rm out.txt'`], { env: d.env() });
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout, 'built\n');
    assert.ok(!existsSync(join(app, 'out.txt')));
  });
});
