// npm run bench: starts a private tugd, times what users wait for, and prints medians with
// the ratio to the previous run's figures (kept in bench/last.json).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'node:http';
import { containerFsBench } from '../bench/containersfs.mjs';
import { benchVolumes } from '../bench/volumes.mjs';
import { networkBench } from '../bench/networks.mjs';
import { registryBench } from '../bench/registry.mjs';
import { benchDistribution, hasDockerRegistry } from '../bench/distribution.mjs';
import { benchBuild } from '../bench/build.mjs';
import { benchBuildNetwork } from '../bench/buildnet.mjs';
import { benchStartup } from '../bench/startup.mjs';
import { benchLogs } from '../bench/logs.mjs';

const repo = process.cwd();
const tug = join(repo, 'bin/tug');
const tugd = join(repo, 'bin/tugd');
const dir = mkdtempSync('/tmp/tug-bench-');
const sock = join(dir, 'tug.sock');
const env = { ...process.env, TUG_HOST: `unix://${sock}` };

function ping() {
  return new Promise((res) => {
    const req = request({ socketPath: sock, path: '/_ping' }, (r) => { r.resume(); res(r.statusCode === 200); });
    req.on('error', () => res(false));
    req.end();
  });
}

async function startDaemon() {
  const t0 = process.hrtime.bigint();
  const proc = spawn(tugd, ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '-H', `unix://${sock}`, '--bridge', 'tugbench0'], { stdio: 'ignore' });
  while (!(await ping())) await new Promise((r) => setTimeout(r, 5));
  return { proc, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

function tugRun(args, opts = {}) {
  const r = spawnSync(tug, args, { env, ...opts });
  if (r.status !== 0) throw new Error(`tug ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function time(fn, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** CPU time (ticks) of a process and its children. */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/**
 * Waits until tugd has used no CPU for 300 ms (at most 20 s): what earlier figures left it doing
 * (the trash deleting a build's 10,000 files) must not land in the next figure. Says how long.
 */
async function settle(pid) {
  const t0 = Date.now();
  let last = cpuTicks(pid);
  let quietSince = Date.now();
  while (Date.now() - quietSince < 300 && Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 50));
    const now = cpuTicks(pid);
    if (now !== last) quietSince = Date.now();
    last = now;
  }
  return Date.now() - t0;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const results = {};
try {
  const starts = [];
  let daemon;
  for (let i = 0; i < 5; i++) {
    daemon = await startDaemon();
    starts.push(daemon.ms);
    if (i < 4) { daemon.proc.kill('SIGTERM'); await new Promise((r) => daemon.proc.once('exit', r)); }
  }
  starts.sort((a, b) => a - b);
  results['tugd start to first ping (ms)'] = starts[2];
  tugRun(['bootstrap', 'busybox']);
  await new Promise((r) => setTimeout(r, 500));
  results['tugd idle RSS (MiB)'] = rssMiB(daemon.proc.pid);
  results['tug version, CLI to exit (ms)'] = time(() => tugRun(['version']), 15);
  results['tug images, CLI to exit (ms)'] = time(() => tugRun(['images']), 15);
  results['tug bootstrap busybox (ms)'] = time(() => tugRun(['bootstrap', 'busybox:bench']), 3);
  await benchBuild({ dir, env, dockerEnv: { ...env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'docker-config') }, tug, time, results });
  await benchBuildNetwork({ dir, env, tug, results });
  // The builds leave ~10,000 files of dirty pages: write them back now, not during the run figures.
  spawnSync('sync');
  console.error(`tugd settled after the builds in ${await settle(daemon.proc.pid)} ms`);

  results['tug run --rm busybox true, CLI to exit (ms)'] = time(() => tugRun(['run', '--rm', 'busybox', 'true']), 15);
  const dockerEnv = { ...env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'docker-config') };
  results['docker run --rm busybox true against tugd (ms)'] = time(() => {
    const r = spawnSync('/usr/local/bin/docker', ['run', '--rm', 'busybox', 'true'], { env: dockerEnv });
    if (r.status !== 0) throw new Error(`docker run: ${r.stderr}`);
  }, 15);
  await networkBench(results, tugRun);
  await benchStartup(results, { tug, env, sock });
  const t50 = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) tugRun(['run', '-d', 'busybox', 'sleep', '1000']);
  results['50 detached starts, one after another (ms)'] = Number(process.hrtime.bigint() - t50) / 1e6;
  await new Promise((r) => setTimeout(r, 500));
  const monitors = spawnSync('pgrep', ['-f', `conmon.*${dir}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  results['monitor RSS per running container (MiB)'] = monitors.reduce((n, pid) => n + rssMiB(pid), 0) / monitors.length;
  results['tugd RSS with 50 running containers (MiB)'] = rssMiB(daemon.proc.pid);
  const ids = tugRun(['ps', '-aq']).stdout.toString().split('\n').filter(Boolean);
  const t0 = process.hrtime.bigint();
  tugRun(['rm', '-f', ...ids]);
  results['tug rm -f of 50 running containers (ms)'] = Number(process.hrtime.bigint() - t0) / 1e6;
  // The same 50 through the real docker CLI, whose start-up is Go's, not Node's.
  const tDocker = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('/usr/local/bin/docker', ['run', '-d', 'busybox', 'sleep', '1000'], { env: dockerEnv });
    if (r.status !== 0) throw new Error(`docker run -d: ${r.stderr}`);
  }
  results['50 detached starts with docker run -d against tugd, one after another (ms)'] = Number(process.hrtime.bigint() - tDocker) / 1e6;
  tugRun(['rm', '-f', ...tugRun(['ps', '-aq']).stdout.toString().split('\n').filter(Boolean)]);
  await containerFsBench(results, { tug: tugRun, time, dir });
  await benchLogs(results, { tug: tugRun, time });

  const root = join(dir, 'big');
  mkdirSync(root);
  for (let i = 0; i < 4; i++) writeFileSync(join(root, `f${i}`), randomBytes(50 << 20));
  execFileSync('tar', ['-cf', join(dir, 'big.tar'), '-C', root, '.']);
  results['import 200 MB tar (ms)'] = time((i) => tugRun(['import', join(dir, 'big.tar'), `big:${i}`]), 3);
  results['save 200 MB image (ms)'] = time(() => tugRun(['save', '-o', join(dir, 'big-save.tar'), 'big:0']), 3);
  results['load 200 MB archive (ms)'] = time(() => {
    spawnSync(tug, ['rmi', 'big:0', 'big:1', 'big:2'], { env });
    tugRun(['load', '-i', join(dir, 'big-save.tar')]);
  }, 3);
  results['tugd RSS after the 200 MB runs (MiB)'] = rssMiB(daemon.proc.pid);
  await benchVolumes(results, { tug: tugRun, dir });
  if (hasDockerRegistry()) await benchDistribution(results, { tug, tugRun, dir });
  daemon.proc.kill('SIGTERM');
  await new Promise((r) => daemon.proc.once('exit', r));
  await registryBench(results, { repo, dir });
} finally {
  // Whatever a failed run left: monitors, runtime state, mounts.
  spawnSync('pkill', ['-9', '-f', `conmon.*${dir}`]);
  const runcRoot = join(dir, 'exec', 'runc');
  if (existsSync(runcRoot)) for (const id of readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true });
  spawnSync('ip', ['link', 'del', 'tugbench0']);
}

const lastFile = join(repo, 'bench', 'last.json');
const previous = existsSync(lastFile) ? JSON.parse(readFileSync(lastFile, 'utf8')) : {};
const rows = Object.entries(results).map(([k, v]) => [k, v.toFixed(1), previous[k] ? (v / previous[k]).toFixed(2) + '×' : '—']);
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'benchmark'.padEnd(w)}  ${'median'.padStart(9)}  ${'vs last'.padStart(8)}`);
for (const [k, v, r] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(9)}  ${r.padStart(8)}`);
writeFileSync(lastFile, JSON.stringify(results, null, 2) + '\n');
