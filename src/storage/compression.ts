// Layer and archive compression: the format is told by its magic bytes, as Docker does.
// gzip stays in-process; bzip2, xz and zstd go through Debian's tools.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidParameterError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(b: Buffer): Compression {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  if (b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads the first bytes without losing them: returns them and a stream that still has them. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = input[Symbol.asyncIterator]();
  while (size < n) {
    const { value, done } = await iterator.next();
    if (done) break;
    const chunk = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      yield Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function throughTool(tool: string, input: Readable): Readable {
  const out = new PassThrough();
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-500); });
  child.on('error', (err: NodeJS.ErrnoException) => {
    out.destroy(new InvalidParameterError(err.code === 'ENOENT' ? `cannot decompress: ${tool} is not installed` : `${tool}: ${err.message}`));
  });
  child.on('close', (code) => {
    if (code !== 0 && code !== null) out.destroy(new InvalidParameterError(`${tool} -dc failed: ${stderr.trim() || `exit ${code}`}`));
  });
  input.on('error', (err) => { child.kill(); out.destroy(err); });
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  child.stdout.pipe(out);
  out.on('close', () => { if (child.exitCode === null) child.kill(); });
  return out;
}

/** A plain stream of `input`, decompressed if its magic says it is compressed. */
export async function decompress(input: Readable): Promise<Readable> {
  const { head, stream } = await peek(input, 6);
  switch (detectCompression(head)) {
    case 'none':
      return stream;
    case 'gzip': {
      const gunzip = createGunzip();
      stream.on('error', (err) => gunzip.destroy(err));
      return stream.pipe(gunzip);
    }
    case 'bzip2':
      return throughTool('bzip2', stream);
    case 'xz':
      return throughTool('xz', stream);
    case 'zstd':
      return throughTool('zstd', stream);
  }
}
