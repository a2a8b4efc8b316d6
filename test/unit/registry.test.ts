// The registry's pure pieces: names, routes, ranges, pagination, manifests, durations,
// htpasswd entries, the access each route needs, and the shared/exclusive lock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TugError } from '../../src/errors.js';
import { parseHtpasswd } from '../../src/registry/auth/htpasswd.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { parseDuration } from '../../src/registry/gc.js';
import { parseRange } from '../../src/registry/http/blobs.js';
import { paginate } from '../../src/registry/http/respond.js';
import { parseRoute } from '../../src/registry/http/routes.js';
import { accessFor } from '../../src/registry/http/server.js';
import { parseContentRange } from '../../src/registry/http/uploads.js';
import { splitAddr } from '../../src/registry/index.js';
import { MEDIA, parseManifest } from '../../src/registry/manifest.js';
import { validateDigest, validateName, validateTag } from '../../src/registry/names.js';
import { RWLock } from '../../src/registry/rwlock.js';
import { mulberry32 } from '../helpers/random.js';

const D = `sha256:${'a'.repeat(64)}`;
const spec = (code: string) => (e: unknown) => isRegistryError(e) && e.spec === code;

describe('registry names', () => {
  it('accepts the distribution grammar', () => {
    for (const n of ['a', 'library/busybox', 'a.b/c_d/e__f', 'x-y--z/0', 'a'.repeat(255)]) assert.equal(validateName(n), n);
  });
  it('refuses path tricks and anything outside the grammar', () => {
    for (const n of ['', '..', '.', 'a/..', '../a', 'a/./b', 'a//b', '/a', 'a/', 'A', '_x', 'a/_layers', 'a\\b', '%2e%2e', 'a b', 'a'.repeat(256), 'a/\0']) {
      assert.throws(() => validateName(n), spec('NAME_INVALID'), n);
    }
  });
  it('fuzz: a name either validates or is one of the grammar\'s, and never holds a dot segment', () => {
    const rnd = mulberry32(6);
    const alphabet = 'ab0._-/%A';
    for (let i = 0; i < 5000; i++) {
      const n = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      let ok = true;
      try { validateName(n); } catch { ok = false; }
      if (ok) assert.ok(!n.split('/').some((c) => c === '' || c === '.' || c === '..' || c.startsWith('_') || c.startsWith('.')), n);
    }
  });
  it('checks tags and digests', () => {
    assert.equal(validateTag('v1.0_rc-1'), 'v1.0_rc-1');
    assert.throws(() => validateTag('-x'), spec('TAG_INVALID'));
    assert.throws(() => validateTag('a'.repeat(129)), spec('TAG_INVALID'));
    assert.equal(validateDigest(D), D);
    assert.throws(() => validateDigest(`sha512:${'a'.repeat(128)}`), { message: 'unsupported digest algorithm' });
    assert.throws(() => validateDigest('sha256:ABC'), spec('DIGEST_INVALID'));
  });
});

describe('registry routes', () => {
  it('splits names holding slashes and the route words', () => {
    assert.deepEqual(parseRoute('/v2/'), { kind: 'base' });
    assert.deepEqual(parseRoute('/v2/_catalog'), { kind: 'catalog' });
    assert.deepEqual(parseRoute('/v2/a/blobs/b/blobs/' + D), { kind: 'blob', name: 'a/blobs/b', digest: D });
    assert.deepEqual(parseRoute('/v2/a/b/blobs/uploads/'), { kind: 'uploads', name: 'a/b' });
    assert.deepEqual(parseRoute('/v2/a/blobs/uploads/u-1'), { kind: 'upload', name: 'a', uuid: 'u-1' });
    assert.deepEqual(parseRoute('/v2/x/manifests/latest'), { kind: 'manifest', name: 'x', ref: 'latest' });
    assert.deepEqual(parseRoute('/v2/x/y/tags/list'), { kind: 'tags', name: 'x/y' });
    assert.deepEqual(parseRoute(`/v2/x/referrers/${D}`), { kind: 'referrers', name: 'x', digest: D });
    assert.throws(() => parseRoute('/v2/../manifests/x'), spec('NAME_INVALID'));
    assert.throws(() => parseRoute('/v3/'), spec('NOT_FOUND'));
  });
  it('asks for the access distribution asks for', () => {
    assert.deepEqual(accessFor(parseRoute('/v2/a/manifests/t'), 'GET'), [{ type: 'repository', name: 'a', actions: ['pull'] }]);
    assert.deepEqual(accessFor(parseRoute('/v2/a/manifests/t'), 'PUT'), [{ type: 'repository', name: 'a', actions: ['pull', 'push'] }]);
    assert.deepEqual(accessFor(parseRoute('/v2/a/manifests/t'), 'DELETE'), [{ type: 'repository', name: 'a', actions: ['delete'] }]);
    assert.deepEqual(accessFor(parseRoute('/v2/a/blobs/uploads/'), 'POST'), [{ type: 'repository', name: 'a', actions: ['pull', 'push'] }]);
    assert.deepEqual(accessFor(parseRoute('/v2/_catalog'), 'GET'), [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    assert.deepEqual(accessFor(parseRoute('/v2/'), 'GET'), []);
  });
  it('reads listen addresses', () => {
    assert.deepEqual(splitAddr('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
    assert.deepEqual(splitAddr('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(splitAddr(':5000'), { host: '0.0.0.0', port: 5000 });
    assert.throws(() => splitAddr('127.0.0.1'), { message: 'invalid --addr "127.0.0.1": expected HOST:PORT' });
    assert.throws(() => splitAddr('h:70000'), /invalid --addr/);
  });
});

describe('registry ranges and pagination', () => {
  it('parses byte ranges as RFC 9110', () => {
    assert.equal(parseRange(undefined, 10), undefined);
    assert.deepEqual(parseRange('bytes=0-3', 10), { start: 0, end: 3 });
    assert.deepEqual(parseRange('bytes=5-', 10), { start: 5, end: 9 });
    assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
    for (const bad of ['bytes=10-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4']) assert.throws(() => parseRange(bad, 10), spec('RANGE_INVALID'), bad);
  });
  it('parses upload Content-Range and checks it against Content-Length', () => {
    assert.equal(parseContentRange(undefined, '5'), undefined);
    assert.equal(parseContentRange('10-19', '10'), 10);
    assert.equal(parseContentRange('bytes 0-0', undefined), 0);
    assert.throws(() => parseContentRange('10-19', '5'), spec('RANGE_INVALID'));
    assert.throws(() => parseContentRange('9-1', undefined), spec('RANGE_INVALID'));
  });
  it('pages with n and last, and links the next page', () => {
    const all = ['a', 'b', 'c', 'd'];
    assert.deepEqual(paginate(all, new URLSearchParams(''), '/p'), { page: all, headers: {} });
    assert.deepEqual(paginate(all, new URLSearchParams('n=3'), '/p'), { page: ['a', 'b', 'c'], headers: { Link: '</p?n=3&last=c>; rel="next"' } });
    assert.deepEqual(paginate(all, new URLSearchParams('n=3&last=c'), '/p'), { page: ['d'], headers: {} });
    assert.deepEqual(paginate(all, new URLSearchParams('n=0'), '/p'), { page: [], headers: {} });
    assert.throws(() => paginate(all, new URLSearchParams('n=-1'), '/p'), spec('PAGINATION_NUMBER_INVALID'));
  });
});

describe('registry manifests', () => {
  const desc = (mediaType: string, digest = D) => ({ mediaType, digest, size: 1 });
  const body = (v: unknown) => Buffer.from(JSON.stringify(v));
  it('finds the blobs of image manifests and the children of indexes', () => {
    const m = parseManifest(body({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: desc('c'), layers: [desc('l'), desc('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip')] }), MEDIA.dockerManifest);
    assert.equal(m.mediaType, MEDIA.dockerManifest);
    assert.deepEqual(m.blobs.map((b) => b.mediaType), ['c', 'l']);
    const oci = parseManifest(body({ schemaVersion: 2, config: desc('c'), layers: [] }), undefined);
    assert.equal(oci.mediaType, MEDIA.ociManifest);
    const idx = parseManifest(body({ schemaVersion: 2, manifests: [desc(MEDIA.ociManifest)], subject: desc(MEDIA.ociManifest) }), 'application/json');
    assert.equal(idx.mediaType, MEDIA.ociIndex);
    assert.equal(idx.manifests.length, 1);
    assert.equal(idx.subject?.digest, D);
  });
  it('refuses what is not a manifest with MANIFEST_INVALID', () => {
    const cases: [unknown, string | undefined][] = [
      ['[]', undefined],
      [{ schemaVersion: 1 }, undefined],
      [{ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc('c'), layers: [] }, MEDIA.dockerManifest],
      [{ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: desc('c'), layers: [] }, undefined],
      [{ schemaVersion: 2, config: { mediaType: 'c', digest: 'sha256:zz', size: 1 }, layers: [] }, undefined],
      [{ schemaVersion: 2, config: { mediaType: 'c', digest: D, size: -1 }, layers: [] }, undefined],
      [{ schemaVersion: 2, mediaType: 'application/x-unknown' }, undefined],
      [{ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: {} }, undefined],
    ];
    for (const [doc, ct] of cases) {
      const raw = typeof doc === 'string' ? Buffer.from(doc) : body(doc);
      assert.throws(() => parseManifest(raw, ct), (e: unknown) => isRegistryError(e) && (e.spec === 'MANIFEST_INVALID' || e.spec === 'DIGEST_INVALID'), raw.toString());
    }
    assert.throws(() => parseManifest(Buffer.from('{'), undefined), spec('MANIFEST_INVALID'));
  });
});

describe('registry durations and htpasswd', () => {
  it('reads Go durations', () => {
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('168h'), 168 * 3_600_000);
    assert.equal(parseDuration('250ms'), 250);
    for (const bad of ['', 'soon', '5', '1h 2m', '-1s']) assert.throws(() => parseDuration(bad), { message: `invalid duration "${bad}"` });
  });
  it('takes bcrypt entries and refuses others with the line number', () => {
    const users = parseHtpasswd('# comment\nalice:$2y$05$abcdefghijklmnopqrstuuvwxyzabcdefghijklmnopqrstuvwxyz\n\n');
    assert.deepEqual([...users.keys()], ['alice']);
    assert.throws(() => parseHtpasswd('a:$2y$05$x\nbob:$apr1$xyz$abc\n', 'f'), { message: 'f:2: not a bcrypt entry (write it with htpasswd -B)' });
    assert.throws(() => parseHtpasswd('nocolon\n', 'f'), { message: 'f:1: not a bcrypt entry (write it with htpasswd -B)' });
  });
});

describe('registry parsers under fuzz', () => {
  const rnd = mulberry32(61);
  const pick = (alphabet: string, max: number): string => Array.from({ length: Math.floor(rnd() * max) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
  const ours = (e: unknown): boolean => e instanceof TugError;

  it('ranges: a result always lies inside the blob, anything else is a registry error', () => {
    for (let i = 0; i < 5000; i++) {
      const header = (rnd() < 0.8 ? 'bytes=' : '') + pick('0123456789-=,', 8);
      const size = Math.floor(rnd() * 50);
      try {
        const r = parseRange(header, size);
        if (r) assert.ok(r.start >= 0 && r.start <= r.end && r.end < size, `${header} for ${size}: ${JSON.stringify(r)}`);
      } catch (e) {
        assert.ok(isRegistryError(e, 'RANGE_INVALID'), header);
      }
      try {
        const start = parseContentRange(pick('0123456789- ', 8), rnd() < 0.5 ? undefined : pick('0123456789', 3));
        if (start !== undefined) assert.ok(Number.isInteger(start) && start >= 0);
      } catch (e) {
        assert.ok(isRegistryError(e, 'RANGE_INVALID'));
      }
    }
  });

  it('manifests and durations: parsed or refused with our own errors, never a crash', () => {
    const fragments = ['{', '}', '[', ']', '"schemaVersion":2', '"mediaType":"' + MEDIA.ociManifest + '"', '"config":{"mediaType":"c","digest":"' + D + '","size":1}', '"layers":[]', '"manifests":[]', ',', ':', 'null', '2', '"x"'];
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 8) }, () => fragments[Math.floor(rnd() * fragments.length)]).join('');
      try {
        const m = parseManifest(Buffer.from(text), rnd() < 0.5 ? undefined : MEDIA.ociIndex);
        assert.ok(Array.isArray(m.blobs) && Array.isArray(m.manifests), text);
      } catch (e) {
        assert.ok(ours(e), `${text}: ${String(e)}`);
      }
      const d = pick('0123456789hms.', 6);
      try {
        assert.ok(parseDuration(d) >= 0);
      } catch (e) {
        assert.ok(ours(e), d);
      }
    }
  });
});

describe('registry lock', () => {
  it('lets readers share and keeps a writer alone, without starving it', async () => {
    const lock = new RWLock();
    const log: string[] = [];
    const pause = () => new Promise((r) => setTimeout(r, 5));
    const r1 = lock.shared(async () => { log.push('r1+'); await pause(); log.push('r1-'); });
    const r2 = lock.shared(async () => { log.push('r2+'); await pause(); log.push('r2-'); });
    const w = lock.exclusive(async () => { log.push('w+'); await pause(); log.push('w-'); });
    const r3 = lock.shared(async () => { log.push('r3+'); await pause(); log.push('r3-'); });
    await Promise.all([r1, r2, w, r3]);
    assert.deepEqual(log.slice(0, 2), ['r1+', 'r2+']);
    const wi = log.indexOf('w+');
    assert.ok(wi > log.indexOf('r1-') && wi > log.indexOf('r2-'));
    assert.equal(log[wi + 1], 'w-');
    assert.ok(log.indexOf('r3+') > log.indexOf('w-'));
  });
  it('releases the lock when the body throws', async () => {
    const lock = new RWLock();
    await assert.rejects(lock.exclusive(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await lock.shared(() => Promise.resolve(7)), 7);
  });
});
