// Real clients against `tug registry serve`: skopeo copies an OCI layout in and back out with
// identical digests, lists tags, copies between repositories, deletes, and logs in.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../helpers/daemon.js';
import { TestRegistry, pullImage, randomImage, writeOciLayout } from '../helpers/registry.js';

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
    await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.addr}/skopeo/app:v1`, `docker://${reg.addr}/skopeo/copy:v2`);
    assert.equal(await pullImage(reg, 'skopeo/copy', 'v2'), img.digest);
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${reg.addr}/skopeo/copy`)) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['v2']);
    await skopeo('delete', '--tls-verify=false', `docker://${reg.addr}/skopeo/copy:v2`);
    assert.equal((await reg.request('GET', '/v2/skopeo/copy/manifests/v2')).status, 404);
    assert.equal((await reg.request('GET', '/v2/skopeo/app/manifests/v1')).status, 200);
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
