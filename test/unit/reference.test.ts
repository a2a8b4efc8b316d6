import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTugError } from '../../src/errors.js';
import { mulberry32 } from '../helpers/random.js';
import {
  familiarName,
  familiarString,
  isFullImageID,
  looksLikeIDPrefix,
  parseAnyReference,
  parseDockerRef,
  parseNormalizedNamed,
  parseReference,
  referenceString,
  repositoryName,
  withDigest,
  withTag,
} from '../../src/reference/index.js';

const hex64 = 'a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';
const hex128 = hex64 + hex64;

function throwsInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTugError(err, 'InvalidParameter'), `expected InvalidParameter, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

// input, normalised string, familiar string, ParseDockerRef string
const valid: Array<[string, string, string, string]> = [
  ['busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
  ['docker.io/library/busybox:1', 'docker.io/library/busybox:1', 'busybox:1', 'docker.io/library/busybox:1'],
  ['index.docker.io/library/busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
  ['index.docker.io/busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
  ['user/app:v1', 'docker.io/user/app:v1', 'user/app:v1', 'docker.io/user/app:v1'],
  ['docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b', 'docker.io/library/a/b:latest'],
  ['localhost:5000/a/b:t', 'localhost:5000/a/b:t', 'localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
  ['localhost/x', 'localhost/x', 'localhost/x', 'localhost/x:latest'],
  // A lone element is never a domain: this is the repo "localhost" tagged "5000".
  ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000', 'docker.io/library/localhost:5000'],
  ['localhost', 'docker.io/library/localhost', 'localhost', 'docker.io/library/localhost:latest'],
  ['example.com/a/b/c:tag', 'example.com/a/b/c:tag', 'example.com/a/b/c:tag', 'example.com/a/b/c:tag'],
  ['127.0.0.1:5000/x', '127.0.0.1:5000/x', '127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'],
  ['[::1]:5000/a', '[::1]:5000/a', '[::1]:5000/a', '[::1]:5000/a:latest'],
  ['[2001:db8::1]/a', '[2001:db8::1]/a', '[2001:db8::1]/a', '[2001:db8::1]/a:latest'],
  [`busybox@sha256:${hex64}`, `docker.io/library/busybox@sha256:${hex64}`, `busybox@sha256:${hex64}`, `docker.io/library/busybox@sha256:${hex64}`],
  // ParseDockerRef drops the tag when a digest is present.
  [`a:b@sha256:${hex64}`, `docker.io/library/a:b@sha256:${hex64}`, `a:b@sha256:${hex64}`, `docker.io/library/a@sha256:${hex64}`],
  [`x@sha512:${hex128}`, `docker.io/library/x@sha512:${hex128}`, `x@sha512:${hex128}`, `docker.io/library/x@sha512:${hex128}`],
  ['busybox:Latest', 'docker.io/library/busybox:Latest', 'busybox:Latest', 'docker.io/library/busybox:Latest'],
  ['busybox:_x.y-Z', 'docker.io/library/busybox:_x.y-Z', 'busybox:_x.y-Z', 'docker.io/library/busybox:_x.y-Z'],
  // An uppercase first element counts as a domain.
  ['Example.com/foo', 'Example.com/foo', 'Example.com/foo', 'Example.com/foo:latest'],
  ['Foo/bar', 'Foo/bar', 'Foo/bar', 'Foo/bar:latest'],
  ['a__b', 'docker.io/library/a__b', 'a__b', 'docker.io/library/a__b:latest'],
  ['a--b.c_d', 'docker.io/library/a--b.c_d', 'a--b.c_d', 'docker.io/library/a--b.c_d:latest'],
  // "foo_bar.com" is no valid host, so the whole name is a path with no domain at all.
  ['foo_bar.com/x', 'foo_bar.com/x', 'foo_bar.com/x', 'foo_bar.com/x:latest'],
  ['a'.repeat(247), `docker.io/library/${'a'.repeat(247)}`, 'a'.repeat(247), `docker.io/library/${'a'.repeat(247)}:latest`],
  [`x:${'t'.repeat(128)}`, `docker.io/library/x:${'t'.repeat(128)}`, `x:${'t'.repeat(128)}`, `docker.io/library/x:${'t'.repeat(128)}`],
  ['ABCDEF/x', 'ABCDEF/x', 'ABCDEF/x', 'ABCDEF/x:latest'],
];

for (const [input, normalised, familiar, dockerRef] of valid) {
  test(`reference ${input.slice(0, 60)} is valid`, () => {
    const ref = parseNormalizedNamed(input);
    assert.equal(referenceString(ref), normalised);
    assert.equal(familiarString(ref), familiar);
    assert.equal(referenceString(parseDockerRef(input)), dockerRef);
    assert.deepEqual(parseNormalizedNamed(referenceString(ref)), ref);
  });
}

const tooLong = 'repository name must not be more than 255 characters';
const invalid: Array<[string, string]> = [
  ['', 'invalid reference format'],
  [':tag', 'invalid reference format'],
  ['@sha256:' + hex64, 'invalid reference format'],
  ['a//b', 'invalid reference format'],
  ['a/', 'invalid reference format'],
  ['/a', 'invalid reference format'],
  ['a___b', 'invalid reference format'],
  ['a..b', 'invalid reference format'],
  ['a-_b', 'invalid reference format'],
  ['-a', 'invalid reference format'],
  ['a-', 'invalid reference format'],
  ['.a', 'invalid reference format'],
  [' busybox', 'invalid reference format'],
  ['busybox:', 'invalid reference format'],
  ['busybox:a:b', 'invalid reference format'],
  ['busybox:.x', 'invalid reference format'],
  [`x:${'t'.repeat(129)}`, 'invalid reference format'],
  ['example.com:port/x', 'invalid reference format'],
  ['[fe80::1%eth0]:5000/x', 'invalid reference format'],
  ['busybox@sha256:abc', 'invalid reference format'],
  ['Foo', 'invalid reference format: repository name (library/Foo) must be lowercase'],
  ['a/B', 'invalid reference format: repository name (a/B) must be lowercase'],
  ['example.com/Foo:Tag', 'invalid reference format: repository name (Foo) must be lowercase'],
  ['localhost:5000/Foo', 'invalid reference format: repository name (Foo) must be lowercase'],
  // An uppercase host that is not a valid host name fails in the grammar instead.
  ['Foo_X/bar', 'repository name must be lowercase'],
  [hex64, `invalid repository name (${hex64}), cannot specify 64-byte hexadecimal strings`],
  ['a'.repeat(248), tooLong],
  [`a/${'b'.repeat(254)}`, tooLong],
  [`busybox@sha256:${hex64.slice(0, 32)}`, 'invalid checksum digest length'],
  [`busybox@sha256:${hex64.toUpperCase()}`, 'invalid checksum digest format'],
  [`busybox@md5:${hex64.slice(0, 32)}`, 'unsupported digest algorithm'],
  // The lowercase check runs up to the first ':', so it sees the digest when there is no tag.
  [`busybox@SHA256:${hex64}`, 'invalid reference format: repository name (library/busybox@SHA256) must be lowercase'],
  [`busybox:t@SHA256:${hex64}`, 'invalid checksum digest format'],
];

for (const [input, message] of invalid) {
  test(`reference ${JSON.stringify(input.slice(0, 60))} is rejected`, () => {
    throwsInvalid(() => parseNormalizedNamed(input), message);
    throwsInvalid(() => parseDockerRef(input), message);
  });
}

test('domain + path + familiar name of typical references', () => {
  const r = parseNormalizedNamed('localhost:5000/a/b:t');
  assert.deepEqual(r, { domain: 'localhost:5000', path: 'a/b', tag: 't' });
  assert.equal(repositoryName(r), 'localhost:5000/a/b');
  assert.equal(familiarName(r), 'localhost:5000/a/b');
  assert.deepEqual(parseNormalizedNamed('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.equal(familiarName(parseNormalizedNamed('docker.io/user/app:1')), 'user/app');
  assert.deepEqual(parseNormalizedNamed('foo_bar.com/x'), { domain: '', path: 'foo_bar.com/x' });
});

test('parseReference does not normalise', () => {
  assert.deepEqual(parseReference('busybox:1'), { domain: '', path: 'busybox', tag: '1' });
  assert.deepEqual(parseReference('docker.io/busybox'), { domain: 'docker.io', path: 'busybox' });
  throwsInvalid(() => parseReference(''), 'repository name must have at least one component');
  throwsInvalid(() => parseReference('Busybox'), 'repository name must be lowercase');
});

test('withTag validates the tag and keeps a digest', () => {
  const r = parseNormalizedNamed('busybox');
  assert.equal(referenceString(withTag(r, 'v1')), 'docker.io/library/busybox:v1');
  assert.equal(referenceString(withTag(r, 't'.repeat(128))), `docker.io/library/busybox:${'t'.repeat(128)}`);
  throwsInvalid(() => withTag(r, 't'.repeat(129)), 'invalid tag format');
  throwsInvalid(() => withTag(r, '-x'), 'invalid tag format');
  throwsInvalid(() => withTag(r, ''), 'invalid tag format');
  throwsInvalid(() => withTag(r, 'a/b'), 'invalid tag format');
  const digested = parseNormalizedNamed(`busybox@sha256:${hex64}`);
  assert.equal(referenceString(withTag(digested, 'x')), `docker.io/library/busybox:x@sha256:${hex64}`);
  assert.equal(referenceString(withDigest(r, `sha256:${hex64}`)), `docker.io/library/busybox@sha256:${hex64}`);
  throwsInvalid(() => withDigest(r, 'sha256:xyz'), 'invalid digest format');
});

test('parseAnyReference tells IDs and digests from names', () => {
  assert.deepEqual(parseAnyReference(hex64), { digest: `sha256:${hex64}` });
  assert.deepEqual(parseAnyReference(`sha256:${hex64}`), { digest: `sha256:${hex64}` });
  assert.deepEqual(parseAnyReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  // A short ID is a valid repository name, as in Docker.
  assert.deepEqual(parseAnyReference('a3ed95'), { domain: 'docker.io', path: 'library/a3ed95' });
  // A digest of the wrong length falls through to a name: the repo "sha256" with a hex tag.
  assert.deepEqual(parseAnyReference(`sha256:${hex64.slice(1)}`), { domain: 'docker.io', path: 'library/sha256', tag: hex64.slice(1) });
  throwsInvalid(() => parseAnyReference(`sha256:${hex128}a`), 'invalid reference format');
});

test('image ID shapes', () => {
  assert.equal(isFullImageID(hex64), true);
  assert.equal(isFullImageID(`sha256:${hex64}`), true);
  assert.equal(isFullImageID(hex64.slice(1)), false);
  assert.equal(isFullImageID(hex64.toUpperCase()), false);
  assert.equal(looksLikeIDPrefix('a3ed95'), true);
  assert.equal(looksLikeIDPrefix('sha256:a3'), true);
  assert.equal(looksLikeIDPrefix(hex64), true);
  assert.equal(looksLikeIDPrefix(hex64 + 'a'), false);
  assert.equal(looksLikeIDPrefix('busybox'), false);
  assert.equal(looksLikeIDPrefix(''), false);
});


test('fuzz: only InvalidParameter errors, and accepted references round-trip', () => {
  const rand = mulberry32(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const alphabet = [...'abcz09AZ._-/:@[]  é', '__', '--', 'sha256:', 'localhost', 'docker.io/', 'index.docker.io/'];
  const parts = ['a', 'busybox', 'x-y', 'a.b', 'a__b', 'Ab', 'localhost:5000', 'example.com', '[::1]', 'library', '0'];
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    let s = '';
    if (rand() < 0.5) {
      const n = Math.floor(rand() * 24);
      for (let j = 0; j < n; j++) s += pick(alphabet);
    } else {
      const segs = 1 + Math.floor(rand() * 3);
      s = Array.from({ length: segs }, () => pick(parts)).join('/');
      if (rand() < 0.4) s += ':' + pick(['v1', 'Latest', '_', '.x', '1.0-rc', '']);
      if (rand() < 0.3) s += '@' + pick([`sha256:${hex64}`, 'sha256:abc', `md5:${hex64}`, `sha512:${hex128}`]);
      if (rand() < 0.2) s = s.slice(0, Math.floor(rand() * s.length)) + pick(alphabet) + s.slice(Math.floor(rand() * s.length));
    }
    let ref;
    try {
      ref = parseNormalizedNamed(s);
    } catch (err) {
      assert.ok(isTugError(err, 'InvalidParameter'), `${JSON.stringify(s)}: ${String(err)}`);
      continue;
    }
    accepted++;
    assert.deepEqual(parseNormalizedNamed(referenceString(ref)), ref, JSON.stringify(s));
    assert.deepEqual(parseNormalizedNamed(familiarString(ref)), ref, JSON.stringify(s));
    assert.deepEqual(parseReference(referenceString(ref)), ref, JSON.stringify(s));
  }
  assert.ok(accepted > 500, `only ${accepted} accepted inputs`);
});
