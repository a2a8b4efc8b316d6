// One tugd per data-root. The lock is an abstract Unix socket named after the data-root:
// the kernel frees it when the process dies, even on kill -9, so no stale lock survives.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { realpath } from 'node:fs/promises';
import { UnavailableError } from '../errors.js';

export async function lockDataRoot(dataRoot: string): Promise<Server> {
  const real = await realpath(dataRoot);
  const name = '\0tug-data-root-' + createHash('sha256').update(real).digest('hex').slice(0, 32);
  const server = createServer((sock) => sock.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UnavailableError(`another tugd is already using data-root ${real}`));
      else reject(err);
    });
    server.listen(name, () => resolve());
  });
  server.unref();
  return server;
}
