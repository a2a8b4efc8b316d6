// What the container service needs from the network service, by role: endpoints resolved at
// create, addresses and ports taken before start, a netns made and plumbed while the runtime creates.
import type { Sandbox } from '../networks/links.js';
import type { HostConfig, NetworkingConfig } from '../types/container.js';
import type { ContainerRecord, EndpointRecord } from './types.js';

export interface ContainerNetworking {
  /** `legacyMac`: Config.MacAddress, which API versions before 1.44 send for the NetworkMode endpoint. */
  atCreate(hc: HostConfig, nc: NetworkingConfig | undefined, name: string, legacyMac?: string): Record<string, EndpointRecord>;
  prepare(c: ContainerRecord): Promise<void>;
  sandbox(c: ContainerRecord): Sandbox | undefined;
  release(c: ContainerRecord): Promise<void>;
  restore(c: ContainerRecord): Promise<void>;
  sweepSandboxes(running: ReadonlySet<string>): void;
}
