// The /volumes endpoints: create, list, inspect, remove, prune.
import type { Transport } from './http.js';

export interface Volume {
  CreatedAt?: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  UsageData?: { RefCount: number; Size: number } | null;
}

export interface VolumeCreateOptions {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

const filterQuery = (filters: Record<string, string[]> | undefined) => (filters && Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined);

export class VolumeClient {
  constructor(private readonly t: Transport) {}

  create(body: VolumeCreateOptions): Promise<Volume> {
    return this.t.json('POST', '/volumes/create', { json: body });
  }

  list(filters?: Record<string, string[]>): Promise<{ Volumes: Volume[] | null; Warnings: string[] | null }> {
    return this.t.json('GET', '/volumes', { query: { filters: filterQuery(filters) } });
  }

  inspect(name: string): Promise<Volume> {
    return this.t.json('GET', `/volumes/${encodeURIComponent(name)}`);
  }

  async remove(name: string, force = false): Promise<void> {
    const res = await this.t.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: force || undefined } });
    res.body.resume();
  }

  prune(filters?: Record<string, string[]>): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.t.json('POST', '/volumes/prune', { query: { filters: filterQuery(filters) } });
  }
}
