// GET/HEAD /_ping, /version, /info.
import { sendJSON, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

/** What /_ping adds to the headers every response carries (see server.ts). */
const PING_HEADERS: Record<string, string> = {
  'Builder-Version': '1',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'Pragma': 'no-cache',
};

export function registerSystemRoutes(r: Router, s: Services): void {
  const ping = async ({ req, res }: Context) => {
    const body = req.method === 'HEAD' ? '' : 'OK';
    res.writeHead(200, { ...PING_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  r.get('/_ping', ping);
  r.head('/_ping', ping);
  r.get('/version', async ({ res }) => sendJSON(res, 200, s.system.version()));
  r.get('/info', async ({ res }) => sendJSON(res, 200, await s.system.info()));
}
