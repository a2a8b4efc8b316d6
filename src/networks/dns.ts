// The embedded resolver: one UDP socket per user network on its gateway's port 53 (containers
// reach it at 127.0.0.11 through a DNAT in their netns). Names of containers on that network
// are answered here; anything else goes to the host's resolvers, unless the network is internal.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { RCODE_FORMERR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA, buildResponse, parseQuery } from './dnswire.js';

export type Lookup = (networkId: string, name: string) => string[] | undefined;
/** The resolvers to forward to for a query from `source`: its --dns servers, else the host's. */
export type Upstreams = (networkId: string, source: string) => string[];

/** The nameservers of the host's resolv.conf; tugd lives in the host netns, so loopback ones work. */
export function hostNameservers(text = readFileSync('/etc/resolv.conf', 'utf8')): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
}

const FORWARD_TIMEOUT_MS = 4000;

export class EmbeddedDNS {
  private readonly sockets = new Map<string, Socket>();

  constructor(private readonly lookup: Lookup, private readonly upstreams: Upstreams = () => hostNameservers()) {}

  /** Starts answering for a network on its gateway; idempotent. */
  async serve(networkId: string, gateway: string, forward: boolean): Promise<void> {
    if (this.sockets.has(networkId)) return;
    const sock = createSocket({ type: 'udp4' });
    sock.on('message', (msg, rinfo) => this.answer(sock, networkId, forward, msg, rinfo.address, rinfo.port));
    sock.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: gateway, port: 53, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.unref();
    this.sockets.set(networkId, sock);
  }

  stop(networkId: string): void {
    this.sockets.get(networkId)?.close();
    this.sockets.delete(networkId);
  }

  stopAll(): void {
    for (const id of [...this.sockets.keys()]) this.stop(id);
  }

  private answer(sock: Socket, networkId: string, forward: boolean, msg: Buffer, addr: string, port: number): void {
    const q = parseQuery(msg);
    if (!q) return;
    const reply = (b: Buffer) => sock.send(b, port, addr);
    if (q.klass !== 1) return reply(buildResponse(msg, q, [], RCODE_FORMERR));
    const ips = this.lookup(networkId, q.name);
    // A known name answers for itself; a type it has no address of gets an empty NOERROR.
    if (ips) return reply(buildResponse(msg, q, ips.filter((ip) => (q.type === TYPE_A && !ip.includes(':')) || (q.type === TYPE_AAAA && ip.includes(':')))));
    const servers = forward ? this.upstreams(networkId, addr) : [];
    if (servers.length === 0) return reply(buildResponse(msg, q, [], RCODE_NXDOMAIN));
    this.forward(msg, servers[0]!).then(reply, () => reply(buildResponse(msg, q, [], RCODE_SERVFAIL)));
  }

  /** Relays one query to an upstream and resolves with its reply, bytes untouched. */
  private forward(msg: Buffer, server: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const s = createSocket({ type: 'udp4' });
      const timer = setTimeout(() => {
        s.close();
        reject(new Error('upstream timeout'));
      }, FORWARD_TIMEOUT_MS);
      s.on('error', (err) => {
        clearTimeout(timer);
        s.close();
        reject(err);
      });
      s.on('message', (reply) => {
        if (reply.length < 2 || reply.readUInt16BE(0) !== msg.readUInt16BE(0)) return;
        clearTimeout(timer);
        s.close();
        resolve(reply);
      });
      s.send(msg, 53, server);
    });
  }
}
