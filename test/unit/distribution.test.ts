// Pure logic of the registry client: challenges, credentials, endpoints, manifests, progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTugError } from '../../src/errors.js';
import { basicAuth, decodeAuthHeader, encodeAuthHeader, parseChallenges, repositoryScope } from '../../src/distribution/auth.js';
import { credentialKey, endpointFor, hubHost, isInsecure } from '../../src/distribution/endpoint.js';
import { isLayerMediaType, parseManifest, parsePlatform, selectPlatform } from '../../src/distribution/manifest.js';
import { humanSize, parallel, progressBar, shortID } from '../../src/distribution/progress.js';
import { filterResults, parseSearchFilters, splitSearchTerm } from '../../src/distribution/search.js';
import { DistributionService } from '../../src/distribution/index.js';
import { parseNormalizedNamed } from '../../src/reference/index.js';
import { lookup, registryAuthFor, remove, serverKey, store } from '../../src/cli/registry/credentials.js';
import { progressDisplay } from '../../src/cli/registry/progress.js';
import { searchRow } from '../../src/cli/commands/distribution.js';

function throwsKind(fn: () => unknown, kind: 'InvalidParameter' | 'NotFound', message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTugError(err, kind), `expected ${kind}, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('WWW-Authenticate challenges: Bearer with quoted params, Basic, escapes', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
  assert.deepEqual(parseChallenges(['Bearer realm=http://127.0.0.1:1/t, service=x', 'Basic realm="a \\"b\\""']), [
    { scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/t', service: 'x' } },
    { scheme: 'basic', params: { realm: 'a "b"' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
  assert.equal(repositoryScope('library/busybox', ['pull', 'push']), 'repository:library/busybox:pull,push');
});

test('X-Registry-Auth: base64url JSON, `auth` unpacked, bad headers refused', () => {
  const h = encodeAuthHeader({ username: 'u', password: 'p?>', serveraddress: 'localhost:5000' });
  assert.deepEqual(decodeAuthHeader(h), { username: 'u', password: 'p?>', serveraddress: 'localhost:5000' });
  assert.deepEqual(decodeAuthHeader(Buffer.from(JSON.stringify({ auth: Buffer.from('me:se:cret').toString('base64') })).toString('base64')),
    { auth: Buffer.from('me:se:cret').toString('base64'), username: 'me', password: 'se:cret' });
  assert.deepEqual(decodeAuthHeader(''), {});
  assert.deepEqual(decodeAuthHeader(Buffer.from('{}').toString('base64')), {});
  throwsKind(() => decodeAuthHeader('!!!'), 'InvalidParameter', 'invalid X-Registry-Auth header: not base64-encoded JSON');
  throwsKind(() => decodeAuthHeader(Buffer.from('[1]').toString('base64')), 'InvalidParameter', 'invalid X-Registry-Auth header: not a JSON object');
  assert.equal(basicAuth({ username: 'a', password: 'b' }), `Basic ${Buffer.from('a:b').toString('base64')}`);
  assert.equal(basicAuth({}), undefined);
});

test('endpoints: Docker Hub rules, loopback and --insecure-registry are plain-HTTP capable', () => {
  assert.deepEqual(hubHost('registry-1.docker.io', {}), { host: 'registry-1.docker.io', insecure: false });
  assert.deepEqual(hubHost('registry-1.docker.io', { TUG_HUB_HOST: '127.0.0.1:1' }), { host: '127.0.0.1:1', insecure: true });
  assert.equal(endpointFor(parseNormalizedNamed('busybox')).domain, 'docker.io');
  assert.deepEqual(endpointFor(parseNormalizedNamed('localhost:5000/a/b')), { domain: 'localhost:5000', host: 'localhost:5000', insecure: true });
  assert.deepEqual(endpointFor(parseNormalizedNamed('127.3.4.5:80/x')), { domain: '127.3.4.5:80', host: '127.3.4.5:80', insecure: true });
  assert.equal(endpointFor(parseNormalizedNamed('registry.example:5000/x')).insecure, false);
  assert.equal(endpointFor(parseNormalizedNamed('registry.example:5000/x'), ['registry.example:5000']).insecure, true);
  assert.equal(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']), true);
  assert.equal(isInsecure('11.1.2.3:5000', ['10.0.0.0/8']), false);
  assert.equal(isInsecure('[::1]:5000', []), true);
  assert.equal(credentialKey(undefined), 'https://index.docker.io/v1/');
  assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(credentialKey('https://localhost:5000/v2/'), 'localhost:5000');
  throwsKind(() => credentialKey('https:///x'), 'InvalidParameter', 'invalid registry address: https:///x');
});

test('manifests: schema 2, OCI, lists; platform selection and its error', () => {
  const m = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'x', digest: 'sha256:' + 'a'.repeat(64), size: 1 }, layers: [] };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(m)), undefined).kind, 'manifest');
  const noType = { schemaVersion: 2, config: m.config, layers: [] };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(noType)), 'application/vnd.oci.image.manifest.v1+json').mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const arm = { mediaType: 'm', digest: 'sha256:' + 'b'.repeat(64), size: 2, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
  const amd = { mediaType: 'm', digest: 'sha256:' + 'c'.repeat(64), size: 2, platform: { os: 'linux', architecture: 'amd64' } };
  const list = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [arm, amd] })), 'application/vnd.oci.image.index.v1+json');
  assert.equal(list.kind, 'index');
  if (list.kind !== 'index') return;
  assert.equal(selectPlatform(list.index, parsePlatform(undefined)).digest, amd.digest);
  assert.equal(selectPlatform(list.index, parsePlatform('linux/arm64')).digest, arm.digest);
  assert.equal(selectPlatform(list.index, parsePlatform('linux/aarch64/v8')).digest, arm.digest);
  throwsKind(() => selectPlatform({ schemaVersion: 2, manifests: [arm] }, parsePlatform(undefined)), 'NotFound', 'no matching manifest for linux/amd64 in the manifest list entries');
  throwsKind(() => parsePlatform('linux'), 'InvalidParameter', 'invalid platform: linux: expected os/arch[/variant]');
  throwsKind(() => parseManifest(Buffer.from('{"schemaVersion":1}'), undefined), 'InvalidParameter', 'image is in Docker schema 1 format, which is not supported');
  throwsKind(() => parseManifest(Buffer.from('nope'), undefined), 'InvalidParameter', 'manifest is not valid JSON');
  throwsKind(() => parseManifest(Buffer.from('{"schemaVersion":2,"layers":[]}'), undefined), 'InvalidParameter', 'manifest has no config or layers');
  assert.ok(isLayerMediaType('application/vnd.oci.image.layer.v1.tar+zstd'));
  assert.ok(isLayerMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'));
  assert.ok(!isLayerMediaType('application/vnd.oci.image.config.v1+json'));
});

test('pull references: tag or digest in the separate tag parameter', () => {
  assert.deepEqual(DistributionService.pullReference('busybox', 'v1'), { domain: 'docker.io', path: 'library/busybox', tag: 'v1' });
  const d = 'sha256:' + 'd'.repeat(64);
  assert.deepEqual(DistributionService.pullReference('localhost:5000/x', d), { domain: 'localhost:5000', path: 'x', digest: d });
  assert.deepEqual(DistributionService.pullReference('busybox:1', undefined), { domain: 'docker.io', path: 'library/busybox', tag: '1' });
  throwsKind(() => DistributionService.pullReference('busybox:1', 'v2'), 'InvalidParameter', 'invalid reference format: both busybox:1 and tag v2 name a version');
  throwsKind(() => DistributionService.pullReference('busybox', 'bad tag'), 'InvalidParameter', 'invalid tag format');
  throwsKind(() => DistributionService.pullReference('Busybox', undefined), 'InvalidParameter', /must be lowercase/);
});

test('progress: Docker\'s bar and sizes; parallel keeps a limit and reports the first failure', async () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(2_340_000), '2.34MB');
  assert.equal(humanSize(526_000), '526kB');
  assert.equal(progressBar(50, 100), `[${'='.repeat(25)}>${' '.repeat(24)}]      50B/100B`);
  assert.equal(progressBar(100, 100), `[${'='.repeat(50)}]     100B/100B`);
  assert.equal(shortID('sha256:0a714fdd3485c361e3302ba3a930e020aef5126761d0ee36d342dd082e183fa3'), '0a714fdd3485');
  let running = 0;
  let peak = 0;
  await parallel([1, 2, 3, 4, 5, 6], 2, async () => {
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  });
  assert.equal(peak, 2);
  await assert.rejects(parallel([1, 2, 3], 3, async (n) => { if (n === 2) throw new Error('two'); }), /two/);
});

test('search: term split, filters validated and applied, rows truncated at 45', () => {
  assert.deepEqual(splitSearchTerm('mysql'), { index: 'docker.io', remote: 'mysql' });
  assert.deepEqual(splitSearchTerm('localhost:5000/my/sql'), { index: 'localhost:5000', remote: 'my/sql' });
  assert.deepEqual(splitSearchTerm('user/app'), { index: 'docker.io', remote: 'user/app' });
  assert.deepEqual(parseSearchFilters({ stars: ['3', '5'], 'is-official': ['true'] }), { stars: 5, isOfficial: true });
  throwsKind(() => parseSearchFilters({ stars: ['x'] }), 'InvalidParameter', "invalid filter 'stars=x'");
  throwsKind(() => parseSearchFilters({ color: ['red'] }), 'InvalidParameter', "invalid filter 'color'");
  const rows = [
    { name: 'a', description: '', star_count: 10, is_official: true, is_automated: false },
    { name: 'b', description: '', star_count: 1, is_official: false, is_automated: false },
  ];
  assert.deepEqual(filterResults(rows, { stars: 5 }).map((r) => r.name), ['a']);
  assert.deepEqual(filterResults(rows, { isOfficial: false }).map((r) => r.name), ['b']);
  const long = { name: 'x', description: 'y'.repeat(50), star_count: 3, is_official: true, is_automated: false };
  assert.equal(searchRow(long, false).Description, 'y'.repeat(44) + '…');
  assert.equal(searchRow(long, true).Description, 'y'.repeat(50));
  assert.equal(searchRow(long, false).IsOfficial, '[OK]');
});

test('credentials: docker\'s config.json format, other keys kept, scheme-prefixed keys found', () => {
  const dir = mkdtempSync('/tmp/tug-creds-');
  const file = join(dir, 'config.json');
  try {
    writeFileSync(file, JSON.stringify({ auths: { 'https://localhost:5000': { auth: Buffer.from('old:pw').toString('base64') } }, credsStore: '' , psFormat: 'x' }));
    assert.deepEqual(lookup('localhost:5000', file), { username: 'old', password: 'pw', serveraddress: 'localhost:5000' });
    store({ username: 'me', password: 'p:w', serveraddress: 'registry.test:5000' }, file);
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }>; psFormat: string };
    assert.equal(cfg.psFormat, 'x');
    assert.equal(cfg.auths['registry.test:5000']!.auth, Buffer.from('me:p:w').toString('base64'));
    const header = JSON.parse(Buffer.from(registryAuthFor('registry.test:5000/app:1', file), 'base64url').toString()) as Record<string, string>;
    assert.deepEqual(header, { username: 'me', password: 'p:w', serveraddress: 'registry.test:5000' });
    assert.deepEqual(JSON.parse(Buffer.from(registryAuthFor('busybox', file), 'base64url').toString()), {});
    assert.equal(remove('https://localhost:5000/', file), true);
    assert.equal(remove('localhost:5000', file), false);
    assert.equal(lookup('localhost:5000', file), undefined);
    assert.equal(serverKey(undefined), 'https://index.docker.io/v1/');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('progress display: bars in place on a terminal, status lines only elsewhere', () => {
  let plain = '';
  const p = progressDisplay({ write: (s: string) => { plain += s; }, isTTY: false });
  p.show({ status: 'Pulling from library/busybox', id: 'latest' });
  p.show({ status: 'Downloading', id: 'abc', progress: '[=>   ] 1B/2B', progressDetail: { current: 1, total: 2 } });
  p.show({ status: 'Pull complete', id: 'abc' });
  p.show({ status: 'Digest: sha256:x' });
  assert.equal(plain, 'latest: Pulling from library/busybox\nabc: Pull complete\nDigest: sha256:x\n');
  let tty = '';
  const t = progressDisplay({ write: (s: string) => { tty += s; }, isTTY: true });
  t.show({ status: 'Pulling fs layer', id: 'a' });
  t.show({ status: 'Pulling fs layer', id: 'b' });
  t.show({ status: 'Downloading', id: 'a', progress: '[=> ] 1B/2B' });
  assert.equal(tty, 'a: Pulling fs layer\nb: Pulling fs layer\n\x1b[2A\x1b[2K\ra: Downloading [=> ] 1B/2B\x1b[2B\r');
});
