// Makes the CLI's V8 code caches at build time from whole runs: `tug run --rm` and `tug ps`
// against a stand-in daemon on a temporary socket that answers their requests as tugd would.
// A cache made from a run that stops at the connect leaves every function past it to be
// compiled again on each run (~3 ms of `tug run`). The caches are written when the CLI exits.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ID = 'c0ffee'.padEnd(64, '0');
const CONTAINER = {
  Id: ID, Names: ['/warm_cache'], Image: 'busybox', ImageID: `sha256:${'1'.repeat(64)}`, Command: 'sleep 1000',
  Created: 1_700_000_000, Ports: [{ PrivatePort: 80, Type: 'tcp' }], Labels: { a: 'b' }, State: 'running',
  Status: 'Up 2 seconds', HostConfig: { NetworkMode: 'bridge' }, NetworkSettings: { Networks: {} }, Mounts: [],
};

/** The stdcopy frame of one stdout line, as an attach without a TTY carries it. */
function frame(text) {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = 1;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

function json(res, status, value) {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

function standIn() {
  const server = createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0];
    if (path === '/containers/create') return json(res, 201, { Id: ID, Warnings: [] });
    if (path.endsWith('/start')) return void res.writeHead(204).end();
    if (path.endsWith('/wait')) return json(res, 200, { StatusCode: 0, Error: null });
    if (path === '/containers/json') return json(res, 200, [CONTAINER]);
    json(res, 404, { message: `the build's stand-in daemon has no ${req.method} ${path}` });
  });
  // attach: 101, one line of output, then the end of the streams (the container exited).
  server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.end(frame('warm\n'));
  });
  return server;
}

/** Runs `bin/tug ARGS` against the stand-in; the CLI writes its cache at exit. */
export async function warmCodeCaches(commands) {
  const dir = mkdtempSync(join(tmpdir(), 'tug-warm-'));
  const sock = join(dir, 'd.sock');
  const server = standIn();
  await new Promise((resolve) => server.listen(sock, resolve));
  try {
    for (const args of commands) {
      await new Promise((resolve) => execFile('bin/tug', ['-H', `unix://${sock}`, ...args], () => resolve()));
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
