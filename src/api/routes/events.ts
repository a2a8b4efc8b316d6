// GET /events: headers at once (clients wait for them before reading), then replayed and live
// events as JSON lines until `until`, or until the client goes away.
import type { ServerResponse } from 'node:http';
import { IMAGE_CREATE_ADDED_IN, LEGACY_FIELDS_REMOVED_IN, encodeEvent, parseEventWindow } from '../../events/index.js';
import { queryFilters } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';
import { compareVersions } from '../version.js';

/** Waits until the socket takes more, so a slow reader backs up into its bounded queue. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function registerEventRoutes(r: Router, { events }: Services): void {
  r.get('/events', async ({ res, query, version, signal }) => {
    const window = parseEventWindow(query.get('since') ?? '', query.get('until') ?? '');
    const filters = queryFilters(query);
    const legacy = compareVersions(version, LEGACY_FIELDS_REMOVED_IN) < 0;
    const hideImageCreate = compareVersions(version, IMAGE_CREATE_ADDED_IN) < 0;
    // Below 1.52 dockerd labels the stream application/json although it is JSON lines.
    res.writeHead(200, { 'Content-Type': legacy ? 'application/json' : 'application/jsonl' });
    res.flushHeaders();
    const sub = events.subscribe({ ...window, filters, signal });
    for await (const msg of sub) {
      if (signal.aborted) break;
      if (hideImageCreate && msg.Type === 'image' && msg.Action === 'create') continue;
      if (!res.write(encodeEvent(msg, { legacy })) && !signal.aborted) await drained(res, signal);
    }
    res.end();
  });
}
