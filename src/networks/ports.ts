// Published ports: the container's PortBindings (and -P's exposed ports) resolved to host ports,
// each held by a listening socket in tugd so that no other process can take it while the kernel's
// DNAT carries the traffic. Ranges cost one rule and one fd per port, no process.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { ConflictError, InvalidParameterError, errorMessage, isErrno } from '../errors.js';
import type { PortMap } from '../types/container.js';
import type { PortRule } from './firewall.js';

export interface PortRequest {
  proto: 'tcp' | 'udp';
  hostIp: string;
  /** [start, end] of the host ports to choose from; [0, 0] for an ephemeral one. */
  hostRange: [number, number];
  containerPort: number;
}

function parseKey(key: string): { port: number; proto: 'tcp' | 'udp' } {
  const [p = '', proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw new InvalidParameterError(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp') throw new InvalidParameterError(`unsupported protocol for published port: ${proto}`);
  return { port, proto };
}

function parseHostPort(raw: string | undefined): [number, number] {
  if (!raw) return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
  const start = Number(m?.[1]);
  const end = Number(m?.[2] ?? m?.[1]);
  if (!m || start > 65535 || end > 65535 || end < start) throw new InvalidParameterError(`invalid hostPort: ${raw}`);
  return [start, end];
}

/** PortBindings, plus every exposed port with an ephemeral host port when PublishAllPorts (-P). */
export function portRequests(bindings: PortMap | undefined, exposed: Record<string, unknown> | null | undefined, publishAll: boolean): PortRequest[] {
  const out: PortRequest[] = [];
  const seen = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { port, proto } = parseKey(key);
    seen.add(`${port}/${proto}`);
    for (const b of list ?? [{}]) out.push({ proto, hostIp: b.HostIp ?? '', hostRange: parseHostPort(b.HostPort), containerPort: port });
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, proto } = parseKey(key);
      if (!seen.has(`${port}/${proto}`)) out.push({ proto, hostIp: '', hostRange: [0, 0], containerPort: port });
    }
  }
  return out;
}

export interface HeldPort {
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** The ports as `NetworkSettings.Ports` shows them; exposed but unpublished ports map to null. */
export function portMapView(held: readonly HeldPort[], exposed: Record<string, unknown> | null | undefined): PortMap {
  const out: PortMap = {};
  for (const key of Object.keys(exposed ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const h of held) {
    const key = `${h.containerPort}/${h.proto}`;
    (out[key] ??= []).push({ HostIp: h.hostIp || '0.0.0.0', HostPort: String(h.hostPort) });
  }
  return out;
}

/** DNAT rules for the held ports, consecutive same-number ports folded into one range rule. */
export function portRules(held: readonly HeldPort[], containerIp: string): PortRule[] {
  const sorted = [...held].sort((a, b) => a.proto.localeCompare(b.proto) || a.hostIp.localeCompare(b.hostIp) || a.hostPort - b.hostPort);
  const out: PortRule[] = [];
  for (const h of sorted) {
    const last = out.at(-1);
    const same = h.hostPort === h.containerPort;
    if (last && same && last.proto === h.proto && last.hostIp === h.hostIp && last.hostPort === last.containerPort && (last.hostPortEnd ?? last.hostPort) + 1 === h.hostPort) {
      last.hostPortEnd = h.hostPort;
      continue;
    }
    out.push({ proto: h.proto, hostIp: h.hostIp, hostPort: h.hostPort, containerIp, containerPort: h.containerPort });
  }
  return out;
}

type Holder = Server | UdpSocket;

function bindOne(proto: 'tcp' | 'udp', host: string, port: number): Promise<{ sock: Holder; port: number }> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket({ type: 'udp4', reuseAddr: false });
      s.once('error', reject);
      s.bind({ address: host, port, exclusive: true }, () => {
        s.off('error', reject);
        s.unref();
        resolve({ sock: s, port: s.address().port });
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    // Nothing is ever accepted here: DNAT sends every packet on to the container first.
    srv.listen({ host, port, exclusive: true, backlog: 1 }, () => {
      srv.off('error', reject);
      srv.unref();
      const addr = srv.address();
      resolve({ sock: srv, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}

function closeHolder(h: Holder): void {
  h.close();
}

/** Host ports held per container; a second owner of a port gets Docker's error. */
export class PortHolder {
  private readonly owners = new Map<string, string>();
  private readonly byOwner = new Map<string, { key: string; sock: Holder }[]>();

  private key(proto: string, ip: string, port: number): string {
    return `${proto}/${ip || '0.0.0.0'}/${port}`;
  }

  private ownedByOther(proto: string, ip: string, port: number, owner: string): boolean {
    const wild = this.owners.get(this.key(proto, '', port));
    const exact = this.owners.get(this.key(proto, ip, port));
    return (wild !== undefined && wild !== owner) || (exact !== undefined && exact !== owner) || (!ip || ip === '0.0.0.0' ? [...this.owners.entries()].some(([k, o]) => o !== owner && k.startsWith(`${proto}/`) && k.endsWith(`/${port}`)) : false);
  }

  /** Takes every requested port or none; `endpoint` names the container in errors. */
  async take(owner: string, requests: readonly PortRequest[], containerIp: string, endpoint: string): Promise<HeldPort[]> {
    const held: HeldPort[] = [];
    const socks: { key: string; sock: Holder }[] = [];
    try {
      for (const r of requests) {
        const ip = r.hostIp === '0.0.0.0' ? '' : r.hostIp;
        const [start, end] = r.hostRange;
        let got: { sock: Holder; port: number } | undefined;
        let lastErr: unknown;
        for (let p = start; p <= end; p++) {
          if (p !== 0 && this.ownedByOther(r.proto, ip, p, owner)) {
            lastErr = new ConflictError(`driver failed programming external connectivity on endpoint ${endpoint}: Bind for ${ip || '0.0.0.0'}:${p} failed: port is already allocated`);
            continue;
          }
          try {
            got = await bindOne(r.proto, ip || '0.0.0.0', p);
            break;
          } catch (err) {
            lastErr = isErrno(err, 'EADDRINUSE')
              ? new ConflictError(`driver failed programming external connectivity on endpoint ${endpoint}: failed to bind host port for ${ip || '0.0.0.0'}:${p}:${containerIp}:${r.containerPort}/${r.proto}: address already in use`)
              : new InvalidParameterError(`failed to bind host port ${ip || '0.0.0.0'}:${p}/${r.proto}: ${errorMessage(err)}`);
          }
        }
        if (!got) throw lastErr;
        const key = this.key(r.proto, ip, got.port);
        socks.push({ key, sock: got.sock });
        this.owners.set(key, owner);
        held.push({ proto: r.proto, hostIp: ip, hostPort: got.port, containerPort: r.containerPort });
      }
    } catch (err) {
      for (const s of socks) {
        closeHolder(s.sock);
        this.owners.delete(s.key);
      }
      throw err;
    }
    this.byOwner.set(owner, [...(this.byOwner.get(owner) ?? []), ...socks]);
    return held;
  }

  release(owner: string): void {
    for (const s of this.byOwner.get(owner) ?? []) {
      closeHolder(s.sock);
      this.owners.delete(s.key);
    }
    this.byOwner.delete(owner);
  }

  releaseAll(): void {
    for (const owner of [...this.byOwner.keys()]) this.release(owner);
  }
}
