// Pure network logic: IPAM, the iptables rules, published-port requests and their folding into
// range rules, the DNS wire format, the netns batches, and the files a user network writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest } from '../../src/cli/commands/network.js';
import { fromCreateBody } from '../../src/containers/create.js';
import { hostsContent, resolvConfContent } from '../../src/containers/runspec.js';
import { inspectView, summaryView } from '../../src/containers/views.js';
import { isTugError } from '../../src/errors.js';
import { hostNameservers } from '../../src/networks/dns.js';
import { answersOf, buildQuery, buildResponse, parseQuery, TYPE_AAAA } from '../../src/networks/dnswire.js';
import { renderRules } from '../../src/networks/firewall.js';
import { checkRequested, ipToInt, macFor, makePool, nextFree, overlaps, parseMac, parseSubnet, pickSubnet } from '../../src/networks/ipam.js';
import { formatIPv6, makePool6, nextFree6, overlaps6, parseIPv6, parseSubnet6, pickSubnet6 } from '../../src/networks/ipam6.js';
import { dnsRules, plumbingBatches } from '../../src/networks/links.js';
import { portMapView, portRequests, portRules } from '../../src/networks/ports.js';
import { matchesFilters } from '../../src/networks/views.js';
import type { NetworkRecord } from '../../src/networks/types.js';
import { mulberry32 } from '../helpers/random.js';

const invalid = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => isTugError(e, 'InvalidParameter') && re.test((e as Error).message));

describe('IPAM', () => {
  it('parses subnets and refuses host bits, bad prefixes and bad addresses', () => {
    assert.deepEqual(parseSubnet('10.1.2.0/24'), { base: ipToInt('10.1.2.0'), prefix: 24 });
    invalid(() => parseSubnet('10.1.2.5/24'), /^invalid subnet 10\.1\.2\.5\/24: it should be 10\.1\.2\.0\/24$/);
    invalid(() => parseSubnet('10.1.2.0/33'), /^invalid CIDR address: 10\.1\.2\.0\/33$/);
    invalid(() => parseSubnet('10.1.2.300/24'), /^invalid IP address: 10\.1\.2\.300$/);
    invalid(() => parseSubnet('nonsense'), /^invalid CIDR address/);
  });
  it('fills the gateway and checks gateway and range against the subnet', () => {
    assert.deepEqual(makePool('10.9.0.0/16'), { Subnet: '10.9.0.0/16', Gateway: '10.9.0.1' });
    assert.deepEqual(makePool('10.9.0.0/16', '10.9.0.254', '10.9.5.0/24'), { Subnet: '10.9.0.0/16', Gateway: '10.9.0.254', IPRange: '10.9.5.0/24' });
    invalid(() => makePool('10.9.0.0/16', '10.8.0.1'), /^no matching subnet for gateway 10\.8\.0\.1$/);
    invalid(() => makePool('10.9.0.0/16', undefined, '10.10.0.0/24'), /^no matching subnet for range 10\.10\.0\.0\/24$/);
  });
  it('hands out the lowest free address, skipping the gateway, within the range', () => {
    const pool = makePool('10.9.0.0/29');
    assert.equal(nextFree(pool, new Set()), '10.9.0.2');
    assert.equal(nextFree(pool, new Set([ipToInt('10.9.0.2'), ipToInt('10.9.0.3')])), '10.9.0.4');
    const full = new Set([2, 3, 4, 5, 6].map((n) => ipToInt(`10.9.0.${n}`)));
    assert.equal(nextFree(pool, full), undefined);
    assert.equal(nextFree(makePool('10.9.0.0/16', undefined, '10.9.7.0/30'), new Set()), '10.9.7.0');
  });
  it('refuses requested addresses outside the subnet or taken', () => {
    const pool = makePool('10.9.0.0/24');
    assert.equal(checkRequested(pool, '10.9.0.50', new Set()), ipToInt('10.9.0.50'));
    invalid(() => checkRequested(pool, '10.8.0.50', new Set()), /no configured subnet or ip-range contain the IP address 10\.8\.0\.50/);
    invalid(() => checkRequested(pool, '10.9.0.1', new Set()), /Address already in use/);
    invalid(() => checkRequested(pool, '10.9.0.50', new Set([ipToInt('10.9.0.50')])), /Address already in use/);
    invalid(() => checkRequested(pool, '10.9.0.255', new Set()), /no configured subnet/);
  });
  it('gives Docker\'s 02:42 MAC for an address', () => {
    assert.equal(macFor('10.144.238.2'), '02:42:0a:90:ee:02');
  });
  it("reads a --mac-address in the 6-byte forms Go's net.ParseMAC takes, and refuses the rest", () => {
    for (const text of ['02:42:AC:11:00:99', '02-42-ac-11-00-99', '0242.ac11.0099']) assert.equal(parseMac(text), '02:42:ac:11:00:99', text);
    for (const bad of ['', 'zz', '02:42:ac:11:00', '02:42:ac:11:00:99:aa', '02:42-ac:11:00:99', '0242ac110099', '02:42:ac:11:00:9g']) {
      invalid(() => parseMac(bad), new RegExp(`^invalid MAC address: ${bad}$`));
    }
  });
  it('picks /24s under 10/8 that overlap nothing taken, never 172.17 (fuzzed)', () => {
    const rand = mulberry32(5);
    const taken = [parseSubnet('10.0.0.0/9')];
    for (let i = 0; i < 200; i++) {
      const s = parseSubnet(pickSubnet(taken, rand));
      assert.equal(s.prefix, 24);
      assert.ok(!taken.some((t) => overlaps(t, s)));
      assert.ok(!overlaps(s, parseSubnet('172.17.0.0/16')));
      taken.push(s);
    }
  });
});

describe('IPv6 IPAM', () => {
  it('parses and prints addresses as RFC 5952 says', () => {
    const cases: [string, string][] = [['fd42:0:0:0:0:0:0:1', 'fd42::1'], ['::', '::'], ['::1', '::1'], ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['fd00:1:2:3:4:5:6:7', 'fd00:1:2:3:4:5:6:7'], ['1:0:2::', '1:0:2::']];
    for (const [input, text] of cases) assert.equal(formatIPv6(parseIPv6(input)), text, input);
    for (const bad of ['1::2::3', 'fd00:::1', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3']) invalid(() => parseIPv6(bad), /^invalid IP address/);
  });
  it('round-trips random addresses (fuzzed)', () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 500; i++) {
      let n = 0n;
      for (let j = 0; j < 8; j++) n = (n << 16n) | BigInt(rand() < 0.4 ? 0 : Math.floor(rand() * 65536));
      assert.equal(parseIPv6(formatIPv6(n)), n);
    }
  });
  it('pools, the next free address, and random ULA /64s that do not overlap', () => {
    const pool = makePool6('fd42:1:2:3::/64');
    assert.deepEqual(pool, { Subnet: 'fd42:1:2:3::/64', Gateway: 'fd42:1:2:3::1' });
    assert.equal(nextFree6(pool, new Set()), 'fd42:1:2:3::2');
    assert.equal(nextFree6(pool, new Set(['fd42:1:2:3::2'])), 'fd42:1:2:3::3');
    invalid(() => parseSubnet6('fd42::1/64'), /should be fd42::\/64/);
    invalid(() => makePool6('fd42::/64', 'fd43::1'), /no matching subnet for gateway/);
    const rand = mulberry32(9);
    const taken = [parseSubnet6('fd00::/9')];
    for (let i = 0; i < 50; i++) {
      const s = parseSubnet6(pickSubnet6(taken, rand));
      assert.equal(s.prefix, 64);
      assert.ok(!taken.some((t) => overlaps6(t, s)));
      taken.push(s);
    }
  });
  it('answers AAAA records', () => {
    const q = buildQuery(7, 'six', TYPE_AAAA);
    assert.deepEqual(answersOf(buildResponse(q, parseQuery(q)!, ['fd42:1:2:3::2'])), { rcode: 0, ips: ['fd42:1:2:3::2'] });
  });
});

describe('firewall rules', () => {
  const text = renderRules({
    tag: 'tugtabc',
    networks: [{ bridge: 'tugtabc', subnet: '10.1.1.0/24', internal: false }, { bridge: 'br-1', subnet: '10.2.2.0/24', internal: true }],
    ports: [{ proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '10.1.1.2', containerPort: 80 }, { proto: 'udp', hostIp: '127.0.0.1', hostPort: 9000, hostPortEnd: 9010, containerIp: '10.1.1.3', containerPort: 9000 }],
  });
  it('declares only this daemon\'s chains, so a --noflush restore touches nothing else', () => {
    const declared = text.split('\n').filter((l) => l.startsWith(':'));
    assert.deepEqual(declared, [':TUG-DNAT-tugtabc - [0:0]', ':TUG-POST-tugtabc - [0:0]', ':TUG-FWD-tugtabc - [0:0]']);
    assert.ok(text.split('\n').filter((l) => l.startsWith('-A')).every((l) => /^-A TUG-(DNAT|POST|FWD)-tugtabc /.test(l)));
  });
  it('leaves the loopback rule out of the IPv6 rules', () => {
    const v6 = renderRules({ tag: 't', family: 6, networks: [{ bridge: 'br-6', subnet: 'fd42::/64', internal: false }], ports: [] });
    assert.doesNotMatch(v6, /127\.0\.0\.0/);
    assert.match(v6, /^-A TUG-POST-t -s fd42::\/64 ! -o br-6 -j MASQUERADE$/m);
  });
  it('DNATs ports (a same-numbered range in one rule), masquerades all but internal networks', () => {
    assert.match(text, /^-A TUG-DNAT-tugtabc -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10\.1\.1\.2:80$/m);
    assert.match(text, /^-A TUG-DNAT-tugtabc -d 127\.0\.0\.1\/32 -p udp -m udp --dport 9000:9010 -j DNAT --to-destination 10\.1\.1\.3$/m);
    assert.match(text, /^-A TUG-POST-tugtabc -s 10\.1\.1\.0\/24 ! -o tugtabc -j MASQUERADE$/m);
    assert.doesNotMatch(text, /-s 10\.2\.2\.0\/24 ! -o br-1 -j MASQUERADE/);
  });
  it('isolates networks from each other and an internal one from everything', () => {
    assert.match(text, /^-A TUG-FWD-tugtabc -i tugtabc -o br-1 -j DROP$/m);
    assert.match(text, /^-A TUG-FWD-tugtabc -i br-1 -o tugtabc -j DROP$/m);
    assert.match(text, /^-A TUG-FWD-tugtabc -i br-1 ! -o br-1 -j DROP$/m);
    assert.ok(text.indexOf('-i br-1 ! -o br-1 -j DROP') < text.indexOf('-i br-1 -j ACCEPT'));
    // Published ports stay open across networks, but not out of an internal one.
    const dnat = text.indexOf('--ctstate DNAT -j ACCEPT');
    assert.ok(text.indexOf('-i br-1 ! -o br-1 -j DROP') < dnat && dnat < text.indexOf('-i tugtabc -o br-1 -j DROP'));
    assert.match(text, /^-A TUG-POST-tugtabc -s 10\.1\.1\.0\/24 -o tugtabc -m conntrack --ctstate DNAT -j MASQUERADE$/m);
  });
});

describe('published ports', () => {
  it('turns PortBindings and -P into requests', () => {
    const reqs = portRequests({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }], '81/tcp': [{ HostPort: '8000-8010' }] }, { '80/tcp': {}, '443/tcp': {} }, true);
    assert.deepEqual(reqs, [
      { proto: 'tcp', hostIp: '', hostRange: [8080, 8080], containerPort: 80 },
      { proto: 'udp', hostIp: '127.0.0.1', hostRange: [0, 0], containerPort: 53 },
      { proto: 'tcp', hostIp: '', hostRange: [8000, 8010], containerPort: 81 },
      { proto: 'tcp', hostIp: '', hostRange: [0, 0], containerPort: 443 },
    ]);
    invalid(() => portRequests({ '80/tcp': [{ HostPort: 'x' }] }, {}, false), /^invalid hostPort: x$/);
    invalid(() => portRequests({ '99999/tcp': [{}] }, {}, false), /invalid port specification/);
  });
  it('folds a 1000-port range into one rule and keeps odd mappings apart', () => {
    const held = Array.from({ length: 1000 }, (_, i) => ({ proto: 'tcp' as const, hostIp: '', hostPort: 8000 + i, containerPort: 8000 + i }));
    held.push({ proto: 'tcp', hostIp: '', hostPort: 9500, containerPort: 80 });
    const rules = portRules(held, '10.0.0.2');
    assert.deepEqual(rules, [
      { proto: 'tcp', hostIp: '', hostPort: 8000, hostPortEnd: 8999, containerIp: '10.0.0.2', containerPort: 8000 },
      { proto: 'tcp', hostIp: '', hostPort: 9500, containerIp: '10.0.0.2', containerPort: 80 },
    ]);
  });
  it('shows exposed ports as null and published ones with their bindings', () => {
    assert.deepEqual(portMapView([{ proto: 'tcp', hostIp: '', hostPort: 8080, containerPort: 80 }], { '80/tcp': {}, '443/tcp': {} }), {
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null,
    });
  });
});

describe('DNS wire format', () => {
  it('reads a query and answers it with A records', () => {
    const q = buildQuery(0x1234, 'Web.Example');
    const parsed = parseQuery(q)!;
    assert.equal(parsed.id, 0x1234);
    assert.equal(parsed.name, 'web.example');
    const reply = buildResponse(q, parsed, ['10.0.0.2', '10.0.0.3']);
    assert.equal(reply.readUInt16BE(0), 0x1234);
    assert.ok(reply.readUInt16BE(2) & 0x8000);
    assert.deepEqual(answersOf(reply), { rcode: 0, ips: ['10.0.0.2', '10.0.0.3'] });
    assert.deepEqual(answersOf(buildResponse(q, parsed, [], 3)), { rcode: 3, ips: [] });
    assert.equal(parseQuery(buildQuery(1, 'x', TYPE_AAAA))!.type, TYPE_AAAA);
  });
  it('ignores responses, truncated and looping messages (fuzzed)', () => {
    const reply = buildResponse(buildQuery(1, 'a'), parseQuery(buildQuery(1, 'a'))!, ['1.2.3.4']);
    assert.equal(parseQuery(reply), undefined);
    const rand = mulberry32(11);
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
      const q = parseQuery(buf);
      if (q) assert.ok(q.end <= buf.length);
    }
    const truncated = buildQuery(2, 'abc.def').subarray(0, 15);
    assert.equal(parseQuery(truncated), undefined);
  });
  it('reads the host\'s IPv4 nameservers', () => {
    assert.deepEqual(hostNameservers('# x\nnameserver 10.255.255.53\nnameserver ::1\nsearch a\nnameserver 127.0.0.53\n'), ['10.255.255.53', '127.0.0.53']);
  });
});

describe('netns plumbing', () => {
  it('batches the host side and the container side', () => {
    const b = plumbingBatches('/run/tug/netns/c1', [
      { hostIf: 'vethabc0', ifName: 'eth0', bridge: 'tug0', address: '10.0.0.2', prefix: 24, mac: '02:42:0a:00:00:02', gateway: '10.0.0.1' },
      { hostIf: 'vethabc1', ifName: 'eth1', bridge: 'br-x', address: '10.5.0.2', prefix: 24, mac: '02:42:0a:05:00:02' },
    ]);
    assert.equal(b.host, [
      'link add vethabc0 type veth peer name eth0 netns /run/tug/netns/c1', 'link set vethabc0 master tug0 up', 'link set vethabc0 type bridge_slave hairpin on',
      'link add vethabc1 type veth peer name eth1 netns /run/tug/netns/c1', 'link set vethabc1 master br-x up', 'link set vethabc1 type bridge_slave hairpin on', '',
    ].join('\n'));
    assert.equal(b.inside.split('\n')[0], 'link set lo up');
    assert.equal(b.inside.split('\n').filter((l) => l.startsWith('route')).length, 1);
    assert.match(b.inside, /^addr add 10\.5\.0\.2\/24 dev eth1$/m);
  });
  it('redirects 127.0.0.11:53 to the gateway and back', () => {
    const r = dnsRules('10.5.0.1', '10.5.0.2');
    assert.match(r, /-A OUTPUT -d 127\.0\.0\.11\/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10\.5\.0\.1:53/);
    assert.match(r, /-A POSTROUTING -s 127\.0\.0\.0\/8 -d 10\.5\.0\.1\/32 -j SNAT --to-source 10\.5\.0\.2/);
  });
});

describe('network files and filters', () => {
  const rec = fromCreateBody({ Image: 'busybox', Cmd: ['true'], Hostname: 'h1' }, { id: 'b'.repeat(64), name: '/web', now: '2026-12-01T00:00:00Z', imageID: 'sha256:x', imageConfig: undefined, layers: [], logPath: '/l' });
  it('names the container\'s own address in /etc/hosts', () => {
    rec.Endpoints = { bridge: { NetworkID: 'n', IPAddress: '10.0.0.7' } };
    assert.match(hostsContent(rec, ''), /\n10\.0\.0\.7\th1\n$/);
  });
  it('points a user network\'s resolv.conf at 127.0.0.11 with ndots:0, keeping search', () => {
    rec.Endpoints = { appnet: { NetworkID: 'n', IPAddress: '10.0.0.7' } };
    assert.equal(resolvConfContent(rec, 'nameserver 10.255.255.53\nsearch corp\noptions edns0\n'), 'nameserver 127.0.0.11\nsearch corp\noptions ndots:0\n');
    rec.HostConfig.DnsSearch = ['a.b'];
    rec.HostConfig.DnsOptions = ['timeout:1'];
    assert.equal(resolvConfContent(rec, 'nameserver 10.255.255.53\n'), 'nameserver 127.0.0.11\nsearch a.b\noptions ndots:0 timeout:1\n');
  });
  it('shows endpoints and ports in inspect and ps as dockerd does', () => {
    const paths = { resolvConf: '', hostname: '', hosts: '', upper: '/u/diff', merged: '', lowers: [] };
    const host = fromCreateBody({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'host' } }, { id: 'c'.repeat(64), name: '/h', now: '2026-12-01T00:00:00Z', imageID: 'sha256:x', imageConfig: undefined, layers: [], logPath: '/l' });
    host.Endpoints = {};
    const hv = inspectView(host, paths) as { NetworkSettings: { Networks: Record<string, unknown> } };
    assert.deepEqual(Object.keys(hv.NetworkSettings.Networks), ['host']);
    const web = fromCreateBody({ Image: 'busybox', Cmd: ['true'], ExposedPorts: { '80/tcp': {}, '443/tcp': {} } }, { id: 'd'.repeat(64), name: '/w', now: '2026-12-01T00:00:00Z', imageID: 'sha256:x', imageConfig: undefined, layers: [], logPath: '/l' });
    web.Endpoints = { bridge: { NetworkID: 'n', IPAddress: '10.0.0.9', Gateway: '10.0.0.1', HostIf: 'vethx', IfName: 'eth0' } };
    web.PublishedPorts = [{ proto: 'tcp', hostIp: '', hostPort: 8080, containerPort: 80 }];
    web.State.Running = true;
    const wv = inspectView(web, paths) as { NetworkSettings: { IPAddress: string; Ports: unknown; Networks: Record<string, Record<string, unknown>> } };
    assert.equal(wv.NetworkSettings.IPAddress, '10.0.0.9');
    assert.deepEqual(wv.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null });
    assert.ok(!('HostIf' in wv.NetworkSettings.Networks.bridge!));
    assert.deepEqual(summaryView(web, 'busybox').Ports, [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }]);
    web.State.Running = false;
    assert.deepEqual((inspectView(web, paths) as { NetworkSettings: { Ports: unknown } }).NetworkSettings.Ports, { '80/tcp': null, '443/tcp': null });
  });
  it('filters networks as dockerd does', () => {
    const net = { Name: 'appnet', Id: 'abc123', Driver: 'bridge', Labels: { team: 'x' } } as unknown as NetworkRecord;
    assert.ok(matchesFilters(net, { name: ['app'], label: ['team=x'], type: ['custom'] }, false));
    assert.ok(!matchesFilters(net, { label: ['team=y'] }, false));
    assert.ok(matchesFilters(net, { dangling: ['true'] }, false));
    assert.ok(!matchesFilters(net, { dangling: ['true'] }, true));
    invalid(() => matchesFilters(net, { colour: ['x'] }, false), /^invalid filter 'colour'$/);
  });
  it('translates network create flags into the request', () => {
    const r = createRequest('n1', { subnet: ['10.7.0.0/16'], gateway: ['10.7.0.254'], ipRange: ['10.7.1.0/24'], internal: true, label: ['a=b'], opt: ['com.docker.network.bridge.name=brx'] });
    assert.deepEqual(r.IPAM?.Config, [{ Subnet: '10.7.0.0/16', Gateway: '10.7.0.254', IPRange: '10.7.1.0/24' }]);
    assert.deepEqual(r.Labels, { a: 'b' });
    assert.equal(r.Options?.['com.docker.network.bridge.name'], 'brx');
    assert.equal(r.Internal, true);
    assert.throws(() => createRequest('n2', { gateway: ['10.0.0.1'] }), /every gateway must have a corresponding subnet/);
  });
});
