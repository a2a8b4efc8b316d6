// Registries for tests on loopback: Debian's docker-registry (CNCF distribution 2.8) with a
// private root and port, optionally htpasswd auth; and a proxy in front of one that records
// requests and can cut or corrupt blob downloads. Everything is removed by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface PeerRegistry {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/** docker-registry serve with a config of our own; resolves once /v2/ answers. */
export async function startDistribution(opts: { users?: Record<string, string> } = {}): Promise<PeerRegistry> {
  const dir = mkdtempSync('/tmp/tugreg-');
  const port = await freePort();
  let auth = '';
  if (opts.users) {
    const lines = Object.entries(opts.users).map(([u, p]) => spawnSync('htpasswd', ['-Bbn', u, p], { encoding: 'utf8' }).stdout.trim());
    writeFileSync(join(dir, 'htpasswd'), lines.join('\n') + '\n');
    auth = `auth:\n  htpasswd:\n    realm: tug-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'root')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`);
  const proc: ChildProcess = spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  proc.stderr!.on('data', (d: Buffer) => { logs = (logs + d.toString()).slice(-4000); });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`http://${host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (up) break;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`docker-registry did not start: ${logs}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    dir,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ProxyLog {
  method: string;
  url: string;
  range?: string;
}

/** A forwarding proxy on loopback that records requests and can cut, stall or corrupt blob downloads. */
export interface Proxy {
  host: string;
  log: ProxyLog[];
  /** Close the connection of a blob download after this many bytes. */
  cutBlobsAfter?: number;
  /** Send this many bytes of a blob download, then nothing more (the client waits). */
  stallBlobsAfter?: number;
  corruptBlobs?: boolean;
  /** Lets stalled downloads go on. */
  release(): void;
  stop(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const stalled: (() => void)[] = [];
  const state: Proxy = {
    host: '',
    log: [],
    release: () => {
      state.stallBlobsAfter = undefined;
      for (const go of stalled.splice(0)) go();
    },
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    state.log.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
    const up = request(`http://${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: target } }, (ures) => {
      const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && (ures.statusCode === 200 || ures.statusCode === 206);
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      if (!isBlob || (state.cutBlobsAfter === undefined && state.stallBlobsAfter === undefined && !state.corruptBlobs)) {
        ures.pipe(res);
        return;
      }
      let sent = 0;
      let flipped = false;
      ures.on('data', (c: Buffer) => {
        if (state.cutBlobsAfter !== undefined && sent + c.length > state.cutBlobsAfter) {
          res.write(c.subarray(0, state.cutBlobsAfter - sent));
          res.socket?.destroy();
          ures.destroy();
          return;
        }
        if (state.stallBlobsAfter !== undefined && sent + c.length > state.stallBlobsAfter) {
          const keep = state.stallBlobsAfter - sent;
          res.write(c.subarray(0, keep));
          sent += keep;
          ures.pause();
          const rest = c.subarray(keep);
          stalled.push(() => {
            sent += rest.length;
            res.write(rest);
            ures.resume();
          });
          return;
        }
        if (state.corruptBlobs && !flipped && c.length > 0 && sent + c.length > 1024) {
          c = Buffer.from(c);
          c[c.length - 1] ^= 0xff;
          flipped = true;
        }
        sent += c.length;
        res.write(c);
      });
      ures.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return state;
}
