// A layer whose unpack worker makes the blob's GET itself, against HTTP servers on 127.0.0.1:
// credentials to the registry's origin only (also across redirects), a Range for the bytes
// partial/ holds (and a server that ignores it), a status the worker does not take, a link
// that breaks mid-blob (its bytes kept for a resume), TLS as the client has it, and a cancel.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isTugError } from '../../src/errors.js';
import { BrokenLinkError, type BlobSource } from '../../src/storage/blob-get.js';
import { BlobRefusedError, SLOT, downloadOffThread } from '../../src/storage/unpack.js';
import { tarOf } from '../helpers/tar.js';
import { placesUnder } from '../helpers/places.js';

const root = mkdtempSync('/tmp/tug-unpack-get-test-');
const place = placesUnder(root);
const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');


interface Seen { url: string; authorization?: string; range?: string }
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A server on 127.0.0.1 whose handler a test swaps; it records what each request carried. */
async function serve(): Promise<{ server: Server; origin: string; seen: Seen[]; handle: { fn: Handler } }> {
  const seen: Seen[] = [];
  const handle: { fn: Handler } = { fn: (_req, res) => res.writeHead(500).end() };
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(req.headers.range ? { range: req.headers.range } : {}) });
    handle.fn(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, handle };
}

/** Answers with the blob, from the Range's offset when `ranges` is on. */
const blobHandler = (blob: Buffer, ranges = true): Handler => (req, res) => {
  const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
  if (ranges && from) res.writeHead(206, { 'Content-Length': blob.length - from, 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` }).end(blob.subarray(from));
  else res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
};

describe('unpack worker that downloads the blob itself', () => {
  let reg: Awaited<ReturnType<typeof serve>>;
  let storage: Awaited<ReturnType<typeof serve>>;
  let tarBytes: Buffer;
  let blob: Buffer;
  let big: Buffer;
  const source = (path = '/v2/a/blobs/x'): BlobSource => ({ url: `${reg.origin}${path}`, headers: { 'User-Agent': 'tug test' }, authorization: 'Bearer secret', insecure: true });
  const noHooks = { onVerified: () => undefined, onProgress: () => undefined };

  before(async () => {
    reg = await serve();
    storage = await serve();
    big = randomBytes(SLOT * 6 + 4321);
    tarBytes = await tarOf([{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/hello', body: 'hi\n' }, { name: 'big.bin', body: big }]);
    blob = gzipSync(tarBytes, { level: 1 });
  });
  after(async () => {
    for (const s of [reg, storage]) s?.server.closeAllConnections();
    await Promise.all([reg, storage].map((s) => s && new Promise((r) => s.server.close(r))));
    rmSync(root, { recursive: true, force: true });
  });

  it('GETs the blob with its credentials, keeps it in partial/, unpacks it, tells progress to the end', async () => {
    reg.handle.fn = blobHandler(blob);
    reg.seen.length = 0;
    const { partial, dest } = place();
    const told: number[] = [];
    let verified = 0;
    const result = await downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, { onVerified: () => verified++, onProgress: (n) => told.push(n) });
    assert.deepEqual(result, { diffID: sha256(tarBytes), size: tarBytes.length });
    assert.equal(verified, 1);
    assert.deepEqual(reg.seen, [{ url: '/v2/a/blobs/x', authorization: 'Bearer secret' }]);
    assert.ok(readFileSync(partial).equals(blob));
    assert.ok(readFileSync(join(dest, 'big.bin')).equals(big));
    assert.equal(told[0], 0);
    assert.equal(told.at(-1), blob.length);
    assert.ok(told.every((n, i) => i === 0 || n >= told[i - 1]!), 'progress only grows');
  });

  it('follows redirects: the credentials stay on the registry\'s origin, never go to the storage it points to', async () => {
    reg.seen.length = 0;
    storage.seen.length = 0;
    reg.handle.fn = (req, res) => {
      if (req.url === '/v2/a/blobs/x') res.writeHead(302, { Location: '/v2/a/blobs/moved' }).end();
      else res.writeHead(307, { Location: `${storage.origin}/store/x?sig=1` }).end();
    };
    storage.handle.fn = blobHandler(blob);
    const { partial, dest } = place();
    const result = await downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, noHooks);
    assert.equal(result.diffID, sha256(tarBytes));
    assert.deepEqual(reg.seen, [{ url: '/v2/a/blobs/x', authorization: 'Bearer secret' }, { url: '/v2/a/blobs/moved', authorization: 'Bearer secret' }]);
    assert.deepEqual(storage.seen, [{ url: '/store/x?sig=1' }]);
  });

  it('resumes with a Range from the bytes partial/ holds; a server that ignores the Range starts the file over', async () => {
    const have = 2 * SLOT + 99;
    for (const ranges of [true, false]) {
      reg.handle.fn = blobHandler(blob, ranges);
      reg.seen.length = 0;
      const { partial, dest } = place();
      writeFileSync(partial, blob.subarray(0, have));
      const told: number[] = [];
      const result = await downloadOffThread({ partial, have, digest: sha256(blob), dest, source: source() }, { onVerified: () => undefined, onProgress: (n) => told.push(n) });
      assert.equal(result.diffID, sha256(tarBytes));
      assert.equal(reg.seen[0]?.range, `bytes=${have}-`);
      assert.equal(told[0], ranges ? have : 0, 'progress starts where the download does');
      assert.ok(readFileSync(partial).equals(blob), 'the partial file holds the blob once, whole');
    }
  });

  it('a final status it does not take (401, 404, too many redirects) is handed back before anything is written; the worker goes on', async () => {
    const cases: [Handler, number][] = [
      [(_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="x"' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}'), 401],
      [(_req, res) => res.writeHead(404).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}'), 404],
      [(req, res) => res.writeHead(302, { Location: `${req.url}x` }).end(), 302],
    ];
    for (const [fn, status] of cases) {
      reg.handle.fn = fn;
      const { partial, dest } = place();
      await assert.rejects(downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, noHooks), (err: unknown) => {
        assert.ok(err instanceof BlobRefusedError, String(err));
        assert.equal(err.status, status);
        return true;
      });
      assert.equal(existsSync(partial), false, 'partial/ untouched');
    }
    reg.handle.fn = blobHandler(blob);
    const { partial, dest } = place();
    assert.equal((await downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, noHooks)).diffID, sha256(tarBytes));
  });

  it('a link that breaks mid-blob fails as a broken link and keeps the bytes that came, which a resume completes', async () => {
    const cut = 3 * SLOT + 500;
    reg.handle.fn = (_req, res) => {
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
    };
    const { partial, dest } = place();
    await assert.rejects(downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, noHooks), (err: unknown) => {
      assert.ok(err instanceof BrokenLinkError, String(err));
      assert.match((err as Error).message, new RegExp(`^Get "${reg.origin}/v2/a/blobs/x": `));
      return true;
    });
    const kept = readFileSync(partial);
    assert.ok(kept.length > 0 && kept.length <= cut, `kept ${kept.length} bytes`);
    assert.ok(kept.equals(blob.subarray(0, kept.length)), 'never different bytes');
    reg.handle.fn = blobHandler(blob);
    const again = place();
    writeFileSync(again.partial, kept);
    const result = await downloadOffThread({ partial: again.partial, have: kept.length, digest: sha256(blob), dest: again.dest, source: source() }, noHooks);
    assert.equal(result.diffID, sha256(tarBytes));
  });

  it('bytes that do not match the digest fail as bad input; a refused connection as a broken link', async () => {
    reg.handle.fn = blobHandler(blob);
    const wrong = 'sha256:' + '0'.repeat(64);
    const a = place();
    await assert.rejects(downloadOffThread({ ...a, have: 0, digest: wrong, source: source() }, noHooks), (err: unknown) => isTugError(err, 'InvalidParameter') && (err as Error).message === `filesystem layer verification failed for digest ${wrong}`);
    const closed = await serve();
    const url = `${closed.origin}/v2/a/blobs/x`;
    await new Promise((r) => closed.server.close(r));
    const b = place();
    await assert.rejects(downloadOffThread({ ...b, have: 0, digest: sha256(blob), source: { ...source(), url } }, noHooks), (err: unknown) => err instanceof BrokenLinkError && /ECONNREFUSED/.test((err as Error).message));
  });

  it('a cancel stops the download with the signal\'s reason', async () => {
    const ac = new AbortController();
    reg.handle.fn = (_req, res) => {
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, SLOT), () => ac.abort(new Error('cancelled mid-blob')));
    };
    const { partial, dest } = place();
    await assert.rejects(downloadOffThread({ partial, have: 0, digest: sha256(blob), dest, source: source() }, noHooks, ac.signal), /cancelled mid-blob/);
  });

  it('https: a self-signed registry is spoken to only when it is insecure (loopback, --insecure-registry)', async () => {
    const key = join(root, 'key.pem');
    const cert = join(root, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, blobHandler(blob));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/v2/a/blobs/x`;
      const a = place();
      assert.equal((await downloadOffThread({ ...a, have: 0, digest: sha256(blob), source: { ...source(), url } }, noHooks)).diffID, sha256(tarBytes));
      const b = place();
      await assert.rejects(downloadOffThread({ ...b, have: 0, digest: sha256(blob), source: { ...source(), url, insecure: false } }, noHooks), (err: unknown) => err instanceof BrokenLinkError && /self-signed|certificate/.test((err as Error).message));
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});
