// The registry's storage under stress: a kill -9 in the middle of a push, and ten clients
// pushing the same layer at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { TestRegistry, makeImage, pullImage, pushImage, sha256 } from '../helpers/registry.js';

/** Starts a request whose body is only partly sent; resolves once the server has stored some of it. */
async function halfSent(reg: TestRegistry, method: string, path: string, part: Buffer, total: number, uploadDir: string): Promise<void> {
  const u = new URL(reg.url);
  const req = request({ host: u.hostname, port: u.port, path, method, headers: { 'Content-Length': String(total), 'Content-Type': 'application/octet-stream' }, agent: false });
  req.on('error', () => undefined);
  req.write(part);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const dirs = readdirSync(uploadDir);
    const stored = dirs.reduce((n, d) => n + (() => { try { return statSync(join(uploadDir, d, 'data')).size; } catch { return 0; } })(), 0);
    if (stored > 0) return;
    if (Date.now() > deadline) throw new Error('the server stored nothing of the body');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('registry crash safety and concurrency', () => {
  let reg: TestRegistry | undefined;
  afterEach(async () => { await reg?.cleanup(); reg = undefined; });

  it('leaves no visible partial blob after a kill -9 during a chunk, and resumes the upload', async () => {
    reg = await TestRegistry.start();
    const data = randomBytes(8 << 20);
    const d = sha256(data);
    const start = await reg.request('POST', '/v2/crash/blobs/uploads/');
    const loc = String(start.headers.location);
    await halfSent(reg, 'PATCH', loc, data.subarray(0, 3 << 20), data.length, join(reg.root, 'uploads'));
    await reg.kill('SIGKILL');
    assert.deepEqual(readdirSync(join(reg.root, 'blobs', 'sha256')), []);
    await reg.startProcess();
    assert.equal((await reg.request('HEAD', `/v2/crash/blobs/${d}`)).status, 404);
    const status = await reg.request('GET', loc);
    assert.equal(status.status, 204);
    const have = Number(String(status.headers.range).split('-')[1]) + 1;
    assert.ok(have > 0 && have <= 3 << 20, `resumable at ${have}`);
    const rest = await reg.request('PATCH', loc, { headers: { 'Content-Range': `${have}-${data.length - 1}` }, body: data.subarray(have) });
    assert.equal(rest.status, 202);
    assert.equal((await reg.request('PUT', `${loc}?digest=${d}`)).status, 201);
    assert.deepEqual((await reg.request('GET', `/v2/crash/blobs/${d}`)).body, data);
  });

  it('leaves no visible partial blob after a kill -9 during a monolithic upload', async () => {
    reg = await TestRegistry.start();
    const data = randomBytes(8 << 20);
    const d = sha256(data);
    await halfSent(reg, 'POST', `/v2/crash/blobs/uploads/?digest=${d}`, data.subarray(0, 2 << 20), data.length, join(reg.root, 'uploads'));
    await reg.kill('SIGKILL');
    await reg.startProcess();
    assert.equal((await reg.request('HEAD', `/v2/crash/blobs/${d}`)).status, 404);
    assert.equal((await reg.request('GET', `/v2/crash/blobs/${d}`)).status, 404);
    assert.deepEqual(readdirSync(join(reg.root, 'blobs', 'sha256')), []);
    // The same push from the start then succeeds.
    assert.equal((await reg.request('POST', `/v2/crash/blobs/uploads/?digest=${d}`, { body: data })).status, 201);
    assert.equal((await reg.request('HEAD', `/v2/crash/blobs/${d}`)).headers['content-length'], String(data.length));
  });

  it('lets ten clients push the same layer at once and stores it once', async () => {
    reg = await TestRegistry.start();
    const shared = randomBytes(4 << 20);
    const images = Array.from({ length: 10 }, (_, i) => makeImage([shared, Buffer.from(`layer of client ${i}`)]));
    const r = reg;
    // Every client uploads the shared layer itself, without asking first whether it is there.
    await Promise.all(images.map((img, i) => pushImage(r, i % 2 ? 'same/odd' : 'same/even', `c${i}`, img, {}, { alwaysUpload: true })));
    for (const [i, img] of images.entries()) assert.equal(await pullImage(r, i % 2 ? 'same/odd' : 'same/even', `c${i}`), img.digest);
    const blobs = readdirSync(join(r.root, 'blobs', 'sha256'));
    const layer = sha256(images[0]!.layers[0]!).slice(7);
    assert.equal(blobs.filter((b) => b === layer).length, 1);
    // One shared layer, ten own layers, ten configs, ten manifests; nothing else left behind.
    assert.equal(blobs.length, 31);
    assert.deepEqual(readdirSync(join(r.root, 'uploads')), []);
  });
});
