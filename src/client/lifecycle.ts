// The calls `run`, `create`, `start` and `exec` make: create a container, wait for it (with the
// headers back before the start, as the docker CLI does), start it, and exec sessions.
import type { ContainerCreateBody } from '../types/container.js';
import { DaemonError, readAll, type Transport } from './http.js';

export interface CreateResponse {
  Id: string;
  Warnings: string[] | null;
}

export interface WaitResponse {
  StatusCode: number;
  Error?: { Message: string } | null;
}

export interface ExecCreateOptions {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
  Cmd: string[];
}

export class LifecycleClient {
  constructor(private readonly transport: Transport) {}

  create(body: ContainerCreateBody, opts: { name?: string; platform?: string } = {}): Promise<CreateResponse> {
    return this.transport.json('POST', '/containers/create', { query: { name: opts.name, platform: opts.platform }, json: body });
  }

  async start(id: string): Promise<void> {
    const res = await this.transport.call('POST', `/containers/${id}/start`);
    res.body.resume();
  }

  /**
   * Registers a wait and resolves once the daemon has answered with headers (the waiter is in
   * place); `exit` settles with the exit. A container started after this cannot be missed.
   * `cancel` gives the wait up (its connection closes), e.g. when the start failed.
   */
  async wait(id: string, condition: 'not-running' | 'next-exit' | 'removed'): Promise<{ exit: Promise<WaitResponse>; cancel: () => void }> {
    const res = await this.transport.call('POST', `/containers/${id}/wait`, { query: { condition } });
    const exit = readAll(res.body).then((b) => {
      const r = JSON.parse(b.toString('utf8')) as WaitResponse;
      if (r.Error?.Message) throw new DaemonError(500, r.Error.Message);
      return r;
    });
    // Read by the caller later; an early failure must not be an unhandled rejection meanwhile.
    exit.catch(() => undefined);
    return { exit, cancel: () => res.body.destroy() };
  }

  execCreate(container: string, opts: ExecCreateOptions): Promise<{ Id: string }> {
    return this.transport.json('POST', `/containers/${container}/exec`, { json: opts });
  }

  execInspect(id: string): Promise<{ ExitCode: number | null; Running: boolean; Pid: number }> {
    return this.transport.json('GET', `/exec/${id}/json`);
  }

  async execResize(id: string, height: number, width: number): Promise<void> {
    const res = await this.transport.call('POST', `/exec/${id}/resize`, { query: { h: height, w: width } });
    res.body.resume();
  }
}
