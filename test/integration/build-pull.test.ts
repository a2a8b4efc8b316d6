// Base images through the registry client, against `tug registry serve` on 127.0.0.1: a FROM
// missing here is pulled (progress in the build output), --pull pulls a newer push, a missing
// remote image fails the build in one line, and logins reach the pull through X-Registry-Config
// (tug's CLI from config.json, the docker CLI's own header).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { BuildContext, builtID } from '../helpers/buildctx.js';
import { TestRegistry } from '../helpers/registry.js';

const contexts: BuildContext[] = [];
function ctx(dockerfile: string): BuildContext {
  const c = new BuildContext({ Dockerfile: dockerfile });
  contexts.push(c);
  return c;
}

after(() => {
  for (const c of contexts) c.remove();
});

describe('build FROM an image of a registry', () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  let R: string;
  const tug = (args: string[], input?: string) => d.tug(args, { env: { DOCKER_CONFIG: join(d.dir, 'docker-config') }, input });
  const ok = async (args: string[]) => {
    const r = await tug(args);
    assert.equal(r.code, 0, `tug ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const idOf = async (name: string) => (await ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim();

  before(async () => {
    d = await TestDaemon.start();
    reg = await TestRegistry.start();
    R = reg.addr;
    await ok(['bootstrap', 'busybox']);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.cleanup();
  });

  it('pulls a FROM image missing here, printing the pull as docker does', async () => {
    const id = await idOf('busybox');
    await ok(['tag', 'busybox', `${R}/x/busybox:1`]);
    await ok(['push', '-q', `${R}/x/busybox:1`]);
    await ok(['rmi', `${R}/x/busybox:1`, 'busybox']);
    const out = await ok(['build', ctx(`FROM ${R}/x/busybox:1\nRUN echo pulled > /mark\n`).dir]);
    assert.match(out, new RegExp(`^Step 1/2 : FROM ${R}/x/busybox:1\n1: Pulling from x/busybox\n`));
    assert.match(out, /^[0-9a-f]{12}: Pull complete$/m);
    assert.match(out, /^Digest: sha256:[0-9a-f]{64}$/m);
    assert.match(out, new RegExp(`^Status: Downloaded newer image for ${R}/x/busybox:1\n ---> ${id.slice(7, 19)}\n`, 'm'));
    assert.doesNotMatch(out, /\[=*>? *\]/, 'no progress bars off a terminal');
    assert.equal(await idOf(`${R}/x/busybox:1`), id);
    // Here now: the next build does not pull.
    const again = await ok(['build', '--no-cache', ctx(`FROM ${R}/x/busybox:1\nRUN true\n`).dir]);
    assert.doesNotMatch(again, /Pulling from/);
    await ok(['tag', id, 'busybox']);
  });

  it('--pull pulls a newer push over the image here; without it the local one is used', async () => {
    const old = await idOf(`${R}/x/busybox:1`);
    const built = builtID(await ok(['build', '-t', `${R}/x/busybox:1`, ctx(`FROM ${R}/x/busybox:1\nRUN echo v2 > /v2\n`).dir]));
    await ok(['push', '-q', `${R}/x/busybox:1`]);
    await ok(['tag', old, `${R}/x/busybox:1`]);
    const local = await ok(['build', '--no-cache', ctx(`FROM ${R}/x/busybox:1\nRUN test ! -e /v2\n`).dir]);
    assert.match(local, new RegExp(`^ ---> ${old.slice(7, 19)}$`, 'm'));
    const pulled = await ok(['build', '--pull', ctx(`FROM ${R}/x/busybox:1\nRUN cat /v2\n`).dir]);
    assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${R}/x/busybox:1\n ---> ${built}\n`));
    assert.match(pulled, /^v2$/m);
    assert.doesNotMatch(pulled, /Warning.*--pull/);
    assert.equal((await idOf(`${R}/x/busybox:1`)).slice(7, 19), built);
  });

  it('a FROM image the registry does not have fails the build in one line; so does --pull of one only here', async () => {
    const r = await tug(['build', ctx(`FROM ${R}/x/nope:1\nRUN true\n`).dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${R}/x/nope.*(not found|unknown)`, 'i'));
    await ok(['tag', 'busybox', `${R}/x/localonly:1`]);
    const c = ctx(`FROM ${R}/x/localonly:1\nRUN true\n`);
    await ok(['build', c.dir]);
    const forced = await tug(['build', '--pull', c.dir]);
    assert.equal(forced.code, 1);
    assert.match(forced.stderr, /localonly.*(not found|unknown)/i);
  });

  it('COPY --from an image of the registry pulls it too', async () => {
    await ok(['tag', 'busybox', `${R}/x/tools:1`]);
    await ok(['push', '-q', `${R}/x/tools:1`]);
    await ok(['rmi', `${R}/x/tools:1`]);
    const out = await ok(['build', '--no-cache', ctx(`FROM busybox\nCOPY --from=${R}/x/tools:1 /bin/busybox /copied\nRUN test -x /copied\n`).dir]);
    assert.match(out, /1: Pulling from x\/tools/);
    await ok(['rmi', `${R}/x/tools:1`]);
    // The live view gets the pull as status lines of its stage.
    const live = await ok(['build', '--no-cache', '--progress=tty', ctx(`FROM ${R}/x/tools:1\nRUN true\n`).dir]);
    assert.match(live, /1: Pulling from x\/tools/);
    assert.match(live, /Status: Downloaded newer image for /);
  });
});

describe('build pulls with the logins of X-Registry-Config', () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  let dir: string;
  let R: string;
  const env = () => ({ DOCKER_CONFIG: join(dir, 'docker-config') });

  before(async () => {
    dir = mkdtempSync('/tmp/tug-buildauth-');
    writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', 'alice', 'secret']));
    reg = await TestRegistry.start(['--htpasswd', join(dir, 'htpasswd')]);
    R = reg.addr;
    d = await TestDaemon.start();
    assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
    assert.equal((await d.tug(['login', '-u', 'alice', '--password-stdin', R], { env: env(), input: 'secret' })).code, 0);
    assert.equal((await d.tug(['tag', 'busybox', `${R}/team/base:1`])).code, 0);
    const push = await d.tug(['push', '-q', `${R}/team/base:1`], { env: env() });
    assert.equal(push.code, 0, push.stderr);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tug build sends the stored login; without one the pull is refused', async () => {
    const c = ctx(`FROM ${R}/team/base:1\nRUN true\n`);
    assert.equal((await d.tug(['rmi', `${R}/team/base:1`])).code, 0);
    const anon = await d.tug(['build', c.dir], { env: { DOCKER_CONFIG: join(dir, 'empty-config') } });
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /unauthorized|authentication required|denied/i);
    const authed = await d.tug(['build', c.dir], { env: env() });
    assert.equal(authed.code, 0, authed.stderr);
    assert.match(authed.stdout, /1: Pulling from team\/base/);
  });

  it('the docker CLI\'s X-Registry-Config works the same', async () => {
    assert.equal((await d.tug(['rmi', `${R}/team/base:1`])).code, 0);
    const c = ctx(`FROM ${R}/team/base:1\nRUN true\n`);
    const r = await d.docker(['build', c.dir], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Status: Downloaded newer image for/);
  });
});
