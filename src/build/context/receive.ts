// The build context as the client sends it: a tar (plain or compressed) unpacked into a
// directory, or, for `docker build - < Dockerfile`, the Dockerfile alone.
import { lstat, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, isErrno } from '../../errors.js';
import { applyLayer } from '../../storage/apply.js';
import { decompress } from '../../storage/compression.js';
import { cleanRelative } from '../fsroot.js';

const MAX_DOCKERFILE = 8 << 20;
/** The names tug's and docker's CLIs give a Dockerfile they add from outside the context. */
const ADDED_DOCKERFILE = /^\.(tug-dockerfile-|dockerfile\.)[0-9a-f]+$/;

/** Reads the first `n` bytes and gives back a stream that still has them. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = input[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.from(r.value as Buffer);
    parts.push(b);
    size += b.length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function looksLikeTar(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  return head.length >= 512 && head.subarray(0, 512).every((b) => b === 0);
}

/** Unpacks the context into the empty `dir`; returns the Dockerfile text it names. */
export async function receiveContext(body: Readable, dir: string, dockerfile: string, signal?: AbortSignal): Promise<string> {
  const { head, stream } = await peek(await decompress(body), 512);
  if (!looksLikeTar(head)) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of stream) {
      size += (c as Buffer).length;
      if (size > MAX_DOCKERFILE) throw new NotFoundError('the Dockerfile sent on stdin is larger than 8 MiB');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  await applyLayer(stream, dir, { signal });
  const names = dockerfile ? [dockerfile] : ['Dockerfile', 'dockerfile'];
  for (const name of names) {
    const path = join(dir, cleanRelative(name));
    try {
      if (!(await lstat(path)).isFile()) continue;
      const text = await readFile(path, 'utf8');
      // A Dockerfile the client added from outside the context is no part of it (COPY . must not see it).
      if (ADDED_DOCKERFILE.test(name)) await rm(path, { force: true });
      return text;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  throw new NotFoundError(`Cannot locate specified Dockerfile: ${dockerfile || 'Dockerfile'}`);
}
