// Bridges and veth pairs through iproute2: a bridge per network, and per container endpoint a
// veth whose peer becomes eth0 in the container's netns. A handful of execs, batched.
import { writeFile } from 'node:fs/promises';
import { run } from './firewall.js';
import { parseSubnet } from './ipam.js';

export const IP = process.env.TUG_IP ?? '/usr/sbin/ip';
export const NSENTER = process.env.TUG_NSENTER ?? '/usr/bin/nsenter';

/** Creates the bridge (or keeps the one there) with its gateway address, up, loopback-NAT allowed. */
export async function ensureBridge(name: string, gateway: string, subnet: string, v6?: { gateway: string; prefix: number }): Promise<void> {
  const prefix = parseSubnet(subnet).prefix;
  const exists = await run(IP, ['-o', '-4', 'addr', 'show', 'dev', name]).then((out) => out, () => undefined);
  const lines = [];
  if (exists === undefined) lines.push(`link add ${name} type bridge`);
  if (!exists?.includes(` ${gateway}/${prefix} `)) lines.push(`addr replace ${gateway}/${prefix} dev ${name}`);
  // nodad: the address is usable at once, no duplicate detection delay on a bridge we own.
  if (v6) lines.push(`addr replace ${v6.gateway}/${v6.prefix} dev ${name} nodad`);
  lines.push(`link set ${name} up`);
  await run(IP, ['-batch', '-'], lines.join('\n') + '\n');
  // DNAT of 127.0.0.1:PORT into the bridge needs loopback sources routed out of it.
  await writeFile(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, '1');
}

export async function deleteBridge(name: string): Promise<void> {
  await run(IP, ['link', 'del', name]).catch((err: Error) => {
    if (!/Cannot find device|does not exist/.test(err.message)) throw err;
  });
}

export async function enableForwarding(): Promise<void> {
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
}

export interface EndpointPlumbing {
  /** Host side of the veth. */
  hostIf: string;
  /** Name inside the container: eth0, eth1, … */
  ifName: string;
  bridge: string;
  address: string;
  prefix: number;
  mac: string;
  /** Only the first endpoint gets the default route. */
  gateway?: string;
  v6?: { address: string; prefix: number; gateway?: string };
}

/**
 * The iptables-restore input, in the container's netns, that sends 127.0.0.11:53 to tugd's
 * resolver on the gateway, as Docker's embedded DNS answers there.
 */
export function dnsRules(gateway: string, source: string): string {
  return [
    '*nat',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    `-A OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination ${gateway}:53`,
    `-A OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination ${gateway}:53`,
    `-A POSTROUTING -s 127.0.0.0/8 -d ${gateway}/32 -j SNAT --to-source ${source}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The two batches: one on the host (veth, master), one in the netns (address, up, route). */
export function plumbingBatches(pid: number, eps: readonly EndpointPlumbing[]): { host: string; inside: string } {
  const host: string[] = [];
  const inside: string[] = [];
  for (const e of eps) {
    // hairpin: a container reaching its own published port through a host address gets the reply.
    host.push(`link add ${e.hostIf} type veth peer name ${e.ifName} netns ${pid}`, `link set ${e.hostIf} master ${e.bridge} up`, `link set ${e.hostIf} type bridge_slave hairpin on`);
    inside.push(`link set ${e.ifName} address ${e.mac}`, `addr add ${e.address}/${e.prefix} dev ${e.ifName}`, `link set ${e.ifName} up`);
    if (e.gateway) inside.push(`route add default via ${e.gateway} dev ${e.ifName}`);
    if (e.v6) inside.push(`addr add ${e.v6.address}/${e.v6.prefix} dev ${e.ifName} nodad`);
    if (e.v6?.gateway) inside.push(`route add ::/0 via ${e.v6.gateway} dev ${e.ifName}`);
  }
  return { host: host.join('\n') + '\n', inside: inside.join('\n') + '\n' };
}

/**
 * Plumbs the endpoints into the netns of `pid`; `dns` also installs the 127.0.0.11 redirect.
 * One shell runs both halves: forking tugd costs its main thread ~1 ms per 50 MB of memory,
 * forking a shell next to nothing.
 */
export async function plumb(pid: number, eps: readonly EndpointPlumbing[], dns?: { gateway: string; source: string }): Promise<void> {
  if (eps.length === 0) return;
  const { host, inside } = plumbingBatches(pid, eps);
  // $1 host batch, $2 netns batch, $3 ip, $4 nsenter, $5 pid, $6 DNAT rules. In the netns with DNS
  // also the loopback-routing sysctl and the DNAT.
  const within = dns
    ? `"$4" -t "$5" -n /bin/sh -c 'printf %s "$1" | "$3" -batch - && echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && printf %s "$2" | iptables-restore -w' sh "$2" "$6" "$3"`
    : `printf %s "$2" | "$4" -t "$5" -n "$3" -batch -`;
  const args = [host, inside, IP, NSENTER, String(pid), dns ? dnsRules(dns.gateway, dns.source) : ''];
  await run('/bin/sh', ['-c', `printf %s "$1" | "$3" -batch - && ${within}`, 'sh', ...args], '', 'plumbing the veth');
}

/** Removes a host-side veth (the peer goes with it); gone already is fine. */
export async function unplumb(hostIfs: readonly string[]): Promise<void> {
  if (hostIfs.length === 0) return;
  await run(IP, ['-force', '-batch', '-'], hostIfs.map((i) => `link del ${i}`).join('\n') + '\n').catch(() => undefined);
}
