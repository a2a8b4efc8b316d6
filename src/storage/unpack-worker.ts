// A layer download on a thread of its own so that four layers use both cores: the blob's GET
// (blob-get.ts; or bytes the main thread feeds through shared slots), the compressed bytes
// hashed and kept in the partial file, decompressed and unpacked (applyLayer hashes the tar
// for the DiffID). Entry point of the workers unpack.ts keeps; one job at a time, many over
// a worker's life.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fdatasync, openSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { InvalidParameterError, TugError, isErrno } from '../errors.js';
import { applyLayer } from './apply.js';
import { BrokenLinkError, bodyOf, getBlob } from './blob-get.js';
import { decompress } from './compression.js';
import { SLOT, type FromWorker, type ToWorker, type UnpackJob, type WireError } from './unpack.js';

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
/** The slots the main thread fills (see unpack.ts). */
const shared = Buffer.from(workerData as SharedArrayBuffer);

interface Current {
  id: number;
  queue: ToWorker[];
  wake?: () => void;
  abort: AbortController;
}
let current: Current | undefined;

port.on('message', (m: ToWorker) => {
  if (m.t === 'job') {
    current = { id: m.j, queue: [], abort: new AbortController() };
    void run(m.job, current);
    return;
  }
  // A late word about a job already over (a cancel racing its end) changes nothing.
  if (current?.id !== m.j) return;
  // 'fail' also stops an unpack that has all its bytes already (the pull was cancelled).
  if (m.t === 'fail') current.abort.abort(new TugError('Unavailable', 'layer download interrupted'));
  current.queue.push(m);
  current.wake?.();
});

/** Bytes of the download, and the slot they sit in when the main thread filled one. */
type Arrival = { slot?: number; bytes: Buffer };
/** How often a worker's own download says how far it has come (the main thread throttles again). */
const PROGRESS_MS = 50;

/** The filled slots the main thread names, in order, as they arrive. */
async function* incoming(c: Current): AsyncGenerator<Arrival> {
  for (;;) {
    while (c.queue.length === 0) await new Promise<void>((r) => { c.wake = r; });
    c.wake = undefined;
    const m = c.queue.shift()!;
    if (m.t === 'end') return;
    if (m.t !== 'chunk') throw new TugError('Unavailable', 'layer download interrupted');
    yield { slot: m.slot, bytes: shared.subarray(m.slot * SLOT, m.slot * SLOT + m.length) };
  }
}

/**
 * The whole compressed blob (what partial/ held, then the download), checked at its end. The
 * file's flush to disk starts then, while the tail of the layer is unpacked: `synced` says when.
 */
function compressed(job: UnpackJob, arrivals: AsyncIterable<Arrival>, c: Current): { bytes: AsyncGenerator<Buffer>; synced: Promise<void> } {
  let flushed: (err: Error | null) => void = () => undefined;
  const synced = new Promise<void>((resolve, reject) => { flushed = (err) => (err ? reject(err) : resolve()); });
  synced.catch(() => undefined);
  async function* bytes(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    const fd = openSync(job.partial, job.have ? 'r+' : 'w');
    let syncing = false;
    try {
      if (job.have) for await (const chunk of createReadStream(job.partial, { end: job.have - 1, highWaterMark: 1 << 20 })) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
      let pos = job.have;
      for await (const { slot, bytes: batch } of arrivals) {
        hash.update(batch);
        for (let off = 0; off < batch.length;) {
          const n = writeSync(fd, batch, off, batch.length - off, pos);
          off += n;
          pos += n;
        }
        if (slot === undefined) {
          yield batch;
          continue;
        }
        // The slot is filled again as soon as it is named back: what goes on is a copy.
        const chunk = Buffer.from(batch);
        post({ t: 'credit', j: c.id, slot });
        yield chunk;
      }
      if ('sha256:' + hash.digest('hex') !== job.digest) throw new InvalidParameterError(`filesystem layer verification failed for digest ${job.digest}`);
      post({ t: 'verified', j: c.id });
      syncing = true;
      fdatasync(fd, (err) => {
        closeSync(fd);
        flushed(err);
      });
    } finally {
      if (!syncing) {
        closeSync(fd);
        // Unverified: a layer whose tar ended before its blob did is not taken.
        flushed(new InvalidParameterError(`filesystem layer verification failed for digest ${job.digest}: data after the end of the layer`));
      }
    }
  }
  return { bytes: bytes(), synced };
}

/** Where a job's compressed bytes come from, from `have` on. */
interface Input {
  have: number;
  arrivals: AsyncIterable<Arrival>;
  close(): void;
}

/** The worker's own GET of the rest of the blob; undefined when its final status is not ours to take. */
async function download(job: UnpackJob, c: Current): Promise<Input | undefined> {
  const source = job.source!;
  const got = await getBlob(source, job.have, c.abort.signal);
  if (!got.ok) {
    post({ t: 'refused', j: c.id, status: got.status });
    return undefined;
  }
  // A registry that ignores the Range sends it all again: the partial file starts over.
  const { res, offset } = got;
  let current = offset;
  post({ t: 'progress', j: c.id, current });
  // The socket's 64 KiB reads go on in slot-sized batches: each write to the decompressor is a
  // trip to the thread pool, and sixteen times as many cost more in context switches than a copy.
  async function* arrivals(): AsyncGenerator<Arrival> {
    let told = Date.now();
    let held: Buffer[] = [];
    let size = 0;
    const batch = (): Arrival => {
      const bytes = held.length === 1 ? held[0]! : Buffer.concat(held, size);
      held = [];
      size = 0;
      return { bytes };
    };
    try {
      for await (const bytes of bodyOf(res, source.url, c.abort.signal)) {
        current += bytes.length;
        held.push(bytes);
        size += bytes.length;
        if (size < SLOT) continue;
        if (Date.now() - told >= PROGRESS_MS) {
          told = Date.now();
          post({ t: 'progress', j: c.id, current });
        }
        yield batch();
      }
    } catch (err) {
      // What came before the link broke is kept for a resume.
      if (size) yield batch();
      throw err;
    }
    if (size) yield batch();
    post({ t: 'progress', j: c.id, current });
  }
  // A job that fails before it reads the body lets the connection go all the same.
  return { have: offset, arrivals: arrivals(), close: () => res.destroy() };
}

function wire(err: unknown): WireError {
  if (err instanceof BrokenLinkError) return { brokenLink: true, kind: err.kind, code: err.code, message: err.message };
  if (err instanceof TugError) return { kind: err.kind, code: err.code, message: err.message };
  if (isErrno(err)) return { code: err.code, errno: err.errno, syscall: err.syscall, message: err.message };
  return { kind: 'Internal', message: err instanceof Error ? err.message : String(err) };
}

async function run(job: UnpackJob, c: Current): Promise<void> {
  let input: Input | undefined;
  try {
    input = job.source ? await download(job, c) : { have: job.have, arrivals: incoming(c), close: () => undefined };
    if (!input) return;
    const { bytes, synced } = compressed({ ...job, have: input.have }, input.arrivals, c);
    const result = await applyLayer(await decompress(Readable.from(bytes, { objectMode: false })), job.dest, { signal: c.abort.signal, blockingWrites: true });
    await synced;
    post({ t: 'done', j: c.id, result });
  } catch (err) {
    post({ t: 'error', j: c.id, err: wire(err) });
  } finally {
    input?.close();
  }
}
