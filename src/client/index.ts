// A typed Engine API client, shared by the CLI and compose. Streams stay streams.
import type { Readable } from 'node:stream';
import { Transport, jsonMessages, type JSONMessage } from './http.js';
import { LifecycleClient } from './lifecycle.js';
import { ContainerClient } from './containers.js';
import { VolumeClient } from './volumes.js';
import { NetworkClient } from './networks.js';
import { systemEvents, type EventMessage, type EventsOptions } from './events.js';
import type { SearchResult } from '../types/search.js';

export type { SearchResult };

export { DaemonError, Transport, jsonMessages, readAll, type JSONMessage } from './http.js';
export { ContainerClient } from './containers.js';
export { VolumeClient, type Volume, type VolumeCreateOptions } from './volumes.js';
export { systemEvents, type Actor, type EventMessage, type EventScope, type EventType, type EventsOptions } from './events.js';

export const DEFAULT_HOST = 'unix:///run/tug/tug.sock';

/** `-H`, then TUG_HOST, then DOCKER_HOST, then the default socket. */
export function resolveHost(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.TUG_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new Error(`unsupported host ${host}: tug speaks to tugd over unix sockets (unix:///path)`);
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}


export interface DeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export class EngineClient {
  readonly transport: Transport;
  readonly lifecycle: LifecycleClient;
  readonly containers: ContainerClient;
  readonly volumes: VolumeClient;
  readonly networks: NetworkClient;

  constructor(readonly host: string) {
    this.transport = new Transport(socketPathOf(host), host);
    this.lifecycle = new LifecycleClient(this.transport);
    this.containers = new ContainerClient(this.transport);
    this.volumes = new VolumeClient(this.transport);
    this.networks = new NetworkClient(this.transport);
  }

  version(): Promise<Record<string, unknown>> {
    return this.transport.json('GET', '/version');
  }

  info(): Promise<Record<string, unknown>> {
    return this.transport.json('GET', '/info');
  }

  events(opts: EventsOptions = {}): AsyncGenerator<EventMessage> {
    return systemEvents(this.transport, opts);
  }

  imageList(opts: { all?: boolean; digests?: boolean; filters?: Record<string, string[]> } = {}): Promise<ImageSummary[]> {
    return this.transport.json('GET', '/images/json', {
      query: { all: opts.all || undefined, digests: opts.digests || undefined, filters: opts.filters && Object.keys(opts.filters).length ? JSON.stringify(opts.filters) : undefined },
    });
  }

  imageInspect(name: string): Promise<Record<string, unknown>> {
    return this.transport.json('GET', `/images/${name}/json`);
  }

  imageHistory(name: string): Promise<HistoryItem[]> {
    return this.transport.json('GET', `/images/${name}/history`);
  }

  async imageTag(name: string, repo: string, tag?: string): Promise<void> {
    const res = await this.transport.call('POST', `/images/${name}/tag`, { query: { repo, tag } });
    res.body.resume();
  }

  imageRemove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<DeleteItem[]> {
    return this.transport.json('DELETE', `/images/${name}`, { query: { force: opts.force || undefined, noprune: opts.noprune || undefined } });
  }

  imagePrune(filters: Record<string, string[]>): Promise<{ ImagesDeleted: DeleteItem[] | null; SpaceReclaimed: number }> {
    return this.transport.json('POST', '/images/prune', { query: { filters: JSON.stringify(filters) } });
  }

  async *imageImport(source: string, body: Readable | undefined, opts: { repo?: string; tag?: string; changes?: string[]; message?: string; platform?: string }): AsyncGenerator<JSONMessage> {
    const res = await this.transport.call('POST', '/images/create', {
      query: { fromSrc: source, repo: opts.repo, tag: opts.tag, changes: opts.changes, message: opts.message, platform: opts.platform },
      body,
      headers: body ? { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' } : undefined,
    });
    yield* jsonMessages(res.body);
  }

  async *imageLoad(body: Readable, quiet: boolean): AsyncGenerator<JSONMessage> {
    const res = await this.transport.call('POST', '/images/load', {
      query: { quiet: quiet || undefined },
      body,
      headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' },
    });
    yield* jsonMessages(res.body);
  }

  async imageSave(names: string[]): Promise<Readable> {
    const res = await this.transport.call('GET', '/images/get', { query: { names } });
    return res.body;
  }

  /** POST /images/create: `tag` empty with an untagged name pulls every tag, as the API says. */
  async *imagePull(image: string, opts: { tag?: string; platform?: string; registryAuth?: string } = {}): AsyncGenerator<JSONMessage> {
    const res = await this.transport.call('POST', '/images/create', {
      query: { fromImage: image, tag: opts.tag, platform: opts.platform },
      headers: opts.registryAuth ? { 'X-Registry-Auth': opts.registryAuth } : undefined,
    });
    yield* jsonMessages(res.body);
  }

  async *imagePush(name: string, opts: { tag?: string; registryAuth?: string } = {}): AsyncGenerator<JSONMessage> {
    const res = await this.transport.call('POST', `/images/${name}/push`, {
      query: { tag: opts.tag },
      headers: { 'X-Registry-Auth': opts.registryAuth ?? Buffer.from('{}').toString('base64url') },
    });
    yield* jsonMessages(res.body);
  }

  login(auth: { username?: string; password?: string; serveraddress?: string }): Promise<{ Status: string; IdentityToken?: string }> {
    return this.transport.json('POST', '/auth', { json: auth });
  }

  imageSearch(term: string, opts: { limit?: number; filters?: Record<string, string[]>; registryAuth?: string } = {}): Promise<SearchResult[]> {
    return this.transport.json('GET', '/images/search', {
      query: { term, limit: opts.limit, filters: opts.filters && Object.keys(opts.filters).length ? JSON.stringify(opts.filters) : undefined },
      headers: opts.registryAuth ? { 'X-Registry-Auth': opts.registryAuth } : undefined,
    });
  }

  async *bootstrap(image: string): AsyncGenerator<JSONMessage> {
    const res = await this.transport.call('POST', '/tug/bootstrap', { query: { image } });
    yield* jsonMessages(res.body);
  }
}
