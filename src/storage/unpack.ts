// A layer download unpacked on a worker thread (unpack-worker.ts). Mostly the worker makes the
// blob's GET itself (downloadOffThread) and the main thread only hears of progress. Otherwise
// the main thread copies the response's bytes into the slots of a memory both threads share,
// 1 MiB each, and names the filled slot; the worker names it back once it is done with it.
// Buffers handed over by postMessage instead cost a mark-compact every ~15 MB (external memory).
import { Worker } from 'node:worker_threads';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError, TugError, UnauthorizedError, UnavailableError, type ErrorKind } from '../errors.js';
import type { ApplyResult } from './apply.js';
import { BrokenLinkError, type BlobSource } from './blob-get.js';

export interface UnpackJob {
  /** The partial download: its first `have` bytes are already there, the rest is appended. */
  partial: string;
  have: number;
  /** The compressed blob's digest, checked before the decompressor sees its end. */
  digest: string;
  /** The empty directory the layer is unpacked into. */
  dest: string;
  /** The worker GETs the rest of the blob itself, from `have` on; else the main thread feeds it. */
  source?: BlobSource;
}

export type WireError = { kind?: ErrorKind; code?: string; errno?: number; syscall?: string; message: string; brokenLink?: boolean };
/** Every message names its job (`j`): a worker runs many, one after another. */
export type ToWorker = { t: 'job'; j: number; job: UnpackJob } | { t: 'chunk'; j: number; slot: number; length: number } | { t: 'end'; j: number } | { t: 'fail'; j: number };
export type FromWorker = { t: 'credit'; j: number; slot: number } | { t: 'verified'; j: number } | { t: 'done'; j: number; result: ApplyResult } | { t: 'error'; j: number; err: WireError }
  /** Of a worker's own download: the bytes the blob has so far, and a final status it does not take. */
  | { t: 'progress'; j: number; current: number } | { t: 'refused'; j: number; status: number };

/** Where unpack-worker.js sits: beside this module in dist/, beside bin/tugd in the bundle. */
const WORKER = new URL('./unpack-worker.js', import.meta.url);
/** Slot size, and slots per worker: what may be in flight for one layer. */
export const SLOT = 1 << 20;
export const SLOTS = 8;
/** A worker costs ~15 ms of CPU to start: idle ones are kept this long for the next layer. */
const IDLE_MS = 30_000;

interface Unpacker {
  worker: Worker;
  shared: Buffer;
}

const idle: { worker: Unpacker; timer: NodeJS.Timeout }[] = [];
let jobs = 0;

function forget(unpacker: Unpacker): void {
  const i = idle.findIndex((k) => k.worker === unpacker);
  if (i < 0) return;
  clearTimeout(idle[i]!.timer);
  idle.splice(i, 1);
}

function take(): Unpacker {
  const kept = idle.pop();
  if (kept) {
    clearTimeout(kept.timer);
    return kept.worker;
  }
  const memory = new SharedArrayBuffer(SLOT * SLOTS);
  const worker = new Worker(WORKER, { workerData: memory });
  const unpacker = { worker, shared: Buffer.from(memory) };
  // One that dies while idle (it could not start) leaves the pool; a job hears of its own failure itself.
  worker.on('error', () => undefined).once('exit', () => forget(unpacker));
  // Never what keeps tugd running.
  worker.unref();
  return unpacker;
}

function giveBack(unpacker: Unpacker): void {
  const timer = setTimeout(() => {
    forget(unpacker);
    void unpacker.worker.terminate();
  }, IDLE_MS).unref();
  idle.push({ worker: unpacker, timer });
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
  if (e.brokenLink) return new BrokenLinkError(e.message);
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

/** The worker's GET of the blob was answered with a status other than 200 or 206; nothing was written. */
export class BlobRefusedError extends TugError {
  constructor(readonly status: number) {
    super('Internal', `blob GET answered ${status}`);
  }
}

export interface DownloadHooks {
  /** The compressed digest has matched. */
  onVerified(): void;
  /** How many of the blob's bytes are in, counting those partial/ held (as the download goes). */
  onProgress(current: number): void;
}

/**
 * Runs a job whose worker downloads the blob itself from `job.source`; resolves as
 * unpackOffThread does. A final status other than 200/206 rejects with BlobRefusedError before
 * anything is written, so the caller can make the request its own way; a connection that breaks
 * rejects with BrokenLinkError, the bytes that came through it kept in partial/.
 */
export function downloadOffThread(job: UnpackJob & { source: BlobSource }, hooks: DownloadHooks, signal?: AbortSignal): Promise<ApplyResult> {
  return runJob(job, undefined, hooks, signal);
}

/**
 * Runs `job` on a worker while `feed` writes the rest of the compressed blob into the sink.
 * Resolves to the DiffID and size once the layer is unpacked; `onVerified` is called when the
 * compressed digest has matched. If `feed` throws, the worker stops and the error is passed on.
 * Either way it returns only when the worker writes nothing more; `signal` stops it at any point.
 */
export function unpackOffThread(job: UnpackJob, feed: (sink: UnpackSink) => Promise<void>, onVerified: () => void, signal?: AbortSignal): Promise<ApplyResult> {
  return runJob({ ...job, source: undefined }, feed, { onVerified, onProgress: () => undefined }, signal);
}

async function runJob(job: UnpackJob, feed: ((sink: UnpackSink) => Promise<void>) | undefined, hooks: DownloadHooks, signal?: AbortSignal): Promise<ApplyResult> {
  signal?.throwIfAborted();
  const j = ++jobs;
  const unpacker = take();
  const { worker, shared } = unpacker;
  const stop = () => worker.postMessage({ t: 'fail', j } satisfies ToWorker);
  signal?.addEventListener('abort', stop, { once: true });
  // A worker back from a clean job holds no slot: every one it was sent, it named back.
  const free = Array.from({ length: SLOTS }, (_, i) => i);
  let wake: (() => void) | undefined;
  let finished: Error | undefined;
  let healthy = false;
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
        free.push(m.slot);
        wake?.();
      } else if (m.t === 'verified') hooks.onVerified();
      else if (m.t === 'progress') hooks.onProgress(m.current);
      else if (m.t === 'done') {
        healthy = true;
        settle(undefined, m.result);
      } else if (m.t === 'refused') {
        // It stopped before it opened partial/ or wrote the layer: clean for the next job.
        healthy = true;
        settle(new BlobRefusedError(m.status));
      } else settle(unwire(m.err));
    };
    onError = (err) => settle(new TugError('Internal', `layer unpack failed: ${err.message}`, undefined, { cause: err }));
    onExit = (code) => settle(new TugError('Internal', `layer unpack thread exited with status ${code}`));
    worker.on('message', onMessage).once('error', onError).once('exit', onExit);
  });
  result.catch(() => undefined);
  worker.postMessage({ t: 'job', j, job } satisfies ToWorker);

  let slot: number | undefined;
  let used = 0;
  const send = () => {
    worker.postMessage({ t: 'chunk', j, slot: slot!, length: used } satisfies ToWorker);
    slot = undefined;
  };
  const claim = async (): Promise<number> => {
    while (free.length === 0 && !finished) await new Promise<void>((r) => { wake = r; });
    wake = undefined;
    if (finished) throw finished;
    used = 0;
    return free.pop()!;
  };
  const sink: UnpackSink = {
    async write(chunk) {
      for (let off = 0; off < chunk.length;) {
        slot ??= await claim();
        const n = chunk.copy(shared, slot * SLOT + used, off, off + Math.min(chunk.length - off, SLOT - used));
        used += n;
        off += n;
        if (used === SLOT) send();
      }
    },
  };
  try {
    try {
      if (feed) await feed(sink);
      if (slot !== undefined && used) send();
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
    if (healthy) giveBack(unpacker);
    else void worker.terminate();
  }
}
