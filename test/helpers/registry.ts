// Runs `tug registry serve` on 127.0.0.1 with a private root for a test, and speaks plain
// HTTP to it: raw requests, a minimal push of an image, and OCI layouts for skopeo.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TUG } from './daemon.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export class TestRegistry {
  proc: ChildProcess | undefined;
  url = '';
  addr = '';
  output = '';

  private constructor(readonly root: string, readonly args: string[], readonly ownsRoot: boolean, readonly globalArgs: string[]) {}

  /** `args` follow `registry serve`; `globalArgs` (such as -D) come before it. */
  static async start(args: string[] = [], root?: string, globalArgs: string[] = []): Promise<TestRegistry> {
    const r = new TestRegistry(root ?? mkdtempSync('/tmp/tugreg-'), args, root === undefined, globalArgs);
    await r.startProcess();
    return r;
  }

  async startProcess(): Promise<void> {
    this.output = '';
    const proc = spawn(TUG, [...this.globalArgs, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', this.root, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const listening = new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => {
        this.output += d.toString();
        const m = /listening on (https?):\/\/(\S+)/.exec(this.output);
        if (m) resolve(`${m[1]}://${m[2]}`);
      });
      proc.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
      proc.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${this.output}`)));
    });
    this.url = await listening;
    this.addr = this.url.replace(/^https?:\/\//, '');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((r) => { p.once('exit', r); p.kill(signal); });
  }

  async cleanup(): Promise<void> {
    await this.kill('SIGTERM');
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  request(method: string, path: string, opts: { headers?: OutgoingHttpHeaders; body?: Buffer | string; ca?: Buffer } = {}): Promise<Reply> {
    return rawRequest(this.url, method, { ...opts, path });
  }
}

/** `path`, when given, is sent as it is: a URL object would resolve `..` in it. */
export function rawRequest(url: string, method: string, opts: { headers?: OutgoingHttpHeaders; body?: Buffer | string; ca?: Buffer; path?: string } = {}): Promise<Reply> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({ host: u.hostname, port: u.port, path: opts.path ?? u.pathname + u.search, method, headers: opts.headers, ca: opts.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString()) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface TestImage {
  layers: Buffer[];
  config: Buffer;
  manifest: Buffer;
  digest: string;
}

/** An OCI image of gzip layers with random content; `seed` bytes make layers shareable. */
export function makeImage(layers: Buffer[]): TestImage {
  const gz = layers.map((l) => gzipSync(l, { level: 1 }));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) }, config: {} }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: gz.map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(g), size: g.length })),
  }));
  return { layers: gz, config, manifest, digest: sha256(manifest) };
}

export function randomImage(layerSizes: number[]): TestImage {
  return makeImage(layerSizes.map((n) => randomBytes(n)));
}

/** Pushes an image the way clients do: HEAD each blob, upload what is missing, PUT the manifest. */
export async function pushImage(reg: TestRegistry, repo: string, tag: string, img: TestImage, headers: OutgoingHttpHeaders = {}, opts: { alwaysUpload?: boolean } = {}): Promise<void> {
  for (const blob of [...img.layers, img.config]) {
    const digest = sha256(blob);
    if (!opts.alwaysUpload && (await reg.request('HEAD', `/v2/${repo}/blobs/${digest}`, { headers })).status === 200) continue;
    const start = await reg.request('POST', `/v2/${repo}/blobs/uploads/`, { headers });
    if (start.status !== 202) throw new Error(`start upload: ${start.status} ${start.body.toString()}`);
    const loc = String(start.headers.location);
    const put = await reg.request('PUT', `${loc}?digest=${digest}`, { headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: blob });
    if (put.status !== 201) throw new Error(`upload ${digest}: ${put.status} ${put.body.toString()}`);
  }
  const m = await reg.request('PUT', `/v2/${repo}/manifests/${tag}`, { headers: { ...headers, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: img.manifest });
  if (m.status !== 201) throw new Error(`manifest: ${m.status} ${m.body.toString()}`);
}

/** Pulls an image and checks every byte against its digest; returns the manifest digest. */
export async function pullImage(reg: TestRegistry, repo: string, tag: string, headers: OutgoingHttpHeaders = {}): Promise<string> {
  const m = await reg.request('GET', `/v2/${repo}/manifests/${tag}`, { headers: { ...headers, Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  if (m.status !== 200) throw new Error(`manifest ${repo}:${tag}: ${m.status} ${m.body.toString()}`);
  const doc = m.json<{ config: { digest: string }; layers: { digest: string }[] }>();
  for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const b = await reg.request('GET', `/v2/${repo}/blobs/${d}`, { headers });
    if (b.status !== 200 || sha256(b.body) !== d) throw new Error(`blob ${d} of ${repo}:${tag}: ${b.status}`);
  }
  return sha256(m.body);
}

/** Writes an image as an OCI layout (for skopeo's oci: transport) tagged `ref`. */
export function writeOciLayout(dir: string, img: TestImage, ref: string): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [...img.layers, img.config, img.manifest]) writeFileSync(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length, annotations: { 'org.opencontainers.image.ref.name': ref } }],
  }));
}

export interface Grant {
  type: string;
  name: string;
  actions: string[];
}

/** A JWT as Docker's token servers sign them (ES256), for the registry's audience and issuer. */
export function signToken(key: KeyObject, access: Grant[], claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc({ iss: 'test-issuer', aud: 'test-registry', sub: 'ci', iat: now, nbf: now - 5, exp: now + 300, access, ...claims })}`;
  return `${body}.${sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/**
 * A token server on 127.0.0.1 as Docker's protocol has it: Basic credentials in, a token for
 * the requested scopes out, cut down to the actions `allowed` gives the user.
 */
export async function startTokenServer(key: KeyObject, allowed: (user: string, password: string, repo: string) => string[]): Promise<{ realm: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, password] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':') : ['', ''];
    const access = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map((s) => {
      const [type, name, actions] = s.split(':');
      const ok = allowed(user ?? '', password ?? '', name ?? '');
      return { type: type!, name: name!, actions: (actions ?? '').split(',').filter((a) => ok.includes(a)) };
    });
    const token = signToken(key, access);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Debian's docker-registry (CNCF distribution) on 127.0.0.1 with a private root, for interop. */
export async function startDistribution(root: string): Promise<{ addr: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port: p } = s.address() as AddressInfo; s.close(() => resolve(p)); });
  });
  mkdirSync(root, { recursive: true });
  const config = join(root, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const proc = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const addr = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await rawRequest(`http://${addr}/v2/`, 'GET').then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { addr, stop: () => new Promise((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); }) };
}
