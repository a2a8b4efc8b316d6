// Bridges and veth pairs through iproute2: a bridge per network, and per container endpoint a
// veth whose peer becomes eth0 in the container's netns. A handful of execs, batched.
import { mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { errorMessage, isErrno } from '../errors.js';
import { MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, mount, newNetns, umount } from '../sys/libc.js';
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

/**
 * The two batches: one on the host (veth, master), one in the netns (loopback, address, up,
 * route). `netns` is the namespace's file: a container's own (see `makeSandbox`) or /proc/PID/ns/net.
 */
export function plumbingBatches(netns: string, eps: readonly EndpointPlumbing[]): { host: string; inside: string } {
  const host: string[] = [];
  // runc brings lo up only in a netns it makes itself.
  const inside: string[] = ['link set lo up'];
  for (const e of eps) {
    // hairpin: a container reaching its own published port through a host address gets the reply.
    host.push(`link add ${e.hostIf} type veth peer name ${e.ifName} netns ${netns}`, `link set ${e.hostIf} master ${e.bridge} up`, `link set ${e.hostIf} type bridge_slave hairpin on`);
    inside.push(`link set ${e.ifName} address ${e.mac}`, `addr add ${e.address}/${e.prefix} dev ${e.ifName}`, `link set ${e.ifName} up`);
    if (e.gateway) inside.push(`route add default via ${e.gateway} dev ${e.ifName}`);
    if (e.v6) inside.push(`addr add ${e.v6.address}/${e.v6.prefix} dev ${e.ifName} nodad`);
    if (e.v6?.gateway) inside.push(`route add ::/0 via ${e.v6.gateway} dev ${e.ifName}`);
  }
  return { host: host.join('\n') + '\n', inside: inside.join('\n') + '\n' };
}

/**
 * The shell that plumbs the endpoints into the netns at $5: $1 host batch, $2 netns batch, $3 ip,
 * $4 nsenter, $6 DNAT rules. With DNS, the netns also gets the loopback-routing sysctl and the DNAT.
 */
function plumbingScript(dns: boolean): string {
  const within = dns
    ? `"$4" --net="$5" /bin/sh -c 'printf %s "$1" | "$3" -batch - && echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && printf %s "$2" | iptables-restore -w' sh "$2" "$6" "$3"`
    : `printf %s "$2" | "$4" --net="$5" "$3" -batch -`;
  return `printf %s "$1" | "$3" -batch - && ${within}`;
}

function plumbingArgs(netns: string, eps: readonly EndpointPlumbing[], dns?: { gateway: string; source: string }): string[] {
  const { host, inside } = plumbingBatches(netns, eps);
  return [host, inside, IP, NSENTER, netns, dns ? dnsRules(dns.gateway, dns.source) : ''];
}

/**
 * Plumbs the endpoints into the netns at `netns`; `dns` also installs the 127.0.0.11 redirect.
 * One shell runs both halves (and the DNAT): one program for tugd to start, not three.
 */
export async function plumb(netns: string, eps: readonly EndpointPlumbing[], dns?: { gateway: string; source: string }): Promise<void> {
  if (eps.length === 0) return;
  await run('/bin/sh', ['-c', plumbingScript(!!dns), 'sh', ...plumbingArgs(netns, eps, dns)], '', 'plumbing the veth');
}

export interface Sandbox {
  /** The netns file runc joins (a bind mount of the namespace, as `ip netns add` makes). */
  path: string;
  /** Settles once the namespace exists: runc may join it from then on. */
  made: Promise<void>;
  /** Settles once the endpoints are plumbed (after `made`). */
  plumbed: Promise<void>;
}

/**
 * A container's network namespace made before its runtime starts (in place, see newNetns), then
 * plumbed while runc creates the container, which joins it by path: the plumbing is off the start's path.
 */
export function makeSandbox(path: string, eps: readonly EndpointPlumbing[], dns?: { gateway: string; source: string }): Sandbox {
  let made: Promise<void>;
  try {
    newNetns(path);
    made = Promise.resolve();
  } catch (err) {
    made = Promise.reject(new Error(`making the network namespace: ${errorMessage(err)}`));
  }
  const plumbed = made.then(() => plumb(path, eps, dns));
  return { path, made, plumbed };
}

/** Unbinds a sandbox's netns (it goes once no process holds it) and removes the file; gone already is fine. */
export function dropSandbox(path: string): void {
  umount(path, MNT_DETACH);
  rmSync(path, { force: true });
}

/**
 * The directory of the netns files, made a shared mount as `ip netns add` does for /run/netns:
 * an unbind here then reaches the copies in mount namespaces cloned since, so no such copy
 * keeps a namespace (and its veth and address) alive.
 */
export function shareSandboxDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    mount('', dir, null, MS_SHARED | MS_REC, null);
  } catch (err) {
    if (!isErrno(err, 'EINVAL')) throw err;
    // Not a mount point yet: bind it onto itself first.
    mount(dir, dir, null, MS_BIND | MS_REC, null);
    mount('', dir, null, MS_SHARED | MS_REC, null);
  }
}

/** Removes a host-side veth (the peer goes with it); gone already is fine. */
export async function unplumb(hostIfs: readonly string[]): Promise<void> {
  if (hostIfs.length === 0) return;
  await run(IP, ['-force', '-batch', '-'], hostIfs.map((i) => `link del ${i}`).join('\n') + '\n').catch(() => undefined);
}
