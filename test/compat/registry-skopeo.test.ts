// Real clients against `tug registry serve`: skopeo copies an OCI layout in and back out with
// identical digests, lists tags, copies between repositories, deletes, and logs in.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../helpers/daemon.js';
import { TestRegistry, pullImage, randomImage, startDistribution, startTokenServer, writeOciLayout } from '../helpers/registry.js';

const dir = mkdtempSync('/tmp/tugreg-skopeo-');
after(() => rmSync(dir, { recursive: true, force: true }));

async function skopeo(...args: string[]): Promise<string> {
  const r = await runProcess('skopeo', args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function indexDigest(layout: string): string {
  return (JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!.digest;
}

describe('skopeo against tug registry', () => {
  let reg: TestRegistry;
  const img = randomImage([200_000, 300_000, 1000]);
  const src = join(dir, 'src');
  before(async () => {
    writeOciLayout(src, img, 'v1');
    reg = await TestRegistry.start();
  });
  after(async () => { await reg.cleanup(); });

  it('copies an OCI layout in and back out with identical digests', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg.addr}/skopeo/app:v1`);
    assert.equal(await pullImage(reg, 'skopeo/app', 'v1'), img.digest);
    const back = join(dir, 'back');
    await skopeo('copy', '--src-tls-verify=false', `docker://${reg.addr}/skopeo/app:v1`, `oci:${back}:v1`);
    assert.equal(indexDigest(back), img.digest);
    assert.deepEqual(readdirSync(join(back, 'blobs', 'sha256')).sort(), readdirSync(join(src, 'blobs', 'sha256')).sort());
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/skopeo/app:v1`);
    assert.equal(raw, img.manifest.toString());
  });

  it('copies between repositories, lists tags and deletes', async () => {
    await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg.addr}/skopeo/orig:v1`);
    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.addr}/skopeo/orig:v1`, `docker://${reg.addr}/skopeo/copy:v2`);
    assert.equal(await pullImage(reg, 'skopeo/copy', 'v2'), img.digest);
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${reg.addr}/skopeo/copy`)) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['v2']);
    await skopeo('delete', '--tls-verify=false', `docker://${reg.addr}/skopeo/copy:v2`);
    assert.equal((await reg.request('GET', '/v2/skopeo/copy/manifests/v2')).status, 404);
    assert.equal((await reg.request('GET', '/v2/skopeo/orig/manifests/v1')).status, 200);
  });

  it('hands images to and from docker-registry (CNCF distribution) with identical digests', async () => {
    const peer = await startDistribution(join(dir, 'distribution'));
    try {
      await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg.addr}/skopeo/handover:v1`);
      await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.addr}/skopeo/handover:v1`, `docker://${peer.addr}/peer/app:v1`);
      const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${peer.addr}/peer/app:v1`);
      assert.equal(raw, img.manifest.toString());
      await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${peer.addr}/peer/app:v1`, `docker://${reg.addr}/skopeo/roundtrip:v1`);
      assert.equal(await pullImage(reg, 'skopeo/roundtrip', 'v1'), img.digest);
    } finally {
      await peer.stop();
    }
  });

  it('follows Docker token auth: a token server grants writers push and readers only pull', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'token.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const users: Record<string, [string, string[]]> = { writer: ['w-pw', ['pull', 'push']], reader: ['r-pw', ['pull']] };
    const tokens = await startTokenServer(privateKey, (user, password) => (users[user]?.[0] === password ? users[user][1] : []));
    const locked = await TestRegistry.start(['--token-realm', tokens.realm, '--token-key', join(dir, 'token.pub'), '--token-service', 'test-registry', '--token-issuer', 'test-issuer']);
    try {
      const target = `docker://${locked.addr}/tokens/app:v1`;
      const denied = await runProcess('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', 'reader:r-pw', `oci:${src}:v1`, target]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /authentication required|unauthorized|denied/i);
      await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'writer:w-pw', `oci:${src}:v1`, target);
      const back = join(dir, 'token-back');
      await skopeo('copy', '--src-tls-verify=false', '--src-creds', 'reader:r-pw', target, `oci:${back}:v1`);
      assert.equal(indexDigest(back), img.digest);
      const anon = await runProcess('skopeo', ['copy', '--src-tls-verify=false', target, `oci:${join(dir, 'anon')}:v1`]);
      assert.notEqual(anon.code, 0);
    } finally {
      await locked.cleanup();
      await tokens.close();
    }
  });

  it('pushes with credentials to a registry with --htpasswd, and not without', async () => {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, execFileSync('htpasswd', ['-Bbn', 'ci', 'pw']));
    const locked = await TestRegistry.start(['--htpasswd', file]);
    try {
      const anon = await runProcess('skopeo', ['copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${locked.addr}/locked/app:v1`]);
      assert.notEqual(anon.code, 0);
      assert.match(anon.stderr, /authentication required|unauthorized/i);
      await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'ci:pw', `oci:${src}:v1`, `docker://${locked.addr}/locked/app:v1`);
      const back = join(dir, 'locked-back');
      await skopeo('copy', '--src-tls-verify=false', '--src-creds', 'ci:pw', `docker://${locked.addr}/locked/app:v1`, `oci:${back}:v1`);
      assert.equal(indexDigest(back), img.digest);
    } finally {
      await locked.cleanup();
    }
  });
});
