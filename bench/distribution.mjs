// Registry figures: push and pull of a 200 MB image in 4 random-content layers, against
// Debian's docker-registry and (where this build has it) tug registry serve, both on loopback.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(host) {
  for (let i = 0; i < 300; i++) {
    const ok = await globalThis.fetch(`http://${host}/v2/`).then((r) => r.status < 500, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`registry at ${host} did not start`);
}

/** docker-registry serve on a fresh root and port. */
async function distribution(dir) {
  const port = await freePort();
  const root = join(dir, `dreg-${port}`);
  mkdirSync(root);
  writeFileSync(join(root, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const proc = spawn('/usr/bin/docker-registry', ['serve', join(root, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitUp(host);
  return { host, stop: () => stop(proc, root) };
}

/** tug registry serve on a fresh root and port. */
async function tugRegistry(tug, dir) {
  const port = await freePort();
  const root = join(dir, `treg-${port}`);
  const proc = spawn(tug, ['registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', root], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitUp(host);
  return { host, stop: () => stop(proc, root) };
}

async function stop(proc, root) {
  if (proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  rmSync(root, { recursive: true, force: true });
}

/** A docker-archive with 4 layers of 50 MB random bytes each, loaded as bench/four:1. */
function loadFourLayers(tugRun, dir) {
  const work = join(dir, 'four');
  const blobs = join(work, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layers = [];
  for (let i = 0; i < 4; i++) {
    const src = join(work, `src${i}`);
    mkdirSync(src);
    writeFileSync(join(src, `layer${i}.bin`), randomBytes(50 << 20));
    execFileSync('tar', ['-cf', join(work, 'layer.tmp'), '-C', src, '.']);
    rmSync(src, { recursive: true });
    const hex = createHash('sha256').update(readFileSync(join(work, 'layer.tmp'))).digest('hex');
    renameSync(join(work, 'layer.tmp'), join(blobs, hex));
    layers.push(hex);
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((h) => `sha256:${h}`) }, history: layers.map(() => ({ created_by: 'bench' })) }));
  const configHex = createHash('sha256').update(config).digest('hex');
  writeFileSync(join(blobs, configHex), config);
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${configHex}`, RepoTags: ['bench/four:1'], Layers: layers.map((h) => `blobs/sha256/${h}`) }]));
  execFileSync('tar', ['-cf', join(dir, 'four.tar'), '-C', work, 'manifest.json', 'blobs']);
  rmSync(work, { recursive: true });
  tugRun(['load', '-i', join(dir, 'four.tar')]);
  rmSync(join(dir, 'four.tar'));
}

function ms(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Adds push/pull medians to `results`; samples of the two registries alternate. */
export async function benchDistribution(results, { tug, tugRun, dir }) {
  loadFourLayers(tugRun, dir);
  const kinds = [['docker-registry', () => distribution(dir)]];
  if (spawnSync(tug, ['registry', 'serve', '--help']).status === 0) kinds.push(['tug registry', () => tugRegistry(tug, dir)]);
  const samples = Object.fromEntries(kinds.map(([k]) => [k, { push: [], pull: [] }]));
  for (let i = 0; i < 3; i++) {
    for (const [kind, start] of kinds) {
      // A fresh registry and tag each time: every layer is compressed and uploaded.
      const reg = await start();
      const name = `${reg.host}/bench/four:1`;
      try {
        tugRun(['tag', 'bench/four:1', name]);
        samples[kind].push.push(ms(() => tugRun(['push', '-q', name])));
        tugRun(['rmi', name]);
        // The local copy goes too, so the pull unpacks all four layers again.
        tugRun(['rmi', 'bench/four:1']);
        samples[kind].pull.push(ms(() => tugRun(['pull', '-q', name])));
        tugRun(['tag', name, 'bench/four:1']);
        tugRun(['rmi', name]);
      } finally {
        await reg.stop();
      }
    }
  }
  for (const [kind] of kinds) {
    results[`push 200 MB / 4 layers to ${kind} (ms)`] = median(samples[kind].push);
    results[`pull 200 MB / 4 layers from ${kind} (ms)`] = median(samples[kind].pull);
  }
}

export const hasDockerRegistry = () => existsSync('/usr/bin/docker-registry');
