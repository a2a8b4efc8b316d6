// The network service: the default bridge and user-defined bridge networks (create, inspect,
// remove, prune), their bridges, firewall rules and embedded DNS. Container endpoints are in
// endpoints.ts; both share the state kept here.
import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError, errorMessage } from '../errors.js';
import type { ContainerStore } from '../containers/store.js';
import type { ContainerRecord } from '../containers/types.js';
import { nowRFC3339Nano } from '../units/time.js';
import { EmbeddedDNS, hostNameservers } from './dns.js';
import type { EventBus } from '../events/index.js';
import { Endpoints } from './endpoints.js';
import { Firewall, run } from './firewall.js';
import { ipToInt, makePool, overlaps, parseSubnet, pickSubnet, type Subnet } from './ipam.js';
import { IP, deleteBridge, enableForwarding, ensureBridge, shareSandboxDir } from './links.js';
import { portRules, PortHolder } from './ports.js';
import type { NetworkStore } from './store.js';
import { PREDEFINED, pool4, pool6, primaryNetwork, type NetworkRecord } from './types.js';
import { isIPv6Cidr, makePool6, overlaps6, parseSubnet6, pickSubnet6, type Subnet6 } from './ipam6.js';
import type { EndpointSettings } from '../types/container.js';
import { builtinView, matchesFilters, networkView, type BuiltinNetwork, type NetworkCreateBody } from './views.js';

export interface NetworkServiceDeps {
  store: NetworkStore;
  containers: ContainerStore;
  /** tugd's --bridge: the default network's bridge, and the tag of this daemon's iptables chains. */
  bridge: string;
  /** tugd's --bip: the default bridge's gateway address and prefix, e.g. 10.99.0.1/24. */
  bip?: string;
  /** Where containers' network namespaces are bound (exec-root/netns). */
  sandboxDir: string;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  events?: Pick<EventBus, 'publish'>;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NetworkService {
  readonly ports = new PortHolder();
  readonly firewall: Firewall;
  readonly firewall6: Firewall;
  readonly dns: EmbeddedDNS;
  readonly endpoints: Endpoints = new Endpoints(this);

  constructor(readonly d: NetworkServiceDeps) {
    this.firewall = new Firewall(d.bridge.slice(0, 15));
    this.firewall6 = new Firewall(d.bridge.slice(0, 15), 6);
    this.dns = new EmbeddedDNS((id, name) => this.resolve(id, name), (id, source) => this.upstreams(id, source));
  }

  get store(): NetworkStore {
    return this.d.store;
  }

  /** Loads the networks, makes the default one, and brings up their bridges and resolvers. */
  async init(): Promise<void> {
    await this.d.store.init();
    shareSandboxDir(this.d.sandboxDir);
    await enableForwarding();
    await this.ensureDefault();
    for (const net of this.d.store.all()) await this.bringUp(net);
  }

  private async ensureDefault(): Promise<void> {
    const existing = this.d.store.find('bridge');
    let gateway: string;
    let subnet: string;
    // A default network from an earlier start keeps its subnet unless --bip says otherwise.
    if (this.d.bip) {
      const s = parseSubnet(this.d.bip, true);
      gateway = this.d.bip.split('/')[0]!;
      subnet = `${[s.base >>> 24, (s.base >>> 16) & 255, (s.base >>> 8) & 255, s.base & 255].join('.')}/${s.prefix}`;
      if (ipToInt(gateway) === s.base) throw new InvalidParameterError(`invalid --bip ${this.d.bip}: give the bridge's own address, e.g. ${subnet.replace(/\.0\//, '.1/')}`);
    } else if (existing && existing.Bridge === this.d.bridge) {
      return;
    } else {
      subnet = pickSubnet(await this.takenSubnets());
      gateway = subnet.replace(/\.0\/\d+$/, '.1');
    }
    if (existing && existing.Bridge === this.d.bridge && existing.IPAM.Config[0]?.Subnet === subnet && existing.IPAM.Config[0]?.Gateway === gateway) return;
    const rec: NetworkRecord = existing ?? {
      Name: 'bridge', Id: randomBytes(32).toString('hex'), Created: nowRFC3339Nano(), Driver: 'bridge', EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Options: {}, Labels: {}, Bridge: this.d.bridge,
    };
    const old = existing?.Bridge === this.d.bridge ? existing.IPAM.Config[0] : undefined;
    // The address an earlier --bip put on the bridge would keep routing the old subnet there.
    if (old) await run(IP, ['addr', 'del', `${old.Gateway}/${parseSubnet(old.Subnet).prefix}`, 'dev', this.d.bridge]).catch(() => undefined);
    rec.Bridge = this.d.bridge;
    rec.IPAM.Config = [makePool(subnet, gateway)];
    rec.Options = {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': this.d.bridge,
      'com.docker.network.driver.mtu': '1500',
    };
    await this.d.store.save(rec);
  }

  /** Subnets of our networks and of every route on the host: a new network overlaps none. */
  private async takenSubnets(): Promise<Subnet[]> {
    const out = this.d.store.all().map((n) => parseSubnet(pool4(n).Subnet));
    const routes = await run(IP, ['-4', 'route', 'show', 'table', 'all']).catch(() => '');
    for (const m of routes.matchAll(/^(?:local |broadcast )?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\s/gm)) {
      const cidr = m[1]!.includes('/') ? m[1]! : `${m[1]!}/32`;
      if (cidr.startsWith('127.') || cidr.startsWith('0.')) continue;
      out.push(parseSubnet(cidr, true));
    }
    // The host's resolvers are often reached by the default route: a bridge over them would capture DNS.
    for (const ns of readableNameservers()) out.push(parseSubnet(`${ns}/32`, true));
    // Docker's default bridge, whether or not an engine holds it right now.
    out.push(parseSubnet('172.17.0.0/16'));
    return out;
  }

  private taken6(): Subnet6[] {
    return this.d.store.all().flatMap((n) => {
      const p = pool6(n);
      return p ? [parseSubnet6(p.Subnet)] : [];
    });
  }

  private async bringUp(net: NetworkRecord): Promise<void> {
    const pool = pool4(net);
    const v6 = pool6(net);
    await ensureBridge(net.Bridge, pool.Gateway, pool.Subnet, v6 ? { gateway: v6.Gateway, prefix: parseSubnet6(v6.Subnet).prefix } : undefined);
    if (net.Name !== 'bridge') {
      await this.dns.serve(net.Id, pool.Gateway, !net.Internal).catch((err) => this.d.log('warn', `embedded DNS for ${net.Name}: ${errorMessage(err)}`));
    }
  }

  /** Rewrites this daemon's iptables chains from the networks and the running containers' ports. */
  async syncFirewall(): Promise<void> {
    const networks = this.d.store.all().map((n) => ({ bridge: n.Bridge, subnet: pool4(n).Subnet, internal: n.Internal }));
    const ports = this.d.containers.all().flatMap((c) => {
      const ip = this.primaryAddress(c);
      return ip && c.PublishedPorts?.length ? portRules(c.PublishedPorts, ip) : [];
    });
    await this.firewall.apply({ networks, ports });
    // IPv6: masquerade and isolation for --ipv6 networks; ports are published on IPv4.
    const v6 = this.d.store.all().flatMap((n) => {
      const p = pool6(n);
      return p ? [{ bridge: n.Bridge, subnet: p.Subnet, internal: n.Internal }] : [];
    });
    if (v6.length || this.had6) await this.firewall6.apply({ networks: v6, ports: [] });
    this.had6 ||= v6.length > 0;
  }

  private had6 = false;

  /** The address published ports lead to: the first endpoint with one. */
  primaryAddress(c: ContainerRecord): string | undefined {
    return Object.values(c.Endpoints ?? {}).find((e) => e.IPAddress)?.IPAddress;
  }

  /** The embedded DNS: a running container's name, aliases or short ID on that network. */
  resolve(networkId: string, name: string): string[] | undefined {
    const ips: string[] = [];
    for (const c of this.d.containers.all()) {
      if (!c.State.Running) continue;
      for (const ep of Object.values(c.Endpoints ?? {})) {
        if (ep.NetworkID !== networkId || !ep.IPAddress) continue;
        const names = [c.Name.slice(1), c.ID.slice(0, 12), ...(ep.Aliases ?? []), ...(ep.DNSNames ?? [])].map((n) => n.toLowerCase());
        if (names.includes(name)) ips.push(ep.IPAddress, ...(ep.GlobalIPv6Address ? [ep.GlobalIPv6Address] : []));
      }
    }
    return ips.length ? ips : undefined;
  }

  /** A container's --dns servers are where its other queries go, as with Docker's embedded DNS. */
  private upstreams(networkId: string, source: string): string[] {
    const c = this.d.containers.all().find((r) => Object.values(r.Endpoints ?? {}).some((e) => e.NetworkID === networkId && e.IPAddress === source));
    const own = c?.HostConfig.Dns?.filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s)) ?? [];
    return own.length ? own : hostNameservers();
  }

  /** Docker's network events: create, destroy, connect and disconnect (with the container). */
  emit(net: NetworkRecord, action: string, container?: string): void {
    this.d.events?.publish('network', action, { ID: net.Id, Attributes: { name: net.Name, type: net.Driver, ...(container ? { container } : {}) } });
  }

  inUse(net: NetworkRecord): ContainerRecord[] {
    return this.d.containers.all().filter((c) => c.State.Running && Object.values(c.Endpoints ?? {}).some((e) => e.NetworkID === net.Id));
  }

  async create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
    const name = body.Name ?? '';
    if (!name) throw new InvalidParameterError('network name cannot be empty');
    if (!NAME_RE.test(name)) throw new InvalidParameterError(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (PREDEFINED.has(name)) throw new ForbiddenError(`${name} is a pre-defined network and cannot be created`);
    if (this.d.store.all().some((n) => n.Name === name)) throw new ConflictError(`network with name ${name} already exists`);
    const driver = body.Driver || 'bridge';
    if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
    const all = body.IPAM?.Config ?? [];
    const v6s = all.filter((c) => c.Subnet && isIPv6Cidr(c.Subnet));
    const configs = all.filter((c) => !(c.Subnet && isIPv6Cidr(c.Subnet)));
    if (configs.length > 1 || v6s.length > 1) throw new InvalidParameterError('tug supports one IPv4 and one IPv6 pool per network');
    if (v6s.length && !body.EnableIPv6) throw new InvalidParameterError('IPv6 subnet given for a network without --ipv6');
    const want = configs[0];
    const taken = await this.takenSubnets();
    let pool;
    if (want?.Subnet) {
      pool = makePool(want.Subnet, want.Gateway || undefined, want.IPRange || undefined);
      const s = parseSubnet(pool.Subnet);
      const clash = this.d.store.all().find((n) => overlaps(parseSubnet(pool4(n).Subnet), s));
      if (clash) throw new ForbiddenError(`invalid pool request: Pool overlaps with other one on this address space`);
    } else {
      if (want?.Gateway || want?.IPRange) throw new InvalidParameterError('a gateway or IP range needs a --subnet');
      pool = makePool(pickSubnet(taken));
    }
    const pools = [pool];
    if (body.EnableIPv6) {
      const p6 = v6s[0]?.Subnet ? makePool6(v6s[0].Subnet, v6s[0].Gateway || undefined) : makePool6(pickSubnet6(this.taken6()));
      const s6 = parseSubnet6(p6.Subnet);
      if (this.taken6().some((t) => overlaps6(t, s6))) throw new ForbiddenError(`invalid pool request: Pool overlaps with other one on this address space`);
      pools.push(p6);
    }
    const id = randomBytes(32).toString('hex');
    const options = { ...(body.Options ?? {}) };
    const bridge = options['com.docker.network.bridge.name'] || `br-${id.slice(0, 12)}`;
    if (bridge.length > 15) throw new InvalidParameterError(`bridge name ${bridge} is longer than 15 characters`);
    const rec: NetworkRecord = {
      Name: name, Id: id, Created: nowRFC3339Nano(), Driver: 'bridge', EnableIPv6: !!body.EnableIPv6,
      IPAM: { Driver: 'default', Options: body.IPAM?.Options ?? {}, Config: pools },
      Internal: body.Internal ?? false, Attachable: body.Attachable ?? false, Options: options, Labels: body.Labels ?? {}, Bridge: bridge,
    };
    // Record first: a crash after this leaves a network that the next start brings up.
    await this.d.store.save(rec);
    try {
      await this.bringUp(rec);
      await this.syncFirewall();
    } catch (err) {
      this.dns.stop(rec.Id);
      await deleteBridge(bridge).catch(() => undefined);
      await this.d.store.delete(rec);
      throw err;
    }
    this.emit(rec, 'create');
    return { Id: id, Warning: '' };
  }

  /** host and none, with IDs made from the default bridge's, so they stay the same across restarts. */
  private builtins(): BuiltinNetwork[] {
    const bridge = this.d.store.find('bridge');
    const base = bridge?.Id ?? '';
    return (['host', 'none'] as const).map((Name) => ({
      Name, Id: createHash('sha256').update(`${base} ${Name}`).digest('hex'), Created: bridge?.Created ?? nowRFC3339Nano(), Driver: Name === 'host' ? 'host' : 'null', Labels: {},
    }));
  }

  /** A builtin network by name, ID or unique ID prefix (when no stored network answers to it). */
  private builtin(ref: string): BuiltinNetwork | undefined {
    if (this.d.store.find(ref)) return undefined;
    const all = this.builtins();
    const hit = all.find((n) => n.Name === ref || n.Id === ref);
    if (hit) return hit;
    const prefixed = ref ? all.filter((n) => n.Id.startsWith(ref)) : [];
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  list(filters: Record<string, string[]>): Record<string, unknown>[] {
    const all = this.d.containers.all();
    const nets: (NetworkRecord | BuiltinNetwork)[] = [...this.d.store.all(), ...this.builtins()];
    return nets
      .filter((n) => matchesFilters(n, filters, n.Driver === 'bridge' && this.inUse(n as NetworkRecord).length > 0))
      .sort((a, b) => a.Name.localeCompare(b.Name))
      .map((n) => (n.Driver === 'bridge' ? networkView(n as NetworkRecord, all, false) : builtinView(n as BuiltinNetwork)));
  }

  inspect(ref: string): Record<string, unknown> {
    const b = this.builtin(ref);
    return b ? builtinView(b) : networkView(this.d.store.get(ref), this.d.containers.all());
  }

  async remove(ref: string): Promise<void> {
    const b = this.builtin(ref);
    if (b) throw new ForbiddenError(`${b.Name} is a pre-defined network and cannot be removed`);
    const net = this.d.store.get(ref);
    if (net.Name === 'bridge') throw new ForbiddenError(`bridge is a pre-defined network and cannot be removed`);
    const users = this.inUse(net);
    if (users.length) {
      throw new ForbiddenError(`error while removing network: network ${net.Name} has active endpoints (${users.map((c) => `name:"${c.Name.slice(1)}" id:"${c.ID.slice(0, 12)}"`).join(', ')})`);
    }
    this.dns.stop(net.Id);
    await this.d.store.delete(net);
    // The kernel takes ~50 ms to delete a bridge; the rules need not wait for it.
    await Promise.all([this.syncFirewall(), deleteBridge(net.Bridge)]);
    this.emit(net, 'destroy');
  }

  async prune(filters: Record<string, string[]>): Promise<{ NetworksDeleted: string[] | null }> {
    const deleted: string[] = [];
    for (const net of this.d.store.all()) {
      if (net.Name === 'bridge' || this.inUse(net).length) continue;
      if (!matchesFilters(net, Object.fromEntries(Object.entries(filters).filter(([k]) => k === 'label')), false)) continue;
      await this.remove(net.Id);
      deleted.push(net.Name);
    }
    return { NetworksDeleted: deleted.length ? deleted : null };
  }

  /** docker network connect: a stopped container gets the endpoint at its next start. */
  async connect(ref: string, container: string, cfg: EndpointSettings = {}): Promise<void> {
    const b = this.builtin(ref);
    if (b) {
      this.container(container);
      throw new ForbiddenError(b.Name === 'host' ? 'container cannot be disconnected from host network or connected to host network'
        : 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
    const net = this.d.store.get(ref);
    const c = this.container(container);
    const mode = c.HostConfig.NetworkMode ?? 'bridge';
    if (!primaryNetwork(mode)) throw new ForbiddenError(`container cannot be disconnected from host network or connected to host network`);
    if (Object.values(c.Endpoints ?? {}).some((e) => e.NetworkID === net.Id)) throw new ForbiddenError(`endpoint with name ${c.Name.slice(1)} already exists in network ${net.Name}`);
    const ep = this.endpoints.atCreate({ NetworkMode: net.Name }, { EndpointsConfig: { [net.Name]: cfg } }, c.Name)[net.Name]!;
    if (c.State.Running) await this.endpoints.connectRunning(c, net.Name, ep);
    c.Endpoints = { ...(c.Endpoints ?? {}), [net.Name]: ep };
    await this.d.containers.save(c);
    if (c.State.Running) this.emit(net, 'connect', c.ID);
  }

  async disconnect(ref: string, container: string, force = false): Promise<void> {
    const b = this.builtin(ref);
    if (b) {
      const c = this.container(container);
      if (b.Name === 'host') throw new ForbiddenError('container cannot be disconnected from host network or connected to host network');
      throw new ForbiddenError(`container ${c.ID} is not connected to network none`);
    }
    const net = this.d.store.find(ref);
    if (!net && !force) throw new NotFoundError(`network ${ref} not found`);
    const c = this.container(container);
    const entry = Object.entries(c.Endpoints ?? {}).find(([name, e]) => e.NetworkID === net?.Id || (!net && name === ref));
    if (!entry) throw new ForbiddenError(`container ${c.ID} is not connected to network ${net?.Name ?? ref}`);
    if (c.State.Running) await this.endpoints.disconnectRunning(entry[1]);
    const rest = { ...(c.Endpoints ?? {}) };
    delete rest[entry[0]];
    c.Endpoints = rest;
    await this.d.containers.save(c);
    if (net && c.State.Running) this.emit(net, 'disconnect', c.ID);
  }

  private container(ref: string): ContainerRecord {
    const c = this.d.containers.find(ref);
    if (!c) throw new NotFoundError(`No such container: ${ref}`);
    return c;
  }

  /** Clean stop: resolvers, held ports and this daemon's chains go; bridges stay for running containers. */
  async close(): Promise<void> {
    this.dns.stopAll();
    this.ports.releaseAll();
    await this.firewall.remove().catch((err) => this.d.log('warn', `removing iptables chains: ${errorMessage(err)}`));
    if (this.had6) await this.firewall6.remove().catch((err) => this.d.log('warn', `removing ip6tables chains: ${errorMessage(err)}`));
  }
}

/** The host's nameservers, or none when it has no resolv.conf. */
function readableNameservers(): string[] {
  try {
    return hostNameservers();
  } catch {
    return [];
  }
}
