// Registry serving: skopeo pushes a 200 MB image (4 layers of random content) from an OCI
// layout into tug's registry and into Debian's docker-registry (CNCF distribution), then pulls
// it back, interleaved A/B on fresh roots so neither side finds blobs it already has.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function writeLayout(dir) {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b) => { writeFileSync(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b); return b; };
  const raw = Array.from({ length: 4 }, () => randomBytes(50 << 20));
  // Random bytes do not shrink: gzip level 1 only frames them, as a pushed layer would be.
  const layers = raw.map((r) => put(gzipSync(r, { level: 1 })));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: raw.map(sha256) }, config: {} })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
  })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function up(addr) {
  return new Promise((resolve) => {
    const req = request(`http://${addr}/v2/`, (r) => { r.resume(); resolve(r.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startTug(repo, root) {
  const port = await freePort();
  const proc = spawn(join(repo, 'bin/tug'), ['registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', root], { stdio: 'ignore' });
  return { proc, addr: `127.0.0.1:${port}` };
}

async function startDistribution(root) {
  const port = await freePort();
  const config = join(root + '.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${root}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const proc = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  return { proc, addr: `127.0.0.1:${port}` };
}

function skopeo(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('skopeo', ['copy', '-q', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`skopeo copy ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Adds push and pull medians for tug's registry and docker-registry to `results`. */
export async function registryBench(results, { repo, dir, rounds = 3 }) {
  const work = join(dir, 'registry-bench');
  const layout = join(work, 'layout');
  writeLayout(layout);
  const servers = { tug: (root) => startTug(repo, root), 'docker-registry': startDistribution };
  const times = { tug: { push: [], pull: [] }, 'docker-registry': { push: [], pull: [] } };
  let rss = 0;
  for (let i = 0; i < rounds; i++) {
    for (const [name, start] of Object.entries(servers)) {
      const root = join(work, `${name}-${i}`);
      const { proc, addr } = await start(root);
      try {
        while (!(await up(addr))) await new Promise((r) => setTimeout(r, 10));
        times[name].push.push(skopeo(['--dest-tls-verify=false', `oci:${layout}:bench`, `docker://${addr}/bench/img:v1`]));
        times[name].pull.push(skopeo(['--src-tls-verify=false', `docker://${addr}/bench/img:v1`, `oci:${join(work, `pulled-${name}-${i}`)}:bench`]));
        if (name === 'tug') rss = Math.max(rss, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))[1]) / 1024);
      } finally {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
        rmSync(root, { recursive: true, force: true });
        rmSync(join(work, `pulled-${name}-${i}`), { recursive: true, force: true });
      }
    }
  }
  results['skopeo push 200 MB / 4 layers to tug registry (ms)'] = median(times.tug.push);
  results['skopeo push 200 MB / 4 layers to docker-registry (ms)'] = median(times['docker-registry'].push);
  results['skopeo pull 200 MB / 4 layers from tug registry (ms)'] = median(times.tug.pull);
  results['skopeo pull 200 MB / 4 layers from docker-registry (ms)'] = median(times['docker-registry'].pull);
  results['tug registry peak RSS during push/pull (MiB)'] = rss;
  rmSync(work, { recursive: true, force: true });
}
