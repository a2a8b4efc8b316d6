// The real docker CLI driving tugd's networks: network create/ls/inspect/connect/disconnect/rm,
// run on a user network by name, -p and docker port, and the seeds' pattern
// `docker run --name … -v $(pwd):/home/node/app -p 8080:8080 …`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { freePorts } from '../helpers/ports.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function ok(args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('docker network against tugd', () => {
  it('create, ls, inspect, run by name, connect, disconnect, rm', async () => {
    const id = (await ok(['network', 'create', '--subnet', '10.233.4.0/24', '--label', 'app=seed', 'seednet'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ls = await ok(['network', 'ls', '--filter', 'label=app=seed']);
    assert.match(ls, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n[0-9a-f]{12}\s+seednet\s+bridge\s+local\n$/);
    assert.equal(await ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Driver}} {{.Scope}}', 'seednet']), '10.233.4.0/24 10.233.4.1 bridge local\n');
    await ok(['run', '-d', '--name', 'db', '--network', 'seednet', 'busybox', 'sh', '-c', 'echo rows > /tmp/index.html && exec httpd -f -p 80 -h /tmp']);
    assert.equal(await ok(['run', '--rm', '--network', 'seednet', 'busybox', 'sh', '-c', 'timeout 5 wget -qO- http://db/index.html; exit $?']), 'rows\n');
    assert.equal(await ok(['inspect', '-f', '{{.NetworkSettings.Networks.seednet.IPAddress}}', 'db']), '10.233.4.2\n');
    await ok(['network', 'create', 'side']);
    await ok(['network', 'connect', '--alias', 'store', 'side', 'db']);
    assert.equal(await ok(['run', '--rm', '--network', 'side', 'busybox', 'sh', '-c', 'timeout 5 wget -qO- http://store/index.html; exit $?']), 'rows\n');
    await ok(['network', 'disconnect', 'side', 'db']);
    const busy = await d.docker(['network', 'rm', 'seednet']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /has active endpoints/);
    await ok(['rm', '-f', 'db']);
    assert.equal(await ok(['network', 'rm', 'seednet', 'side']), 'seednet\nside\n');
    const gone = await d.docker(['network', 'inspect', 'seednet']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /network seednet not found/);
  });

  it("docker run --mac-address sets eth0's MAC on every run; inspect shows it; --network none refuses it", async () => {
    await ok(['create', '--name', 'mac', '--mac-address', '02:42:AC:11:00:99', 'busybox', 'sleep', '1000']);
    assert.equal(await ok(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.MacAddress}}', 'mac']), '02:42:ac:11:00:99\n');
    await ok(['start', 'mac']);
    assert.equal(await ok(['exec', 'mac', 'cat', '/sys/class/net/eth0/address']), '02:42:ac:11:00:99\n');
    await ok(['restart', '-t', '0', 'mac']);
    assert.equal(await ok(['exec', 'mac', 'cat', '/sys/class/net/eth0/address']), '02:42:ac:11:00:99\n');
    assert.equal(await ok(['inspect', '-f', '{{.NetworkSettings.MacAddress}}', 'mac']), '02:42:ac:11:00:99\n');
    await ok(['rm', '-f', 'mac']);
    const none = await d.docker(['run', '--rm', '--network', 'none', '--mac-address', '02:42:ac:11:00:99', 'busybox', 'true']);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /^docker: Error response from daemon: conflicting options: mac-address and the network mode/);
  });

  it('the seeds\' run -v $(pwd):/home/node/app -p 8080:8080 pattern, and docker port', async () => {
    const app = mkdtempSync('/tmp/tug-seed-');
    writeFileSync(`${app}/index.html`, 'seed app\n');
    const port = await freePorts();
    try {
      await ok(['run', '-d', '--name', 'seed', '-v', `${app}:/home/node/app`, '-p', `${port}:8080`, '-w', '/home/node/app', 'busybox', 'httpd', '-f', '-p', '8080', '-h', '/home/node/app']);
      assert.equal(await httpGet(port, '/index.html'), 'seed app\n');
      assert.equal(await ok(['port', 'seed']), `8080/tcp -> 0.0.0.0:${port}\n`);
      assert.match(await ok(['ps', '--format', '{{.Names}} {{.Ports}}']), new RegExp(`^seed 0\\.0\\.0\\.0:${port}->8080/tcp\\n$`));
      await ok(['rm', '-f', 'seed']);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
