import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../src/errors.js';
import { queryBool, queryFilters } from '../../src/api/http.js';
import { Router } from '../../src/api/router.js';
import { compareVersions, splitVersion } from '../../src/api/version.js';

describe('api version negotiation', () => {
  it('splits versioned paths and defaults unversioned ones to the newest', () => {
    assert.deepEqual(splitVersion('/v1.41/images/json'), { version: '1.41', path: '/images/json' });
    assert.deepEqual(splitVersion('/images/json'), { version: '1.50', path: '/images/json' });
    assert.deepEqual(splitVersion('/v1.50'), { version: '1.50', path: '/' });
  });
  it('refuses versions outside the range with dockerd\'s words', () => {
    assert.throws(() => splitVersion('/v1.51/x'), { message: 'client version 1.51 is too new. Maximum supported API version is 1.50' });
    assert.throws(() => splitVersion('/v1.23/x'), (e: unknown) => e instanceof InvalidParameterError && /too old/.test(e.message));
  });
  it('compares versions numerically', () => {
    assert.equal(compareVersions('1.9', '1.10'), -1);
    assert.equal(compareVersions('1.50', '1.50'), 0);
    assert.equal(compareVersions('2.0', '1.99'), 1);
  });
});

describe('router', () => {
  const r = new Router();
  const h = (name: string) => async () => { void name; };
  r.get('/images/json', h('list'));
  r.get('/images/{name:.*}/json', h('inspect'));
  r.delete('/images/{name:.*}', h('delete'));
  r.post('/containers/{id}/start', h('start'));

  it('matches names holding slashes and colons', () => {
    const m = r.match('GET', '/images/localhost:5000/a/b:t/json');
    assert.ok(typeof m === 'object');
    assert.deepEqual(m.params, { name: 'localhost:5000/a/b:t' });
    const del = r.match('DELETE', '/images/sha256:abc');
    assert.ok(typeof del === 'object');
    assert.deepEqual(del.params, { name: 'sha256:abc' });
  });
  it('prefers earlier routes and tells 404 from 405', () => {
    const list = r.match('GET', '/images/json');
    assert.ok(typeof list === 'object');
    assert.deepEqual(list.params, {});
    assert.equal(r.match('GET', '/nope'), 'not-found');
    assert.equal(r.match('PUT', '/containers/x/start'), 'method-not-allowed');
    assert.equal(r.match('POST', '/containers/a/b/start'), 'not-found');
  });
  it('decodes percent-escapes in parameters', () => {
    const m = r.match('POST', '/containers/my%20name/start');
    assert.ok(typeof m === 'object');
    assert.equal(m.params.id, 'my name');
  });
});

describe('query decoding', () => {
  it('reads booleans as dockerd does', () => {
    const q = new URLSearchParams('a=1&b=true&c=0&d=false&e=&f=True');
    assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => queryBool(q, k)), [true, true, false, false, false, true, false]);
  });
  it('reads both filter encodings and refuses garbage', () => {
    assert.deepEqual(queryFilters(new URLSearchParams({ filters: '{"label":["a=b"]}' })), { label: ['a=b'] });
    assert.deepEqual(queryFilters(new URLSearchParams({ filters: '{"dangling":{"true":true}}' })), { dangling: ['true'] });
    assert.throws(() => queryFilters(new URLSearchParams({ filters: '{bad' })), InvalidParameterError);
    assert.throws(() => queryFilters(new URLSearchParams({ filters: '[1]' })), InvalidParameterError);
  });
});
