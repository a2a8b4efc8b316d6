// `POST /containers/{id}/wait`: callers parked until a container stops or is removed, with
// dockerd's three conditions. Registration is synchronous, so no exit can slip past it.
import { NotFoundError } from '../errors.js';
import type { ContainerRecord } from './types.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string };
}

export function parseCondition(value: string | null): WaitCondition {
  if (!value || value === 'not-running') return 'not-running';
  if (value === 'next-exit' || value === 'removed') return value;
  throw new Error(`invalid condition: "${value}"`);
}

export class Waiters {
  private readonly onExit = new Map<string, ((r: WaitResult) => void)[]>();
  private readonly onRemove = new Map<string, ((r: WaitResult) => void)[]>();
  private readonly lastExit = new Map<string, WaitResult>();
  private readonly onStart = new Map<string, (() => void)[]>();

  /** Resolves at the container's next start (attach before start waits for it to feed stdin). */
  nextStart(id: string): Promise<void> {
    return new Promise((resolve) => {
      const list = this.onStart.get(id) ?? [];
      list.push(resolve);
      this.onStart.set(id, list);
    });
  }

  started(id: string): void {
    const list = this.onStart.get(id) ?? [];
    this.onStart.delete(id);
    for (const resolve of list) resolve();
  }

  private park(map: Map<string, ((r: WaitResult) => void)[]>, id: string): Promise<WaitResult> {
    return new Promise((resolve) => {
      const list = map.get(id) ?? [];
      list.push(resolve);
      map.set(id, list);
    });
  }

  wait(id: string, condition: WaitCondition, current: () => ContainerRecord | undefined): Promise<WaitResult> {
    const rec = current();
    if (!rec) {
      const last = this.lastExit.get(id);
      if (condition === 'removed' && last) return Promise.resolve(last);
      return Promise.reject(new NotFoundError(`No such container: ${id}`));
    }
    if (condition === 'removed') return this.park(this.onRemove, id);
    if (condition === 'not-running' && !rec.State.Running) return Promise.resolve({ StatusCode: rec.State.ExitCode });
    return this.park(this.onExit, id);
  }

  exited(id: string, result: WaitResult): void {
    this.lastExit.set(id, result);
    const list = this.onExit.get(id) ?? [];
    this.onExit.delete(id);
    for (const resolve of list) resolve(result);
  }

  /** The container is gone; `result` is its last exit (what `wait --condition removed` answers). */
  removed(id: string, result: WaitResult): void {
    this.lastExit.set(id, result);
    const list = this.onRemove.get(id) ?? [];
    this.onRemove.delete(id);
    // Waiters for an exit that will never come (removed while created) end too.
    const exits = this.onExit.get(id) ?? [];
    this.onExit.delete(id);
    for (const resolve of [...list, ...exits]) resolve(result);
    // Keep the code briefly for `wait --condition removed` racing the removal.
    setTimeout(() => this.lastExit.delete(id), 60_000).unref();
  }
}
