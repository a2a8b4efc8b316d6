// Runs `tug registry serve` on 127.0.0.1 with a private root for a test, and speaks plain
// HTTP to it: raw requests, a minimal push of an image, and OCI layouts for skopeo.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

  private constructor(readonly root: string, readonly args: string[], readonly ownsRoot: boolean) {}

  static async start(args: string[] = [], root?: string): Promise<TestRegistry> {
    const r = new TestRegistry(root ?? mkdtempSync('/tmp/tugreg-'), args, root === undefined);
    await r.startProcess();
    return r;
  }

  async startProcess(): Promise<void> {
    this.output = '';
    const proc = spawn(TUG, ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', this.root, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
