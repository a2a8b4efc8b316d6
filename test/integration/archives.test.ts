// Archives from elsewhere: Docker ≤ 24's legacy save format, a plain OCI layout, compressed
// archives, and import from a URL.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { tarOf } from '../helpers/tar.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('archives from elsewhere', () => {
  let d: TestDaemon;
  let layer: Buffer;
  let config: string;
  before(async () => {
    d = await TestDaemon.start();
    layer = await tarOf([{ name: 'hello.txt', body: 'hello from a layer\n' }]);
    config = JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-02T03:04:05Z', config: { Cmd: ['/hello'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] }, history: [{ created: '2024-01-02T03:04:05Z', created_by: 'test' }] });
  });
  after(async () => { await d.cleanup(); });

  it('loads a legacy (Docker 20.10) archive with <id>/layer.tar and <id>.json', async () => {
    const v1 = 'a'.repeat(64);
    const archive = await tarOf([
      { name: `${v1}/VERSION`, body: '1.0' },
      { name: `${v1}/json`, body: JSON.stringify({ id: v1 }) },
      { name: `${v1}/layer.tar`, body: layer },
      { name: `${sha(config)}.json`, body: config },
      { name: 'manifest.json', body: JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: ['legacy:1'], Layers: [`${v1}/layer.tar`] }]) },
      { name: 'repositories', body: JSON.stringify({ legacy: { 1: v1 } }) },
    ]);
    const r = await d.tug(['load'], { input: archive });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Loaded image: legacy:1\n');
    const id = (await d.tug(['images', '--no-trunc', '-q', 'legacy'])).stdout.trim();
    assert.equal(id, `sha256:${sha(config)}`);
    const upper = (await d.tug(['image', 'inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'legacy:1'])).stdout.trim();
    assert.equal(readFileSync(join(upper, 'hello.txt'), 'utf8'), 'hello from a layer\n');
  });

  it('loads a gzip-compressed archive, and an OCI layout with no manifest.json', async () => {
    const gzLayer = gzipSync(layer);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(gzLayer)}`, size: gzLayer.length }] });
    const index = JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length, annotations: { 'io.containerd.image.name': 'docker.io/library/ocilayout:2' } }] });
    const archive = await tarOf([
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${sha(gzLayer)}`, body: gzLayer },
      { name: `blobs/sha256/${sha(config)}`, body: config },
      { name: `blobs/sha256/${sha(manifest)}`, body: manifest },
      { name: 'index.json', body: index },
    ]);
    const r = await d.tug(['load'], { input: gzipSync(archive) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Loaded image: ocilayout:2\n');
    // The same image saved again gives back the uncompressed layer under its DiffID.
    const out = join(d.dir, 'oci-resave.tar');
    assert.equal((await d.tug(['save', '-o', out, 'ocilayout:2'])).code, 0);
    const saved = execFileSync('tar', ['-xOf', out, `blobs/sha256/${sha(layer)}`]);
    assert.equal(sha(saved), sha(layer));
  });

  it('refuses an archive whose layer does not match the config\'s diff_ids', async () => {
    const other = await tarOf([{ name: 'other', body: 'x' }]);
    const archive = await tarOf([
      { name: `blobs/sha256/${sha(other)}`, body: other },
      { name: `blobs/sha256/${sha(config)}`, body: config },
      { name: 'manifest.json', body: JSON.stringify([{ Config: `blobs/sha256/${sha(config)}`, RepoTags: ['mismatch:1'], Layers: [`blobs/sha256/${sha(other)}`] }]) },
    ]);
    const r = await d.tug(['load'], { input: archive });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: layer digest mismatch: expected sha256:/);
    assert.equal((await d.tug(['images', '-q', 'mismatch'])).stdout, '');
  });

  it('refuses input that is not an archive with one line', async () => {
    const r = await d.tug(['load'], { input: 'this is not a tar archive at all, just some words\n'.repeat(20) });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^Error response from daemon: invalid archive/);
  });

  it('imports from a URL, and says clearly when the URL cannot be fetched', async () => {
    const src = join(d.dir, 'url-root');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'served'), 'over http');
    const body = execFileSync('tar', ['-cf', '-', '-C', src, '.']);
    const server = createServer((req, res) => {
      if (req.url === '/rootfs.tar') res.end(body);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await d.tug(['import', `http://127.0.0.1:${port}/rootfs.tar`, 'fromurl:1']);
      assert.equal(ok.code, 0, ok.stderr);
      const comment = await d.tug(['history', '--format', '{{.Comment}}', 'fromurl:1']);
      assert.equal(comment.stdout, `Imported from http://127.0.0.1:${port}/rootfs.tar\n`);
      const missing = await d.tug(['import', `http://127.0.0.1:${port}/nothing.tar`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: Get "http://127.0.0.1:${port}/nothing.tar": 404 Not Found\n`);
    } finally {
      server.close();
    }
  });
});
