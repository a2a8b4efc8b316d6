// Compression by magic bytes: gzip in process, bzip2/xz/zstd through their tools, with clear
// errors for corrupt input and a missing tool.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TugError, isTugError } from '../../src/errors.js';
import { decompress, detectCompression } from '../../src/storage/compression.js';
import { collect } from '../helpers/tar.js';

/** `data` as a stream of small chunks, so the magic bytes may be split across them. */
function chunked(data: Buffer, size = 3): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

const hasTool = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const compressWith = (tool: string, data: Buffer) => execFileSync(tool, ['-c'], { input: data, maxBuffer: 1 << 28 });
const data = Buffer.concat([Buffer.from('ustar-ish payload '), randomBytes(200_000), Buffer.alloc(100_000, 'z')]);

describe('compression', () => {
  it('tell formats by their magic bytes', () => {
    assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 0x08, 0])), 'gzip');
    assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
    assert.equal(detectCompression(Buffer.from('ustar')), 'none');
    assert.equal(detectCompression(Buffer.from([0x1f])), 'none');
    assert.equal(detectCompression(Buffer.alloc(0)), 'none');
  });

  it('pass an uncompressed stream through whole, however it is chunked, even when tiny or empty', async () => {
    assert.ok((await collect(await decompress(chunked(data, 4)))).equals(data));
    assert.ok((await collect(await decompress(Readable.from([data])))).equals(data));
    assert.deepEqual(await collect(await decompress(Readable.from([Buffer.from('ab')]))), Buffer.from('ab'));
    assert.deepEqual(await collect(await decompress(Readable.from([]))), Buffer.alloc(0));
  });

  it('gunzip, and call corrupt or truncated gzip bad input', async () => {
    const gz = gzipSync(data);
    assert.ok((await collect(await decompress(chunked(gz, 1000)))).equals(data));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xaa, 100, 200);
    await assert.rejects(collect(await decompress(Readable.from([corrupt]))), (err) => isTugError(err, 'InvalidParameter') && /^cannot decompress: gzip: /.test(err.message));
    await assert.rejects(collect(await decompress(Readable.from([gz.subarray(0, gz.length / 2)]))), (err) => isTugError(err, 'InvalidParameter'));
  });

  for (const tool of ['bzip2', 'xz', 'zstd'] as const) {
    it(`decompress ${tool} through the tool, and fail on corrupt or truncated input`, { skip: !hasTool(tool) && `${tool} is not installed` }, async () => {
      const packed = compressWith(tool, data);
      assert.equal(detectCompression(packed), tool);
      const out = await collect(await decompress(chunked(packed, 7000)));
      assert.equal(createHash('sha256').update(out).digest('hex'), createHash('sha256').update(data).digest('hex'));
      const corrupt = Buffer.from(packed);
      corrupt.fill(0x55, 40, 400);
      await assert.rejects(collect(await decompress(Readable.from([corrupt]))), (err) => isTugError(err, 'InvalidParameter') && err.message.startsWith(`cannot decompress: ${tool} -dc failed: `));
      await assert.rejects(collect(await decompress(Readable.from([packed.subarray(0, packed.length - 50)]))), (err) => isTugError(err, 'InvalidParameter'));
    });
  }

  it('say so when the tool is missing', { skip: !hasTool('xz') && 'xz is not installed' }, async () => {
    const packed = compressWith('xz', Buffer.from('hello'));
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let out: Readable;
    try {
      out = await decompress(Readable.from([packed]));
    } finally {
      process.env.PATH = path;
    }
    await assert.rejects(collect(out), (err) => err instanceof TugError && err.message === 'cannot decompress: xz is not installed');
  });

  it('stop the tool and the source when the reader gives up early', { skip: !hasTool('zstd') && 'zstd is not installed' }, async () => {
    const source = Readable.from([compressWith('zstd', Buffer.alloc(50 << 20))]);
    const out = await decompress(source);
    for await (const chunk of out) {
      assert.ok((chunk as Buffer).length > 0);
      break; // destroys `out`
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(source.destroyed);
  });
});
