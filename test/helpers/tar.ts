// Building tar archives in memory for tests: hostile ones included.
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export type TarEntry = Partial<tar.Header> & { name: string; body?: string | Buffer };

export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...h } of entries) pack.entry(h, body ?? '');
  pack.finalize();
  return collect(pack as unknown as Readable);
}
