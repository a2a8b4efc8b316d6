// Bearer tokens over time: a streamed upload cannot be replayed after a 401, so the registry
// client renews a token that is about to expire before it sends one (or hands one to a worker).
// A registry and token server on 127.0.0.1 that accept only tokens they issued, unexpired.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/distribution/client.js';

const LIFETIME_S = 5.5;
let server: Server;
let host: string;
const issued = new Map<string, number>();
const seen: string[] = [];

before(async () => {
  let n = 0;
  server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) {
      const token = `t${++n}`;
      issued.set(token, Date.now() + LIFETIME_S * 1000);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: LIFETIME_S }));
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !(Date.now() < (issued.get(token) ?? 0))) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="test"` });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    seen.push(`${req.method} ${token}`);
    req.resume().on('end', () => {
      res.writeHead(req.method === 'PUT' ? 201 : 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('bearer token lifetime', () => {
  it('keeps a fresh token, and renews one near its expiry before a streamed upload', async () => {
    const client = new RegistryClient({ domain: host, host, insecure: true }, {}, ['repository:a/b:pull,push']);
    (await client.request({ method: 'GET', path: '/v2/a/b/tags/list' })).resume();
    (await client.request({ method: 'GET', path: '/v2/a/b/tags/list' })).resume();
    assert.deepEqual(seen, ['GET t1', 'GET t1'], 'a token well within its lifetime is used again');
    // Within 5 s of the expiry now: the next request asks for a new token first.
    await new Promise((r) => setTimeout(r, 700));
    const res = await client.request({ method: 'PUT', path: '/v2/a/b/blobs/uploads/x', body: Readable.from([Buffer.from('layer bytes')]) });
    res.resume();
    assert.equal(res.statusCode, 201);
    assert.deepEqual(seen, ['GET t1', 'GET t1', 'PUT t2']);
  });

  it('hands a thread that makes its own request (a layer\'s download) a token renewed near its expiry', async () => {
    const client = new RegistryClient({ domain: host, host, insecure: true }, {}, ['repository:a/b:pull']);
    const first = await client.target('/v2/a/b/blobs/sha256:x');
    assert.equal(first.url, `http://${host}/v2/a/b/blobs/sha256:x`);
    assert.equal(first.insecure, true);
    assert.match(first.authorization ?? '', /^Bearer t\d+$/);
    assert.equal((await client.target('/v2/a/b/blobs/sha256:x')).authorization, first.authorization, 'a token well within its lifetime is kept');
    await new Promise((r) => setTimeout(r, 700));
    const renewed = await client.target('/v2/a/b/blobs/sha256:x');
    assert.match(renewed.authorization ?? '', /^Bearer t\d+$/);
    assert.notEqual(renewed.authorization, first.authorization);
  });
});
