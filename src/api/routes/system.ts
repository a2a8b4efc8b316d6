// GET/HEAD /_ping, /version, /info.
import { MAX_API_VERSION } from '../version.js';
import { sendJSON, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

export function pingHeaders(): Record<string, string> {
  return {
    'API-Version': MAX_API_VERSION,
    'Builder-Version': '1',
    'Docker-Experimental': 'false',
    'OSType': 'linux',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    'Pragma': 'no-cache',
  };
}

export function registerSystemRoutes(r: Router, s: Services): void {
  const ping = async ({ req, res }: Context) => {
    const body = req.method === 'HEAD' ? '' : 'OK';
    res.writeHead(200, { ...pingHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  r.get('/_ping', ping);
  r.head('/_ping', ping);
  r.get('/version', async ({ res }) => sendJSON(res, 200, s.system.version()));
  r.get('/info', async ({ res }) => sendJSON(res, 200, await s.system.info()));
}
