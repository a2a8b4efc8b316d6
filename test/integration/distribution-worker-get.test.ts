// tug pull where each layer's unpack worker makes the blob GET itself, against a registry on
// 127.0.0.1 written here (Bearer tokens it can revoke, blobs it can redirect or lose): a token
// revoked mid-pull is renewed through the client's own request, a redirect to storage on
// another origin carries no credentials there, a lost blob fails with the registry's words,
// and the JSON progress stream still tells every stage.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TestDaemon } from '../helpers/daemon.js';
import { tarOf } from '../helpers/tar.js';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

interface Seen { path: string; status: number; token?: string; range?: string }

/** A registry of one image (`app:1`, two layers) behind Bearer tokens, with knobs a test turns. */
class TokenRegistry {
  host = '';
  storageHost = '';
  log: Seen[] = [];
  storageAuth: (string | undefined)[] = [];
  /** The next blob GET finds every token revoked. */
  revokeAtNextBlob = false;
  redirectBlobs = false;
  /** Blob responses send this many bytes, then hold the connection open. */
  stallAfter: number | undefined;
  /** Held blob responses whose connection is still open. */
  stalled = 0;
  lost = new Set<string>();
  readonly blobs = new Map<string, Buffer>();
  manifest = Buffer.alloc(0);
  configDigest = '';
  layerDigests: string[] = [];
  private valid = new Set<string>();
  private issued = 0;
  private servers: Server[] = [];

  async start(): Promise<void> {
    const layers: Buffer[] = [];
    const diffIDs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const tar = await tarOf([{ name: `data${i}.bin`, body: randomBytes((3 << 20) + i * 1000), mode: 0o644 }]);
      diffIDs.push(sha(tar));
      layers.push(gzipSync(tar, { level: 1 }));
    }
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIDs } }));
    this.configDigest = sha(config);
    this.blobs.set(this.configDigest, config);
    for (const l of layers) this.blobs.set(sha(l), l);
    this.layerDigests = layers.map(sha);
    this.manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: this.configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(l), size: l.length })),
    }));
    this.host = await this.listen((req, res) => this.registry(req, res));
    this.storageHost = await this.listen((req, res) => {
      this.storageAuth.push(req.headers.authorization);
      this.sendBlob(req, res, /\/store\/(sha256:[0-9a-f]{64})/.exec(req.url ?? '')?.[1] ?? '');
    });
  }

  private async listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.servers.push(server);
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private sendBlob(req: IncomingMessage, res: ServerResponse, digest: string): void {
    const blob = this.blobs.get(digest);
    if (!blob || this.lost.has(digest)) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
      return;
    }
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (this.stallAfter !== undefined && blob.length > this.stallAfter) {
      this.stalled++;
      res.once('close', () => this.stalled--);
      res.writeHead(200, { 'Content-Length': blob.length }).write(blob.subarray(0, this.stallAfter));
      return;
    }
    if (from) res.writeHead(206, { 'Content-Length': blob.length - from, 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` }).end(blob.subarray(from));
    else res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
  }

  private registry(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    if (path.startsWith('/token')) {
      const token = `t${++this.issued}`;
      this.valid.add(token);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const blob = /^\/v2\/app\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
    if (blob && blob !== this.configDigest && this.revokeAtNextBlob) {
      this.revokeAtNextBlob = false;
      this.valid.clear();
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const status = !token || !this.valid.has(token) ? 401 : path === '/v2/' ? 200 : path === '/v2/app/manifests/1' ? 200 : blob ? (this.redirectBlobs ? 307 : 200) : 404;
    this.log.push({ path, status, ...(token ? { token } : {}), ...(req.headers.range ? { range: req.headers.range } : {}) });
    if (status === 401) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer realm="http://${this.host}/token",service="test"` }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    } else if (path === '/v2/') res.writeHead(200).end('{}');
    else if (status === 200 && !blob) res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Content-Length': this.manifest.length }).end(this.manifest);
    else if (status === 307) res.writeHead(307, { Location: `http://${this.storageHost}/store/${blob}?sig=x` }).end();
    else if (blob) this.sendBlob(req, res, blob);
    else res.writeHead(404).end();
  }

  blobGets(): Seen[] {
    return this.log.filter((s) => this.layerDigests.some((d) => s.path.endsWith(d)));
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

describe('pull: the blob GET made by the unpack worker', () => {
  let d: TestDaemon;
  const reg = new TokenRegistry();
  let ref: string;

  before(async () => {
    d = await TestDaemon.start();
    await reg.start();
    ref = `${reg.host}/app:1`;
  });
  after(async () => {
    await d?.cleanup();
    await reg.stop();
  });

  const pullAndCheck = async () => {
    const pull = await d.tug(['pull', '-q', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await d.tug(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim(), reg.configDigest);
    assert.equal((await d.tug(['rmi', ref])).code, 0);
  };

  // First, into the empty store: every layer is downloaded.
  it('the JSON progress stream tells Downloading with current/total, then Verifying, Extracting and Pull complete for each layer', async () => {
    const res = await d.api('POST', `/images/create?fromImage=${encodeURIComponent(`${reg.host}/app`)}&tag=1`);
    assert.equal(res.status, 200);
    const msgs = res.raw.toString().trim().split('\n').map((l) => JSON.parse(l) as { status?: string; id?: string; progressDetail?: { current?: number; total?: number } });
    const blobs = JSON.parse(reg.manifest.toString()) as { layers: { digest: string; size: number }[] };
    for (const { digest, size } of blobs.layers) {
      const id = digest.slice(7, 19);
      const mine = msgs.filter((m) => m.id === id);
      const downloading = mine.filter((m) => m.status === 'Downloading');
      assert.ok(downloading.length >= 1, JSON.stringify(mine));
      assert.deepEqual(downloading.at(-1)!.progressDetail, { current: size, total: size });
      assert.deepEqual(mine.map((m) => m.status).filter((s) => s !== 'Downloading'), ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']);
    }
    assert.equal((await d.tug(['rmi', ref])).code, 0);
  });

  it('a token revoked mid-pull: the worker hands the 401 back, the client renews the token and the layer comes', async () => {
    reg.log.length = 0;
    reg.revokeAtNextBlob = true;
    await pullAndCheck();
    const gets = reg.blobGets();
    const refused = gets.filter((s) => s.status === 401);
    assert.ok(refused.length >= 1, JSON.stringify(gets));
    const old = new Set(refused.map((s) => s.token));
    for (const digest of reg.layerDigests) {
      const ok = gets.filter((s) => s.path.endsWith(digest) && s.status === 200);
      assert.equal(ok.length, 1, `one good GET of ${digest}: ${JSON.stringify(gets)}`);
      assert.ok(!old.has(ok[0]!.token), 'fetched with a renewed token');
    }
  });

  it('blob GETs redirected to storage on another origin: followed, with no credentials sent there', async () => {
    reg.log.length = 0;
    reg.storageAuth.length = 0;
    reg.redirectBlobs = true;
    try {
      await pullAndCheck();
    } finally {
      reg.redirectBlobs = false;
    }
    assert.deepEqual(reg.blobGets().map((s) => s.status), [307, 307]);
    assert.ok(reg.blobGets().every((s) => s.token), 'the registry itself got the token');
    assert.ok(reg.storageAuth.length >= 2 && reg.storageAuth.every((a) => a === undefined), JSON.stringify(reg.storageAuth));
  });

  it('a blob the registry has lost fails the pull with the registry\'s own message', async () => {
    const lost = reg.layerDigests[1]!;
    reg.lost.add(lost);
    try {
      const pull = await d.tug(['pull', '-q', ref]);
      assert.equal(pull.code, 1);
      assert.equal(pull.stderr, `Error response from daemon: blob ${lost}: blob unknown: blob unknown to registry\n`);
    } finally {
      reg.lost.clear();
    }
    await pullAndCheck();
  });


  it('a client that disconnects mid-download closes the worker\'s GET; the next pull resumes from the bytes kept', async () => {
    const held = 1 << 20;
    reg.stallAfter = held;
    const req = request({ socketPath: d.socket, method: 'POST', path: `/images/create?fromImage=${encodeURIComponent(`${reg.host}/app`)}&tag=1` });
    req.on('error', () => undefined).end();
    const partialDir = join(d.dataRoot, 'distribution', 'partial');
    const sizes = () => readdirSync(partialDir).map((f) => statSync(join(partialDir, f)).size);
    const deadline = Date.now() + 20_000;
    while (!(reg.stalled === 2 && sizes().length === 2 && sizes().every((n) => n === held))) {
      assert.ok(Date.now() < deadline, `both layers wrote what came: ${JSON.stringify(sizes())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    req.destroy();
    while (reg.stalled > 0) {
      assert.ok(Date.now() < deadline, 'the workers closed their connections');
      await new Promise((r) => setTimeout(r, 20));
    }
    reg.stallAfter = undefined;
    reg.log.length = 0;
    await pullAndCheck();
    assert.deepEqual(reg.blobGets().map((s) => s.range), [`bytes=${held}-`, `bytes=${held}-`]);
  });
});
