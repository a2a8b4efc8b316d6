// kill -9 of tugd in the middle of a 200 MB load leaves a store that starts, lists
// correctly and holds no half-written blob; hostile archives write nothing outside the store.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { tarOf, type TarEntry } from '../helpers/tar.js';

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Every blob in the content store hashes to its name, and nothing is left in ingest/. */
async function assertStoreIntact(dataRoot: string): Promise<number> {
  const blobDir = join(dataRoot, 'content', 'blobs', 'sha256');
  const names = readdirSync(blobDir);
  for (const name of names) assert.equal(await fileSha256(join(blobDir, name)), name, `blob ${name}`);
  assert.deepEqual(readdirSync(join(dataRoot, 'content', 'ingest')), []);
  for (const l of readdirSync(join(dataRoot, 'layers')).filter((n) => n !== 'tmp')) {
    assert.ok(existsSync(join(dataRoot, 'layers', l, 'layer.json')), `layer ${l} complete`);
  }
  assert.deepEqual(readdirSync(join(dataRoot, 'layers', 'tmp')), []);
  return names.length;
}

function sha(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A docker-save archive whose only layer is `layer`. */
async function archiveWithLayer(layer: Buffer, tag = 'hostile:latest'): Promise<Buffer> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] }, config: {} });
  return tarOf([
    { name: `blobs/sha256/${sha(layer)}`, body: layer },
    { name: `blobs/sha256/${sha(config)}`, body: config },
    { name: 'manifest.json', body: JSON.stringify([{ Config: `blobs/sha256/${sha(config)}`, RepoTags: [tag], Layers: [`blobs/sha256/${sha(layer)}`] }]) },
  ]);
}

describe('crash safety and hostile archives', () => {
  let d: TestDaemon;
  before(async () => { d = await TestDaemon.start(); });
  after(async () => { await d.cleanup(); });

  it('survives kill -9 in the middle of loading a 200 MB archive', async () => {
    const root = join(d.dir, 'big');
    mkdirSync(root);
    for (let i = 0; i < 4; i++) writeFileSync(join(root, `blob${i}`), randomBytes(50 << 20));
    const tarball = join(d.dir, 'big.tar');
    execFileSync('tar', ['-cf', tarball, '-C', root, '.']);
    assert.equal((await d.tug(['import', tarball, 'big:1'])).code, 0);
    const archive = join(d.dir, 'big-save.tar');
    assert.equal((await d.tug(['save', '-o', archive, 'big:1'])).code, 0);
    assert.equal((await d.tug(['rmi', 'big:1'])).code, 0);

    // Stream the archive in and kill the daemon once part of it has gone through.
    const sent = await new Promise<number>((resolve) => {
      let bytes = 0;
      const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.45/images/load', headers: { 'Content-Type': 'application/x-tar' } });
      req.on('error', () => resolve(bytes));
      const src = createReadStream(archive);
      let killed = false;
      src.on('data', (c) => {
        bytes += c.length;
        if (bytes > 90 << 20 && !killed) {
          killed = true;
          src.destroy();
          void d.kill9().then(() => resolve(bytes));
        }
      });
      src.pipe(req);
    });
    assert.ok(sent > 90 << 20);
    await d.kill9();
    await d.startProcess();
    const list = await d.tug(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /big:1/);
    await assertStoreIntact(d.dataRoot);

    // And the same archive loads completely afterwards.
    const load = await d.tug(['load', '-i', archive]);
    assert.equal(load.stdout, 'Loaded image: big:1\n', load.stderr);
    assert.ok((await assertStoreIntact(d.dataRoot)) >= 3);
    assert.equal((await d.tug(['rmi', 'big:1'])).code, 0);
  });

  it('refuses archive entries that point outside with ../ paths in manifest.json', async () => {
    const archive = await tarOf([{ name: 'manifest.json', body: JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: ['x:1'], Layers: [] }]) }]);
    const r = await d.tug(['load'], { input: archive });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid archive: config \.\.\/\.\.\/\.\.\/etc\/passwd not found/);
  });

  it('refuses a blob whose bytes do not match its name', async () => {
    const archive = await tarOf([{ name: `blobs/sha256/${'0'.repeat(64)}`, body: 'not what the name says' }]);
    const r = await d.tug(['load'], { input: archive });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /digest mismatch/);
    await assertStoreIntact(d.dataRoot);
  });

  const canary = '/tmp/tug-canary-outside';
  for (const [title, layerEntries] of [
    ['a ../ entry', [{ name: '../../../../../tmp/tug-canary-outside/pwned', body: 'x' }]],
    ['a symlink to outside followed by a file through it', [{ name: 'evil', type: 'symlink', linkname: canary }, { name: 'evil/pwned', body: 'x' }]],
    ['a hardlink to a path outside', [{ name: 'hl', type: 'link', linkname: '../../../../../tmp/tug-canary-outside/target' }]],
  ] as const) {
    it(`confines or refuses ${title}`, async () => {
      mkdirSync(canary, { recursive: true });
      writeFileSync(join(canary, 'target'), 'untouched');
      try {
        const layer = await tarOf(layerEntries as unknown as TarEntry[]);
        const r = await d.tug(['load'], { input: await archiveWithLayer(layer) });
        assert.deepEqual(readdirSync(canary).sort(), ['target']);
        assert.equal(readFileSync(join(canary, 'target'), 'utf8'), 'untouched');
        if (r.code === 0) {
          // Confined: whatever it wrote is inside the image's own layer.
          assert.equal((await d.tug(['rmi', 'hostile:latest'])).code, 0);
        } else {
          assert.match(r.stderr, /^Error response from daemon: .+/);
        }
        await assertStoreIntact(d.dataRoot);
      } finally {
        rmSync(canary, { recursive: true, force: true });
      }
    });
  }
});
