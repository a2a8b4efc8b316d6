// A GET of a container's web server through a published port or its address. A refused connection
// is tried again for a while: `run -d` returns once the process runs, before it listens.
import { get } from 'node:http';

export async function httpGet(host: string, port: number, path = '/index.html'): Promise<string> {
  for (let tries = 0; ; tries++) {
    try {
      return await getOnce(host, port, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || tries >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function getOnce(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
