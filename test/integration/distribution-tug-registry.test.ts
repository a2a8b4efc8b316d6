// tug pull/push/search/login against `tug registry serve`: skopeo round trip with identical
// digests, v1 search with --limit/--filter/--format, and Docker token auth through a token
// server on loopback that grants each user only their own repositories.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TestDaemon } from '../helpers/daemon.js';
import { TestRegistry } from '../helpers/registry.js';

const skopeo = (args: string[]) => spawnSync('skopeo', args, { encoding: 'utf8' });

describe('tug against tug registry serve', () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  let R: string;
  const tug = (args: string[], input?: string) => d.tug(args, { env: { DOCKER_CONFIG: join(d.dir, 'docker-config') }, input });

  before(async () => {
    d = await TestDaemon.start();
    reg = await TestRegistry.start();
    R = reg.addr;
    assert.equal((await tug(['bootstrap', 'busybox'])).code, 0);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.cleanup();
  });

  it('push, skopeo to an OCI layout and back, pull: one digest and one image ID throughout', async () => {
    const id = (await tug(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
    assert.equal((await tug(['tag', 'busybox', `${R}/library/busybox:1`])).code, 0);
    const push = await tug(['push', `${R}/library/busybox:1`]);
    assert.equal(push.code, 0, push.stderr);
    const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!;
    const layout = mkdtempSync('/tmp/tug-oci-');
    try {
      assert.equal(skopeo(['copy', '--src-tls-verify=false', `docker://${R}/library/busybox:1`, `oci:${layout}:1`]).status, 0);
      const back = skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${R}/team/copy:1`]);
      assert.equal(back.status, 0, back.stderr);
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }
    assert.equal((JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${R}/team/copy:1`]).stdout) as { Digest: string }).Digest, digest);
    assert.equal((await tug(['rmi', 'busybox', `${R}/library/busybox:1`])).code, 0);
    const pull = await tug(['pull', `${R}/team/copy:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}\n`));
    assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/team/copy:1`])).stdout.trim(), id);
  });

  it('search: table, --limit, --filter, --format, --no-trunc, and bad input', async () => {
    assert.equal((await tug(['tag', `${R}/team/copy:1`, `${R}/team/busyapp:1`])).code, 0);
    assert.equal((await tug(['push', '-q', `${R}/team/busyapp:1`])).code, 0);
    const all = await tug(['search', `${R}/busy`]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'NAME              DESCRIPTION   STARS     OFFICIAL\nlibrary/busybox                 0         \nteam/busyapp                    0         \n');
    const one = await tug(['search', '--limit', '1', `${R}/busy`]);
    assert.equal(one.stdout.split('\n').length, 3);
    const fmt = await tug(['search', '--no-trunc', '--format', '{{.Name}}:{{.StarCount}}', `${R}/busyapp`]);
    assert.equal(fmt.stdout, 'team/busyapp:0\n');
    const starred = await tug(['search', '--filter', 'stars=1', `${R}/busy`]);
    assert.equal(starred.stdout, 'NAME      DESCRIPTION   STARS     OFFICIAL\n');
    const badFilter = await tug(['search', '--filter', 'color=red', `${R}/busy`]);
    assert.equal(badFilter.code, 1);
    assert.equal(badFilter.stderr, "Error response from daemon: invalid filter 'color'\n");
    const badLimit = await tug(['search', '--limit', '500', `${R}/busy`]);
    assert.equal(badLimit.stderr, 'Error response from daemon: limit 500 is outside the range of [1, 100]\n');
  });
});

interface Grant { type: string; name: string; actions: string[] }

/** A Docker token server: alice (password "wonder") gets pull+push on alice/*, pull on shared/*; anyone else nothing. */
function tokenServer(key: KeyObject): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, pass] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (basic && !(user === 'alice' && pass === 'wonder')) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"details":"incorrect username or password"}');
      return;
    }
    const access: Grant[] = [];
    for (const scope of url.searchParams.getAll('scope')) {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name || !actions || !user) continue;
      const allowed = name.startsWith('alice/') ? ['pull', 'push'] : name.startsWith('shared/') ? ['pull'] : [];
      const granted = actions.split(',').filter((a) => allowed.includes(a));
      if (granted.length) access.push({ type, name, actions: granted });
    }
    const now = Math.floor(Date.now() / 1000);
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const body = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc({ iss: 'test-issuer', aud: 'test-registry', sub: user ?? '', iat: now, nbf: now - 5, exp: now + 300, access })}`;
    const token = `${body}.${sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300 }));
  });
}

describe('Docker token auth (tug registry serve with a token server)', () => {
  let d: TestDaemon;
  let reg: TestRegistry;
  let tokens: Server;
  let dir: string;
  const tug = (args: string[], input?: string) => d.tug(args, { env: { DOCKER_CONFIG: join(d.dir, 'docker-config') }, input });

  before(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    tokens = tokenServer(privateKey);
    await new Promise<void>((r) => tokens.listen(0, '127.0.0.1', r));
    dir = mkdtempSync('/tmp/tug-token-');
    writeFileSync(join(dir, 'token.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
    reg = await TestRegistry.start(['--token-realm', realm, '--token-key', join(dir, 'token.pub'), '--token-service', 'test-registry', '--token-issuer', 'test-issuer']);
    d = await TestDaemon.start();
    assert.equal((await tug(['bootstrap', 'busybox'])).code, 0);
    for (const name of ['alice/app:1', 'bob/app:1']) assert.equal((await tug(['tag', 'busybox', `${reg.addr}/${name}`])).code, 0);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.cleanup();
    tokens?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('anonymous gets nothing; a login gets a token for exactly its scope', async () => {
    const anon = await tug(['push', `${reg.addr}/alice/app:1`]);
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /unauthorized|authentication required/i);
    const wrong = await tug(['login', '-u', 'alice', '--password-stdin', reg.addr], 'nope');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /incorrect username or password/);
    const login = await tug(['login', '-u', 'alice', '--password-stdin', reg.addr], 'wonder');
    assert.equal(login.code, 0, login.stderr);
    const push = await tug(['push', `${reg.addr}/alice/app:1`]);
    assert.equal(push.code, 0, push.stderr);
    const denied = await tug(['push', `${reg.addr}/bob/app:1`]);
    assert.equal(denied.code, 1, 'alice\'s token does not reach bob/');
    assert.match(denied.stderr, /denied|unauthorized/i);
    assert.equal((await tug(['rmi', `${reg.addr}/alice/app:1`])).code, 0);
    const pull = await tug(['pull', '-q', `${reg.addr}/alice/app:1`]);
    assert.equal(pull.code, 0, pull.stderr);
  });
});
