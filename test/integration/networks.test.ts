// Networks with real packets: containers on a user network reach each other by name and alias
// (busybox httpd + wget) but not across networks; published ports answer on 127.0.0.1 and on
// the host's own address; -P, taken ports, --internal, outbound NAT to the host's gateway.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildResponse, parseQuery } from '../../src/networks/dnswire.js';
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

/** The host's own IPv4 address on its uplink (not loopback, not one of our bridges). */
function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|tug|br-|veth|docker)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}

const HTTPD = (text: string) => ['sh', '-c', `echo ${text} > /tmp/index.html && exec httpd -f -p 80 -h /tmp`];
// busybox's wget -T crashes in this build; timeout(1) bounds it instead. busybox timeout execs
// its command in place, and PID 1 ignores the TERM it is sent, so a shell stays PID 1 (the
// trailing `exit` keeps ash from exec'ing the last command).
const WGET = (url: string) => ['sh', '-c', `timeout 5 wget -qO- ${url}; exit $?`];

const ok = (args: string[]): Promise<string> => d.tugOk(args);

async function inspect(name: string): Promise<{ NetworkSettings: Record<string, unknown> & { Networks: Record<string, { IPAddress: string; Gateway: string; Aliases: string[] | null; DNSNames: string[] | null }>; Ports: Record<string, { HostIp: string; HostPort: string }[] | null> } }> {
  const r = await d.api('GET', `/containers/${name}/json`);
  assert.equal(r.status, 200);
  return r.body as never;
}

describe('the default bridge', () => {
  it('gives eth0 an address and a default route, and shows them in inspect', async () => {
    await ok(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '60']);
    const ns = (await inspect('b1')).NetworkSettings;
    const br = ns.Networks.bridge!;
    assert.match(br.IPAddress, /^10\.\d+\.\d+\.\d+$/);
    assert.equal(ns.IPAddress, br.IPAddress);
    assert.equal(ns.Gateway, br.Gateway);
    assert.match(String(ns.MacAddress), /^02:42:/);
    const inside = await ok(['exec', 'b1', 'sh', '-c', 'ip -4 addr show eth0; ip route; tail -1 /etc/hosts']);
    assert.match(inside, new RegExp(`inet ${br.IPAddress.replace(/\./g, '\\.')}/24`));
    assert.match(inside, new RegExp(`default via ${br.Gateway.replace(/\./g, '\\.')} dev eth0`));
    assert.match(inside, new RegExp(`${br.IPAddress.replace(/\./g, '\\.')}\\t[0-9a-f]{12}`));
    await ok(['rm', '-f', 'b1']);
  });

  it('binds a container\'s netns under the exec root while it runs; the exit and a failed start take it and the veth away', async () => {
    const id = (await ok(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    const file = join(d.execRoot, 'netns', id);
    const pid = ((await d.api('GET', `/containers/${id}/json`)).body as { State: { Pid: number } }).State.Pid;
    assert.equal(statSync(file).ino, statSync(`/proc/${pid}/ns/net`).ino, 'the container is not in the netns bound for it');
    // runc brings lo up only in a netns it makes: tug's own must have it up too.
    assert.match(await ok(['exec', id, 'ip', 'link', 'show', 'lo']), /<LOOPBACK,UP/);
    const record = JSON.parse(readFileSync(join(d.dataRoot, 'containers', id, 'config.v2.json'), 'utf8')) as { Endpoints: { bridge: { HostIf: string } } };
    const veth = `/sys/class/net/${record.Endpoints.bridge.HostIf}`;
    assert.ok(existsSync(veth));
    await ok(['kill', id]);
    await ok(['wait', id]);
    assert.equal(existsSync(file), false);
    // The kernel frees the namespace, and the veth with it, a moment after the last reference.
    for (let i = 0; i < 100 && existsSync(veth); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(existsSync(veth), false, 'the veth outlived the container');
    const failed = await d.tug(['run', '--name', 'nocmd', 'busybox', 'no-such-command']);
    assert.equal(failed.code, 127, failed.stderr);
    const failedID = ((await d.api('GET', '/containers/nocmd/json')).body as { Id: string }).Id;
    assert.equal(existsSync(join(d.execRoot, 'netns', failedID)), false);
    await ok(['rm', id, 'nocmd']);
  });

  it('masquerades outbound traffic: the host\'s gateway answers a ping', async () => {
    const route = await ok(['run', '--rm', '--network', 'host', 'busybox', 'ip', 'route']);
    const gw = /^default via (\S+)/m.exec(route)?.[1];
    assert.ok(gw, `no default route on the host: ${route}`);
    const r = await d.tug(['run', '--rm', 'busybox', 'ping', '-c', '1', '-W', '3', gw]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('published ports', () => {
  it('answer on 127.0.0.1 and on the host\'s own address, and are listed by tug port and ps', async () => {
    const port = await freePorts();
    await ok(['network', 'create', 'front']);
    await ok(['run', '-d', '--name', 'pub', '-p', `${port}:80`, 'busybox', ...HTTPD('published')]);
    assert.equal(await httpGet('127.0.0.1', port), 'published\n');
    assert.equal(await httpGet(hostAddress(), port), 'published\n');
    assert.equal(await ok(['port', 'pub']), `80/tcp -> 0.0.0.0:${port}\n`);
    assert.equal(await ok(['port', 'pub', '80']), `0.0.0.0:${port}\n`);
    const none = await d.tug(['port', 'pub', '81/tcp']);
    assert.deepEqual([none.code, none.stderr], [1, "Error: No public port '81/tcp' published for pub\n"]);
    assert.match(await ok(['ps', '--format', '{{.Ports}}', '--filter', 'name=pub']), new RegExp(`^0\\.0\\.0\\.0:${port}->80/tcp\\n$`));
    // From containers: another network, the same one, and the container itself (hairpin).
    const url = `http://${hostAddress()}:${port}/index.html`;
    assert.equal(await ok(['run', '--rm', '--network', 'front', 'busybox', ...WGET(url)]), 'published\n');
    assert.equal(await ok(['run', '--rm', 'busybox', ...WGET(url)]), 'published\n');
    assert.equal(await ok(['exec', 'pub', ...WGET(url)]), 'published\n');
    await ok(['rm', '-f', 'pub']);
  });

  it('-P and -p CONTAINER pick free ephemeral ports; ip:host:container binds one address', async () => {
    await ok(['run', '-d', '--name', 'eph', '-P', '--expose', '80', '-p', '127.0.0.1::80/udp', 'busybox', ...HTTPD('ephemeral')]);
    const ports = (await inspect('eph')).NetworkSettings.Ports;
    const tcp = ports['80/tcp']![0]!;
    assert.equal(tcp.HostIp, '0.0.0.0');
    assert.ok(Number(tcp.HostPort) >= 1024);
    assert.equal(ports['80/udp']![0]!.HostIp, '127.0.0.1');
    assert.equal(await httpGet('127.0.0.1', Number(tcp.HostPort)), 'ephemeral\n');
    await ok(['rm', '-f', 'eph']);
  });

  it('a port another process holds, or another container, fails the start with Docker\'s error', async () => {
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '0.0.0.0', () => resolve((holder.address() as { port: number }).port)));
    try {
      const r = await d.tug(['run', '-d', '--name', 'taken', '-p', `${port}:80`, 'busybox', 'sleep', '60']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, new RegExp(`^tug: Error response from daemon: driver failed programming external connectivity on endpoint taken \\([0-9a-f]{64}\\): failed to bind host port for 0\\.0\\.0\\.0:${port}:10\\.[\\d.]+:80/tcp: address already in use`));
      const state = (await d.api('GET', '/containers/taken/json')).body as { State: { Running: boolean } };
      assert.equal(state.State.Running, false);
    } finally {
      holder.close();
    }
    const free = await freePorts();
    await ok(['run', '-d', '--name', 'first', '-p', `${free}:80`, 'busybox', 'sleep', '60']);
    const second = await d.tug(['run', '-d', '--name', 'second', '-p', `${free}:80`, 'busybox', 'sleep', '60']);
    assert.equal(second.code, 125);
    assert.match(second.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${free} failed: port is already allocated`));
    // Stopping releases the port; starting takes it again.
    await ok(['stop', '-t', '0', 'first']);
    assert.equal((await d.api('GET', '/containers/first/json')).status, 200);
    await ok(['start', 'second']);
    const retake = await d.tug(['start', 'first']);
    assert.match(retake.stderr, /port is already allocated/);
    await ok(['rm', '-f', 'first', 'second', 'taken']);
  });

  it('a 1000-port range costs no process and answers on any port of it', async () => {
    const base = await freePorts(1000);
    const before = (await ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ls -d /proc/[0-9]* | wc -l'])).trim();
    await ok(['run', '-d', '--name', 'range', '-p', `127.0.0.1:${base}-${base + 999}:${base}-${base + 999}`, 'busybox', 'sh', '-c', `echo ranged > /tmp/index.html && exec httpd -f -p ${base + 517} -h /tmp`]);
    assert.equal(await httpGet('127.0.0.1', base + 517), 'ranged\n');
    const during = (await ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ls -d /proc/[0-9]* | wc -l'])).trim();
    // conmon plus the container's httpd, with some slack for the rest of the machine.
    assert.ok(Number(during) - Number(before) < 50, `${before} → ${during} processes`);
    assert.equal(Object.keys((await inspect('range')).NetworkSettings.Ports).length, 1000);
    await ok(['rm', '-f', 'range']);
  });
});

describe('user-defined networks', () => {
  it('containers resolve each other by name and alias through 127.0.0.11; other networks cannot reach them', async () => {
    await ok(['network', 'create', 'back']);
    await ok(['run', '-d', '--name', 'web', '--network', 'front', '--network-alias', 'www', 'busybox', ...HTTPD('hello-front')]);
    assert.equal(await ok(['run', '--rm', '--network', 'front', 'busybox', ...WGET('http://web/index.html')]), 'hello-front\n');
    assert.equal(await ok(['run', '--rm', '--network', 'front', 'busybox', ...WGET('http://www/index.html')]), 'hello-front\n');
    assert.equal(await ok(['run', '--rm', '--network', 'front', 'busybox', 'head', '-1', '/etc/resolv.conf']), 'nameserver 127.0.0.11\n');
    const ip = (await inspect('web')).NetworkSettings.Networks.front!.IPAddress;
    const byName = await d.tug(['run', '--rm', '--network', 'back', 'busybox', ...WGET('http://web/index.html')]);
    assert.notEqual(byName.code, 0);
    const byIp = await d.tug(['run', '--rm', '--network', 'back', 'busybox', ...WGET(`http://${ip}/index.html`)]);
    assert.notEqual(byIp.code, 0);
    const fromBridge = await d.tug(['run', '--rm', 'busybox', ...WGET(`http://${ip}/index.html`)]);
    assert.notEqual(fromBridge.code, 0);
  });

  it('connect --alias joins a running container to another network; disconnect takes it off', async () => {
    await ok(['network', 'connect', '--alias', 'api', 'back', 'web']);
    assert.equal(await ok(['run', '--rm', '--network', 'back', 'busybox', ...WGET('http://api/index.html')]), 'hello-front\n');
    const nets = (await inspect('web')).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(nets).sort(), ['back', 'front']);
    assert.deepEqual(nets.back!.Aliases, ['api']);
    const netInspect = JSON.parse(await ok(['network', 'inspect', 'back'])) as { Containers: Record<string, { Name: string }> }[];
    assert.deepEqual(Object.values(netInspect[0]!.Containers).map((c) => c.Name), ['web']);
    await ok(['network', 'disconnect', 'back', 'web']);
    const after = await d.tug(['run', '--rm', '--network', 'back', 'busybox', ...WGET('http://api/index.html')]);
    assert.notEqual(after.code, 0);
    const again = await d.tug(['network', 'disconnect', 'back', 'web']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not connected to network back/);
  });

  it('a renamed container answers to its new name only', async () => {
    await ok(['run', '-d', '--name', 'before', '--network', 'front', 'busybox', ...HTTPD('renamed')]);
    await ok(['rename', 'before', 'after']);
    assert.equal(await ok(['run', '--rm', '--network', 'front', 'busybox', ...WGET('http://after/index.html')]), 'renamed\n');
    const old = await d.tug(['run', '--rm', '--network', 'front', 'busybox', ...WGET('http://before/index.html')]);
    assert.notEqual(old.code, 0);
    assert.deepEqual((await inspect('after')).NetworkSettings.Networks.front!.DNSNames?.[0], 'after');
    await ok(['rm', '-f', 'after']);
  });

  it('--subnet, --gateway, --ip-range and --ip are honoured; a taken --ip is refused', async () => {
    await ok(['network', 'create', '--subnet', '10.231.0.0/16', '--gateway', '10.231.0.254', '--ip-range', '10.231.7.0/24', 'fixed']);
    const net = JSON.parse(await ok(['network', 'inspect', 'fixed']))[0] as { IPAM: { Config: unknown[] } };
    assert.deepEqual(net.IPAM.Config, [{ Subnet: '10.231.0.0/16', Gateway: '10.231.0.254', IPRange: '10.231.7.0/24' }]);
    assert.equal(await ok(['run', '--rm', '--network', 'fixed', 'busybox', 'sh', '-c', 'ip -4 addr show eth0 | grep -o "inet [0-9.]*"']), 'inet 10.231.7.0\n');
    await ok(['run', '-d', '--name', 'pinned', '--network', 'fixed', '--ip', '10.231.3.3', 'busybox', 'sleep', '60']);
    assert.equal((await inspect('pinned')).NetworkSettings.Networks.fixed!.IPAddress, '10.231.3.3');
    const dup = await d.tug(['run', '--rm', '--network', 'fixed', '--ip', '10.231.3.3', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /Address already in use/);
    const overlap = await d.tug(['network', 'create', '--subnet', '10.231.9.0/24', 'overlapping']);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    await ok(['rm', '-f', 'pinned']);
  });

  it('an --internal network has no way out: the host\'s resolver and gateway are unreachable', async () => {
    await ok(['network', 'create', '--internal', 'sealed']);
    const route = await ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ip route; cat /etc/resolv.conf']);
    const gw = /^default via (\S+)/m.exec(route)![1]!;
    const resolver = /^nameserver (\d+\.\d+\.\d+\.\d+)/m.exec(route)?.[1] ?? gw;
    const r = await d.tug(['run', '--rm', '--network', 'sealed', 'busybox', 'sh', '-c', `ping -c 1 -W 2 ${gw} >/dev/null && echo gw; timeout 3 nslookup localhost ${resolver} >/dev/null 2>&1 && echo dns; echo done`]);
    assert.equal(r.stdout, 'done\n');
    const open = await d.tug(['run', '--rm', '--network', 'front', 'busybox', 'ping', '-c', '1', '-W', '3', gw]);
    assert.equal(open.code, 0, 'a plain user network does reach the gateway');
  });

  it('--network container:NAME shares the namespace; --add-host, --dns, --dns-search, --hostname as Docker\'s', async () => {
    const shared = await ok(['run', '--rm', '--network', 'container:web', 'busybox', ...WGET('http://127.0.0.1/index.html')]);
    assert.equal(shared, 'hello-front\n');
    const files = await ok(['run', '--rm', '--hostname', 'box1', '--add-host', 'db:10.1.2.3', '--dns', '10.9.9.9', '--dns-search', 'corp.example', 'busybox', 'sh', '-c', 'hostname; grep db /etc/hosts; cat /etc/resolv.conf']);
    assert.equal(files, 'box1\n10.1.2.3\tdb\nnameserver 10.9.9.9\nsearch corp.example\n');
  });

  it('an --ipv6 network gives dual-stack addresses, AAAA answers and v6 packets', async () => {
    await ok(['network', 'create', '--ipv6', '--subnet', '10.232.0.0/24', '--subnet', 'fd42:7:7:7::/64', 'dual']);
    await ok(['run', '-d', '--name', 'six', '--network', 'dual', 'busybox', ...HTTPD('over-six')]);
    const ep = (await inspect('six')).NetworkSettings.Networks.dual as unknown as { IPAddress: string; GlobalIPv6Address: string; IPv6Gateway: string };
    assert.deepEqual([ep.IPAddress, ep.GlobalIPv6Address, ep.IPv6Gateway], ['10.232.0.2', 'fd42:7:7:7::2', 'fd42:7:7:7::1']);
    const r = await ok(['run', '--rm', '--network', 'dual', 'busybox', 'sh', '-c', 'nslookup -type=aaaa six | grep "^Address: f"; ip -6 route | grep ^default; timeout 5 wget -qO- "http://[fd42:7:7:7::2]/index.html"']);
    assert.equal(r, 'Address: fd42:7:7:7::2\ndefault via fd42:7:7:7::1 dev eth0  metric 1024 \nover-six\n');
    const net = JSON.parse(await ok(['network', 'inspect', 'dual']))[0] as { EnableIPv6: boolean; Containers: Record<string, { IPv6Address: string }> };
    assert.equal(net.EnableIPv6, true);
    assert.deepEqual(Object.values(net.Containers).map((c) => c.IPv6Address), ['fd42:7:7:7::2/64']);
    await ok(['rm', '-f', 'six']);
  });

  it('the embedded DNS forwards other names to the container\'s --dns servers', async () => {
    // A resolver of the test's own on 127.0.0.1:53, which tugd (in the host netns) can reach.
    const server = createSocket('udp4');
    server.on('message', (msg, from) => {
      const q = parseQuery(msg);
      if (q) server.send(buildResponse(msg, q, q.name === 'special.test' ? ['10.77.0.1'] : [], q.name === 'special.test' ? 0 : 3), from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.bind(53, '127.0.0.1', () => resolve());
    });
    try {
      const r = await ok(['run', '--rm', '--network', 'front', '--dns', '127.0.0.1', 'busybox', 'sh', '-c', 'head -1 /etc/resolv.conf; nslookup -type=a special.test']);
      assert.match(r, /^nameserver 127\.0\.0\.11\n/);
      assert.match(r, /Address: 10\.77\.0\.1/);
    } finally {
      server.close();
    }
  });

  it('host and none are listed and inspected as dockerd shows them, and cannot be removed or joined', async () => {
    assert.equal(await ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), 'bridge bridge local\nhost host local\nnone null local\n');
    assert.equal(await ok(['network', 'ls', '--filter', 'driver=null', '--format', '{{.Name}}']), 'none\n');
    const ids = (await ok(['network', 'ls', '-q', '--filter', 'name=host'])).trim();
    const [host] = JSON.parse(await ok(['network', 'inspect', ids])) as { Name: string; Driver: string; IPAM: { Config: unknown } }[];
    assert.deepEqual([host!.Name, host!.Driver, host!.IPAM.Config], ['host', 'host', null]);
    assert.equal((await ok(['network', 'ls', '-q', '--filter', 'name=host'])).trim(), ids, 'the same ID each time');
    const rm = await d.tug(['network', 'rm', 'none']);
    assert.deepEqual([rm.code, rm.stderr], [1, 'Error response from daemon: none is a pre-defined network and cannot be removed\n']);
    await ok(['create', '--name', 'joiner', 'busybox', 'true']);
    const join = await d.tug(['network', 'connect', 'host', 'joiner']);
    assert.deepEqual([join.code, join.stderr], [1, 'Error response from daemon: container cannot be disconnected from host network or connected to host network\n']);
    const dangling = (await ok(['network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}'])).split('\n');
    assert.ok(!dangling.some((n) => ['bridge', 'host', 'none'].includes(n)), 'predefined networks are never dangling');
    await ok(['rm', 'joiner']);
  });

  it('network events: create, connect and disconnect around a run, destroy', async () => {
    const since = (Date.now() / 1000).toFixed(3);
    await ok(['network', 'create', 'evnet']);
    await ok(['run', '--rm', '--network', 'evnet', 'busybox', 'true']);
    await ok(['network', 'rm', 'evnet']);
    const ev = await ok(['events', '--since', since, '--until', (Date.now() / 1000 + 0.5).toFixed(3), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
    assert.deepEqual(ev.split('\n').filter((l) => l.endsWith(' evnet')), ['create evnet', 'connect evnet', 'disconnect evnet', 'destroy evnet']);
  });

  it('ls, filters, rm and prune with Docker\'s rules and messages', async () => {
    await ok(['network', 'create', '--label', 'team=a', 'labelled']);
    assert.equal(await ok(['network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']), 'labelled bridge local\n');
    const names = (await ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter(Boolean);
    assert.ok(names.includes('bridge') && names.includes('front'));
    const dup = await d.tug(['network', 'create', 'front']);
    assert.deepEqual([dup.code, dup.stderr], [1, 'Error response from daemon: network with name front already exists\n']);
    const driver = await d.tug(['network', 'create', '-d', 'overlay', 'ov']);
    assert.deepEqual([driver.code, driver.stderr], [1, 'Error response from daemon: plugin "overlay" not found\n']);
    const busy = await d.tug(['network', 'rm', 'front']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^Error response from daemon: error while removing network: network front has active endpoints \(name:"web"/);
    const predefined = await d.tug(['network', 'rm', 'bridge']);
    assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);
    const missing = await d.tug(['network', 'rm', 'nosuch']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'Error response from daemon: network nosuch not found\n']);
    const run = await d.tug(['run', '--rm', '--network', 'nosuch', 'busybox', 'true']);
    assert.equal(run.code, 125);
    assert.match(run.stderr, /network nosuch not found/);
    assert.equal((await d.api('POST', '/networks/create', { Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.7/24' }] } })).status, 400);
    assert.equal(await ok(['network', 'rm', 'labelled']), 'labelled\n');
    await ok(['rm', '-f', 'web']);
    const pruned = await ok(['network', 'prune', '-f']);
    assert.match(pruned, /^Deleted Networks:\n/);
    assert.ok(pruned.includes('front\n') && pruned.includes('sealed\n'));
    assert.equal(await ok(['network', 'ls', '--format', '{{.Name}}']), 'bridge\nhost\nnone\n');
  });
});
