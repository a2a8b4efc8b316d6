// Layer and archive compression, told by the magic bytes as Docker tells it. gzip stays in
// process; bzip2, xz and zstd go through Debian's own tools, one child process per stream.
import { spawn } from 'node:child_process';
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidParameterError, TugError, isErrno } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: [Exclude<Compression, 'none'>, Buffer][] = [
  ['gzip', Buffer.from([0x1f, 0x8b, 0x08])],
  ['bzip2', Buffer.from('BZh')],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];
const PEEK = 6;

export function detectCompression(firstBytes: Buffer): Compression {
  for (const [kind, magic] of MAGIC) {
    if (firstBytes.length >= magic.length && firstBytes.subarray(0, magic.length).equals(magic)) return kind;
  }
  return 'none';
}

/** The first `n` bytes of `input` (fewer if it is shorter), put back so they are read again. */
function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err?: unknown) => {
      input.off('readable', onReadable).off('end', onEnd).off('error', settle);
      if (err !== undefined) return reject(err);
      const head = Buffer.concat(chunks);
      // After 'end' a stream takes nothing back: hand over what there was as a new one.
      if (input.readableEnded) return resolve({ head, stream: Readable.from(head.length ? [head] : [], { objectMode: false }) });
      if (head.length) input.unshift(head);
      resolve({ head, stream: input });
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < n && (chunk = input.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) settle();
    };
    const onEnd = () => settle();
    input.on('readable', onReadable).once('end', onEnd).once('error', settle);
  });
}

/** `input` through zlib, its errors told as bad input rather than as zlib's codes. */
function gunzip(input: Readable): Readable {
  // 16 KiB output chunks (the default) make inflate four times slower: one pool trip per chunk.
  const zlib = createGunzip({ chunkSize: 256 << 10 });
  const out = new PassThrough();
  input.once('error', (err) => out.destroy(err));
  zlib.once('error', (err) => out.destroy(new InvalidParameterError(`cannot decompress: gzip: ${err.message}`, { cause: err })));
  pipeline(input, zlib, () => undefined);
  zlib.pipe(out);
  out.once('close', () => {
    zlib.destroy();
    input.destroy();
  });
  return out;
}

/** `input` through `<tool> -dc`; ends only once the tool has exited 0, else fails. */
function throughTool(tool: string, input: Readable): Readable {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-400); });
  const exited = new Promise<Error | undefined>((resolve) => {
    child.once('error', (err) => resolve(isErrno(err, 'ENOENT')
      ? new TugError('Internal', `cannot decompress: ${tool} is not installed`)
      : err));
    child.once('close', (code, signal) => resolve(code === 0 ? undefined
      : new InvalidParameterError(`cannot decompress: ${tool} -dc failed: ${stderr.trim().split('\n').pop() || (signal ?? `exit status ${code}`)}`)));
  });
  // Holds back the end of the output until the exit status says the output is whole.
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, chunk);
    },
    flush(cb) {
      void exited.then((err) => cb(err));
    },
  });
  void exited.then((err) => { if (err) out.destroy(err); });
  input.once('error', (err) => out.destroy(err));
  // A tool that gives up early closes its stdin: EPIPE here, its exit status says why.
  pipeline(input, child.stdin, () => undefined);
  pipeline(child.stdout, out, () => undefined);
  out.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    input.destroy();
  });
  return out;
}

/** A plain stream of `input`, decompressed if its magic bytes say it is compressed. */
export async function decompress(input: Readable): Promise<Readable> {
  const { head, stream } = await peek(input, PEEK);
  const kind = detectCompression(head);
  switch (kind) {
    case 'none':
      return stream;
    case 'gzip':
      return gunzip(stream);
    default:
      return throughTool(kind, stream);
  }
}
