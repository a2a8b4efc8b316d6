// tug registry gc: only unreferenced, old blobs go, also while ten pushes run against the
// serving registry; online (inside the server) and offline (no server running).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { TUG, runProcess } from '../helpers/daemon.js';
import { TestRegistry, makeImage, pullImage, pushImage, randomImage, sha256, type TestImage } from '../helpers/registry.js';

function blobPath(reg: TestRegistry, digest: string): string {
  return join(reg.root, 'blobs', 'sha256', digest.slice(7));
}

/** Makes blobs look as if last used two hours ago. */
function age(reg: TestRegistry, digests: string[]): void {
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const d of digests) utimesSync(blobPath(reg, d), old, old);
}

function digestsOf(img: TestImage): string[] {
  return [...img.layers, img.config, img.manifest].map((b) => sha256(b));
}

async function gc(reg: TestRegistry, ...args: string[]): Promise<string> {
  const r = await runProcess(TUG, ['registry', 'gc', '--root', reg.root, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('registry gc', () => {
  let reg: TestRegistry | undefined;
  afterEach(async () => { await reg?.cleanup(); reg = undefined; });

  it('deletes only unreferenced blobs during ten concurrent pushes, and every pushed image still pulls', async () => {
    reg = await TestRegistry.start();
    const r = reg;
    const kept = randomImage([50_000, 60_000]);
    await pushImage(r, 'kept', 'v1', kept);
    const deleted = randomImage([70_000]);
    await pushImage(r, 'gone', 'v1', deleted);
    assert.equal((await r.request('DELETE', `/v2/gone/manifests/${deleted.digest}`)).status, 202);
    const orphans = Array.from({ length: 5 }, () => randomBytes(30_000));
    for (const o of orphans) assert.equal((await r.request('POST', `/v2/orphans/blobs/uploads/?digest=${sha256(o)}`, { body: o })).status, 201);
    // One old orphan is a layer that a new push reuses: finding it present must save it.
    const reused = orphans[0]!;
    const garbage = [...digestsOf(deleted), ...orphans.slice(1).map((o) => sha256(o))];
    age(r, [...digestsOf(kept), ...garbage, sha256(reused)]);

    const pushes = Array.from({ length: 10 }, (_, i) => makeImage([i === 0 ? reused : randomBytes(2 << 20), randomBytes(1 << 20), Buffer.from(`config ${i}`)]));
    let pushed = 0;
    const pushing = Promise.all(pushes.map(async (img, i) => {
      // Each its own repository, started one after another, interleaved with the collections below.
      await new Promise((res) => setTimeout(res, i * 40));
      await pushImage(r, `busy/p${i}`, 'latest', img);
      pushed++;
    }));
    const outputs: string[] = [];
    const pushedWhenCollected: number[] = [];
    for (let i = 0; i < 3; i++) {
      outputs.push(await gc(r, '--grace', '30m'));
      pushedWhenCollected.push(pushed);
    }
    await pushing;
    outputs.push(await gc(r, '--grace', '30m'));
    assert.ok(pushedWhenCollected[0]! < 10, `the first collection ran while pushes were in flight (${pushedWhenCollected.join(',')})`);

    for (const [i, img] of pushes.entries()) assert.equal(await pullImage(r, `busy/p${i}`, 'latest'), img.digest);
    assert.equal(await pullImage(r, 'kept', 'v1'), kept.digest);
    for (const d of garbage) assert.equal(existsSync(blobPath(r, d)), false, `${d} should be gone`);
    const all = outputs.join('');
    for (const d of garbage) assert.match(all, new RegExp(`deleted ${d}`));
    assert.match(outputs[0]!, /blobs marked, \d+ blobs deleted \(/);
    // A swept blob is no longer claimed by the repository that held it.
    assert.equal((await r.request('HEAD', `/v2/orphans/blobs/${sha256(orphans[1]!)}`)).status, 404);
    // Exactly what is referenced remains.
    const expected = new Set([...digestsOf(kept), ...pushes.flatMap(digestsOf)].map((d) => d.slice(7)));
    assert.deepEqual(new Set(readdirSync(join(r.root, 'blobs', 'sha256'))), expected);
  });

  it('keeps young unreferenced blobs, reports with --dry-run, and runs offline with no server', async () => {
    reg = await TestRegistry.start();
    const young = randomBytes(1000);
    const old = randomBytes(2000);
    for (const b of [young, old]) await reg.request('POST', `/v2/g/blobs/uploads/?digest=${sha256(b)}`, { body: b });
    age(reg, [sha256(old)]);
    const start = await reg.request('POST', '/v2/g/blobs/uploads/');
    const uuid = String(start.headers['docker-upload-uuid']);
    const dry = await gc(reg, '--dry-run');
    assert.match(dry, new RegExp(`would delete ${sha256(old)}`));
    assert.doesNotMatch(dry, new RegExp(sha256(young)));
    assert.match(dry, /0 blobs marked, 1 blobs eligible for deletion \(1.953KiB\), 1 unreferenced kept within the grace period/);
    assert.ok(existsSync(blobPath(reg, sha256(old))));
    await reg.kill('SIGTERM');
    const offline = await gc(reg, '--upload-ttl', '0');
    assert.match(offline, new RegExp(`deleted ${sha256(old)}`));
    assert.match(offline, /1 stale uploads removed/);
    assert.equal(existsSync(blobPath(reg, sha256(old))), false);
    assert.ok(existsSync(blobPath(reg, sha256(young))));
    assert.equal(existsSync(join(reg.root, 'uploads', uuid)), false);
  });

  it('with --delete-untagged removes manifests no tag reaches, keeping indexes\' children and referrers', async () => {
    reg = await TestRegistry.start();
    const r = reg;
    const ct = { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' };
    const old = randomImage([10_000]);
    const current = randomImage([20_000]);
    await pushImage(r, 'retag', 'latest', old);
    await pushImage(r, 'retag', 'latest', current);
    const child = randomImage([15_000]);
    await pushImage(r, 'retag', 'child', child);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: child.digest, size: child.manifest.length }] }));
    assert.equal((await r.request('PUT', '/v2/retag/manifests/multi', { headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }, body: index })).status, 201);
    assert.equal((await r.request('DELETE', '/v2/retag/manifests/child')).status, 202);
    const referrer = (subject: TestImage, note: string): Buffer => Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.example.note',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(subject.config), size: subject.config.length }, layers: [],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject.digest, size: subject.manifest.length }, annotations: { note },
    }));
    const onCurrent = referrer(current, 'current');
    const onOld = referrer(old, 'old');
    for (const m of [onCurrent, onOld]) assert.equal((await r.request('PUT', `/v2/retag/manifests/${sha256(m)}`, { headers: ct, body: m })).status, 201);
    age(r, [...digestsOf(old), ...digestsOf(current), ...digestsOf(child), sha256(index), sha256(onCurrent), sha256(onOld)]);

    assert.match(await gc(r), /^12 blobs marked, 0 blobs deleted/);
    assert.equal((await r.request('GET', `/v2/retag/manifests/${old.digest}`)).status, 200);
    const out = await gc(r, '--delete-untagged');
    assert.match(out, new RegExp(`deleted manifest retag@${old.digest}`));
    assert.match(out, new RegExp(`deleted manifest retag@${sha256(onOld)}`));
    assert.match(out, new RegExp(`deleted ${sha256(old.layers[0]!)}`));
    assert.equal((await r.request('GET', `/v2/retag/manifests/${old.digest}`)).status, 404);
    assert.equal(existsSync(blobPath(r, sha256(old.layers[0]!))), false);
    assert.equal(await pullImage(r, 'retag', 'latest'), current.digest);
    assert.equal(await pullImage(r, 'retag', child.digest), child.digest);
    assert.equal((await r.request('GET', `/v2/retag/manifests/${sha256(onCurrent)}`)).status, 200);
    const refs = (await r.request('GET', `/v2/retag/referrers/${old.digest}`)).json<{ manifests: unknown[] }>();
    assert.deepEqual(refs.manifests, []);
  });

  it('takes gc requests only from the root\'s owner, and survives garbage on its control socket', async () => {
    reg = await TestRegistry.start();
    const sock = join(reg.root, 'control.sock');
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    const answer = await new Promise<string>((resolve, reject) => {
      const c = connect(sock, () => c.write('{"graceMs":-1}\n'));
      let buf = '';
      c.on('data', (d) => { buf += d.toString(); });
      c.on('end', () => resolve(buf));
      c.on('error', reject);
    });
    assert.equal(answer, '{"error":"bad gc request"}\n');
    assert.equal((await reg.request('GET', '/v2/')).status, 200);
    assert.match(await gc(reg), /0 blobs marked/);
  });

  it('refuses a missing root and a bad duration with one line', async () => {
    const missing = await runProcess(TUG, ['registry', 'gc', '--root', '/nonexistent/tug-registry-root']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error: registry root /nonexistent/tug-registry-root does not exist\n');
    reg = await TestRegistry.start();
    const bad = await runProcess(TUG, ['registry', 'gc', '--root', reg.root, '--grace', 'soon']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error: invalid duration "soon"\n');
  });
});
