// The real docker CLI against tugd: login, tag, push, pull, search, as the seeds' workflow
// runs them; a docker login serves tug too (one config.json).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, TestDaemon } from '../helpers/daemon.js';
import { startDistribution, type PeerRegistry } from '../helpers/peers.js';
import { TestRegistry } from '../helpers/registry.js';

describe('docker CLI push, pull, login, search against tugd', { skip: !existsSync(DOCKER) && 'no docker CLI' }, () => {
  let d: TestDaemon;
  let reg: PeerRegistry;
  let tugReg: TestRegistry;

  before(async () => {
    d = await TestDaemon.start();
    reg = await startDistribution({ users: { seed: 'pass-word' } });
    tugReg = await TestRegistry.start();
    assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
    await tugReg?.cleanup();
  });

  it('docker login, image tag, image push, rmi, image pull, run; tug uses the same login', async () => {
    const H = reg.host;
    const login = await d.docker(['login', '-u', 'seed', '--password-stdin', H], { input: 'pass-word\n' });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    const cfg = JSON.parse(readFileSync(join(d.dir, 'docker-config', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(cfg.auths[H]!.auth, Buffer.from('seed:pass-word').toString('base64'));
    assert.equal((await d.docker(['image', 'tag', 'busybox', `${H}/stormcattest/echo:latest`])).code, 0);
    const push = await d.docker(['image', 'push', `${H}/stormcattest/echo:latest`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /latest: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.equal((await d.docker(['rmi', `${H}/stormcattest/echo:latest`])).code, 0);
    const pull = await d.docker(['image', 'pull', `${H}/stormcattest/echo:latest`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${H}/stormcattest/echo:latest\n${H}/stormcattest/echo:latest\n$`));
    const run = await d.docker(['run', '--rm', `${H}/stormcattest/echo:latest`, 'echo', 'seeded']);
    assert.equal(run.stdout, 'seeded\n', run.stderr);
    const viaTug = await d.tug(['pull', '-q', `${H}/stormcattest/echo:latest`], { env: { DOCKER_CONFIG: join(d.dir, 'docker-config') } });
    assert.equal(viaTug.code, 0, viaTug.stderr);
    const logout = await d.docker(['logout', H]);
    assert.equal(logout.code, 0, logout.stderr);
    // As against dockerd, a 401 makes the docker CLI ask for a login: an empty answer ends it.
    const anon = await d.docker(['pull', `${H}/stormcattest/echo:latest`], { input: '\n' });
    assert.equal(anon.code, 1);
    assert.match(anon.stdout, /Login prior to pull/);
  });

  it('docker run pulls a missing image; docker search --limit lists the registry\'s repositories', async () => {
    const T = tugReg.addr;
    assert.equal((await d.docker(['tag', 'busybox', `${T}/library/mysql:8`])).code, 0);
    assert.equal((await d.docker(['push', `${T}/library/mysql:8`])).code, 0);
    assert.equal((await d.docker(['tag', 'busybox', `${T}/team/mysql-tools:1`])).code, 0);
    assert.equal((await d.docker(['push', `${T}/team/mysql-tools:1`])).code, 0);
    assert.equal((await d.docker(['rmi', `${T}/library/mysql:8`])).code, 0);
    const run = await d.docker(['run', '--rm', `${T}/library/mysql:8`, 'echo', 'pulled on demand']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'pulled on demand\n');
    assert.match(run.stderr, new RegExp(`^Unable to find image '${T}/library/mysql:8' locally\n8: Pulling from library/mysql\n`));
    const search = await d.docker(['search', '--limit', '5', `${T}/mysql`]);
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\nlibrary\/mysql\s+0\s*\nteam\/mysql-tools\s+0\s*\n$/);
  });
});
