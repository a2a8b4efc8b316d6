// Every endpoint of `tug registry serve`, its success and its error path, over plain HTTP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestRegistry, pushImage, randomImage, sha256, type Reply } from '../helpers/registry.js';

function errorCode(r: Reply): string {
  return r.json<{ errors: { code: string }[] }>().errors[0]!.code;
}

describe('registry API', () => {
  let reg: TestRegistry;
  before(async () => { reg = await TestRegistry.start(); });
  after(async () => { await reg.cleanup(); });

  it('answers the base endpoint with the API version header', async () => {
    const r = await reg.request('GET', '/v2/');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), {});
    assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
    assert.equal((await reg.request('HEAD', '/v2/')).status, 200);
    // No access log without -D.
    assert.doesNotMatch(reg.output, /"GET \/v2\/"/);
  });

  it('refuses unknown paths and unsupported methods', async () => {
    const r = await reg.request('GET', '/v2/x/nothing');
    assert.equal(r.status, 404);
    assert.equal(errorCode(r), 'NOT_FOUND');
    const m = await reg.request('POST', '/v2/x/manifests/latest');
    assert.equal(m.status, 405);
    assert.equal(errorCode(m), 'UNSUPPORTED');
  });

  it('takes a monolithic upload and serves it whole and by range', async () => {
    const data = randomBytes(1000);
    const d = sha256(data);
    const up = await reg.request('POST', `/v2/mono/blobs/uploads/?digest=${d}`, { body: data });
    assert.equal(up.status, 201);
    assert.equal(up.headers.location, `/v2/mono/blobs/${d}`);
    assert.equal(up.headers['docker-content-digest'], d);
    const head = await reg.request('HEAD', `/v2/mono/blobs/${d}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '1000');
    assert.equal(head.headers['docker-content-digest'], d);
    assert.deepEqual((await reg.request('GET', `/v2/mono/blobs/${d}`)).body, data);
    const part = await reg.request('GET', `/v2/mono/blobs/${d}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 10-19/1000');
    assert.deepEqual(part.body, data.subarray(10, 20));
    const suffix = await reg.request('GET', `/v2/mono/blobs/${d}`, { headers: { Range: 'bytes=-5' } });
    assert.deepEqual(suffix.body, data.subarray(995));
    const bad = await reg.request('GET', `/v2/mono/blobs/${d}`, { headers: { Range: 'bytes=2000-' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */1000');
  });

  it('answers BLOB_UNKNOWN for blobs the repository does not hold', async () => {
    const data = randomBytes(10);
    await reg.request('POST', `/v2/holder/blobs/uploads/?digest=${sha256(data)}`, { body: data });
    const other = await reg.request('GET', `/v2/other/blobs/${sha256(data)}`);
    assert.equal(other.status, 404);
    assert.equal(errorCode(other), 'BLOB_UNKNOWN');
    assert.equal((await reg.request('HEAD', `/v2/holder/blobs/${sha256('nope')}`)).status, 404);
  });

  it('rejects a wrong digest and keeps nothing of it', async () => {
    const data = randomBytes(5000);
    const wrong = sha256('something else');
    const r = await reg.request('POST', `/v2/wrong/blobs/uploads/?digest=${wrong}`, { body: data });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'DIGEST_INVALID');
    assert.equal((await reg.request('HEAD', `/v2/wrong/blobs/${wrong}`)).status, 404);
    assert.equal(existsSync(join(reg.root, 'blobs', 'sha256', wrong.slice(7))), false);
    assert.equal(existsSync(join(reg.root, 'blobs', 'sha256', sha256(data).slice(7))), false);
    assert.deepEqual(readdirSync(join(reg.root, 'uploads')), []);
    const malformed = await reg.request('POST', '/v2/wrong/blobs/uploads/?digest=sha256:xyz', { body: data });
    assert.equal(malformed.status, 400);
    assert.equal(errorCode(malformed), 'DIGEST_INVALID');
    const sha512 = await reg.request('HEAD', `/v2/wrong/blobs/sha512:${'a'.repeat(128)}`);
    assert.equal(sha512.status, 400);
  });

  it('takes a chunked upload with status, ordering checks and a final chunk', async () => {
    const data = randomBytes(300_000);
    const d = sha256(data);
    const start = await reg.request('POST', '/v2/chunked/blobs/uploads/');
    assert.equal(start.status, 202);
    assert.equal(start.headers.range, '0-0');
    const loc = String(start.headers.location);
    assert.match(loc, /^\/v2\/chunked\/blobs\/uploads\/[0-9a-f-]{36}$/);
    assert.equal(start.headers['docker-upload-uuid'], loc.split('/').pop());
    const p1 = await reg.request('PATCH', loc, { headers: { 'Content-Range': '0-99999', 'Content-Type': 'application/octet-stream' }, body: data.subarray(0, 100_000) });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.range, '0-99999');
    const status = await reg.request('GET', loc);
    assert.equal(status.status, 204);
    assert.equal(status.headers.range, '0-99999');
    const skip = await reg.request('PATCH', loc, { headers: { 'Content-Range': '150000-199999' }, body: data.subarray(150_000, 200_000) });
    assert.equal(skip.status, 416);
    assert.equal(errorCode(skip), 'BLOB_UPLOAD_INVALID');
    const p2 = await reg.request('PATCH', loc, { body: data.subarray(100_000, 200_000) });
    assert.equal(p2.headers.range, '0-199999');
    const lateFinal = await reg.request('PUT', `${loc}?digest=${d}`, { headers: { 'Content-Range': `100-${100 + data.length - 200_001}` }, body: data.subarray(200_000) });
    assert.equal(lateFinal.status, 416);
    const fin = await reg.request('PUT', `${loc}?digest=${d}`, { body: data.subarray(200_000) });
    assert.equal(fin.status, 201);
    assert.equal(fin.headers['docker-content-digest'], d);
    assert.deepEqual((await reg.request('GET', `/v2/chunked/blobs/${d}`)).body, data);
    assert.equal((await reg.request('GET', loc)).status, 404);
  });

  it('refuses unknown uploads, uploads of another repository, and a PUT without digest', async () => {
    const unknown = '/v2/chunked/blobs/uploads/00000000-0000-0000-0000-000000000000';
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
      const r = await reg.request(method, method === 'PUT' ? `${unknown}?digest=${sha256('')}` : unknown);
      assert.equal(r.status, 404, method);
      assert.equal(errorCode(r), 'BLOB_UPLOAD_UNKNOWN');
    }
    const start = await reg.request('POST', '/v2/mine/blobs/uploads/');
    const uuid = String(start.headers['docker-upload-uuid']);
    assert.equal((await reg.request('GET', `/v2/theirs/blobs/uploads/${uuid}`)).status, 404);
    const noDigest = await reg.request('PUT', `/v2/mine/blobs/uploads/${uuid}`);
    assert.equal(noDigest.status, 400);
    assert.equal(errorCode(noDigest), 'DIGEST_INVALID');
    assert.equal((await reg.request('DELETE', `/v2/mine/blobs/uploads/${uuid}`)).status, 204);
    assert.equal((await reg.request('GET', `/v2/mine/blobs/uploads/${uuid}`)).status, 404);
  });

  it('mounts a blob across repositories, and falls back to an upload when the source lacks it', async () => {
    const data = randomBytes(100);
    const d = sha256(data);
    await reg.request('POST', `/v2/src/blobs/uploads/?digest=${d}`, { body: data });
    const m = await reg.request('POST', `/v2/dst/blobs/uploads/?mount=${d}&from=src`);
    assert.equal(m.status, 201);
    assert.equal(m.headers.location, `/v2/dst/blobs/${d}`);
    assert.deepEqual((await reg.request('GET', `/v2/dst/blobs/${d}`)).body, data);
    const miss = await reg.request('POST', `/v2/dst/blobs/uploads/?mount=${sha256('absent')}&from=src`);
    assert.equal(miss.status, 202);
    assert.ok(miss.headers['docker-upload-uuid']);
  });

  it('stores manifests by tag and digest and serves them with their media type', async () => {
    const img = randomImage([1000, 2000]);
    await pushImage(reg, 'app/web', 'v1', img);
    const get = await reg.request('GET', '/v2/app/web/manifests/v1');
    assert.equal(get.status, 200);
    assert.equal(get.headers['content-type'], 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(get.headers['docker-content-digest'], img.digest);
    assert.deepEqual(get.body, img.manifest);
    const head = await reg.request('HEAD', `/v2/app/web/manifests/${img.digest}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(img.manifest.length));
    const byDigest = await reg.request('PUT', `/v2/app/web/manifests/${img.digest}`, { headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: img.manifest });
    assert.equal(byDigest.status, 201);
    assert.equal(byDigest.headers.location, `/v2/app/web/manifests/${img.digest}`);
    const mismatch = await reg.request('PUT', `/v2/app/web/manifests/${sha256('x')}`, { body: img.manifest });
    assert.equal(mismatch.status, 400);
    assert.equal(errorCode(mismatch), 'DIGEST_INVALID');
  });

  it('stores Docker schema 2 manifests and manifest lists, checking what they reference', async () => {
    const img = randomImage([500]);
    await pushImage(reg, 'dock', 'base', img);
    const docker = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(img.config), size: img.config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256(img.layers[0]!), size: img.layers[0]!.length }],
    }));
    const put = await reg.request('PUT', '/v2/dock/manifests/amd64', { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: docker });
    assert.equal(put.status, 201);
    const list = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: sha256(docker), size: docker.length, platform: { architecture: 'amd64', os: 'linux' } }],
    }));
    assert.equal((await reg.request('PUT', '/v2/dock/manifests/latest', { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json' }, body: list })).status, 201);
    const got = await reg.request('GET', '/v2/dock/manifests/latest');
    assert.equal(got.headers['content-type'], 'application/vnd.docker.distribution.manifest.list.v2+json');
    const dangling = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('none'), size: 4 }] }));
    const r = await reg.request('PUT', '/v2/dock/manifests/broken', { headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }, body: dangling });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses invalid, oversized and dangling manifests', async () => {
    const ct = { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' };
    const notJSON = await reg.request('PUT', '/v2/bad/manifests/t', { headers: ct, body: 'not json' });
    assert.equal(notJSON.status, 400);
    assert.equal(errorCode(notJSON), 'MANIFEST_INVALID');
    const big = await reg.request('PUT', '/v2/bad/manifests/t', { headers: ct, body: Buffer.alloc((4 << 20) + 1, 0x20) });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big), 'MANIFEST_INVALID');
    const img = randomImage([100]);
    const missing = await reg.request('PUT', '/v2/bad/manifests/t', { headers: ct, body: img.manifest });
    assert.equal(missing.status, 400);
    assert.equal(errorCode(missing), 'MANIFEST_BLOB_UNKNOWN');
    const mixed = await reg.request('PUT', '/v2/bad/manifests/t', { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: img.manifest });
    assert.equal(errorCode(mixed), 'MANIFEST_INVALID');
    const badTag = await reg.request('PUT', '/v2/bad/manifests/-tag', { headers: ct, body: img.manifest });
    assert.equal(badTag.status, 400);
    assert.equal(errorCode(badTag), 'TAG_INVALID');
    assert.equal((await reg.request('GET', '/v2/app/web/manifests/nosuchtag')).status, 404);
    const noRepo = await reg.request('GET', '/v2/no/such/repo/manifests/latest');
    assert.equal(noRepo.status, 404);
    assert.equal(errorCode(noRepo), 'NAME_UNKNOWN');
  });

  it('lists referrers of a subject, filtered by artifact type', async () => {
    const img = randomImage([100]);
    await pushImage(reg, 'refs', 'v1', img);
    const empty = Buffer.from('{}');
    await reg.request('POST', `/v2/refs/blobs/uploads/?digest=${sha256(empty)}`, { body: empty });
    const sig = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length },
      annotations: { who: 'test' },
    }));
    const put = await reg.request('PUT', `/v2/refs/manifests/${sha256(sig)}`, { headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: sig });
    assert.equal(put.status, 201);
    assert.equal(put.headers['oci-subject'], img.digest);
    const list = await reg.request('GET', `/v2/refs/referrers/${img.digest}`);
    assert.equal(list.status, 200);
    assert.equal(list.headers['content-type'], 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(list.json<{ manifests: unknown[] }>().manifests, [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(sig), size: sig.length, artifactType: 'application/vnd.example.sig', annotations: { who: 'test' } }]);
    const filtered = await reg.request('GET', `/v2/refs/referrers/${img.digest}?artifactType=application/other`);
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
    assert.deepEqual(filtered.json<{ manifests: unknown[] }>().manifests, []);
    assert.equal((await reg.request('GET', '/v2/refs/referrers/sha256:bad')).status, 400);
  });

  it('lists tags with n/last pagination and Link headers', async () => {
    const img = randomImage([100]);
    for (const t of ['e', 'a', 'c', 'b', 'd']) await pushImage(reg, 'paged', t, img);
    assert.deepEqual((await reg.request('GET', '/v2/paged/tags/list')).json(), { name: 'paged', tags: ['a', 'b', 'c', 'd', 'e'] });
    const p1 = await reg.request('GET', '/v2/paged/tags/list?n=2');
    assert.deepEqual(p1.json<{ tags: string[] }>().tags, ['a', 'b']);
    assert.equal(p1.headers.link, '</v2/paged/tags/list?n=2&last=b>; rel="next"');
    const p3 = await reg.request('GET', '/v2/paged/tags/list?n=2&last=d');
    assert.deepEqual(p3.json<{ tags: string[] }>().tags, ['e']);
    assert.equal(p3.headers.link, undefined);
    const bad = await reg.request('GET', '/v2/paged/tags/list?n=abc');
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), 'PAGINATION_NUMBER_INVALID');
    const unknown = await reg.request('GET', '/v2/nobody/tags/list');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), 'NAME_UNKNOWN');
  });

  it('lists the catalog with pagination, and searches it as Docker\'s v1 search', async () => {
    const all = (await reg.request('GET', '/v2/_catalog')).json<{ repositories: string[] }>().repositories;
    assert.ok(all.includes('app/web') && all.includes('paged'));
    assert.deepEqual(all, [...all].sort());
    const p = await reg.request('GET', '/v2/_catalog?n=1');
    assert.deepEqual(p.json<{ repositories: string[] }>().repositories, [all[0]]);
    assert.match(String(p.headers.link), /^<\/v2\/_catalog\?n=1&last=.+>; rel="next"$/);
    const s = await reg.request('GET', '/v1/search?q=web&n=5');
    assert.equal(s.status, 200);
    assert.deepEqual(s.json(), { num_pages: 1, num_results: 1, page_size: 5, page: 1, query: 'web', results: [{ name: 'app/web', description: '', star_count: 0, is_official: false, is_automated: false }] });
    const bad = await reg.request('GET', '/v1/search?q=web&n=0');
    assert.equal(bad.status, 400);
  });

  it('deletes tags, manifests and blob links', async () => {
    const img = randomImage([300]);
    await pushImage(reg, 'del', 'one', img);
    await pushImage(reg, 'del', 'two', img);
    assert.equal((await reg.request('DELETE', '/v2/del/manifests/one')).status, 202);
    assert.equal((await reg.request('GET', '/v2/del/manifests/one')).status, 404);
    assert.equal((await reg.request('GET', '/v2/del/manifests/two')).status, 200);
    assert.equal((await reg.request('DELETE', `/v2/del/manifests/${img.digest}`)).status, 202);
    assert.equal((await reg.request('GET', '/v2/del/manifests/two')).status, 404);
    assert.equal((await reg.request('GET', `/v2/del/manifests/${img.digest}`)).status, 404);
    assert.equal((await reg.request('DELETE', `/v2/del/manifests/${img.digest}`)).status, 404);
    const layer = sha256(img.layers[0]!);
    assert.equal((await reg.request('DELETE', `/v2/del/blobs/${layer}`)).status, 202);
    assert.equal((await reg.request('GET', `/v2/del/blobs/${layer}`)).status, 404);
    const again = await reg.request('DELETE', `/v2/del/blobs/${layer}`);
    assert.equal(again.status, 404);
    assert.equal(errorCode(again), 'BLOB_UNKNOWN');
  });

  it('refuses repository names with .. or other path tricks', async () => {
    const d = sha256('');
    for (const name of ['..', 'a/../b', 'a/./b', 'a//b', '%2e%2e/x', 'a/%2e%2e', 'Upper', '_layers', 'a/_manifests', 'a\\b', '.hidden', 'a'.repeat(256)]) {
      const r = await reg.request('GET', `/v2/${name}/blobs/${d}`);
      assert.equal(r.status, 400, name);
      assert.equal(errorCode(r), 'NAME_INVALID', name);
    }
    const mount = await reg.request('POST', `/v2/ok/blobs/uploads/?mount=${d}&from=../../etc`);
    assert.equal(mount.status, 400);
    assert.equal(errorCode(mount), 'NAME_INVALID');
    assert.equal(existsSync(join(reg.root, 'etc')), false);
  });
});

describe('registry access log', () => {
  it('logs one line per request with tug -D', async () => {
    const reg = await TestRegistry.start([], undefined, ['-D']);
    try {
      await reg.request('GET', '/v2/');
      await reg.request('GET', '/v2/nobody/tags/list');
      await new Promise((r) => setTimeout(r, 100));
      assert.match(reg.output, /^127\.0\.0\.1 "GET \/v2\/" 200 2 [\d.]+ms$/m);
      assert.match(reg.output, /^127\.0\.0\.1 "GET \/v2\/nobody\/tags\/list" 404 \d+ [\d.]+ms$/m);
    } finally {
      await reg.cleanup();
    }
  });
});
