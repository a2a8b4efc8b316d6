// A container's endpoints: at create the networks it names are resolved; at start addresses and
// host ports are taken (before the files that name them are written), then the container's netns
// is made and its veths plumbed while the runtime creates the container; at exit all of it is
// given back.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, ForbiddenError, InvalidParameterError, errorMessage } from '../errors.js';
import type { ContainerRecord, EndpointRecord } from '../containers/types.js';
import type { EndpointSettings, HostConfig, NetworkingConfig } from '../types/container.js';
import { checkRequested, ipToInt, macFor, nextFree, parseMac, parseSubnet } from './ipam.js';
import { dropSandbox, makeSandbox, plumb, unplumb, type EndpointPlumbing, type Sandbox } from './links.js';
import { portRequests } from './ports.js';
import type { NetworkService } from './service.js';
import { contains6, formatIPv6, nextFree6, parseIPv6, parseSubnet6 } from './ipam6.js';
import { pool4, pool6, primaryNetwork, type NetworkRecord } from './types.js';

/**
 * A host-side veth name, random as dockerd's: the veth of a container's previous run may still
 * be there for a moment, since the kernel frees a network namespace (and its veths) asynchronously.
 */
function hostIfName(): string {
  return `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
}

export class Endpoints {
  constructor(private readonly net: NetworkService) {}

  /**
   * The endpoints a new container starts with: its NetworkMode's network plus EndpointsConfig.
   * `legacyMac` is Config.MacAddress (before API 1.44), for the NetworkMode's endpoint.
   */
  atCreate(hc: HostConfig, nc: NetworkingConfig | undefined, name: string, legacyMac?: string): Record<string, EndpointRecord> {
    const mode = hc.NetworkMode ?? 'bridge';
    const out: Record<string, EndpointRecord> = {};
    const primary = primaryNetwork(mode);
    // The CLI names the default network "default"; dockerd reads that as the bridge.
    const configs = Object.fromEntries(Object.entries(nc?.EndpointsConfig ?? {}).map(([k, v]) => [k === 'default' ? 'bridge' : k, v]));
    if (!primary) {
      if (Object.keys(configs).some((k) => k !== mode)) throw new InvalidParameterError(`container sharing network namespace with another container or host cannot be connected to any other network`);
      if (legacyMac || Object.values(configs).some((c) => c.MacAddress)) throw new InvalidParameterError('conflicting options: mac-address and the network mode');
      return out;
    }
    if (legacyMac && !configs[primary]?.MacAddress) configs[primary] = { ...configs[primary], MacAddress: legacyMac };
    const names = [primary, ...Object.keys(configs).filter((k) => k !== primary)];
    for (const n of names) {
      const rec = this.net.store.get(n);
      out[rec.Name] = this.endpointConfig(rec, configs[n] ?? configs[rec.Name] ?? {}, name);
    }
    return out;
  }

  private endpointConfig(rec: NetworkRecord, cfg: EndpointSettings, name: string): EndpointRecord {
    const aliases = cfg.Aliases?.length ? [...cfg.Aliases] : null;
    if (rec.Name === 'bridge' && aliases) throw new InvalidParameterError('network-scoped alias is supported only for containers in user defined networks');
    if (cfg.IPAMConfig?.IPv4Address) {
      if (rec.Name === 'bridge') throw new InvalidParameterError('user specified IP address is supported on user defined networks only');
      checkRequested(pool4(rec), cfg.IPAMConfig.IPv4Address, new Set());
    }
    const mac = cfg.MacAddress ? parseMac(cfg.MacAddress) : '';
    return {
      IPAMConfig: cfg.IPAMConfig ?? null, Links: cfg.Links ?? null, Aliases: aliases, MacAddress: mac, DriverOpts: cfg.DriverOpts ?? null,
      GwPriority: 0, NetworkID: rec.Id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0, DNSNames: rec.Name === 'bridge' ? null : [name.replace(/^\//, ''), ...(aliases ?? [])],
      ...(mac ? { DesiredMacAddress: mac } : {}),
    };
  }

  private used(networkId: string, except: string): { v4: Set<number>; v6: Set<string> } {
    const out = { v4: new Set<number>(), v6: new Set<string>() };
    for (const c of this.net.d.containers.all()) {
      if (c.ID === except) continue;
      for (const e of Object.values(c.Endpoints ?? {})) {
        if (e.NetworkID !== networkId) continue;
        if (e.IPAddress) out.v4.add(ipToInt(e.IPAddress));
        if (e.GlobalIPv6Address) out.v6.add(e.GlobalIPv6Address);
      }
    }
    return out;
  }

  /** An --ipv6 network's second address: the one asked for, else the lowest free. */
  private allocate6(rec: NetworkRecord, ep: EndpointRecord, used: ReadonlySet<string>): void {
    const pool = pool6(rec);
    if (!pool) return;
    const want = ep.IPAMConfig?.IPv6Address;
    const ip = want ? formatIPv6(parseIPv6(want)) : nextFree6(pool, used);
    if (want && (!contains6(parseSubnet6(pool.Subnet), parseIPv6(want)) || used.has(ip!) || ip === pool.Gateway)) {
      throw new InvalidParameterError(`no configured subnet or ip-range contain the IP address ${want}`);
    }
    if (!ip) throw new ForbiddenError(`no available IPv6 addresses on this network's address pools: ${rec.Name} (${rec.Id})`);
    ep.GlobalIPv6Address = ip;
    ep.GlobalIPv6PrefixLen = parseSubnet6(pool.Subnet).prefix;
    ep.IPv6Gateway = pool.Gateway;
  }

  /** Gives one endpoint its address, MAC and endpoint ID. */
  private allocate(c: ContainerRecord, ep: EndpointRecord): NetworkRecord {
    const rec = this.net.store.get(ep.NetworkID ?? '');
    const pool = pool4(rec);
    const used = this.used(rec.Id, c.ID);
    const want = ep.IPAMConfig?.IPv4Address;
    const ip = want ? (checkRequested(pool, want, used.v4), want) : nextFree(pool, used.v4);
    if (!ip) throw new ForbiddenError(`no available IPv4 addresses on this network's address pools: ${rec.Name} (${rec.Id})`);
    ep.IPAddress = ip;
    ep.IPPrefixLen = parseSubnet(pool.Subnet).prefix;
    ep.Gateway = pool.Gateway;
    ep.MacAddress = ep.DesiredMacAddress || macFor(ip);
    ep.EndpointID = randomBytes(32).toString('hex');
    this.allocate6(rec, ep, used.v6);
    return rec;
  }

  /** Addresses and host ports for a starting container; all or nothing. */
  async prepare(c: ContainerRecord): Promise<void> {
    // A record from before networks existed gets its NetworkMode's network now.
    c.Endpoints ??= this.atCreate(c.HostConfig, undefined, c.Name);
    const eps = Object.values(c.Endpoints);
    if (eps.length === 0) return;
    try {
      for (const ep of eps) this.allocate(c, ep);
      const reqs = portRequests(c.HostConfig.PortBindings, c.Config.ExposedPorts, c.HostConfig.PublishAllPorts ?? false);
      const ip = this.net.primaryAddress(c)!;
      c.PublishedPorts = reqs.length ? await this.net.ports.take(c.ID, reqs, ip, `${c.Name.slice(1)} (${eps[0]!.EndpointID})`) : [];
    } catch (err) {
      this.clear(c);
      throw err;
    }
  }

  /** Where a container's own netns is bound while it runs. */
  sandboxPath(id: string): string {
    return join(this.net.d.sandboxDir, id);
  }

  /**
   * The container's netns with its veths, DNS redirect and the DNAT of its ports; undefined for a
   * container without endpoints (host, none, container:). Its `plumbed` also announces the connects.
   */
  sandbox(c: ContainerRecord): Sandbox | undefined {
    const entries = Object.entries(c.Endpoints ?? {});
    if (entries.length === 0) return undefined;
    const firstV6 = entries.findIndex(([, ep]) => ep.GlobalIPv6Address);
    const links: EndpointPlumbing[] = entries.map(([, ep], i) => {
      const net = this.net.store.get(ep.NetworkID ?? '');
      ep.HostIf = hostIfName();
      ep.IfName = `eth${i}`;
      const v6 = ep.GlobalIPv6Address ? { address: ep.GlobalIPv6Address, prefix: ep.GlobalIPv6PrefixLen!, gateway: i === firstV6 ? ep.IPv6Gateway : undefined } : undefined;
      return { hostIf: ep.HostIf, ifName: ep.IfName, bridge: net.Bridge, address: ep.IPAddress!, prefix: ep.IPPrefixLen!, mac: ep.MacAddress!, gateway: i === 0 ? ep.Gateway : undefined, v6 };
    });
    const user = entries.find(([name]) => name !== 'bridge')?.[1];
    const made = makeSandbox(this.sandboxPath(c.ID), links, user ? { gateway: user.Gateway!, source: user.IPAddress! } : undefined);
    const plumbed = made.plumbed.then(async () => {
      if (c.PublishedPorts?.length) await this.net.syncFirewall();
      for (const [, ep] of entries) this.net.emit(this.net.store.get(ep.NetworkID ?? ''), 'connect', c.ID);
    });
    plumbed.catch(() => undefined);
    return { ...made, plumbed };
  }

  /** At start-up: the netns files of containers that no longer run go. */
  sweepSandboxes(running: ReadonlySet<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.net.d.sandboxDir);
    } catch {
      return;
    }
    for (const id of names) if (!running.has(id)) dropSandbox(this.sandboxPath(id));
  }

  /** Attaches a running container to one more network (docker network connect). */
  async connectRunning(c: ContainerRecord, name: string, ep: EndpointRecord): Promise<void> {
    const taken = Object.values(c.Endpoints ?? {}).map((e) => e.IfName ?? '');
    let i = 0;
    while (taken.includes(`eth${i}`)) i++;
    const net = this.allocate(c, ep);
    ep.HostIf = hostIfName();
    ep.IfName = `eth${i}`;
    try {
      const v6 = ep.GlobalIPv6Address ? { address: ep.GlobalIPv6Address, prefix: ep.GlobalIPv6PrefixLen! } : undefined;
      // A container started by a tugd from before the netns files has only its process's netns.
      const own = this.sandboxPath(c.ID);
      await plumb(existsSync(own) ? own : `/proc/${c.State.Pid}/ns/net`, [{ hostIf: ep.HostIf, ifName: ep.IfName, bridge: net.Bridge, address: ep.IPAddress!, prefix: ep.IPPrefixLen!, mac: ep.MacAddress!, v6 }]);
    } catch (err) {
      throw new ConflictError(`failed to connect ${c.Name.slice(1)} to ${name}: ${errorMessage(err)}`);
    }
  }

  async disconnectRunning(ep: EndpointRecord): Promise<void> {
    if (ep.HostIf) await unplumb([ep.HostIf]);
  }

  /** Exit, failed start or removal: ports and addresses go back, the netns (with its veths) goes. */
  async release(c: ContainerRecord): Promise<void> {
    dropSandbox(this.sandboxPath(c.ID));
    const hadPorts = (c.PublishedPorts?.length ?? 0) > 0;
    for (const ep of Object.values(c.Endpoints ?? {})) {
      const net = ep.IPAddress ? this.net.store.find(ep.NetworkID ?? '') : undefined;
      if (net) this.net.emit(net, 'disconnect', c.ID);
    }
    this.clear(c);
    if (hadPorts) await this.net.syncFirewall();
  }

  private clear(c: ContainerRecord): void {
    this.net.ports.release(c.ID);
    c.PublishedPorts = [];
    for (const ep of Object.values(c.Endpoints ?? {})) {
      Object.assign(ep, { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: ep.DesiredMacAddress ?? '', EndpointID: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPv6Gateway: '' });
      delete ep.HostIf;
      delete ep.IfName;
    }
  }

  /** After a tugd restart, a container that kept running takes its host ports back. */
  async restore(c: ContainerRecord): Promise<void> {
    const held = c.PublishedPorts ?? [];
    const ip = this.net.primaryAddress(c);
    if (!held.length || !ip) return;
    const reqs = held.map((h) => ({ proto: h.proto, hostIp: h.hostIp, hostRange: [h.hostPort, h.hostPort] as [number, number], containerPort: h.containerPort }));
    await this.net.ports.take(c.ID, reqs, ip, c.Name.slice(1)).catch((err) => this.net.d.log('warn', `ports of ${c.ID.slice(0, 12)}: ${errorMessage(err)}`));
  }
}
