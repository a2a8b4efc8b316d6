// Build RUN steps and networks: the default bridge (an address, the containers' resolv.conf,
// another container reachable by IP), --network none and host, a user network by name, and
// the step's endpoint released once the step is committed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { BuildContext } from '../helpers/buildctx.js';

let d: TestDaemon;
const contexts: BuildContext[] = [];

/** Builds a one-RUN Dockerfile with --no-cache and returns the build's output. */
async function buildRun(script: string, flags: string[] = []): Promise<string> {
  const c = new BuildContext({ Dockerfile: `FROM busybox\nRUN ${script}\n` });
  contexts.push(c);
  const r = await d.tug(['build', '--no-cache', ...flags, c.dir]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const ok = (args: string[]): Promise<string> => d.tugOk(args);

const esc = (s: string) => s.replace(/\./g, '\\.');

before(async () => {
  d = await TestDaemon.start();
  await ok(['bootstrap', 'busybox']);
});

after(async () => {
  await d.cleanup();
  for (const c of contexts) c.remove();
});

describe('build RUN steps on networks', () => {
  it('run on the default bridge by default: eth0 with an address in its subnet, resolv.conf as tug run gets it', async () => {
    const subnet = (await ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'bridge'])).trim();
    const prefix = subnet.split('.').slice(0, 3).join('.');
    const out = await buildRun('ls /sys/class/net && ip -4 addr show eth0 && ip route && echo "[" && cat /etc/resolv.conf && echo "]"');
    assert.match(out, /^eth0\nlo\n/m);
    assert.match(out, new RegExp(`inet ${esc(prefix)}\\.\\d+/\\d+`));
    assert.match(out, /^default via \S+ dev eth0/m);
    const resolv = await ok(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.ok(out.includes(`[\n${resolv}]`), `resolv.conf differs:\n${out}\nvs\n${resolv}`);
    // The step's endpoint went with its container.
    assert.equal((await ok(['network', 'inspect', '-f', '{{len .Containers}}', 'bridge'])).trim(), '0');
  });

  it('--network none has only lo', async () => {
    const out = await buildRun('echo "<$(ls /sys/class/net | tr "\\n" " ")>"', ['--network', 'none']);
    assert.match(out, /^<lo >$/m);
  });

  it('--network host sees the host\'s interfaces, this daemon\'s bridge among them', async () => {
    await ok(['run', '--rm', 'busybox', 'true']);
    const out = await buildRun('ls /sys/class/net', ['--network', 'host']);
    assert.match(out, new RegExp(`^${d.bridge}$`, 'm'));
  });

  it('a RUN reaches a busybox httpd container by its IP on the default bridge', async () => {
    await ok(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo served-to-build > /tmp/index.html && exec httpd -f -p 80 -h /tmp']);
    try {
      const ip = (await ok(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', 'web'])).trim();
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
      // httpd may not listen yet when the step starts: the step waits for it, bounded.
      const out = await buildRun(`for i in $(seq 50); do timeout 5 wget -qO- http://${ip}/ && exit 0; sleep 0.1; done; exit 1`);
      assert.match(out, /^served-to-build$/m);
    } finally {
      await ok(['rm', '-f', 'web']);
    }
  });

  it('--network NAME runs the step on that user network; an unknown network fails the build', async () => {
    await ok(['network', 'create', '--subnet', '10.231.7.0/24', 'buildnet']);
    try {
      const out = await buildRun('ip -4 addr show eth0', ['--network', 'buildnet']);
      assert.match(out, /inet 10\.231\.7\.\d+\/24/);
      assert.equal((await ok(['network', 'inspect', '-f', '{{len .Containers}}', 'buildnet'])).trim(), '0');
    } finally {
      await ok(['network', 'rm', 'buildnet']);
    }
    const c = new BuildContext({ Dockerfile: 'FROM busybox\nRUN true\n' });
    contexts.push(c);
    const r = await d.tug(['build', '--network', 'nosuchnet', c.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /network nosuchnet not found/);
  });
});
