// The container's init PID as soon as its namespaces exist, before `runc create` is done: a
// createRuntime hook (run by runc in the host's namespaces, with the container's state on its
// stdin) copies that state into a FIFO tugd reads. The network can then be plumbed while runc
// goes on with the mounts, the seccomp filter and the rest of the create, instead of after it.
import { constants, existsSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { mknod } from '../sys/libc.js';
import type { Hook } from './spec/types.js';

const S_IFIFO = 0o010000;

/** coreutils' dd: one small exec that copies stdin into the FIFO. */
const DD = process.env.TUG_DD ?? ['/usr/bin/dd', '/bin/dd'].find((p) => existsSync(p)) ?? '/usr/bin/dd';

/** The hook's ceiling (seconds): runc kills a hook that outlives it, failing the create. */
const HOOK_TIMEOUT_S = 10;

/** What runc hands a hook on stdin (runtime-spec's state): the part needed here. */
interface HookState {
  pid?: number;
}

export class InitPidSignal {
  /** Resolves with the init's PID when the hook runs; rejects when closed before that. */
  readonly pid: Promise<number>;
  private settle!: { resolve: (pid: number) => void; reject: (err: Error) => void };
  private done = false;

  private constructor(readonly path: string, private readonly sock: Socket) {
    this.pid = new Promise<number>((resolve, reject) => { this.settle = { resolve, reject }; });
    this.pid.catch(() => undefined);
    let buf = '';
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let state: HookState;
      try {
        state = JSON.parse(buf) as HookState;
      } catch {
        return; // not all of it yet (a pipe write this small comes whole, but be safe)
      }
      if (Number.isInteger(state.pid) && state.pid! > 0) this.finish(undefined, state.pid);
      else this.finish(new Error(`the runtime's hook state has no pid: ${buf.slice(0, 200)}`));
    });
    sock.on('error', (err) => this.finish(err));
  }

  /**
   * Makes the FIFO at `path` and opens it read-write: with tugd itself as a writer the read end
   * never sees EOF, and the hook's open never blocks.
   */
  static async open(path: string): Promise<InitPidSignal> {
    await rm(path, { force: true });
    mknod(path, S_IFIFO | 0o600, 0n);
    // The socket owns the descriptor from here: destroying it closes the FIFO.
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    return new InitPidSignal(path, new Socket({ fd, readable: true, writable: false }));
  }

  /** The createRuntime hook for the spec. */
  hook(): Hook {
    return { path: DD, args: ['dd', `of=${this.path}`, 'status=none'], timeout: HOOK_TIMEOUT_S };
  }

  private finish(err: Error | undefined, pid?: number): void {
    if (this.done) return;
    this.done = true;
    if (err) this.settle.reject(err);
    else this.settle.resolve(pid!);
  }

  /** Stops listening and removes the FIFO; a PID not seen by now never will be. */
  async close(): Promise<void> {
    this.finish(new Error('the runtime did not run the createRuntime hook'));
    this.sock.destroy();
    await rm(this.path, { force: true });
  }
}
