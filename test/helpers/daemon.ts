// Starts a private tugd for a test (its own data-root, exec-root, socket and bridge name) and
// runs the tug and docker CLIs against it. Everything it makes is removed by cleanup().
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = process.env.TUG_REPO ?? resolve(fileURLToPath(import.meta.url), '../../../..');
export const TUG = join(REPO, 'bin', 'tug');
export const TUGD = join(REPO, 'bin', 'tugd');
export const DOCKER = '/usr/local/bin/docker';
// Test daemons must never reach Docker Hub: its name points at a closed loopback port.
process.env.TUG_HUB_HOST ??= '127.0.0.1:1';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(cmd: string, args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
}

export class TestDaemon {
  readonly dir: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly bridge: string;
  proc: ChildProcess | undefined;
  logs = '';

  private constructor() {
    this.dir = mkdtempSync('/tmp/tugt-');
    this.dataRoot = join(this.dir, 'data');
    this.execRoot = join(this.dir, 'exec');
    this.socket = join(this.dir, 'tug.sock');
    this.bridge = `tugt${Math.random().toString(36).slice(2, 8)}`;
  }

  static async start(): Promise<TestDaemon> {
    const d = new TestDaemon();
    await d.startProcess();
    return d;
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  async startProcess(extraArgs: string[] = []): Promise<void> {
    const proc = spawn(TUGD, ['--data-root', this.dataRoot, '--exec-root', this.execRoot, '-H', this.host, '--bridge', this.bridge, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => { this.logs += d.toString(); });
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`tugd exited with ${code}: ${this.logs}`))));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const up = await Promise.race([this.ping(), exited]);
      if (up) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`tugd did not start: ${this.logs}`);
  }

  ping(): Promise<boolean> {
    return new Promise((res) => {
      const req = request({ socketPath: this.socket, path: '/_ping' }, (r) => {
        r.resume();
        res(r.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.end();
    });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, TUG_HOST: this.host, DOCKER_HOST: this.host, ...extra };
  }

  /** `tug ARGS`; one that hangs is killed after `timeoutMs` (2 minutes) and reads as code 128. */
  tug(args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
    return runProcess(TUG, args, { input: opts.input, env: this.env(opts.env), timeoutMs: opts.timeoutMs });
  }

  /** `tug ARGS`, which must succeed; its stdout. */
  async tugOk(args: string[]): Promise<string> {
    const r = await this.tug(args);
    assert.equal(r.code, 0, `tug ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  docker(args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return runProcess(DOCKER, args, { input: opts.input, env: this.env({ DOCKER_CONFIG: join(this.dir, 'docker-config'), DOCKER_BUILDKIT: '0', ...(opts.env ?? {}) }) });
  }

  /** Calls the Engine API directly; returns status, headers and the parsed (or raw) body. */
  api(method: string, path: string, body?: Buffer | string | object): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown; raw: Buffer }> {
    return new Promise((res, rej) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
      const req = request({ socketPath: this.socket, method, path, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          const raw = Buffer.concat(chunks);
          let parsed: unknown = raw.toString();
          try { parsed = JSON.parse(raw.toString()); } catch { /* not JSON */ }
          res({ status: r.statusCode ?? 0, headers: r.headers, body: parsed, raw });
        });
      });
      req.on('error', rej);
      req.end(payload);
    });
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill('SIGTERM');
    return exited;
  }

  /** Removes every container (monitors, mounts, cgroups) and network before the daemon and its directory. */
  async cleanup(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      const list = await this.api('GET', '/containers/json?all=1').catch(() => undefined);
      for (const c of (Array.isArray(list?.body) ? list.body : []) as { Id: string }[]) {
        await this.api('DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
      }
      await this.api('POST', '/networks/prune').catch(() => undefined);
    }
    await this.stop();
    reapLeftovers(this.dir, this.execRoot);
    reapNetworks(this.dataRoot, this.bridge);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The bridges of the daemon's networks (from its records) and its iptables chains. */
function reapNetworks(dataRoot: string, bridge: string): void {
  const dir = join(dataRoot, 'networks');
  const bridges = new Set([bridge]);
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      bridges.add((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Bridge: string }).Bridge);
    } catch {
      // a temp file
    }
  }
  for (const b of bridges) spawnSync('ip', ['link', 'del', b], { stdio: 'ignore' });
  const tag = bridge.slice(0, 15);
  for (const [table, parent, chain, rule] of [
    ['nat', 'PREROUTING', `TUG-DNAT-${tag}`, ['-m', 'addrtype', '--dst-type', 'LOCAL']],
    ['nat', 'OUTPUT', `TUG-DNAT-${tag}`, ['-m', 'addrtype', '--dst-type', 'LOCAL']],
    ['nat', 'POSTROUTING', `TUG-POST-${tag}`, []],
    ['filter', 'FORWARD', `TUG-FWD-${tag}`, []],
  ] as const) {
    for (const cmd of ['iptables', 'ip6tables']) {
      while (spawnSync(cmd, ['-w', '-t', table, '-D', parent, ...rule, '-j', chain], { stdio: 'ignore' }).status === 0);
      spawnSync(cmd, ['-w', '-t', table, '-F', chain], { stdio: 'ignore' });
      spawnSync(cmd, ['-w', '-t', table, '-X', chain], { stdio: 'ignore' });
    }
  }
}

/** What a crashed test may leave: monitors, runtime state and mounts under `dir`. */
function reapLeftovers(dir: string, execRoot: string): void {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/bin/conmon') && cmd.includes(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const runcRoot = join(execRoot, 'runc');
  if (existsSync(runcRoot)) {
    for (const id of readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(dir));
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
}
