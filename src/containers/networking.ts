// What the container service needs from the network service, by role: endpoints resolved at
// create, addresses and ports taken before start, veths plumbed between create and start.
import type { HostConfig, NetworkingConfig } from '../types/container.js';
import type { ContainerRecord, EndpointRecord } from './types.js';

export interface ContainerNetworking {
  atCreate(hc: HostConfig, nc: NetworkingConfig | undefined, name: string): Record<string, EndpointRecord>;
  prepare(c: ContainerRecord): Promise<void>;
  plumb(c: ContainerRecord, pid: number): Promise<void>;
  release(c: ContainerRecord): Promise<void>;
  restore(c: ContainerRecord): Promise<void>;
}
