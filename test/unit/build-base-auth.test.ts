// The logins a build pulls with: X-Registry-Config decoded as dockerd does (undecodable → none),
// and the login of a registry found whatever form its key was written in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authFor } from '../../src/build/base.js';
import { decodeRegistryConfigHeader } from '../../src/distribution/index.js';

const header = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('decodeRegistryConfigHeader', () => {
  it('reads the docker CLI\'s map, auth fields filled from `auth`', () => {
    const got = decodeRegistryConfigHeader(header({
      '127.0.0.1:5000': { username: 'alice', password: 'secret', serveraddress: '127.0.0.1:5000' },
      'https://index.docker.io/v1/': { auth: Buffer.from('bob:pw').toString('base64') },
    }));
    assert.deepEqual(got['127.0.0.1:5000'], { username: 'alice', password: 'secret', serveraddress: '127.0.0.1:5000' });
    assert.equal(got['https://index.docker.io/v1/']!.username, 'bob');
    assert.equal(got['https://index.docker.io/v1/']!.password, 'pw');
  });

  it('an absent, undecodable or non-object header is no logins; bad entries are skipped', () => {
    for (const h of [undefined, '', '%%%', header([1]), header(null), header('x')]) assert.deepEqual(decodeRegistryConfigHeader(h), {});
    assert.deepEqual(decodeRegistryConfigHeader(header({ a: 1, b: { auth: Buffer.from('nocolon').toString('base64') }, c: { username: 'u' } })), { c: { username: 'u' } });
  });
});

describe('authFor', () => {
  const auths = {
    'https://127.0.0.1:5000': { username: 'alice', password: 'a' },
    'https://index.docker.io/v1/': { username: 'hub', password: 'h' },
    '': { username: 'nobody' },
  };
  const table: [string, string | undefined][] = [
    ['127.0.0.1:5000', 'alice'],
    ['docker.io', 'hub'],
    ['127.0.0.1:5001', undefined],
    ['example.test', undefined],
  ];
  for (const [domain, user] of table) it(`${domain} → ${user ?? 'anonymous'}`, () => assert.equal(authFor(auths, domain).username, user));

  it('names the server the login was stored under', () => {
    assert.equal(authFor(auths, '127.0.0.1:5000').serveraddress, 'https://127.0.0.1:5000');
  });
});
