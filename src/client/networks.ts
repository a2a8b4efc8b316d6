// One method per /networks endpoint, with moby's client query rules.
import type { Transport } from './http.js';

export type Filters = Record<string, string[]>;

export interface NetworkSummary {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  Internal: boolean;
  Labels: Record<string, string> | null;
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[]; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface EndpointConfig {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string };
}

export class NetworkClient {
  constructor(private readonly t: Transport) {}

  list(filters: Filters = {}): Promise<NetworkSummary[]> {
    return this.t.json('GET', '/networks', { query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
  }

  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning?: string }> {
    return this.t.json('POST', '/networks/create', { json: req });
  }

  async remove(ref: string): Promise<void> {
    await this.t.call('DELETE', `/networks/${encodeURIComponent(ref)}`).then((r) => r.body.resume());
  }

  prune(filters: Filters = {}): Promise<{ NetworksDeleted: string[] | null }> {
    return this.t.json('POST', '/networks/prune', { query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
  }

  async connect(ref: string, container: string, cfg: EndpointConfig): Promise<void> {
    await this.t.call('POST', `/networks/${encodeURIComponent(ref)}/connect`, { json: { Container: container, EndpointConfig: cfg } }).then((r) => r.body.resume());
  }

  async disconnect(ref: string, container: string, force: boolean): Promise<void> {
    await this.t.call('POST', `/networks/${encodeURIComponent(ref)}/disconnect`, { json: { Container: container, Force: force } }).then((r) => r.body.resume());
  }
}
