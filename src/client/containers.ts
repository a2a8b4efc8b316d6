// One method per /containers endpoint the CLI reads or manages (not create/start/attach/exec:
// see lifecycle.ts), with moby's client query rules. Logs, stats, export and archives stay streams.
import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../errors.js';
import type {
  CommitResponse, ContainerInspect, ContainerPruneReport, ContainerStats, ContainerSummary, FilesystemChange, PathStat,
  TopResponse, UpdateConfig, UpdateResponse, WaitResponse,
} from '../types/container-views.js';
import type { ContainerConfig } from '../types/container.js';
import { DaemonError, readAll, type RequestOptions, type Transport } from './http.js';

export type Filters = Record<string, string[]>;

export interface ContainerListOptions {
  all?: boolean;
  /** Only sent when > 0, as docker does (its -n default is -1). */
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface ContainerRemoveOptions {
  force?: boolean;
  /** Remove anonymous volumes (`v=1`). */
  volumes?: boolean;
  link?: boolean;
}

export interface ContainerStopOptions {
  /** Seconds; absent means the container's StopTimeout (or the daemon default). */
  timeout?: number;
  signal?: string;
}

export interface ContainerLogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  /** API timestamps (`seconds[.nanoseconds]`): the CLI converts durations and dates first. */
  since?: string;
  until?: string;
  timestamps?: boolean;
  follow?: boolean;
  /** "all" or a number of lines. */
  tail?: string;
  details?: boolean;
  signal?: AbortSignal;
}

export interface ContainerLogs {
  stream: Readable;
  /** True for `application/vnd.docker.multiplexed-stream` (no TTY): the frames need demuxing. */
  multiplexed: boolean;
  /** The Content-Type the daemon named, '' when it named none. */
  contentType: string;
}

export interface ContainerCommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  changes?: string[];
  /** Defaults to true on the daemon; only `false` is sent. */
  pause?: boolean;
  config?: ContainerConfig;
}

export interface CopyToContainerOptions {
  /** False (the CLI's choice) sends `noOverwriteDirNonDir=true`. */
  allowOverwriteDirWithFile?: boolean;
  copyUIDGID?: boolean;
  signal?: AbortSignal;
}

export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';
const PATH_STAT_HEADER = 'x-docker-container-path-stat';

/** filters.Args as docker's client encodes it: `{"key":{"value":true}}`. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (!filters || Object.keys(filters).length === 0) return undefined;
  // Go marshals maps with sorted keys.
  const out: Record<string, Record<string, boolean>> = {};
  for (const k of Object.keys(filters).sort()) out[k] = Object.fromEntries([...filters[k]!].sort().map((v) => [v, true]));
  return JSON.stringify(out);
}

/** The X-Docker-Container-Path-Stat header: base64 of a JSON PathStat. */
export function decodePathStat(header: string | string[] | undefined): PathStat {
  const value = Array.isArray(header) ? header[0] : header;
  try {
    return JSON.parse(Buffer.from(value ?? '', 'base64').toString('utf8')) as PathStat;
  } catch (err) {
    throw new InvalidParameterError(`unable to decode container path stat header: ${(err as Error).message}`);
  }
}

/** moby's trimID: surrounding spaces go, and an empty name is refused before any request. */
function trimID(id: string): string {
  const trimmed = id.trim();
  if (trimmed === '') throw new InvalidParameterError('invalid container name or ID: value is empty');
  return trimmed;
}

const ref = (id: string): string => encodeURIComponent(trimID(id));

// Query keys are written in sorted order: Go's url.Values.Encode sorts them, so the wire matches docker's.

/** JSON values one after another (dockerd writes one per line): yields each as it completes. */
export async function* jsonValues<T>(stream: Readable): AsyncGenerator<T> {
  let buf = '';
  for await (const chunk of stream) {
    buf += (chunk as Buffer).toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as T;
}

export class ContainerClient {
  constructor(private readonly transport: Transport) {}

  private async send(method: string, path: string, opts: RequestOptions = {}): Promise<void> {
    const res = await this.transport.call(method, path, opts);
    res.body.resume();
  }

  async list(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return this.transport.json('GET', '/containers/json', {
      query: {
        all: opts.all ? '1' : undefined,
        filters: encodeFilters(opts.filters),
        limit: opts.limit && opts.limit > 0 ? String(opts.limit) : undefined,
        size: opts.size ? '1' : undefined,
      },
    });
  }

  async inspect(id: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.transport.json('GET', `/containers/${ref(id)}/json`, { query: { size: opts.size ? '1' : undefined } });
  }

  async remove(id: string, opts: ContainerRemoveOptions = {}): Promise<void> {
    return this.send('DELETE', `/containers/${ref(id)}`, {
      query: { force: opts.force ? '1' : undefined, link: opts.link ? '1' : undefined, v: opts.volumes ? '1' : undefined },
    });
  }

  async stop(id: string, opts: ContainerStopOptions = {}): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/stop`, { query: stopQuery(opts) });
  }

  async restart(id: string, opts: ContainerStopOptions = {}): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/restart`, { query: stopQuery(opts) });
  }

  /** Without a signal the daemon sends SIGKILL. */
  async kill(id: string, signal?: string): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/kill`, { query: { signal: signal || undefined } });
  }

  async pause(id: string): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/pause`);
  }

  async unpause(id: string): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/unpause`);
  }

  async rename(id: string, newName: string): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/rename`, { query: { name: newName } });
  }

  /** Resolves once the condition is met; a `{"Error":{"Message":…}}` answer becomes a DaemonError. */
  async wait(id: string, condition?: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<WaitResponse> {
    const res = await this.transport.call('POST', `/containers/${ref(id)}/wait`, { query: { condition: condition || undefined }, signal });
    const text = (await readAll(res.body)).toString('utf8');
    let parsed: WaitResponse;
    try {
      parsed = JSON.parse(text) as WaitResponse;
    } catch {
      // dockerd may write an error after the headers: moby's client reports the text as it is.
      throw new DaemonError(500, text.trim());
    }
    if (parsed.Error?.Message) throw new DaemonError(500, parsed.Error.Message);
    return parsed;
  }

  async logs(id: string, opts: ContainerLogsOptions = {}): Promise<ContainerLogs> {
    const res = await this.transport.call('GET', `/containers/${ref(id)}/logs`, {
      query: {
        details: opts.details ? '1' : undefined,
        follow: opts.follow ? '1' : undefined,
        since: opts.since || undefined,
        stderr: opts.stderr ? '1' : undefined,
        stdout: opts.stdout ? '1' : undefined,
        tail: opts.tail ?? '',
        timestamps: opts.timestamps ? '1' : undefined,
        until: opts.until || undefined,
      },
      signal: opts.signal,
    });
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { stream: res.body, multiplexed: contentType === MULTIPLEXED_STREAM, contentType };
  }

  /** `ps_args` is the arguments joined by spaces, as docker sends them. */
  async top(id: string, psArgs: string[] = []): Promise<TopResponse> {
    return this.transport.json('GET', `/containers/${ref(id)}/top`, { query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined } });
  }

  /** The raw stats stream: one JSON sample per line (one only without `stream`). */
  async stats(id: string, opts: { stream?: boolean; oneShot?: boolean; signal?: AbortSignal } = {}): Promise<Readable> {
    const res = await this.transport.call('GET', `/containers/${ref(id)}/stats`, {
      query: { 'one-shot': opts.oneShot ? '1' : undefined, stream: opts.stream ? '1' : '0' },
      signal: opts.signal,
    });
    return res.body;
  }

  /** Stats samples as they arrive. */
  async *statsSamples(id: string, opts: { stream?: boolean; oneShot?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<ContainerStats> {
    const body = await this.stats(id, opts);
    try {
      yield* jsonValues<ContainerStats>(body);
    } finally {
      body.destroy();
    }
  }

  async changes(id: string): Promise<FilesystemChange[]> {
    return (await this.transport.json<FilesystemChange[] | null>('GET', `/containers/${ref(id)}/changes`)) ?? [];
  }

  async export(id: string, signal?: AbortSignal): Promise<Readable> {
    return (await this.transport.call('GET', `/containers/${ref(id)}/export`, { signal })).body;
  }

  /** HEAD /containers/{id}/archive: what is at `path` (symlinks not followed). */
  async statPath(id: string, path: string): Promise<PathStat> {
    const res = await this.transport.call('HEAD', `/containers/${ref(id)}/archive`, { query: { path } });
    res.body.resume();
    return decodePathStat(res.headers[PATH_STAT_HEADER]);
  }

  /** GET /containers/{id}/archive: a tar of `path`, and its stat from the header. */
  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stream: Readable; stat: PathStat }> {
    const res = await this.transport.call('GET', `/containers/${ref(id)}/archive`, { query: { path }, signal });
    let stat: PathStat;
    try {
      stat = decodePathStat(res.headers[PATH_STAT_HEADER]);
    } catch (err) {
      res.body.destroy();
      throw new InvalidParameterError(`unable to get resource stat from response: ${(err as Error).message}`);
    }
    return { stream: res.body, stat };
  }

  /** PUT /containers/{id}/archive: extracts the tar `content` into the directory `path`. */
  async putArchive(id: string, path: string, content: Readable, opts: CopyToContainerOptions = {}): Promise<void> {
    return this.send('PUT', `/containers/${ref(id)}/archive`, {
      query: {
        copyUIDGID: opts.copyUIDGID ? 'true' : undefined,
        noOverwriteDirNonDir: opts.allowOverwriteDirWithFile ? undefined : 'true',
        path,
      },
      body: content,
      headers: { 'Content-Type': 'application/x-tar' },
      signal: opts.signal,
    });
  }

  async update(id: string, config: UpdateConfig): Promise<UpdateResponse> {
    return this.transport.json('POST', `/containers/${ref(id)}/update`, { json: config });
  }

  async prune(filters: Filters = {}): Promise<ContainerPruneReport> {
    return this.transport.json('POST', '/containers/prune', { query: { filters: encodeFilters(filters) } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    return this.send('POST', `/containers/${ref(id)}/resize`, { query: { h: String(height), w: String(width) } });
  }

  /** POST /commit: a new image from the container's changes. */
  async commit(id: string, opts: ContainerCommitOptions = {}): Promise<CommitResponse> {
    const container = trimID(id);
    return this.transport.json('POST', '/commit', {
      query: {
        author: opts.author ?? '',
        changes: opts.changes?.length ? opts.changes : undefined,
        comment: opts.comment ?? '',
        container,
        pause: opts.pause === false ? '0' : undefined,
        repo: opts.repo ?? '',
        tag: opts.tag ?? '',
      },
      json: opts.config,
    });
  }
}

function stopQuery(opts: ContainerStopOptions): RequestOptions['query'] {
  return { signal: opts.signal || undefined, t: opts.timeout !== undefined ? String(opts.timeout) : undefined };
}
