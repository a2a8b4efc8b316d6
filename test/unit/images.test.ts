import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globToRegExp, validateImageFilters } from '../../src/images/filters.js';
import { isSingleReference } from '../../src/images/service.js';
import { chainIDs, sha256Digest, validateDigest } from '../../src/storage/digest.js';

describe('image filters', () => {
  it('matches reference globs like Go path.Match', () => {
    assert.ok(globToRegExp('busy*').test('busybox'));
    assert.ok(!globToRegExp('*').test('example/echo'));
    assert.ok(globToRegExp('example/*').test('example/echo'));
    assert.ok(globToRegExp('b?sybox:la*').test('busybox:latest'));
    assert.ok(globToRegExp('[a-c]usybox').test('busybox'));
    assert.ok(!globToRegExp('[^b]usybox').test('busybox'));
    assert.ok(globToRegExp('a.b').test('a.b') && !globToRegExp('a.b').test('axb'));
  });
  it('refuses unknown filter keys and bad dangling values', () => {
    assert.throws(() => validateImageFilters({ nope: ['x'] }), { message: "invalid filter 'nope'" });
    assert.throws(() => validateImageFilters({ dangling: ['maybe'] }), { message: "invalid filter 'dangling=maybe'" });
    validateImageFilters({ dangling: ['true'], label: ['a'], reference: ['x'] });
  });
});

describe('digests', () => {
  it('computes chain IDs as the image spec defines', () => {
    const a = sha256Digest('a');
    const b = sha256Digest('b');
    assert.deepEqual(chainIDs([a]), [a]);
    assert.deepEqual(chainIDs([a, b]), [a, sha256Digest(`${a} ${b}`)]);
  });
  it('validates digests', () => {
    assert.equal(validateDigest(sha256Digest('x')), sha256Digest('x'));
    assert.throws(() => validateDigest('sha256:xyz'), { message: 'invalid digest format: sha256:xyz' });
    assert.throws(() => validateDigest('sha512:abcd'), { message: 'unsupported digest algorithm: sha512:abcd' });
  });
});

describe('isSingleReference (dockerd\'s rule for rmi by ID)', () => {
  const d = `@sha256:${'a'.repeat(64)}`;
  it('is true for one tag, or one tag plus digests of its repository', () => {
    assert.ok(isSingleReference(['docker.io/library/busybox:latest']));
    assert.ok(isSingleReference(['docker.io/library/busybox:latest', `docker.io/library/busybox${d}`]));
  });
  it('is false for none, two tags, or another repository', () => {
    assert.ok(!isSingleReference([]));
    assert.ok(!isSingleReference(['docker.io/library/busybox:latest', 'docker.io/library/busybox:1']));
    assert.ok(!isSingleReference(['docker.io/library/busybox:latest', `docker.io/library/other${d}`]));
  });
});
