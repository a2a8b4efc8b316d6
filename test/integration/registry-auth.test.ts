// Auth and TLS of `tug registry serve`: with --htpasswd or token auth nothing is pulled or
// pushed without credentials, and a token grants only its scope.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TUG, runProcess } from '../helpers/daemon.js';
import { TestRegistry, pullImage, pushImage, randomImage, rawRequest, sha256, type Reply } from '../helpers/registry.js';

const dir = mkdtempSync('/tmp/tugreg-auth-');
after(() => rmSync(dir, { recursive: true, force: true }));

function code(r: Reply): string {
  return r.json<{ errors: { code: string }[] }>().errors[0]!.code;
}

describe('registry --htpasswd', () => {
  let reg: TestRegistry;
  const file = join(dir, 'htpasswd');
  const alice = { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` };
  before(async () => {
    // The file as Apache's own tool writes bcrypt entries.
    writeFileSync(file, execFileSync('htpasswd', ['-Bbn', 'alice', 'secret']));
    reg = await TestRegistry.start(['--htpasswd', file]);
  });
  after(async () => { await reg.cleanup(); });

  it('challenges requests without credentials or with a wrong password', async () => {
    const r = await reg.request('GET', '/v2/');
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="tug-registry"');
    assert.equal(code(r), 'UNAUTHORIZED');
    const wrong = await reg.request('GET', '/v2/', { headers: { Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` } });
    assert.equal(wrong.status, 401);
    const nobody = await reg.request('GET', '/v2/', { headers: { Authorization: `Basic ${Buffer.from('bob:secret').toString('base64')}` } });
    assert.equal(nobody.status, 401);
    assert.equal((await reg.request('GET', '/v2/', { headers: alice })).status, 200);
  });

  it('pushes and pulls only with credentials', async () => {
    const img = randomImage([1000]);
    await assert.rejects(pushImage(reg, 'private/app', 'v1', img), /401/);
    await pushImage(reg, 'private/app', 'v1', img, alice);
    await assert.rejects(pullImage(reg, 'private/app', 'v1'), /401/);
    assert.equal((await reg.request('GET', `/v2/private/app/blobs/${sha256(img.layers[0]!)}`)).status, 401);
    assert.equal((await reg.request('GET', '/v2/_catalog')).status, 401);
    assert.equal((await reg.request('GET', '/v1/search?q=app')).status, 401);
    assert.equal(await pullImage(reg, 'private/app', 'v1', alice), img.digest);
  });

  it('refuses an htpasswd file without bcrypt entries', async () => {
    const md5 = join(dir, 'htpasswd-md5');
    writeFileSync(md5, execFileSync('htpasswd', ['-mbn', 'alice', 'secret']));
    const r = await runProcess(TUG, ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', join(dir, 'unused'), '--htpasswd', md5]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error: ${md5}:1: not a bcrypt entry (write it with htpasswd -B)\n`);
  });
});

interface Grant { type: string; name: string; actions: string[] }

function token(key: KeyObject, access: Grant[], claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc({ iss: 'test-issuer', aud: 'test-registry', sub: 'ci', iat: now, nbf: now - 5, exp: now + 300, access, ...claims })}`;
  return `Bearer ${body}.${sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('registry token auth', () => {
  let reg: TestRegistry;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const realm = 'http://127.0.0.1:9/token';
  const auth = (grants: Grant[], claims?: Record<string, unknown>, key = privateKey): Record<string, string> => ({ Authorization: token(key, grants, claims) });
  const pushPull = (name: string): Grant => ({ type: 'repository', name, actions: ['pull', 'push'] });
  const pull = (name: string): Grant => ({ type: 'repository', name, actions: ['pull'] });
  before(async () => {
    writeFileSync(join(dir, 'token.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    reg = await TestRegistry.start(['--token-realm', realm, '--token-key', join(dir, 'token.pub'), '--token-service', 'test-registry', '--token-issuer', 'test-issuer']);
  });
  after(async () => { await reg.cleanup(); });

  it('challenges with the realm, service and the scope the request needs', async () => {
    const r = await reg.request('GET', '/v2/team/app/manifests/latest');
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], `Bearer realm="${realm}",service="test-registry",scope="repository:team/app:pull"`);
    const up = await reg.request('POST', '/v2/team/app/blobs/uploads/');
    assert.equal(up.headers['www-authenticate'], `Bearer realm="${realm}",service="test-registry",scope="repository:team/app:pull,push"`);
    assert.equal((await reg.request('GET', '/v2/')).status, 401);
    assert.equal((await reg.request('GET', '/v2/', { headers: auth([]) })).status, 200);
  });

  it('grants only the scope a token carries', async () => {
    const img = randomImage([2000]);
    await pushImage(reg, 'team/app', 'v1', img, auth([pushPull('team/app')]));
    assert.equal(await pullImage(reg, 'team/app', 'v1', auth([pull('team/app')])), img.digest);
    const pullOnly = auth([pull('team/app')]);
    const denied = await reg.request('POST', '/v2/team/app/blobs/uploads/', { headers: pullOnly });
    assert.equal(denied.status, 401);
    assert.match(String(denied.headers['www-authenticate']), /error="insufficient_scope"/);
    await assert.rejects(pullImage(reg, 'team/app', 'v1', auth([pull('team/other')])), /401/);
    await assert.rejects(pullImage(reg, 'team/app', 'v1', auth([{ type: 'repository', name: 'team/app', actions: ['push'] }])), /401/);
    assert.equal((await reg.request('DELETE', '/v2/team/app/manifests/v1', { headers: auth([pushPull('team/app')]) })).status, 401);
    assert.equal((await reg.request('GET', '/v2/_catalog', { headers: auth([pushPull('team/app')]) })).status, 401);
    const cat = await reg.request('GET', '/v2/_catalog', { headers: auth([{ type: 'registry', name: 'catalog', actions: ['*'] }]) });
    assert.deepEqual(cat.json(), { repositories: ['team/app'] });
  });

  it('mounts only from repositories the token may pull', async () => {
    const img = randomImage([3000]);
    await pushImage(reg, 'team/src', 'v1', img, auth([pushPull('team/src')]));
    const d = sha256(img.layers[0]!);
    const refused = await reg.request('POST', `/v2/team/dst/blobs/uploads/?mount=${d}&from=team/src`, { headers: auth([pushPull('team/dst')]) });
    assert.equal(refused.status, 202);
    const mounted = await reg.request('POST', `/v2/team/dst/blobs/uploads/?mount=${d}&from=team/src`, { headers: auth([pushPull('team/dst'), pull('team/src')]) });
    assert.equal(mounted.status, 201);
  });

  it('refuses expired, forged and misaddressed tokens', async () => {
    const g = [pull('team/app')];
    const path = '/v2/team/app/tags/list';
    const cases: [string, Record<string, string>][] = [
      ['expired', auth(g, { exp: Math.floor(Date.now() / 1000) - 3600 })],
      ['not yet valid', auth(g, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
      ['other key', auth(g, {}, other)],
      ['other audience', auth(g, { aud: 'another-registry' })],
      ['other issuer', auth(g, { iss: 'someone' })],
      ['garbage', { Authorization: 'Bearer abc.def.ghi' }],
      ['basic', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ];
    for (const [what, headers] of cases) {
      const r = await reg.request('GET', path, { headers });
      assert.equal(r.status, 401, what);
      assert.equal(code(r), 'UNAUTHORIZED', what);
    }
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud: 'test-registry', iss: 'test-issuer', exp: 9e9, access: g })).toString('base64url')}.x`;
    assert.equal((await reg.request('GET', path, { headers: { Authorization: `Bearer ${unsigned}` } })).status, 401);
    assert.equal((await reg.request('GET', path, { headers: auth(g) })).status, 200);
  });
});

describe('registry TLS', () => {
  it('serves HTTPS with --tls-cert/--tls-key', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const reg = await TestRegistry.start(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    try {
      assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await rawRequest(`${reg.url}/v2/`, 'GET', { ca: readFileSync(join(dir, 'cert.pem')) });
      assert.equal(r.status, 200);
      await assert.rejects(rawRequest(`${reg.url}/v2/`, 'GET'), /self-signed|certificate/);
    } finally {
      await reg.cleanup();
    }
  });

  it('needs both halves of the TLS pair', async () => {
    const r = await runProcess(TUG, ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', join(dir, 'unused'), '--tls-cert', join(dir, 'cert.pem')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: TLS needs both --tls-cert and --tls-key\n');
    const addr = await runProcess(TUG, ['registry', 'serve', '--addr', 'nowhere', '--root', join(dir, 'unused')]);
    assert.equal(addr.stderr, 'Error: invalid --addr "nowhere": expected HOST:PORT\n');
  });
});
