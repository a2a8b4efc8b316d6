// Networks across tugd restarts: after kill -9 the published port, the embedded DNS and the
// IPAM state are back and nothing stale blocks a start; a clean stop removes this daemon's
// iptables chains and leaves every other chain alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';
import { freePorts } from '../helpers/ports.js';
import { httpGet } from '../helpers/http.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

const ok = (args: string[]): Promise<string> => d.tugOk(args);

function ourRules(): string[] {
  const save = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
  return save.split('\n').filter((l) => l.includes(`TUG-DNAT-${d.bridge}`) || l.includes(`TUG-POST-${d.bridge}`) || l.includes(`TUG-FWD-${d.bridge}`));
}

describe('networks across restarts', () => {
  it('kill -9: the port, the names and the addresses survive; nothing stale blocks new containers', async () => {
    const port = await freePorts();
    await ok(['network', 'create', 'keep']);
    await ok(['run', '-d', '--name', 'srv', '--network', 'keep', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo kept > /tmp/index.html && exec httpd -f -p 80 -h /tmp']);
    await ok(['run', '-d', '--name', 'brief', '--network', 'keep', 'busybox', 'sleep', '2']);
    const ipBefore = (await d.api('GET', '/containers/srv/json')).body as { NetworkSettings: { Networks: { keep: { IPAddress: string } } } };
    await d.kill9();
    // Forwarding is the kernel's: the port answers while tugd is down.
    assert.equal(await httpGet('127.0.0.1', port), 'kept\n');
    // `brief` exits while tugd is down; its address must come back free.
    await new Promise((r) => setTimeout(r, 2500));
    await d.startProcess();
    assert.equal(await httpGet('127.0.0.1', port), 'kept\n');
    assert.equal(await ok(['run', '--rm', '--network', 'keep', 'busybox', 'sh', '-c', 'timeout 5 wget -qO- http://srv/index.html; exit $?']), 'kept\n');
    const again = await d.tug(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
    assert.match(again.stderr, /port is already allocated/);
    const ipAfter = (await d.api('GET', '/containers/srv/json')).body as typeof ipBefore;
    assert.equal(ipAfter.NetworkSettings.Networks.keep.IPAddress, ipBefore.NetworkSettings.Networks.keep.IPAddress);
    const brief = (await d.api('GET', '/containers/brief/json')).body as { Id: string; State: { Running: boolean }; NetworkSettings: { Networks: { keep: { IPAddress: string } } } };
    assert.equal(brief.State.Running, false);
    // The netns of the container still running stays bound; the one of the container that exited goes.
    const srvID = ((await d.api('GET', '/containers/srv/json')).body as { Id: string }).Id;
    assert.ok(existsSync(join(d.execRoot, 'netns', srvID)));
    assert.equal(existsSync(join(d.execRoot, 'netns', brief.Id)), false);
    assert.equal(brief.NetworkSettings.Networks.keep.IPAddress, '');
    assert.equal(await ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show eth0 | grep -c inet']), '1\n');
  });

  it('a clean stop removes this daemon\'s chains; the next start brings them and the networks back', async () => {
    assert.ok(ourRules().length > 0);
    assert.equal(await d.stop(), 0);
    assert.deepEqual(ourRules(), []);
    await d.startProcess();
    assert.ok((await ok(['network', 'ls', '--format', '{{.Name}}'])).includes('keep\n'));
    await ok(['start', 'brief']);
    assert.ok(ourRules().some((l) => l.startsWith(`-A FORWARD -j TUG-FWD-${d.bridge}`)));
    await ok(['rm', '-f', 'srv', 'brief']);
  });

  it('--bip moves the default bridge to the given address and subnet', async () => {
    assert.equal(await d.stop(), 0);
    const third = 1 + Math.floor(Math.random() * 250);
    await d.startProcess(['--bip', `10.234.${third}.1/24`]);
    const net = JSON.parse(await ok(['network', 'inspect', 'bridge']))[0] as { IPAM: { Config: unknown[] }; Options: Record<string, string> };
    assert.deepEqual(net.IPAM.Config, [{ Subnet: `10.234.${third}.0/24`, Gateway: `10.234.${third}.1` }]);
    assert.equal(net.Options['com.docker.network.bridge.name'], d.bridge);
    assert.equal(await ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip route | grep default']), `default via 10.234.${third}.1 dev eth0 \n`);
    const addrs = spawnSync('ip', ['-o', '-4', 'addr', 'show', 'dev', d.bridge], { encoding: 'utf8' }).stdout;
    assert.deepEqual([...addrs.matchAll(/inet (\S+)/g)].map((m) => m[1]), [`10.234.${third}.1/24`]);
    assert.equal(await d.stop(), 0);
    const bad = await d.startProcess(['--bip', '10.234.0.0/24']).then(() => 'started', (err: Error) => err.message);
    assert.match(bad, /invalid --bip 10\.234\.0\.0\/24: give the bridge's own address/);
    await d.startProcess();
  });
});
