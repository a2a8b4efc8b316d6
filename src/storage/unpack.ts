// A layer download unpacked on a worker thread (unpack-worker.ts): the main thread only moves
// the response's bytes, in 1 MiB batches handed over without a copy (and handed back to be
// filled again), at most a few in flight.
import { Worker } from 'node:worker_threads';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError, TugError, UnauthorizedError, UnavailableError, type ErrorKind } from '../errors.js';
import type { ApplyResult } from './apply.js';

export interface UnpackJob {
  /** The partial download: its first `have` bytes are already there, the rest is appended. */
  partial: string;
  have: number;
  /** The compressed blob's digest, checked before the decompressor sees its end. */
  digest: string;
  /** The empty directory the layer is unpacked into. */
  dest: string;
}

export type WireError = { kind?: ErrorKind; code?: string; errno?: number; syscall?: string; message: string };
/** Every message names its job (`j`): a worker runs many, one after another. */
export type ToWorker = { t: 'job'; j: number; job: UnpackJob } | { t: 'chunk'; j: number; b: Uint8Array } | { t: 'end'; j: number } | { t: 'fail'; j: number };
export type FromWorker = { t: 'credit'; j: number; b: Uint8Array } | { t: 'verified'; j: number } | { t: 'done'; j: number; result: ApplyResult } | { t: 'error'; j: number; err: WireError };

/** Where unpack-worker.js sits: beside this module in dist/, beside bin/tugd in the bundle. */
const WORKER = new URL('./unpack-worker.js', import.meta.url);
const BATCH = 1 << 20;
const IN_FLIGHT = 8;
/** A worker costs ~15 ms of CPU to start: idle ones are kept this long for the next layer. */
const IDLE_MS = 30_000;

const idle: { worker: Worker; timer: NodeJS.Timeout }[] = [];
let jobs = 0;

function take(): Worker {
  const kept = idle.pop();
  if (kept) {
    clearTimeout(kept.timer);
    return kept.worker;
  }
  const worker = new Worker(WORKER);
  // Never what keeps tugd running.
  worker.unref();
  return worker;
}

function giveBack(worker: Worker): void {
  const timer = setTimeout(() => {
    idle.splice(idle.findIndex((k) => k.worker === worker), 1);
    void worker.terminate();
  }, IDLE_MS).unref();
  idle.push({ worker, timer });
}

/** Starts `n` workers ahead of the layers that will need them (while manifests are fetched). */
export function prewarmUnpack(n: number): void {
  const fresh = Array.from({ length: Math.max(0, n - idle.length) }, take);
  for (const worker of fresh) giveBack(worker);
}

const KINDS: Partial<Record<ErrorKind, new (message: string) => TugError>> = {
  NotFound: NotFoundError, Conflict: ConflictError, InvalidParameter: InvalidParameterError,
  Unauthorized: UnauthorizedError, Forbidden: ForbiddenError, Unavailable: UnavailableError,
};

/** The worker's error as the same kind (or errno) it was over there. */
export function unwire(e: WireError): Error {
  if (e.kind) {
    const Kind = KINDS[e.kind];
    return Kind ? new Kind(e.message) : new TugError(e.kind, e.message, e.code);
  }
  return Object.assign(new Error(e.message), { code: e.code, errno: e.errno, syscall: e.syscall });
}

/** What a feed writes the downloaded bytes to; a write waits while too much is in flight. */
export interface UnpackSink {
  write(chunk: Buffer): Promise<void>;
}

/**
 * Runs `job` on a worker while `feed` writes the rest of the compressed blob into the sink.
 * Resolves to the DiffID and size once the layer is unpacked; `onVerified` is called when the
 * compressed digest has matched. If `feed` throws, the worker stops and the error is passed on.
 * Either way it returns only when the worker writes nothing more; `signal` stops it at any point.
 */
export async function unpackOffThread(job: UnpackJob, feed: (sink: UnpackSink) => Promise<void>, onVerified: () => void, signal?: AbortSignal): Promise<ApplyResult> {
  signal?.throwIfAborted();
  const j = ++jobs;
  const worker = take();
  const stop = () => worker.postMessage({ t: 'fail', j } satisfies ToWorker);
  signal?.addEventListener('abort', stop, { once: true });
  let credits = IN_FLIGHT;
  let wake: (() => void) | undefined;
  let finished: Error | undefined;
  let healthy = false;
  const spare: Buffer[] = [];
  let onMessage: (m: FromWorker) => void = () => undefined;
  let onError: (err: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  const result = new Promise<ApplyResult>((resolve, reject) => {
    const settle = (err: Error | undefined, value?: ApplyResult) => {
      finished ??= err ?? new TugError('Internal', 'layer unpacked before its download ended');
      wake?.();
      if (err) reject(err);
      else resolve(value!);
    };
    onMessage = (m) => {
      if (m.j !== j) return;
      if (m.t === 'credit') {
        credits++;
        spare.push(Buffer.from(m.b.buffer));
        wake?.();
      } else if (m.t === 'verified') onVerified();
      else if (m.t === 'done') {
        healthy = true;
        settle(undefined, m.result);
      } else settle(unwire(m.err));
    };
    onError = (err) => settle(new TugError('Internal', `layer unpack failed: ${err.message}`, undefined, { cause: err }));
    onExit = (code) => settle(new TugError('Internal', `layer unpack thread exited with status ${code}`));
    worker.on('message', onMessage).once('error', onError).once('exit', onExit);
  });
  result.catch(() => undefined);
  worker.postMessage({ t: 'job', j, job } satisfies ToWorker);

  let batch: Buffer = Buffer.allocUnsafeSlow(BATCH);
  let used = 0;
  const send = async () => {
    while (credits === 0 && !finished) await new Promise<void>((r) => { wake = r; });
    wake = undefined;
    if (finished) throw finished;
    credits--;
    const b = new Uint8Array(batch.buffer, 0, used);
    worker.postMessage({ t: 'chunk', j, b } satisfies ToWorker, [batch.buffer as ArrayBuffer]);
    batch = spare.pop() ?? Buffer.allocUnsafeSlow(BATCH);
    used = 0;
  };
  const sink: UnpackSink = {
    async write(chunk) {
      for (let off = 0; off < chunk.length;) {
        const n = chunk.copy(batch, used, off);
        used += n;
        off += n;
        if (used === BATCH) await send();
      }
    },
  };
  try {
    try {
      await feed(sink);
      if (used) await send();
    } catch (err) {
      stop();
      await result.catch(() => undefined);
      signal?.throwIfAborted();
      throw err;
    }
    worker.postMessage({ t: 'end', j } satisfies ToWorker);
    try {
      return await result;
    } catch (err) {
      signal?.throwIfAborted();
      throw err;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    // A worker whose job failed may hold what it was doing: only a clean one is used again.
    if (healthy) giveBack(worker);
    else void worker.terminate();
  }
}
